"""`dyngrad train` under odd, hostile or unlucky conditions (issue 11, the command-line part):
files written atomically and never through a link, strict-JSON metrics, diverged runs,
--resume with changed flags, run folders that already hold a run, odd but legal flags and
Ctrl-C. Each run is small (a few hundred images, one or two epochs); the Ctrl-C tests signal
a child process and wait for it with a timeout."""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dyngrad import runs, train

RUN_FILES = ("metrics.json", "checkpoint.npz", "model.npz", "curves.png", "filters.png",
             "misclassified.png", "confusion.png", "graph.dot", "graph.svg", "graph.png")
TINY = ["--model", "softmax", "--train-size", "200", "--val-size", "100", "--epochs", "1",
        "--quiet"]


def run_cli(args, capsys):
    code = train.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(args, capsys):
    """The message of a command line that argparse refuses (exit status 2)."""
    with pytest.raises(SystemExit) as exit_info:
        train.main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def strict_load(path):
    """json.loads that refuses NaN, Infinity and -Infinity, as strict JSON parsers do."""
    def refuse(token):
        raise ValueError(f"{path}: non-standard JSON token {token}")
    return json.loads(Path(path).read_text(), parse_constant=refuse)


# ---------------------------------------------------------------------------- files

def test_every_file_of_a_run_is_written_atomically_never_through_a_planted_symlink(tmp_path,
                                                                                  capsys):
    """The old code wrote metrics.json through the fixed name metrics.json.tmp, and graphviz
    wrote its DOT source to `graph`: a symlink planted there redirected the write."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    for name in (*RUN_FILES, "graph"):
        (out_dir / f"{name}.tmp").symlink_to(victim)
    (out_dir / "graph").symlink_to(victim)
    # a folder holding only stray links is not a run: no --overwrite needed
    code, _, err = run_cli([*TINY, "--out", str(out_dir)], capsys)
    assert code == 0, err
    assert victim.read_text() == "precious"
    written = strict_load(out_dir / "metrics.json")["files"]
    for name in written:
        assert (out_dir / name).is_file() and not (out_dir / name).is_symlink(), name
    leftovers = [p.name for p in out_dir.iterdir() if ".nn-save-" in p.name]
    assert leftovers == []
    assert runs.RUN_FILES == RUN_FILES     # what the command counts as a run's files
    from nn.train import CHECKPOINT_NAME, MODEL_NAME
    assert {CHECKPOINT_NAME, MODEL_NAME} <= set(RUN_FILES)


def test_pictures_replace_a_planted_symlink_instead_of_writing_through_it(tmp_path):
    import nn
    from nn.train import fit

    args = train.parse_args([*TINY, "--train-size", "50", "--val-size", "50", "--out",
                             str(tmp_path / "run")])
    data = train.load_data(args)
    model = train.build_model(args, data["X_train"].shape[1:])
    history = fit(model, nn.optim.SGD(model.parameters(), lr=1e-3), data["X_train"],
                  data["y_train"], data["X_val"], data["y_val"], epochs=1, quiet=True)
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    victims = {}
    for name in ("curves.png", "filters.png", "misclassified.png", "confusion.png",
                 "graph.dot", "graph.svg", "graph.png"):
        victims[name] = tmp_path / f"victim-{name}"
        victims[name].write_text("precious")
        (out_dir / name).symlink_to(victims[name])
    written = train.write_pictures(out_dir, model, history, data, data["class_names"],
                                   lambda *a: None)
    assert all(victim.read_text() == "precious" for victim in victims.values())
    for name in written:
        assert not (out_dir / name).is_symlink() and (out_dir / name).stat().st_size > 0, name


def test_strict_json_writes_non_finite_numbers_as_null_and_says_where():
    text = runs.strict_json({"a": float("nan"), "b": [1.0, float("inf"), float("nan")],
                              "c": {"d": np.float32("-inf")}, "e": np.float64(0.5)})
    for token in ("NaN", "Infinity"):
        assert token not in text
    data = json.loads(text, parse_constant=lambda token: pytest.fail(token))
    assert data["a"] is None and data["b"] == [1.0, None, None] and data["c"]["d"] is None
    assert data["e"] == 0.5
    assert data["non_finite_as_null"]["b"] == {"inf": 1, "nan": 1}
    assert data["non_finite_as_null"]["c.d"] == {"-inf": 1}
    assert "null" in data["non_finite_as_null"]["note"]


# ---------------------------------------------------------------------------- divergence

DIVERGING = ["--lr", "1e30"]    # the first update makes 0.5 * reg * sum(W**2) overflow to inf
overflows = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")


@overflows
def test_a_diverged_run_stops_says_where_and_what_to_try(tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run_cli([*TINY, *DIVERGING, "--out", str(out_dir)], capsys)
    assert code == 1
    assert "Traceback" not in err and "test accuracy" not in out
    assert "the run diverged: the training loss became inf at epoch 1, batch 2 of 2" in err
    assert "lower learning rate" in err and "--lr 1e+29 (this run: --lr 1e+30)" in err
    assert "--on-nonfinite-loss continue" in err and "--overwrite" in err
    assert "No checkpoint was written" in err and not (out_dir / "checkpoint.npz").exists()
    metrics = strict_load(out_dir / "metrics.json")
    assert metrics["status"] == "diverged" and metrics["test_acc"] is None
    assert metrics["diverged"]["epoch"] == 1 and metrics["diverged"]["batch"] == 2
    assert metrics["diverged"]["loss"] is None
    assert metrics["non_finite_as_null"]["diverged.loss"] == {"inf": 1}
    assert metrics["files"] == ["metrics.json"]


@overflows
def test_on_nonfinite_loss_continue_trains_on_and_says_so(tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run_cli([*TINY, *DIVERGING, "--on-nonfinite-loss", "continue",
                              "--out", str(out_dir)], capsys)
    assert code == 0, err
    assert "test accuracy" in out
    assert "warning: 1 of 2 training batches had a non-finite loss" in err
    assert "--on-nonfinite-loss continue" in err and "not to be trusted" in err
    metrics = strict_load(out_dir / "metrics.json")
    assert metrics["status"] == "completed with non-finite losses"
    assert metrics["nonfinite_losses"] == 1
    assert metrics["non_finite_as_null"]["history.loss"] == {"inf": 1}
    assert (out_dir / "checkpoint.npz").is_file()


# ---------------------------------------------------------------------------- resume

@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One finished TINY run, trained once for the module (tests copy it)."""
    out_dir = tmp_path_factory.mktemp("tiny") / "run"
    assert train.main([*TINY, "--out", str(out_dir)]) == 0
    return out_dir


