"""`dyngrad train`: train a CS231n classifier on Fashion-MNIST or CIFAR-10, write a run folder.

    dyngrad train --model convnet --epochs 3 --train-size 10000 --out runs/demo
    python -m examples.train ...            # the same, from the repository root

The run folder gets metrics.json (config, history, test accuracy, data source, times),
checkpoint.npz (resumable with --resume) and model.npz (the best-on-validation
parameters), and pictures: loss/accuracy curves, first-layer filters (and, when the
plotting helpers are available, the graph and the other diagnostics).
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

MODELS = ("softmax", "svm", "two_layer", "fc", "convnet")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
DATASETS = ("fashion-mnist", "cifar10")
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"

# Per-model defaults, tuned on Fashion-MNIST (docs/results.md); every one can be overridden.
DEFAULTS = {
    "softmax": dict(epochs=10, batch_size=128, lr=1e-3, lr_decay=0.9, reg=1e-4, weight_scale=1e-3),
    "svm": dict(epochs=10, batch_size=128, lr=1e-3, lr_decay=0.9, reg=1e-4, weight_scale=1e-3),
    "two_layer": dict(epochs=10, batch_size=128, lr=1e-3, lr_decay=0.85, reg=1e-4,
                      weight_scale=1e-2, hidden_dims=[256]),
    "fc": dict(epochs=20, batch_size=128, lr=1e-3, lr_decay=0.85, reg=1e-4, weight_scale=5e-2,
               hidden_dims=[512, 512, 512], dropout=0.2),
    "convnet": dict(epochs=6, batch_size=128, lr=2e-3, lr_decay=0.8, reg=1e-4, weight_scale=5e-2,
                    num_filters=32, filter_size=7, hidden_dims=[100]),
}


class UsageError(Exception):
    """A problem the user can fix; printed without a traceback."""


EXAMPLES = """examples:
  dyngrad train --model softmax --epochs 1             a few seconds: a linear classifier
  dyngrad train --model convnet --epochs 3 --train-size 20000 --out runs/demo
                                                       the demo (make demo), under a minute
  dyngrad train --model fc --optimizer adam --lr 1e-3  the fully-connected net
  dyngrad train --out runs/demo --epochs 5 --resume    continue a run for two more epochs
"""


class _Help(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default: the value, or each model's when per model."""

    def _get_help_string(self, action):
        text = action.help or ""
        if ("default" in text or not action.option_strings
                or any(action.default is v for v in (None, False, argparse.SUPPRESS))):
            return text
        return f"{text} (default: {action.default})".lstrip()


def _per_model(name, show=str):
    """'softmax 10, svm 10, ...': the per-model defaults of one option, for --help."""
    values = {m: show(d[name]) for m, d in DEFAULTS.items() if name in d}
    return "default per model: " + ", ".join(f"{m} {v}" for m, v in values.items())


def _widths(dims):
    return ",".join(map(str, dims))


