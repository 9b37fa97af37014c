"""`dyngrad train` (dyngrad/train.py): a tiny run writes a complete run folder; bad input gets a
clear message; the console command works from any folder."""
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dyngrad import train

ROOT = Path(__file__).resolve().parent.parent
TINY = ["--train-size", "200", "--val-size", "100", "--epochs", "1", "--quiet"]


def run_cli(args, capsys):
    code = train.main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("model,extra", [
    ("softmax", []),
    ("convnet", ["--num-filters", "4", "--filter-size", "3", "--hidden-dims", "16"]),
    ("bn_convnet", ["--num-filters", "2", "--hidden-dims", "8"]),
])
def test_tiny_run_writes_the_run_folder(model, extra, tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run_cli(["--model", model, *TINY, *extra, "--out", str(out_dir)], capsys)
    assert code == 0, err
    assert "test accuracy" in out
    for name in ("metrics.json", "checkpoint.npz", "model.npz", "curves.png", "filters.png",
                 "misclassified.png", "confusion.png", "graph.dot"):
        assert (out_dir / name).is_file(), name
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert 0 <= metrics["test_acc"] <= 1
    assert metrics["sizes"]["train"] == 200 and metrics["sizes"]["val"] == 100
    assert "Fashion-MNIST" in metrics["data_source"]
    assert metrics["config"]["model"] == model
    assert len(metrics["history"]["val_acc"]) == 1
    assert metrics["train_time_s"] > 0
    assert set(metrics["files"]) <= {p.name for p in out_dir.iterdir()}
    if shutil.which("dot"):
        assert (out_dir / "graph.svg").is_file() and (out_dir / "graph.png").is_file()
        assert "graph" not in {p.name for p in out_dir.iterdir()}    # no stray DOT file
    assert "one training step on the first 2 training images" in (out_dir / "graph.dot").read_text()
    assert "<B>loss = " in (out_dir / "graph.dot").read_text()
    change = metrics["first_layer_change"]
    assert -1 <= change["correlation"] <= 1 and change["relative_change"] > 0


def test_without_the_full_set_the_embedded_subset_is_used_and_named(tmp_path, monkeypatch, capsys):
    from nn.data import fashion_mnist

    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", tmp_path / "no-system-copy")
    monkeypatch.delenv("DYNGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out_dir = tmp_path / "run"
    code, out, err = run_cli(["--model", "softmax", "--epochs", "1", "--out", str(out_dir)],
                             capsys)
    assert code == 0, err
    assert "embedded subset" in out
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["sizes"] == {"train": 4500, "val": 500, "test": 1000}
    assert "embedded subset" in metrics["data_source"]


def test_cifar10_run_on_small_batch_files(tmp_path, capsys):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (20, 3072), dtype=np.uint8),
                 b"labels": [int(label) for label in rng.integers(0, 10, 20)]}
        (folder / name).write_bytes(pickle.dumps(batch))
    out_dir = tmp_path / "run"
    code, out, err = run_cli(["--dataset", "cifar10", "--data-dir", str(tmp_path), "--model",
                              "convnet", "--num-filters", "2", "--filter-size", "3",
                              "--hidden-dims", "8", "--epochs", "1", "--val-size", "10",
                              "--quiet", "--out", str(out_dir)], capsys)
    assert code == 0, err
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["sizes"] == {"train": 90, "val": 10, "test": 20}
    assert metrics["data_source"].startswith("CIFAR-10")


def test_resume_continues_a_run(tmp_path, capsys):
    out_dir = str(tmp_path / "run")
    args = ["--model", "softmax", *TINY, "--out", out_dir]
    assert run_cli(args, capsys)[0] == 0
    code, _, _ = run_cli([*args, "--epochs", "2", "--resume"], capsys)
    assert code == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert len(metrics["history"]["val_acc"]) == 2