@pytest.mark.parametrize("changed,named", [
    (["--batch-size", "64"], "--batch-size: the checkpoint has 128, this run has 64"),
    (["--weight-decay", "0.01"], "--weight-decay: the checkpoint has 0.0001, this run has 0.01"),
    (["--seed", "1"], "--seed: the checkpoint has 0, this run has 1"),
    (["--lr-decay", "0.5"], "--lr-decay: the checkpoint has 0.9, this run has 0.5"),
    (["--on-nonfinite-loss", "continue"], "--on-nonfinite-loss: the checkpoint has 'stop'"),
    (["--train-size", "150"], "training images (--train-size): the checkpoint has 200, this "
                              "run has 150"),
])
def test_resume_with_a_changed_training_flag_is_refused_naming_it(changed, named, tiny_run,
                                                                  tmp_path, capsys):
    out_dir = tmp_path / "run"
    shutil.copytree(tiny_run, out_dir)
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    code, _, err = run_cli([*TINY, *changed, "--out", str(out_dir), "--resume", "--epochs", "2"],
                           capsys)
    assert code == 2
    assert "cannot resume" in err and named in err
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before   # nothing touched


def test_resume_on_other_data_of_the_same_size_is_refused(tiny_run, tmp_path, capsys,
                                                          monkeypatch):
    """E.g. the embedded subset first, the full set (found later) on resume."""
    out_dir = tmp_path / "run"
    shutil.copytree(tiny_run, out_dir)
    real = train._load_fashion_mnist

    def other_images(args):
        X_train, *rest = real(args)
        X_train = X_train.copy()
        X_train[:, :, 0, 0] += 0.5          # every image differs, the sizes don't
        return (X_train, *rest)

    monkeypatch.setattr(train, "_load_fashion_mnist", other_images)
    code, _, err = run_cli([*TINY, "--out", str(out_dir), "--resume", "--epochs", "2"], capsys)
    assert code == 2 and "data (sha256 of the training and validation arrays)" in err


