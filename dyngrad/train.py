"""`dyngrad train`: train a CS231n classifier on Fashion-MNIST or CIFAR-10, write a run folder.

    dyngrad train --model convnet --epochs 3 --train-size 10000 --out runs/demo
    python -m examples.train ...            # the same, from the repository root

The run folder gets metrics.json (config, history, test accuracy, data source, times),
checkpoint.npz (resumable with --resume) and model.npz (the best-on-validation
parameters), and pictures: loss/accuracy curves, first-layer filters (and, when the
plotting helpers are available, the graph and the other diagnostics).

Every file is written atomically (nn.serialization.write_atomic / nn.save: a locked temp
file beside it, then os.replace; never through a symlink), and metrics.json is strict JSON
(a nan or inf is written as null, and "non_finite_as_null" says where).

Exit status: 0 trained, 1 the run diverged (a non-finite loss; metrics.json says so),
2 a usage error (nothing trained), 3 a file could not be written (the message names it and
the cause, e.g. a full disk; the previous file is intact), 130 interrupted (Ctrl-C; the
message says whether a checkpoint exists to --resume from).

One run at a time uses a folder (a lock in <out>/run.lock, see runs.run_lock), and a
Ctrl-C during training writes metrics.json with the finished epochs, "status":
"interrupted".
"""

import argparse
import hashlib
import math
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from .augment import AUGMENT_PADDING, AUGMENTATIONS
from .pictures import first_layer, weight_change, write_pictures
from .runs import (LOCK_NAME, RunState, UsageError, checkpoint_epoch, interrupted,
                   make_run_folder, remove_previous_run, run_files_in, run_lock, write_json)

MODELS = ("softmax", "svm", "two_layer", "fc", "convnet", "bn_convnet")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
DATASETS = ("fashion-mnist", "cifar10")
FEATURES = ("pixels", "hog", "hog+pixels")
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
NONFINITE_CHOICES = {"stop": "raise", "continue": "continue"}   # --on-nonfinite-loss -> fit's
EXIT_DIVERGED, EXIT_USAGE, EXIT_WRITE, EXIT_INTERRUPTED = 1, 2, 3, 130

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
    # no weight_scale: the layers' PyTorch initialisation (nn.models.BatchNormConvNet)
    "bn_convnet": dict(epochs=18, batch_size=128, lr=1e-3, lr_decay=0.82, reg=1e-4,
                       num_filters=32, filter_size=3, convs_per_block=1, hidden_dims=[256],
                       dropout=0.3, augment=["crop", "flip"]),
}