def test_resume_with_another_model_says_what_is_wrong(tmp_path, capsys):
    out_dir = str(tmp_path / "run")
    assert run_cli(["--model", "softmax", *TINY, "--out", out_dir], capsys)[0] == 0
    code, _, err = run_cli(["--model", "two_layer", *TINY, "--out", out_dir, "--resume"], capsys)
    assert code == 2
    assert "cannot resume" in err and "another --out" in err


@pytest.mark.parametrize("args,message", [
    (["--model", "resnet"], "invalid choice"),
    (["--optimizer", "lbfgs"], "invalid choice"),
    (["--epochs", "-1"], "--epochs"),
    (["--lr", "zero"], "--lr"),
    (["--batch-size", "0"], "--batch-size"),
    (["--hidden-dims", "10,x"], "--hidden-dims"),
    (["--model", "fc", "--dropout", "1.5"], "--dropout: must be a number in [0, 1), got '1.5'"),
    (["--lr", "abc"], "--lr: must be a positive number, got 'abc'"),
    (["--seed", "-1"], "--seed: must be a non-negative integer, got '-1'"),
    (["--epochs", "0"], "--epochs: must be a positive integer, got '0'"),
    (["--model", "softmax", "--hidden-dims", "10"],
     "--hidden-dims applies to --model two_layer / fc / convnet / bn_convnet only, not --model "
     "softmax"),
    (["--model", "two_layer", "--hidden-dims", "10,20"], "give --hidden-dims one width"),
    (["--model", "convnet", "--dropout", "0.5"], "--dropout applies to --model fc / bn_convnet only"),
    (["--model", "fc", "--num-filters", "4"], "--num-filters applies to --model convnet / bn_convnet only"),
    (["--model", "convnet", "--convs-per-block", "2"],
     "--convs-per-block applies to --model bn_convnet only"),
    (["--model", "convnet", "--features", "hog"],
     "--features applies to --model softmax / svm / two_layer / fc only"),
    (["--model", "softmax", "--features", "sift"], "invalid choice: 'sift'"),
    (["--augment", "rotate"], "--augment: expected 'none' or comma-separated names from crop, flip"),
    (["--augment", "flip,flip"], "(each once), got 'flip,flip'"),
    (["--dataset", "cifar10", "--download"], "--download fetches Fashion-MNIST only"),
])
def test_bad_arguments_exit_with_a_message(args, message, capsys, monkeypatch):
    monkeypatch.setattr(train, "load_data", lambda args: pytest.fail("checked after loading"))
    with pytest.raises(SystemExit) as exit_info:
        train.main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "_positive" not in err and "Traceback" not in err


def test_bad_out_folder_is_refused_before_loading_data(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(train, "load_data", lambda args: pytest.fail("checked after loading"))
    (tmp_path / "file").write_text("")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    cases = [(tmp_path / "file", "is a file, not a folder"),
             (tmp_path / "file" / "run", "is a file, so the folder can't be created")]
    if os.geteuid() != 0:                                   # root may write anywhere
        cases.append((locked / "run", "cannot write in"))
    for out, message in cases:
        with pytest.raises(SystemExit) as exit_info:
            train.main(["--out", str(out), *TINY])
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err


def test_a_run_folder_that_cannot_be_created_stops_before_training(capsys, monkeypatch):
    monkeypatch.setattr("nn.train.fit", lambda *a, **k: pytest.fail("trained anyway"))
    code, _, err = run_cli(["--out", "/proc/dyngrad-run", *TINY], capsys)   # even root can't
    assert code == 2 and "cannot create the run folder" in err and "Traceback" not in err


def test_missing_fashion_mnist_says_how_to_fix_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["--data-dir", str(tmp_path / "nowhere"), *TINY], capsys)
    assert code == 2
    assert not (tmp_path / "runs").exists()  # a run that could not start leaves no folder
    assert f"{tmp_path / 'nowhere'} does not exist" in err
    assert "pass --download" in err and "leave out --data-dir" in err
    for api_only in ("DYNGRAD_DATA", "root=", "download=True", "Traceback"):
        assert api_only not in err