def test_resume_from_a_checkpoint_without_a_recorded_configuration_is_refused(tmp_path, capsys):
    """Such a checkpoint (an older dyngrad train, or fit() without config=) can't show that
    the flags match."""
    import nn
    from nn.train import fit

    args = train.parse_args([*TINY, "--out", str(tmp_path / "run")])
    data = train.load_data(args)
    model = train.build_model(args, data["X_train"].shape[1:])
    optimizer = train.build_optimizer(args, model)
    fit(model, optimizer, data["X_train"], data["y_train"], data["X_val"], data["y_val"],
        epochs=1, batch_size=args.batch_size, quiet=True, checkpoint_dir=tmp_path / "run",
        lr_scheduler=nn.optim.ExponentialLR(optimizer, gamma=args.lr_decay), seed=0)
    code, _, err = run_cli([*TINY, "--out", str(tmp_path / "run"), "--resume", "--epochs", "2"],
                           capsys)
    assert code == 2 and "records no training configuration" in err


def test_resume_with_another_model_class_of_the_same_parameters_is_refused(tiny_run, tmp_path,
                                                                          capsys):
    """softmax and SVM have the same parameter names and shapes (fit records the class)."""
    out_dir = tmp_path / "run"
    shutil.copytree(tiny_run, out_dir)
    code, _, err = run_cli([*TINY, "--model", "svm", "--out", str(out_dir), "--resume"], capsys)
    assert code == 2
    assert "nn.models.SoftmaxClassifier" in err and "nn.models.LinearSVM" in err


def test_resume_may_change_epochs_and_metrics_say_what_was_resumed(tmp_path, capsys):
    out_dir = tmp_path / "run"
    assert run_cli([*TINY, "--epochs", "2", "--out", str(out_dir)], capsys)[0] == 0
    code, _, err = run_cli([*TINY, "--epochs", "1", "--out", str(out_dir), "--resume"], capsys)
    assert code == 2
    assert "already holds 2 epochs" in err and "pass --epochs 2 or more" in err
    code, _, err = run_cli([*TINY, "--epochs", "3", "--out", str(out_dir), "--resume"], capsys)
    assert code == 0, err
    metrics = strict_load(out_dir / "metrics.json")
    assert metrics["resumed_from_epoch"] == 2 and metrics["epochs_trained"] == 3
    assert metrics["config"]["epochs"] == 3 and len(metrics["history"]["val_acc"]) == 3


# ---------------------------------------------------------------------------- run folders

def test_rerunning_into_a_folder_that_holds_a_run_is_refused_unless_resume_or_overwrite(
        tmp_path, capsys):
    out_dir = tmp_path / "run"
    assert run_cli([*TINY, "--out", str(out_dir)], capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    err = usage_error([*TINY, "--out", str(out_dir)], capsys)
    assert f"--out {out_dir} already holds a run (metrics.json, checkpoint.npz" in err
    assert "--resume" in err and "--overwrite" in err
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before
    assert "pass one" in usage_error([*TINY, "--out", str(out_dir), "--resume", "--overwrite"],
                                     capsys)
    assert "--overwrite needs --out" in usage_error([*TINY, "--overwrite"], capsys)

    (out_dir / "graph.svg").unlink()
    (out_dir / "graph.svg").symlink_to(tmp_path / "elsewhere")   # a stale file of the old run
    code, out, err = run_cli([*TINY, "--epochs", "2", "--out", str(out_dir), "--overwrite"],
                             capsys)
    assert code == 0, err
    metrics = strict_load(out_dir / "metrics.json")
    assert len(metrics["history"]["val_acc"]) == 2 and "resumed_from_epoch" not in metrics
    assert not (out_dir / "graph.svg").is_symlink()
    assert set(metrics["files"]) == {p.name for p in out_dir.iterdir()}


def test_default_run_folders_are_new_even_when_two_runs_start_in_the_same_second(
        tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real = time.strftime
    monkeypatch.setattr(time, "strftime", lambda fmt, *rest: "20261201-000000"
                        if fmt == "%Y%m%d-%H%M%S" else real(fmt, *rest))
    for _ in range(2):
        assert run_cli(TINY, capsys)[0] == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        "softmax-20261201-000000", "softmax-20261201-000000-2"]
    for folder in (tmp_path / "runs").iterdir():
        assert len(strict_load(folder / "metrics.json")["history"]["val_acc"]) == 1


# ---------------------------------------------------------------------------- odd but legal flags

def test_empty_folder_names_are_usage_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(train, "load_data", lambda args: pytest.fail("checked after loading"))
    for flag in ("--out", "--data-dir"):
        for value in ("", " "):
            assert f"argument {flag}: must be a folder name, got {value!r}" in usage_error(
                [*TINY, flag, value], capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flags,message", [
    (["--train-size", "1"], "needs at least 2 training images, and this run has 1"),
    (["--batch-size", "1"], "--batch-size 1: --model fc normalises each batch"),
])
def test_batch_norm_on_a_single_image_is_a_usage_error(flags, message, tmp_path, capsys):
    err = usage_error(["--model", "fc", "--hidden-dims", "8", "--val-size", "100", "--epochs",
                       "1", "--quiet", *flags, "--out", str(tmp_path / "run")], capsys)
    assert message in err and "--no-batchnorm" in err
    assert not (tmp_path / "run").exists()