EXAMPLES = """examples:
  dyngrad train --model softmax --epochs 1             a few seconds: a linear classifier
  dyngrad train --model convnet --epochs 3 --train-size 20000 --out runs/demo
                                                       the demo (make demo), under a minute
  dyngrad train --model fc --optimizer adam --lr 1e-3  the fully-connected net
  dyngrad train --model convnet --epochs 5 --train-size 20000 --out runs/demo --resume
                                                       continue the demo for two more epochs
                                                       (the same flags but --epochs, the total)
  dyngrad train --lr 1e-3 --out runs/demo --overwrite  replace the run in runs/demo

exit status: 0 trained; 1 the run diverged (loss nan or inf; see --on-nonfinite-loss);
2 usage error, nothing trained; 3 a file of the run could not be written (full disk,
permissions); 130 interrupted (Ctrl-C)
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
                        help="drop probability for --model fc / bn_convnet; "
                             + _per_model("dropout"))
    parser.add_argument("--features", choices=FEATURES,
                        help="--model softmax / svm / two_layer / fc input: the pixels, "
                             "histograms of oriented gradients (nn.features.HOG: 9 orientation "
                             "bins per 4x4-pixel cell, CS231n's features exercise), or both "
                             "(default: pixels)")
    parser.add_argument("--no-batchnorm", action="store_true",
                        help="--model fc without batch norm (default: with)")
    parser.add_argument("--num-filters", type=_positive_int,
                        help="--model convnet filters; bn_convnet: of the first block, doubled "
                             "in the second (default 32)")
    parser.add_argument("--filter-size", type=_positive_int,
                        help="--model convnet / bn_convnet kernel size; "
                             + _per_model("filter_size"))
    parser.add_argument("--convs-per-block", type=_positive_int,
                        help="--model bn_convnet: convolutions (each with batch norm and ReLU) "
                             "before each 2x2 max pool; 2 makes a small VGG with 3.4x the "
                             "compute (default 1)")
    parser.add_argument("--augment", type=_augment_list,
                        help="comma-separated training-batch augmentations: crop (a random "
                             f"crop after padding the border by {AUGMENT_PADDING} pixels, edge "
                             "values), flip (a left-right mirror, p = 0.5), or none; "
                             + _per_model("augment", _widths) + ", none for the others")
    parser.add_argument("--data-dir", type=_folder,
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
    parser.add_argument("--out", type=_folder,
                        help="run folder (default: a new runs/<model>-<date>-<time> in the "
                             "current folder); one that already holds a run is refused "
                             "unless --resume or --overwrite")
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
                        help="continue from <out>/checkpoint.npz (needs --out; every training "
                             "flag must match the checkpoint's, except --epochs, the total to "
                             "train to; default: start anew)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the run in --out: its files are removed before training "
                             "(default: refuse an --out that holds a run)")
    parser.add_argument("--on-nonfinite-loss", choices=NONFINITE_CHOICES, default="stop",
                        help="when a training loss is nan or inf (the run diverged): stop "
                             "with exit status 1, or continue training and say so")
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
    _check_batchnorm(parser.error, args, args.train_size)
    if args.resume and args.overwrite:
        parser.error("--resume continues the run in --out, --overwrite replaces it: pass one")
    # A default folder is new (created exclusively, see _make_run_folder); an explicit one may
    # hold a run already.
    args.fresh_out = args.out is None
    if args.distributed and args.out is None:
        parser.error("--distributed needs --out: every rank writes and resumes in one run folder")
    if args.out is None:
        for flag in ("resume", "overwrite"):
            if getattr(args, flag):
                parser.error(f"--{flag} needs --out: the run folder to "
                             + ("continue" if flag == "resume" else "replace"))
        args.out = Path("runs") / f"{args.model}-{_timestamp()}"
    _check_out(parser, args.out)
    if not (args.fresh_out or args.resume or args.overwrite):
        found = run_files_in(args.out)
        if found:
            parser.error(f"--out {args.out} already holds a run ({', '.join(found)}): pass "
                         "--resume to continue it, --overwrite to replace it, or another --out")
    return args


def _timestamp():
    return time.strftime("%Y%m%d-%H%M%S")


def _check_batchnorm(error, args, train_images):
    """Batch norm can't train on a batch of one image (no variance to normalise with)."""
    if args.model != "fc" or args.no_batchnorm:
        return
    if args.batch_size == 1:
        error("--batch-size 1: --model fc normalises each batch (batch norm), which needs at "
              "least 2 images per batch; pass --batch-size 2 or more, or --no-batchnorm")
    if train_images == 1:
        error("--model fc normalises each batch (batch norm), which needs at least 2 training "
              "images, and this run has 1; pass --train-size 2 or more, or --no-batchnorm")


# The model-specific flags, and the models they apply to.
MODEL_FLAGS = {
    "hidden_dims": ("two_layer", "fc", "convnet", "bn_convnet"),
    "dropout": ("fc", "bn_convnet"),
    "no_batchnorm": ("fc",),
    "features": ("softmax", "svm", "two_layer", "fc"),
    "num_filters": ("convnet", "bn_convnet"),
    "filter_size": ("convnet", "bn_convnet"),
    "convs_per_block": ("bn_convnet",),
}


def _check_model_flags(parser, args):
    """A model-specific flag given for another model is an error, not silently ignored."""
    for name, models in MODEL_FLAGS.items():
        if getattr(args, name) not in (None, False) and args.model not in models:
            flag = "--" + name.replace("_", "-")
            parser.error(f"{flag} applies to --model {' / '.join(models)} only, "
                         f"not --model {args.model}")
    if (args.model in ("two_layer", "convnet", "bn_convnet") and args.hidden_dims
            and len(args.hidden_dims) != 1):
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
    state = RunState()
    try:
        return run(args, state)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"\ninterrupted: {interrupted(args, state)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:    # nn.save / write_atomic name the user's file and the cause
        print(f"error: {error}\nthe run stopped: {interrupted(args, state)}", file=sys.stderr)
        return EXIT_WRITE