def test_the_subset_line_mentions_download(isolated_data, capsys):
    code, out, err = run_cli(["--model", "softmax", "--train-size", "50", "--val-size", "50",
                              "--epochs", "1", "--out", str(isolated_data / "run")], capsys)
    assert code == 0, err
    assert "embedded subset" in out and "--download" in out


def test_download_fetches_the_full_set_and_trains_on_it(isolated_data, monkeypatch, capsys):
    from nn.data import fashion_mnist
    from tests.nn.test_data import FASHION_NAMES, write_fashion

    import hashlib
    write_fashion(isolated_data / "mirror", n_train=40, n_test=10)
    for name in FASHION_NAMES:
        md5 = hashlib.md5((isolated_data / "mirror" / name).read_bytes()).hexdigest()
        monkeypatch.setitem(fashion_mnist.FASHION_MNIST_MD5, name, md5)
    monkeypatch.setattr(fashion_mnist, "FASHION_MNIST_URL",
                        (isolated_data / "mirror").as_uri() + "/")
    dest = isolated_data / "data"
    code, out, err = run_cli(["--model", "softmax", "--data-dir", str(dest), "--download",
                              "--val-size", "10", "--epochs", "1", "--out",
                              str(isolated_data / "run")], capsys)
    assert code == 0, err
    assert sorted(os.listdir(dest)) == sorted(FASHION_NAMES)
    metrics = json.loads((isolated_data / "run" / "metrics.json").read_text())
    assert metrics["sizes"] == {"train": 30, "val": 10, "test": 10}
    assert "full set" in metrics["data_source"]


def test_download_failure_is_a_usage_error(isolated_data, monkeypatch, capsys):
    from nn.data import fashion_mnist

    monkeypatch.setattr(fashion_mnist, "FASHION_MNIST_URL", (isolated_data / "nowhere").as_uri())
    code, _, err = run_cli(["--model", "softmax", "--download", *TINY, "--out",
                            str(isolated_data / "run")], capsys)
    assert code == 2
    assert "cannot download Fashion-MNIST" in err and "Traceback" not in err


