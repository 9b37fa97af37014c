"""`dyngrad evaluate RUN`: the validation and test accuracy of a finished run's model.npz,
optionally with test-time augmentation (`--tta flip`: the mean of the class probabilities
of each image and its left-right mirror).

The model is rebuilt from the flags metrics.json records and the data loaded and split as
the run did (same seed, training-set normalisation), so the numbers are the run's own; the
run folder is only read. Validation accuracy is printed beside the test accuracy so that
the choice of augmentation can be made on validation, not on the test set.
"""
import argparse
import json
import sys
from pathlib import Path

from .augment import FlipAverage
from .runs import UsageError
from .train import DEFAULTS, _folder, build_model, build_parser, load_data

EXIT_USAGE = 2
TTA = ("flip",)


def build_evaluate_parser(prog):
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=_folder, help="a run folder written by dyngrad train")
    parser.add_argument("--tta", choices=TTA,
                        help="also measure with test-time augmentation: flip averages the "
                             "probabilities of each image and its mirror (default: none)")
    parser.add_argument("--data-dir", type=_folder,
                        help="where the dataset is, if not where the run found it")
    return parser


def main(argv=None, prog="dyngrad evaluate"):
    args = build_evaluate_parser(prog).parse_args(argv)
    try:
        return evaluate_run(args.run, args.tta, args.data_dir)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE


def run_args(run, data_dir=None):
    """The parsed flags of the run in folder ``run``, from its metrics.json (flags added to
    dyngrad train since the run was made take their defaults)."""
    path = Path(run) / "metrics.json"
    try:
        config = json.loads(path.read_text())["config"]
    except FileNotFoundError:
        raise UsageError(f"{run} is not a run folder: it has no metrics.json (pass the --out "
                         "folder of a dyngrad train run)") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{path}: cannot read the run's flags ({error})") from None
    if config.get("model") not in DEFAULTS:
        raise UsageError(f"{path}: unknown model {config.get('model')!r}")
    args = build_parser().parse_args([])
    for name, value in config.items():
        setattr(args, name, value)
    for name, value in DEFAULTS[args.model].items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)
    args.out = Path(run)
    args.data_dir = data_dir if data_dir is not None else (
        None if config.get("data_dir") is None else Path(config["data_dir"]))
    return args


def evaluate_run(run, tta=None, data_dir=None):
    import nn
    from nn.train import MODEL_NAME, evaluate

    args = run_args(run, data_dir)
    weights = Path(run) / MODEL_NAME
    if not weights.is_file():
        raise UsageError(f"{run} holds no {MODEL_NAME}: the run did not finish (resume it with "
                         "dyngrad train ... --resume)")
    data = load_data(args)
    nn.manual_seed(args.seed)
    model = build_model(args, data["X_train"].shape[1:])
    try:
        model.load_state_dict(nn.load(weights))
    except (KeyError, ValueError, RuntimeError) as error:
        raise UsageError(f"{weights} does not fit the model its metrics.json describes: {error}")
    print(f"run {run}: {type(model).__name__} ({args.model}); data: {data['source']}")
    models = {"": model} if tta is None else {"": model, f", {tta} TTA": FlipAverage(model)}
    for split in ("val", "test"):
        name = "validation" if split == "val" else "test"
        for label, scorer in models.items():
            accuracy = evaluate(scorer, data[f"X_{split}"], data[f"y_{split}"])
            print(f"{name} accuracy{label}: {accuracy:.4f} ({len(data[f'X_{split}'])} images)")
    return 0


if __name__ == "__main__":
    sys.exit(main(prog="python -m dyngrad.evaluate"))