def run(args, state=None, callbacks=()):
    """Train as the parsed ``args`` say and write the run folder; ``callbacks`` go to fit
    (the sweep's pruner). With --distributed, rank 0 alone writes and prints, and each rank
    evaluates its shard of the validation and test sets."""
    if args.distributed:
        from nn.parallel import DistributedDataParallel, abort_on_failure

        try:
            ddp = DistributedDataParallel.from_mpi()
        except ImportError as error:
            raise UsageError(f"--distributed: {error}")
        with abort_on_failure(ddp.comm, "dyngrad train --distributed", advice=(
                f"restart the same command with --resume to continue from {args.out}")):
            return _run(args, state, [*_augmentation(args), *callbacks, ddp],
                        rank0=ddp.rank == 0, evaluate_fn=ddp.evaluate)
    return _run(args, state, [*_augmentation(args), *callbacks])


def _augmentation(args):
    """--augment as fit callbacks (before the data-parallel one: every rank augments the
    same global batch, then keeps its shard)."""
    from .augment import Augment

    return [Augment(args.augment, args.seed)] if args.augment else []


def _run(args, state, callbacks, rank0=True, evaluate_fn=None):
    """Load the data, then (rank 0) make the run folder and train holding its lock;
    `evaluate_fn` measures accuracy instead of nn.train.evaluate (sharded under --distributed)."""
    state = state or RunState()
    started = time.perf_counter()
    data = load_data(args)
    _check_batchnorm(_raise_usage, args, len(data["X_train"]))
    say = (lambda *a: None) if args.quiet or not rank0 else print
    if not rank0:  # the other ranks share rank 0's folder (--distributed needs --out)
        return _train(args, state, callbacks, data, started, say, rank0, evaluate_fn)
    make_run_folder(args, state)
    with run_lock(args.out) as previous_owner:
        say(f"data: {data['source']}")
        say(f"train {len(data['X_train'])}, validation {len(data['X_val'])}, "
            f"test {len(data['X_test'])} images")
        if previous_owner is not None:
            say(f"{args.out / LOCK_NAME}: took over the lock of pid {previous_owner}, which "
                "is no longer running")
        found = run_files_in(args.out)
        if found and not (args.resume or args.overwrite):   # written since parse_args looked
            raise UsageError(f"--out {args.out} now holds a run ({', '.join(found)}), written "
                             "by another dyngrad train since this one started; pass --resume "
                             "to continue it, --overwrite to replace it, or another --out")
        return _train(args, state, callbacks, data, started, say, rank0, evaluate_fn)