@pytest.fixture
def isolated_data(tmp_path, monkeypatch):
    """No real Fashion-MNIST is found: no DYNGRAD_DATA, no system folder, an empty cache."""
    from nn.data import fashion_mnist

    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", tmp_path / "no-system-copy")
    monkeypatch.delenv("DYNGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


@pytest.mark.parametrize("model,extra,templates", [
    ("softmax", [], True),
    ("two_layer", ["--hidden-dims", "10"], False),
])
def test_filters_are_class_templates_only_for_linear_classifiers(model, extra, templates,
                                                                 tmp_path, capsys, monkeypatch):
    from nn import plots

    calls, titles = [], []
    monkeypatch.setattr(plots, "plot_weight_templates",
                        lambda *a, **k: (calls.append("templates"), titles.append(k["title"])))
    monkeypatch.setattr(plots, "plot_conv_filters",
                        lambda *a, **k: (calls.append("units"), titles.append(k["title"])))
    code, _, err = run_cli(["--model", model, *extra, *TINY, "--out", str(tmp_path / "run")],
                           capsys)
    assert code == 0, err
    assert calls == (["templates"] if templates else ["units"])
    assert titles[0].startswith("class templates" if templates else
                                "input weights of 10 of 10 first-layer units, as 28\u00d728 images\n")
    assert "after 1 epoch; correlation with the initial weights" in titles[0]


@pytest.mark.parametrize("model,features,filters", [
    ("svm", "hog", False), ("two_layer", "hog+pixels", True), ("softmax", "pixels", True)])
def test_features_train_and_filters_png_needs_pixel_weights(model, features, filters, tmp_path,
                                                            capsys):
    out_dir = tmp_path / "run"
    code, out, err = run_cli(["--model", model, "--features", features, *TINY[:-1],
                              "--out", str(out_dir)], capsys)
    assert code == 0, err
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["config"]["features"] == features
    assert (features != "pixels") == (f" on {features} (nn.features.HOG)" in out)
    assert (out_dir / "filters.png").is_file() == filters
    assert ("filters.png skipped: the first layer sees HOG features only" in out) != filters


@pytest.mark.parametrize("model,extra,title", [
    ("softmax", ["--features", "hog+pixels"],
     "class templates (the weights of each class on the pixels, beside the HOG features)"),
    ("fc", ["--features", "hog+pixels", "--hidden-dims", "10"],
     "input weights on the pixels, beside the HOG features of 10 of 10 first-layer units"),
])
def test_filters_of_hog_and_pixels_models_are_their_pixel_weights(model, extra, title, tmp_path,
                                                                  capsys, monkeypatch):
    from nn import plots

    shown = []
    for name in ("plot_weight_templates", "plot_conv_filters"):
        monkeypatch.setattr(plots, name, lambda weights, *a, **k: shown.append((weights, k)))
    code, _, err = run_cli(["--model", model, *extra, *TINY, "--out", str(tmp_path / "run")],
                           capsys)
    assert code == 0, err
    (weights, kwargs), = shown
    assert kwargs["title"].startswith(title)
    assert np.asarray(weights).reshape(-1, 784).shape[1] == 784


@pytest.mark.parametrize("convs", [None, 2])
def test_convs_per_block_stacks_convolutions_before_each_pool(convs, tmp_path):
    import nn

    flags = [] if convs is None else ["--convs-per-block", str(convs)]
    args = train.parse_args(["--model", "bn_convnet", *flags, "--out", str(tmp_path / "r")])
    model = train.build_model(args, (1, 28, 28))
    kinds = [type(m).__name__ for m in model.layers if isinstance(m, (nn.Conv2d, nn.MaxPool2d))]
    assert kinds == ["Conv2d"] * (convs or 1) + ["MaxPool2d"] + ["Conv2d"] * (convs or 1) + [
        "MaxPool2d"]


def test_cifar10_without_data_dir_says_where_to_get_it(capsys):
    code, _, err = run_cli(["--dataset", "cifar10", *TINY], capsys)
    assert code == 2
    assert "--data-dir" in err and "cifar-10-python.tar.gz" in err


def test_missing_cifar10_folder(tmp_path, capsys):
    code, _, err = run_cli(["--dataset", "cifar10", "--data-dir", str(tmp_path), *TINY], capsys)
    assert code == 2
    assert str(tmp_path) in err


def test_command_line_error_has_no_traceback(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "examples.train", "--data-dir", str(tmp_path), *TINY,
         "--out", str(tmp_path / "run")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: Fashion-MNIST not found: {tmp_path} has no "
                                    "train-images-idx3-ubyte.gz")


def test_batchnorm_model_with_a_last_batch_of_one_sample(tmp_path, capsys):
    code, out, err = run_cli(["--model", "fc", "--hidden-dims", "8", "--train-size", "129",
                              "--batch-size", "128", "--val-size", "100", "--epochs", "1",
                              "--quiet", "--out", str(tmp_path / "run")], capsys)
    assert code == 0, err


def test_resume_from_a_corrupt_checkpoint_says_it_is_corrupt(tmp_path, capsys):
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    (out_dir / "checkpoint.npz").write_bytes(b"garbage")
    code, _, err = run_cli(["--model", "softmax", *TINY, "--out", str(out_dir), "--resume"],
                           capsys)
    assert code == 2
    assert "corrupt" in err and "different model" not in err and "allow_pickle" not in err


DYNGRAD = Path(sys.executable).with_name("dyngrad")     # the console script pip installed


def run_command(args, cwd, timeout=300):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DYNGRAD_DATA")}
    return subprocess.run([str(DYNGRAD), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_console_command_trains_from_a_folder_outside_the_repo(tmp_path):
    assert DYNGRAD.is_file(), "the dyngrad console script is installed by `pip install -e .`"
    result = run_command(["train", "--model", "softmax", "--train-size", "200", "--val-size",
                          "100", "--epochs", "1"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()       # a fresh folder, named by model and time
    assert run_dir.name.startswith("softmax-") and (run_dir / "metrics.json").is_file()
    assert "test accuracy" in result.stdout
    # not a terminal: one line per epoch, no progress bar redrawn hundreds of times
    assert "epoch 1/1: loss" in result.stdout and "batch/s" not in result.stderr


def test_bare_calls_print_usage_and_start_nothing(tmp_path):
    top = run_command([], cwd=tmp_path)
    assert top.returncode == 0 and "usage: dyngrad <command>" in top.stdout and "train" in top.stdout
    bare = run_command(["train"], cwd=tmp_path)
    assert bare.returncode == 0 and "usage: dyngrad train" in bare.stdout
    assert not (tmp_path / "runs").exists()
    unknown = run_command(["trian"], cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown command 'trian'" in unknown.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    module = subprocess.run([sys.executable, "-m", "dyngrad", "train", "--help"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)
    assert module.returncode == 0 and "usage: dyngrad train" in module.stdout


def test_help_shows_every_default(capsys):
    with pytest.raises(SystemExit):
        train.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for default in ("(default: convnet)", "(default: fashion-mnist)", "(default: adam)",
                    "(default: 0)", "EPOCHS default per model: softmax 10, svm 10, two_layer 10, "
                    "fc 20, convnet 6", "fc 512,512,512", "convnet 0.002", "fc 0.2, bn_convnet 0.3",
                    "(default 32)", "convnet 7, bn_convnet 3", "bn_convnet crop,flip, none for",
                    "runs/<model>-<date>-<time>"):
        assert default in text, default
    help_of = train._Help("dyngrad train")._get_help_string
    for action in train.build_parser()._actions:
        if action.option_strings and action.dest != "help":
            assert "default" in help_of(action), action.dest


def test_resume_needs_an_explicit_run_folder(capsys):
    with pytest.raises(SystemExit):
        train.main(["--model", "softmax", "--resume"])
    assert "--resume needs --out" in capsys.readouterr().err


def test_a_small_initialisation_makes_the_filters_learned(tmp_path, capsys):
    """The demo's choice (make demo passes --weight-scale 1e-3): from a near-zero start the
    first-layer filters are mostly what training put there; from the default they stay
    close to their random initialisation."""
    changes = {}
    for scale in ("1e-3", "5e-2"):
        out_dir = tmp_path / scale
        code, out, err = run_cli(["--model", "convnet", "--num-filters", "8", "--hidden-dims", "32",
                                  "--train-size", "1000", "--val-size", "100", "--epochs", "1",
                                  "--weight-scale", scale, "--out", str(out_dir)], capsys)
        assert code == 0, err
        changes[scale] = json.loads((out_dir / "metrics.json").read_text())["first_layer_change"]
        assert f"correlation with its initialisation {changes[scale]['correlation']:.2f}" in out
    assert changes["1e-3"]["correlation"] < 0.5 < 0.8 < changes["5e-2"]["correlation"]


@pytest.mark.parametrize("model,flags,recorded", [
    ("bn_convnet", [], set()), ("softmax", ["--features", "pixels"], set()),
    ("bn_convnet", ["--convs-per-block", "2"], {"--convs-per-block"}),
    ("softmax", ["--features", "hog"], {"--features"})])
def test_flags_added_later_are_recorded_only_when_they_change_the_run(model, flags, recorded,
                                                                     tmp_path):
    """A checkpoint written before --features and --convs-per-block existed resumes."""
    args = train.parse_args(["--model", model, *flags, "--out", str(tmp_path / "r")])
    data = {"X_train": [0], "X_val": [0], "digest": "0"}
    config = train.training_config(args, data)
    assert {"--features", "--convs-per-block"} & set(config) == recorded