def build_parser(prog="dyngrad train"):
    parser = argparse.ArgumentParser(
        prog=prog, formatter_class=_Help, epilog=EXAMPLES,
        description="Train a CS231n classifier (dyngrad) and write a run folder: metrics.json,\n"
                    "checkpoint.npz, model.npz and pictures (curves, filters, mistakes, confusion\n"
                    "matrix, the graph of one training step).")
    parser.add_argument("--model", choices=MODELS, default="convnet", help="which classifier")
    parser.add_argument("--dataset", choices=DATASETS, default="fashion-mnist",
                        help="Fashion-MNIST: the full set when found, else the embedded subset")
    parser.add_argument("--epochs", type=_positive_int, help=_per_model("epochs"))
    parser.add_argument("--batch-size", type=_positive_int, help=_per_model("batch_size"))
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adam",
                        help="momentum is SGD with momentum 0.9")
    parser.add_argument("--lr", type=_positive_float,
                        help="learning rate; " + _per_model("lr", "{:g}".format))
    parser.add_argument("--lr-decay", type=_positive_float,
                        help="multiply the learning rate by this after every epoch; "
                             + _per_model("lr_decay"))
    parser.add_argument("--weight-decay", "--reg", dest="reg", type=_non_negative_float,
                        help="L2 strength: the models add 0.5 * reg * sum(W**2) to the loss; "
                             + _per_model("reg", "{:g}".format))
    parser.add_argument("--weight-scale", type=_positive_float,
                        help="std of the initial weights (CS231n's weight_scale); "
                             + _per_model("weight_scale", "{:g}".format))
    parser.add_argument("--hidden-dims", type=_int_list,
                        help="comma-separated hidden layer widths, e.g. 256,256,256; "
                             + _per_model("hidden_dims", _widths))
    parser.add_argument("--dropout", type=_probability,
                        help="drop probability for --model fc (default 0.2)")
    parser.add_argument("--no-batchnorm", action="store_true",
                        help="--model fc without batch norm (default: with)")
    parser.add_argument("--num-filters", type=_positive_int,
                        help="--model convnet filters (default 32)")
    parser.add_argument("--filter-size", type=_positive_int,
                        help="--model convnet kernel size (default 7)")
    parser.add_argument("--data-dir", type=Path,
                        help="folder holding the dataset files (Fashion-MNIST: the four IDX "
                             ".gz files; CIFAR-10: cifar-10-batches-py); default for "
                             "Fashion-MNIST: $DYNGRAD_DATA, /usr/share/datasets/fashion-mnist, "
                             "the user cache, else the embedded subset")
    parser.add_argument("--download", action="store_true",
                        help="Fashion-MNIST: when the full set is not found, download it "
                             "(MD5-checked) into --data-dir or the user cache (default: "
                             "no download)")
    parser.add_argument("--train-size", type=_positive_int,
                        help="use at most this many training images (default: all)")
    parser.add_argument("--val-size", type=_positive_int,
                        help="validation images held out of the training set "
                             "(default: 10%%, at most 5000)")
    parser.add_argument("--out", type=Path,
                        help="run folder (default: a new runs/<model>-<date>-<time> in the "
                             "current folder)")
    parser.add_argument("--seed", type=_non_negative_int, default=0, help="seeds everything")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                        help="floating-point type of the data and the parameters (float64 "
                             "for exact comparisons, e.g. of a --distributed run)")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over MPI ranks: run as `mpirun -n K dyngrad train "
                             "--distributed ...`; --batch-size is the global batch, sharded over "
                             "the ranks (needs dyngrad[mpi]; docs/scale.md; default: one "
                             "process)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from <out>/checkpoint.npz (needs --out; default: start anew)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar or epoch lines (default: a bar on a terminal, "
                             "one line per epoch otherwise)")
    return parser


def parse_args(argv=None, prog="dyngrad train"):
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    _check_model_flags(parser, args)
    for name, value in DEFAULTS[args.model].items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)
    if args.download and args.dataset != "fashion-mnist":
        parser.error("--download fetches Fashion-MNIST only; for CIFAR-10 download and "
                     f"extract {CIFAR10_URL} and pass --data-dir")
    if args.out is None:
        if args.resume:
            parser.error("--resume needs --out: the run folder to continue")
        args.out = Path("runs") / f"{args.model}-{time.strftime('%Y%m%d-%H%M%S')}"
    _check_out(parser, args.out)
    return args


# The model-specific flags, and the models they apply to.
MODEL_FLAGS = {
    "hidden_dims": ("two_layer", "fc", "convnet"),
    "dropout": ("fc",),
    "no_batchnorm": ("fc",),
    "num_filters": ("convnet",),
    "filter_size": ("convnet",),
}


def _check_model_flags(parser, args):
    """A model-specific flag given for another model is an error, not silently ignored."""
    for name, models in MODEL_FLAGS.items():
        if getattr(args, name) not in (None, False) and args.model not in models:
            flag = "--" + name.replace("_", "-")
            parser.error(f"{flag} applies to --model {' / '.join(models)} only, "
                         f"not --model {args.model}")
    if args.model in ("two_layer", "convnet") and args.hidden_dims and len(args.hidden_dims) != 1:
        parser.error(f"--model {args.model} has one hidden layer: give --hidden-dims one width, "
                     f"got {','.join(map(str, args.hidden_dims))}")