def test_batch_norm_on_a_single_image_left_by_the_data_is_a_usage_error(tmp_path, capsys,
                                                                         monkeypatch):
    real = train.load_data

    def one_image(args):
        data = real(args)
        return dict(data, X_train=data["X_train"][:1], y_train=data["y_train"][:1])

    monkeypatch.setattr(train, "load_data", one_image)
    code, _, err = run_cli(["--model", "fc", "--hidden-dims", "8", "--train-size", "5",
                            "--val-size", "100", "--epochs", "1", "--quiet", "--out",
                            str(tmp_path / "run")], capsys)
    assert code == 2 and "this run has 1" in err and not (tmp_path / "run").exists()


def test_a_single_training_image_trains_without_batch_norm_and_the_graph_says_so(tmp_path,
                                                                                 capsys):
    for extra in (["--model", "fc", "--hidden-dims", "8", "--no-batchnorm"], []):
        out_dir = tmp_path / f"run{len(extra)}"
        code, _, err = run_cli([*TINY, *extra, "--train-size", "1", "--out", str(out_dir)],
                               capsys)
        assert code == 0, err
        assert strict_load(out_dir / "metrics.json")["sizes"]["train"] == 1
        assert "one training step on the only training image (a batch of 1" in (
            out_dir / "graph.dot").read_text()


# ---------------------------------------------------------------------------- Ctrl-C

def child_env():
    """The environment of a child run: unbuffered, and the embedded data set (not a full one
    that DYNGRAD_DATA may name)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DYNGRAD_DATA")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start(args, cwd):
    """The installed command in a child with unbuffered output, so its lines arrive as printed."""
    env = child_env()
    # SIGINT as at a terminal, even when the tests run where it is ignored (a background job),
    # which Python's KeyboardInterrupt would inherit
    return subprocess.Popen([sys.executable, "-m", "dyngrad", "train", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_line(proc, prefix, timeout=120):
    """Read the child's stdout until a line starts with ``prefix``; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith(prefix):
            return seen
    proc.kill()
    pytest.fail(f"no line starting with {prefix!r} within {timeout}s; got {seen} and "
                f"{proc.communicate(timeout=30)[1]}")


def interrupt(proc):
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, err


CONVNET = ["--model", "convnet", "--val-size", "100", "--seed", "0"]


def test_ctrl_c_before_the_first_checkpoint_claims_no_checkpoint(tmp_path):
    out_dir = tmp_path / "run"
    # about 16 batches of the default conv net: seconds of epoch 1, far longer than the signal
    proc = start([*CONVNET, "--train-size", "2000", "--epochs", "3", "--out", str(out_dir)],
                 cwd=tmp_path)
    wait_for_line(proc, "data: ")
    code, err = interrupt(proc)
    assert code == 130
    assert "Traceback" not in err
    assert "before the first checkpoint" in err and "nothing to resume" in err
    assert "--resume" not in err and not (out_dir / "checkpoint.npz").exists()
    assert "the empty run folder" in err and not out_dir.exists()