def _train(args, state, callbacks, data, started, say, rank0, evaluate_fn):
    """Train and write the run folder (rank 0 holds its lock)."""
    import nn
    from nn.train import (CHECKPOINT_NAME, CheckpointError, NonFiniteLossError,
                          TrainingInterrupted, evaluate, fit)

    resumed_from = _check_resume(args)
    if args.overwrite:
        removed = remove_previous_run(args.out)
        say(f"--overwrite: removed the previous run's {', '.join(removed)} from {args.out}"
            if removed else f"--overwrite: {args.out} held no previous run")

    nn.manual_seed(args.seed)
    model = build_model(args, data["X_train"].shape[1:])
    if args.dtype != "float32":
        _cast(model, args.dtype)
    # Seeded, so a resumed run rebuilds the same initial weights: what the filters moved from.
    first = first_layer(model)
    initial = None if first is None else first.weight.data.copy()
    optimizer = build_optimizer(args, model)
    scheduler = nn.optim.ExponentialLR(optimizer, gamma=args.lr_decay)
    on = "" if args.features in (None, "pixels") else f" on {args.features} (nn.features.HOG)"
    say(f"model: {type(model).__name__}{on}, {count_parameters(model):,} parameters; "
        f"run folder {args.out}")

    train_started = time.perf_counter()
    try:  # fit loads the checkpoint before it trains, so a bad one fails at once
        with warnings.catch_warnings():
            # with --on-nonfinite-loss continue the summary below says it, once, as a CLI would
            warnings.filterwarnings("ignore", message="fit: .* non-finite loss",
                                    category=RuntimeWarning)
            history = fit(model, optimizer, data["X_train"], data["y_train"], data["X_val"],
                          data["y_val"], epochs=args.epochs, batch_size=args.batch_size,
                          lr_scheduler=scheduler, checkpoint_dir=args.out, resume=args.resume,
                          seed=args.seed, quiet=args.quiet or not rank0,
                          on_nonfinite_loss=NONFINITE_CHOICES[args.on_nonfinite_loss],
                          config=training_config(args, data), callbacks=callbacks,
                          write_checkpoints=rank0, evaluate_fn=evaluate_fn)
    except CheckpointError as error:
        advice = ("delete it, or leave out --resume to start over" if error.corrupt else
                  "resume with the checkpoint's flags, or train with these in a new run: "
                  "another --out, or --overwrite")
        raise UsageError(f"cannot resume: {error}\n({advice})")
    except NonFiniteLossError as error:
        if not rank0:
            return EXIT_DIVERGED
        return _diverged(args, error, model, data, resumed_from, started,
                         time.perf_counter() - train_started)
    except TrainingInterrupted as interruption:
        if rank0:
            _interrupted(args, state, interruption, model, data, resumed_from, started,
                         time.perf_counter() - train_started)
        raise
    train_time = time.perf_counter() - train_started
    test_acc = (evaluate_fn or evaluate)(model, data["X_test"], data["y_test"])
    if not rank0:
        return 0
    print(f"test accuracy: {test_acc:.4f} ({len(data['X_test'])} test images; "
          f"best validation accuracy {history['best_val_acc']} at epoch {history['best_epoch']})")
    nonfinite = history.get("nonfinite_losses", 0)
    if nonfinite:
        print(f"warning: {nonfinite} of {len(history['loss'])} training batches had a non-finite "
              "loss (nan or inf) and training went on (--on-nonfinite-loss continue): the run "
              "diverged, so the model and its test accuracy are not to be trusted; try a lower "
              f"--lr (this run: {args.lr:g})", file=sys.stderr)

    metrics = _metrics(args, model, data, history, resumed_from, train_time)
    metrics.update(status="completed" if not nonfinite else "completed with non-finite losses",
                   test_acc=test_acc)
    if initial is not None:
        metrics["first_layer_change"] = weight_change(initial, first_layer(model).weight.data)
        say("first layer: correlation with its initialisation {correlation:.2f}, relative "
            "change {relative_change:.2f}".format(**metrics["first_layer_change"]))
    pictures = write_pictures(args.out, model, history, data, data["class_names"], say,
                              metrics.get("first_layer_change"))
    metrics["total_time_s"] = time.perf_counter() - started
    metrics["files"] = sorted(["metrics.json", CHECKPOINT_NAME, "model.npz", *pictures])
    write_json(args.out / "metrics.json", metrics)
    say(f"wrote {', '.join(metrics['files'])} to {args.out} "
        f"(training {train_time:.0f}s, total {metrics['total_time_s']:.0f}s)")
    return 0


def _raise_usage(message):
    raise UsageError(message)


def _check_resume(args):
    """With --resume: the epochs the checkpoint holds (None without one). Refused before any
    work: --epochs fewer than it holds (--epochs is the total to train to), and a checkpoint
    that records no configuration to compare this run's flags with."""
    import nn
    from nn.train import CHECKPOINT_NAME

    checkpoint = args.out / CHECKPOINT_NAME
    if not (args.resume and checkpoint.is_file()):
        return None
    try:
        saved = nn.load(checkpoint)
        done, config = int(saved["epoch"]), str(saved.get("record", {}).get("config", "null"))
    except (OSError, KeyError, ValueError, TypeError):
        return None                            # corrupt: fit says so
    if config == "null":
        raise UsageError(f"cannot resume: {checkpoint} records no training configuration (it "
                         "was written by an older dyngrad train, or by fit() without config=), "
                         "so this run can't check that its flags match; start a new run "
                         "(another --out, or --overwrite)")
    if args.epochs < done:
        raise UsageError(f"--epochs {args.epochs}: {checkpoint} already holds {done} epochs; "
                         f"--epochs is the total to train to, so pass --epochs {done} or more")
    return done