def _check_out(parser, out):
    """The run folder must be creatable and writable; found now, not after training."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing == out and not out.is_dir():
        parser.error(f"--out {out} is a file, not a folder: pass a folder for the run")
    if existing != out and not existing.is_dir():
        parser.error(f"--out {out}: {existing} is a file, so the folder can't be created")
    if not os.access(existing, os.W_OK | os.X_OK):
        parser.error(f"--out {out}: cannot write in {existing} (permission denied); "
                     "pass a folder you can write to")


def main(argv=None, prog="dyngrad train"):
    """The command line: a bare call prints the help (a run takes minutes; ask for one)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        build_parser(prog).print_help()
        return 0
    args = parse_args(argv, prog)
    try:
        return run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted; continue with the same command plus --resume "
              f"(checkpoint in {args.out})", file=sys.stderr)
        return 130


def run(args, callbacks=()):
    """Train as the parsed ``args`` say and write the run folder; ``callbacks`` go to fit
    (the sweep's pruner). With --distributed, rank 0 alone writes and prints."""
    if args.distributed:
        from nn.parallel import DistributedDataParallel, abort_on_failure

        try:
            ddp = DistributedDataParallel.from_mpi()
        except ImportError as error:
            raise UsageError(f"--distributed: {error}")
        with abort_on_failure(ddp.comm, "dyngrad train --distributed", advice=(
                f"restart the same command with --resume to continue from {args.out}")):
            return _run(args, [*callbacks, ddp], rank0=ddp.rank == 0)
    return _run(args, callbacks)


def _run(args, callbacks, rank0=True):
    import nn
    from nn.train import CheckpointError, evaluate, fit

    started = time.perf_counter()
    data = load_data(args)
    if args.dtype != "float32":
        data.update({key: data[key].astype(args.dtype) for key in ("X_train", "X_val", "X_test")})
    try:  # after the data (a bad --data-dir leaves no empty run folder), before training
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--out {args.out}: cannot create the run folder ({error.strerror}); "
                         "pass a folder you can write to")
    say = (lambda *a: None) if args.quiet or not rank0 else print
    say(f"data: {data['source']}")
    say(f"train {len(data['X_train'])}, validation {len(data['X_val'])}, "
        f"test {len(data['X_test'])} images")

    nn.manual_seed(args.seed)
    model = build_model(args, data["X_train"].shape[1:])
    if args.dtype != "float32":
        _cast(model, args.dtype)
    # Seeded, so a resumed run rebuilds the same initial weights: what the filters moved from.
    first = _first_layer(model)
    initial = None if first is None else first.weight.data.copy()
    optimizer = build_optimizer(args, model)
    scheduler = nn.optim.ExponentialLR(optimizer, gamma=args.lr_decay)
    say(f"model: {type(model).__name__}, {count_parameters(model):,} parameters; "
        f"run folder {args.out}")

    train_started = time.perf_counter()
    try:  # fit loads the checkpoint before it trains, so a bad one fails at once
        history = fit(model, optimizer, data["X_train"], data["y_train"], data["X_val"],
                      data["y_val"], epochs=args.epochs, batch_size=args.batch_size,
                      lr_scheduler=scheduler, checkpoint_dir=args.out, resume=args.resume,
                      seed=args.seed, quiet=args.quiet or not rank0, callbacks=callbacks,
                      write_checkpoints=rank0)
    except CheckpointError as error:
        advice = ("delete it, or leave out --resume to start over" if error.corrupt else
                  "use another --out, or leave out --resume to start over")
        raise UsageError(f"cannot resume: {error}\n({advice})")
    train_time = time.perf_counter() - train_started
    test_acc = evaluate(model, data["X_test"], data["y_test"])
    if not rank0:
        return 0
    print(f"test accuracy: {test_acc:.4f} ({len(data['X_test'])} test images; "
          f"best validation accuracy {history['best_val_acc']} at epoch {history['best_epoch']})")

    metrics = {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "model": type(model).__name__,
        "num_parameters": count_parameters(model),
        "data_source": data["source"],
        "sizes": {split: len(data[f"X_{split}"]) for split in ("train", "val", "test")},
        "test_acc": test_acc,
        "best_val_acc": history["best_val_acc"],
        "best_epoch": history["best_epoch"],
        "train_time_s": train_time,
        "epoch_time_s": sum(history["time"]),
        "history": history,
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "cpus": os.cpu_count()},
    }
    if initial is not None:
        metrics["first_layer_change"] = weight_change(initial, _first_layer(model).weight.data)
        say("first layer: correlation with its initialisation {correlation:.2f}, relative "
            "change {relative_change:.2f}".format(**metrics["first_layer_change"]))
    pictures = write_pictures(args.out, model, history, data, data["class_names"], say,
                              metrics.get("first_layer_change"))
    metrics["total_time_s"] = time.perf_counter() - started
    metrics["files"] = sorted(["metrics.json", "checkpoint.npz", "model.npz", *pictures])
    _write_json(args.out / "metrics.json", metrics)
    say(f"wrote {', '.join(metrics['files'])} to {args.out} "
        f"(training {train_time:.0f}s, total {metrics['total_time_s']:.0f}s)")
    return 0