SMALL_CONVNET = [*CONVNET, "--num-filters", "4", "--filter-size", "3", "--hidden-dims", "16",
                 "--train-size", "300"]


def test_ctrl_c_after_a_checkpoint_records_the_run_so_far_and_resume_continues_it(tmp_path):
    """metrics.json after Ctrl-C: the finished epochs, exactly as the checkpoint holds them,
    and "status": "interrupted"; --resume then ends where an uninterrupted run ends."""
    import nn

    out_dir = tmp_path / "run"
    small = [*SMALL_CONVNET, "--out", str(out_dir)]
    proc = start([*small, "--epochs", "50"], cwd=tmp_path)
    wait_for_line(proc, "epoch 2/50: ")     # epoch 1's checkpoint was saved before epoch 2
    code, err = interrupt(proc)
    assert code == 130 and "Traceback" not in err
    epoch = int(nn.load(out_dir / "checkpoint.npz")["epoch"])
    assert epoch >= 2
    assert f"checkpoint.npz holds epoch {epoch} of 50" in err
    assert f"--out {out_dir} --resume" in err and '"status": "interrupted"' in err
    assert not (out_dir / runs.LOCK_NAME).exists()
    metrics = strict_load(out_dir / "metrics.json")
    assert metrics["status"] == "interrupted" and metrics["test_acc"] is None
    assert metrics["interrupted"]["checkpoint_epoch"] == epoch
    assert metrics["interrupted"]["epoch"] == epoch + 1
    saved_history = json.loads(str(nn.load(out_dir / "checkpoint.npz")["history"]))
    assert metrics["history"] == saved_history and len(saved_history["val_acc"]) == epoch
    assert metrics["files"] == ["checkpoint.npz", "metrics.json"]

    resumed = subprocess.run([sys.executable, "-m", "dyngrad", "train", *small, "--epochs",
                              str(epoch + 1), "--resume", "--quiet"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120, env=child_env())
    assert resumed.returncode == 0, resumed.stderr
    metrics = strict_load(out_dir / "metrics.json")
    assert metrics["status"] == "completed" and "interrupted" not in metrics
    assert metrics["resumed_from_epoch"] == epoch and metrics["epochs_trained"] == epoch + 1
    whole = tmp_path / "whole"
    straight = subprocess.run([sys.executable, "-m", "dyngrad", "train", *SMALL_CONVNET,
                               "--out", str(whole), "--epochs", str(epoch + 1), "--quiet"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env=child_env())
    assert straight.returncode == 0, straight.stderr
    expected = strict_load(whole / "metrics.json")
    assert metrics["history"]["loss"] == expected["history"]["loss"]
    assert metrics["history"]["val_acc"] == expected["history"]["val_acc"]
    ours, theirs = nn.load(out_dir / "model.npz"), nn.load(whole / "model.npz")
    assert ours.keys() == theirs.keys()
    for name in ours:
        np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)


def test_ctrl_c_while_loading_data_says_nothing_was_written(tmp_path, capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt
    monkeypatch.setattr(train, "load_data", interrupted)
    code, _, err = run_cli([*TINY, "--out", str(tmp_path / "run")], capsys)
    assert code == 130 and "before training started; nothing was written" in err
    assert not (tmp_path / "run").exists()


# ---------------------------------------------------------------------------- one run per folder

def test_a_second_run_on_a_folder_in_use_is_refused_naming_the_folder_and_the_pid(tmp_path):
    """Even --overwrite, which would remove the first run's files under it, is refused."""
    out_dir = tmp_path / "run"
    first = start([*SMALL_CONVNET, "--epochs", "500", "--out", str(out_dir)], cwd=tmp_path)
    try:
        wait_for_line(first, "epoch 1/500: ")
        assert (out_dir / runs.LOCK_NAME).read_text().strip() == str(first.pid)
        second = subprocess.run([sys.executable, "-m", "dyngrad", "train", *TINY, "--out",
                                 str(out_dir), "--overwrite"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120, env=child_env())
        assert second.returncode == 2 and "Traceback" not in second.stderr
        assert (f"--out {out_dir} is in use by another dyngrad train (pid {first.pid}"
                in second.stderr)
        assert first.poll() is None, "the first run must train on"
        wait_for_line(first, "epoch 2/500: ")           # and its checkpoint is still there
        assert (out_dir / "checkpoint.npz").is_file()
    finally:
        code, err = interrupt(first)
    assert code == 130, err


def test_two_runs_started_at_once_on_one_folder_leave_one_run(tmp_path):
    """Both pass the command line's check of the folder; the lock lets one train."""
    out_dir = tmp_path / "run"
    both = [start([*TINY, "--epochs", "2", "--out", str(out_dir)], cwd=tmp_path)
            for _ in range(2)]
    results = []
    for proc in both:
        try:
            out, err = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        results.append((proc.returncode, err))
    assert sorted(code for code, _ in results) == [0, 2], results
    (err,) = [err for code, err in results if code == 2]
    assert "Traceback" not in err
    assert any(reason in err for reason in ("is in use by another dyngrad train",
                                            "now holds a run", "already holds a run")), err
    metrics = strict_load(out_dir / "metrics.json")
    assert metrics["status"] == "completed" and metrics["epochs_trained"] == 2
    assert not (out_dir / runs.LOCK_NAME).exists()


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path):
    out_dir = tmp_path / "run"
    small = [*SMALL_CONVNET, "--out", str(out_dir)]
    killed = start([*small, "--epochs", "50"], cwd=tmp_path)
    wait_for_line(killed, "epoch 2/50: ")
    killed.kill()                                    # SIGKILL: no cleanup runs
    killed.communicate(timeout=60)
    assert (out_dir / runs.LOCK_NAME).read_text().strip() == str(killed.pid)
    import nn
    epoch = int(nn.load(out_dir / "checkpoint.npz")["epoch"])
    resumed = subprocess.run([sys.executable, "-m", "dyngrad", "train", *small, "--epochs",
                              str(epoch + 1), "--resume"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120, env=child_env())
    assert resumed.returncode == 0, resumed.stderr
    assert f"took over the lock of pid {killed.pid}, which is no longer running" in resumed.stdout
    assert not (out_dir / runs.LOCK_NAME).exists()
    assert strict_load(out_dir / "metrics.json")["epochs_trained"] == epoch + 1


def test_a_lock_file_planted_as_a_symlink_is_never_followed(tmp_path, capsys):
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out_dir / runs.LOCK_NAME).symlink_to(victim)
    code, _, err = run_cli([*TINY, "--out", str(out_dir)], capsys)
    assert code == 2 and f"cannot create the lock file {out_dir / runs.LOCK_NAME}" in err
    assert victim.read_text() == "precious"


# ---------------------------------------------------------------------------- full disk

@pytest.fixture
def small_disk(tmp_path):
    """A real 200 KiB tmpfs (root only): room for one checkpoint of TINY's softmax (139 kB)
    but not for its next one beside it."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs",
                                            str(mount_point)], capture_output=True).returncode:
        pytest.skip("needs root and tmpfs to fill a real disk")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_a_full_disk_stops_the_run_naming_the_file_and_the_last_checkpoint_resumes(small_disk):
    import nn

    out_dir = small_disk / "run"
    flags = [*TINY, "--epochs", "3", "--out", str(out_dir)]
    full = subprocess.run([sys.executable, "-m", "dyngrad", "train", *flags], capture_output=True,
                          text=True, timeout=120, env=child_env())
    assert full.returncode == 3 and "Traceback" not in full.stderr, full.stderr
    checkpoint = out_dir / "checkpoint.npz"
    assert f"cannot write '{checkpoint}': no space left on the device" in full.stderr
    assert "checkpoint.npz holds epoch 1 of 3" in full.stderr and "--resume" in full.stderr
    assert int(nn.load(out_dir / "checkpoint.npz")["epoch"]) == 1      # the previous one, whole
    assert [p.name for p in out_dir.iterdir() if ".nn-save-" in p.name] == []
    assert not (out_dir / runs.LOCK_NAME).exists()
    subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
    resumed = subprocess.run([sys.executable, "-m", "dyngrad", "train", *flags, "--resume"],
                             capture_output=True, text=True, timeout=120, env=child_env())
    assert resumed.returncode == 0, resumed.stderr
    metrics = strict_load(out_dir / "metrics.json")
    assert metrics["resumed_from_epoch"] == 1 and metrics["epochs_trained"] == 3