# Flags that may change on --resume, since none changes what the run computes: --epochs (the
# total; the run goes on to it as an uninterrupted run would), where the data is read from
# (the data itself is compared: its sizes and a digest), what is printed, and the run-folder
# flags. Every other flag is part of the training configuration a checkpoint records.
MAY_CHANGE_ON_RESUME = ("epochs", "data_dir", "download", "train_size", "val_size", "quiet",
                        "out", "fresh_out", "resume", "overwrite")


# Flags added after checkpoints recorded their configuration, with the values that compute
# what the run did before the flag existed: recorded only when set otherwise, so a run
# made before the flag still resumes.
ADDED_FLAGS = {"features": (None, "pixels"), "convs_per_block": (None, 1)}


def training_config(args, data):
    """The configuration fit() records in each checkpoint and compares on --resume: every
    training flag by its name on the command line (ADDED_FLAGS only when not at their old
    meaning), and the data trained on."""
    flags = {action.dest: action.option_strings[0] for action in build_parser()._actions
             if action.option_strings}
    config = {flags[name]: value for name, value in sorted(vars(args).items())
              if name not in MAY_CHANGE_ON_RESUME
              and value not in ADDED_FLAGS.get(name, ())}
    config["training images (--train-size)"] = len(data["X_train"])
    config["validation images (--val-size)"] = len(data["X_val"])
    config["data (sha256 of the training and validation arrays)"] = data["digest"]
    return config


def _metrics(args, model, data, history, resumed_from, train_time):
    """The part of metrics.json every outcome shares."""
    metrics = {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                   if k != "fresh_out"},
        "model": type(model).__name__,
        "num_parameters": count_parameters(model),
        "data_source": data["source"],
        "sizes": {split: len(data[f"X_{split}"]) for split in ("train", "val", "test")},
        "best_val_acc": history["best_val_acc"],
        "best_epoch": history["best_epoch"],
        "epochs_trained": len(history["val_acc"]),
        "nonfinite_losses": history.get("nonfinite_losses", 0),
        "train_time_s": train_time,
        "epoch_time_s": sum(history["time"]),
        "history": history,
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "cpus": os.cpu_count()},
    }
    if resumed_from is not None:
        metrics["resumed_from_epoch"] = resumed_from
    return metrics


def _diverged(args, error, model, data, resumed_from, started, train_time):
    """A non-finite loss stopped the run: say where and what to try, write metrics.json
    saying so, exit with EXIT_DIVERGED."""
    from nn.train import CHECKPOINT_NAME

    checkpoint = args.out / CHECKPOINT_NAME
    saved = checkpoint_epoch(checkpoint) if checkpoint.is_file() else None
    kept = (f"{checkpoint} holds epoch {saved}, the last finished one" if saved else
            "No checkpoint was written (epoch 1 had not finished)")
    where = "" if args.fresh_out else f" (--overwrite to reuse --out {args.out})"
    batches = math.ceil(len(data["X_train"]) / args.batch_size)
    print(f"error: the run diverged: the training loss became {error.loss} at epoch "
          f"{error.epoch}, batch {error.iteration} of {batches}, so training stopped before "
          f"that update. Try a lower learning rate in a new run{where}, e.g. --lr "
          f"{args.lr / 10:g} (this run: --lr {args.lr:g}), or --on-nonfinite-loss continue "
          f"to train on anyway. {kept}; {args.out / 'metrics.json'} says so.", file=sys.stderr)
    metrics = _metrics(args, model, data, error.history, resumed_from, train_time)
    metrics.update(status="diverged", test_acc=None, diverged={
        "epoch": error.epoch, "batch": error.iteration, "loss": error.loss,
        "checkpoint_epoch": saved,
        "advice": f"lower --lr (this run: {args.lr:g}) in a new run, or "
                  "--on-nonfinite-loss continue"})
    metrics["total_time_s"] = time.perf_counter() - started
    metrics["files"] = sorted(["metrics.json"] + ([CHECKPOINT_NAME] if saved else []))
    write_json(args.out / "metrics.json", metrics)
    return EXIT_DIVERGED