# ---------------------------------------------------------------------------- data

def load_data(args):
    """Train/val/test arrays, normalised with training statistics, and a source line."""
    from nn.data import (CIFAR10_CLASSES, FASHION_MNIST_CLASSES, load_cifar10,
                         normalize_per_channel)

    if args.dataset == "fashion-mnist":
        X_train, y_train, X_test, y_test, source = _load_fashion_mnist(args)
    else:
        if args.data_dir is None:
            raise UsageError(
                "--dataset cifar10 needs --data-dir: download and extract "
                f"{CIFAR10_URL} and pass the folder holding cifar-10-batches-py")
        try:
            X_train, y_train, X_test, y_test = load_cifar10(args.data_dir)
        except (FileNotFoundError, ValueError) as error:
            raise UsageError(f"{error}\n(CIFAR-10 python batches: {CIFAR10_URL})")
        source = f"CIFAR-10 ({len(X_train)} train images from {args.data_dir})"

    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(X_train))
    val_size = args.val_size or min(5000, max(1, len(X_train) // 10))
    if val_size >= len(X_train):
        raise UsageError(f"--val-size {val_size} leaves no training images "
                         f"out of {len(X_train)}")
    val_idx, train_idx = order[:val_size], order[val_size:]
    if args.train_size:
        train_idx = train_idx[:args.train_size]
        if args.train_size > len(train_idx):
            source += f"; --train-size {args.train_size} capped at {len(train_idx)}"
    train_idx.sort()
    X_val, y_val = X_train[val_idx], y_train[val_idx]
    X_train, y_train = X_train[train_idx], y_train[train_idx]

    X_train, mean, std = normalize_per_channel(X_train)
    X_val, _, _ = normalize_per_channel(X_val, mean, std)
    X_test, _, _ = normalize_per_channel(X_test, mean, std)
    class_names = FASHION_MNIST_CLASSES if args.dataset == "fashion-mnist" else CIFAR10_CLASSES
    return dict(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val,
                X_test=X_test, y_test=y_test, source=source, class_names=list(class_names))


def _load_fashion_mnist(args):
    """The full set (found, or downloaded with --download), else the embedded subset."""
    from nn.data import (download_fashion_mnist, fashion_mnist, fashion_mnist_source,
                         load_fashion_mnist, load_fashion_mnist_subset)

    try:
        folder = fashion_mnist_source(args.data_dir)
    except FileNotFoundError as error:
        if args.download:
            try:
                folder = download_fashion_mnist(args.data_dir)
            except (OSError, ValueError) as download_error:
                raise UsageError(f"cannot download Fashion-MNIST from {fashion_mnist.FASHION_MNIST_URL}: "
                                 f"{download_error}\n(check the network, or install the "
                                 "Debian package dataset-fashion-mnist)")
        elif args.data_dir is not None:
            raise UsageError(f"{error}\n(pass --download to fetch it there, or leave out "
                             "--data-dir to use the embedded subset)")
        else:
            X_train, y_train = load_fashion_mnist_subset("train")
            X_test, y_test = load_fashion_mnist_subset("test")
            return X_train, y_train, X_test, y_test, (
                f"Fashion-MNIST embedded subset ({len(X_train)} train images; full set not "
                "found: pass --download, or apt-get install dataset-fashion-mnist)")
    try:
        X_train, y_train = load_fashion_mnist(folder, "train")
        X_test, y_test = load_fashion_mnist(folder, "test")
    except (FileNotFoundError, ValueError) as error:
        raise UsageError(str(error))
    return X_train, y_train, X_test, y_test, (
        f"Fashion-MNIST full set ({len(X_train)} train images from {folder})")


# ---------------------------------------------------------------------------- model, optimizer

def build_model(args, image_shape):
    from nn import models

    input_dim = int(np.prod(image_shape))
    common = dict(num_classes=10, weight_scale=args.weight_scale, reg=args.reg)
    if args.model == "softmax":
        return models.SoftmaxClassifier(input_dim, **common)
    if args.model == "svm":
        return models.LinearSVM(input_dim, **common)
    if args.model == "two_layer":
        return models.TwoLayerNet(input_dim, args.hidden_dims[0], **common)
    if args.model == "fc":
        return models.FullyConnectedNet(
            args.hidden_dims, input_dim, dropout=args.dropout or 0.0,
            normalization=None if args.no_batchnorm else "batchnorm", **common)
    return models.ThreeLayerConvNet(
        tuple(image_shape), num_filters=args.num_filters, filter_size=args.filter_size,
        hidden_dim=args.hidden_dims[0], **common)


def build_optimizer(args, model):
    import nn

    params = model.parameters()
    if args.optimizer == "sgd":
        return nn.optim.SGD(params, lr=args.lr)
    if args.optimizer == "momentum":
        return nn.optim.SGD(params, lr=args.lr, momentum=0.9)
    if args.optimizer == "rmsprop":
        return nn.optim.RMSprop(params, lr=args.lr)
    return nn.optim.Adam(params, lr=args.lr)


def _cast(model, dtype):
    """Convert the model's floating-point parameters and buffers to ``dtype`` in place."""
    for module in model.modules():
        for param in module._parameters.values():
            if param is not None and param.data.dtype.kind == "f":
                param.data = param.data.astype(dtype)
        for name, buffer in list(module._buffers.items()):
            if buffer is not None and np.asarray(buffer).dtype.kind == "f":
                setattr(module, name, np.asarray(buffer).astype(dtype))   # re-registers it


def count_parameters(model):
    return int(sum(p.data.size for p in model.parameters()))


# ---------------------------------------------------------------------------- pictures

def weight_change(initial, final):
    """How far training moved a weight array: the correlation of the final weights with the
    initial ones (1: still the initialisation) and ||final - initial|| / ||initial||."""
    a = np.asarray(initial, dtype=np.float64).ravel()
    b = np.asarray(final, dtype=np.float64).ravel()
    correlation = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")
    relative = float(np.linalg.norm(b - a) / max(np.linalg.norm(a), 1e-12))
    return {"correlation": correlation, "relative_change": relative}


def write_pictures(out, model, history, data, class_names, say, change=None):
    """Write the run's pictures (nn.plots, autograd.viz); return their file names.

    The graph needs graphviz's `dot`; without it the run still succeeds and says why
    graph.svg is missing (graph.dot, the DOT text, is written either way).
    """
    from nn import models, plots
    from nn.train import predict

    image_shape = data["X_train"].shape[1:]
    short = [name.split("/")[0] for name in class_names]
    plots.plot_history(history, path=out / "curves.png")
    written = ["curves.png"]

    first = _first_layer(model)
    epochs = len(history["val_acc"])
    moved = "" if change is None else (f"; correlation with the initial weights "
                                       f"{change['correlation']:.2f}")
    after = f"after {epochs} epoch{'s' * (epochs != 1)}{moved}"
    if first is not None and first.weight.ndim == 4:
        f, c, kh, kw = first.weight.shape
        plots.plot_conv_filters(first.weight, path=out / "filters.png", title=(
            f"{f} first-layer filters, {kh}\u00d7{kw}, {c} channel(s)\n{after}"))
    elif first is not None and isinstance(model, (models.SoftmaxClassifier, models.LinearSVM)):
        # a linear classifier: each row is a class template (CS231n)
        plots.plot_weight_templates(first.weight, image_shape, class_names=short,
                                    path=out / "filters.png",
                                    title=f"class templates (the weights of each class), {after}",
                                    figsize=(10, 2.9))
    elif first is not None:
        # a hidden layer: each unit's input weights are an image-sized template, not a filter
        units = first.weight.data[:64]
        size = "\u00d7".join(map(str, image_shape[1:] if image_shape[0] == 1 else image_shape))
        plots.plot_conv_filters(units.reshape(-1, *image_shape), path=out / "filters.png",
                                title=(f"input weights of {len(units)} of {first.weight.shape[0]} "
                                       f"first-layer units, as {size} images\n{after}"))
    if first is not None:
        written.append("filters.png")

    pred = predict(model, data["X_test"])
    plots.plot_misclassified(data["X_test"], data["y_test"], pred, class_names=short,
                             path=out / "misclassified.png")
    plots.plot_confusion_matrix(data["y_test"], pred, class_names=short, normalize=True,
                                path=out / "confusion.png")
    written += ["misclassified.png", "confusion.png"]

    written += _write_graph(out, model, data, say)
    return written


def _write_graph(out, model, data, say):
    """Draw one training step on two images (graph.dot; graph.svg and graph.png when `dot`
    exists), one box per layer call, labelled with the batch it was drawn on.

    Parameters are named and layers grouped; the step's side effects (batch-norm
    statistics, gradients) are undone afterwards. Returns the file names written.
    """
    from autograd import Tensor
    from autograd.viz import GraphvizNotFound, draw_graph

    state = model.state_dict()
    model.train()
    loss = model.loss(model(Tensor(data["X_train"][:2])), data["y_train"][:2])
    loss.backward()
    graph = draw_graph(loss, model=model, names={"loss": loss}, show_grads=True)
    graph.attr(label=f"{type(model).__name__}: one training step on the first 2 training "
                     "images (a batch of 2, train mode), drawn after backward; gradients of "
                     "the parameters in red", labelloc="t", fontsize="12")
    (out / "graph.dot").write_text(graph.source)
    written = ["graph.dot"]
    try:
        for fmt in ("svg", "png"):
            graph.render(out / "graph", format=fmt)
            written.append(f"graph.{fmt}")
    except GraphvizNotFound as error:
        say(f"graph.svg and graph.png skipped: {error}")
    model.load_state_dict(state)
    model.zero_grad()
    model.eval()
    return written


def _first_layer(model):
    """The first Conv2d or Linear layer of the model."""
    import nn

    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            return module
    return None


# ---------------------------------------------------------------------------- helpers

def _write_json(path, obj):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2))
    os.replace(tmp, path)


def _number(text, kind, check, requirement):
    """Parse ``text`` as ``kind``; argparse shows the message (not the function name) on error."""
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not check(value):
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
    return value


def _positive_int(text):
    return _number(text, int, lambda v: v > 0, "a positive integer")


def _non_negative_int(text):
    return _number(text, int, lambda v: v >= 0, "a non-negative integer")


def _positive_float(text):
    return _number(text, float, lambda v: v > 0 and np.isfinite(v), "a positive number")


def _non_negative_float(text):
    return _number(text, float, lambda v: v >= 0 and np.isfinite(v), "a number >= 0")


def _probability(text):
    from nn.functional import check_dropout_probability

    value = _number(text, float, np.isfinite, "a number in [0, 1)")
    try:
        return check_dropout_probability(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}") from None


def _int_list(text):
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"widths must be positive, got {text!r}")
    return values


if __name__ == "__main__":
    sys.exit(main(prog="python -m dyngrad.train"))