def _interrupted(args, state, interruption, model, data, resumed_from, started, train_time):
    """Ctrl-C during training: when a checkpoint exists, metrics.json records the finished
    epochs (the history the checkpoint holds) with "status": "interrupted"."""
    from nn.train import CHECKPOINT_NAME

    saved = checkpoint_epoch(args.out / CHECKPOINT_NAME)
    if saved is None:
        return              # nothing to resume, nothing to record (interrupted() says so)
    metrics = _metrics(args, model, data, interruption.history, resumed_from, train_time)
    metrics.update(status="interrupted", test_acc=None, interrupted={
        "epoch": interruption.epoch, "checkpoint_epoch": saved,
        "resume": f"the same flags plus --out {args.out} --resume"})
    metrics["total_time_s"] = time.perf_counter() - started
    metrics["files"] = sorted({"metrics.json", *run_files_in(args.out)})
    write_json(args.out / "metrics.json", metrics)
    state.metrics_written = True


# ---------------------------------------------------------------------------- data

def load_data(args):
    """Train/val/test arrays, normalised with training statistics, in --dtype, and a source
    line."""
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
    # what was trained on, for --resume: of the arrays as loaded (elementwise scaling only),
    # since the normalisation's sums may round differently on another machine
    digest = hashlib.sha256()
    for array in (X_train, y_train, X_val, y_val):
        digest.update(np.ascontiguousarray(array).data)

    X_train, mean, std = normalize_per_channel(X_train)
    X_val, _, _ = normalize_per_channel(X_val, mean, std)
    X_test, _, _ = normalize_per_channel(X_test, mean, std)
    X_train, X_val, X_test = (X.astype(args.dtype, copy=False) for X in (X_train, X_val, X_test))
    class_names = FASHION_MNIST_CLASSES if args.dataset == "fashion-mnist" else CIFAR10_CLASSES
    return dict(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val,
                X_test=X_test, y_test=y_test, source=source, class_names=list(class_names),
                digest=digest.hexdigest()[:16])


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
    vector = dict(common, features=_features(args, image_shape))
    if args.model == "softmax":
        return models.SoftmaxClassifier(input_dim, **vector)
    if args.model == "svm":
        return models.LinearSVM(input_dim, **vector)
    if args.model == "two_layer":
        return models.TwoLayerNet(input_dim, args.hidden_dims[0], **vector)
    if args.model == "fc":
        return models.FullyConnectedNet(
            args.hidden_dims, input_dim, dropout=args.dropout or 0.0,
            normalization=None if args.no_batchnorm else "batchnorm", **vector)
    if args.model == "bn_convnet":
        return models.BatchNormConvNet(
            tuple(image_shape), num_filters=args.num_filters, filter_size=args.filter_size,
            hidden_dim=args.hidden_dims[0], dropout=args.dropout,
            convs_per_block=args.convs_per_block, **common)
    return models.ThreeLayerConvNet(
        tuple(image_shape), num_filters=args.num_filters, filter_size=args.filter_size,
        hidden_dim=args.hidden_dims[0], **common)


def _features(args, image_shape):
    """--features as the vector models' first layer (None: they flatten the pixels)."""
    from nn.features import HOG

    if args.features in (None, "pixels"):
        return None
    return HOG(image_shape, keep_pixels=args.features == "hog+pixels")


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


# ---------------------------------------------------------------------------- helpers

def _folder(text):
    """A folder name for --out / --data-dir; '' is refused (Path('') would be the current
    folder, so a run would quietly write into whatever folder it was started from)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must be a folder name, got {text!r}")
    return Path(text)


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


def _augment_list(text):
    """--augment: 'none', or comma-separated names from AUGMENTATIONS."""
    names = [part.strip() for part in text.split(",")]
    if names == ["none"]:
        return []
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if unknown or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            f"expected 'none' or comma-separated names from {', '.join(AUGMENTATIONS)} "
            f"(each once), got {text!r}")
    return names


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
