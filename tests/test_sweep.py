"""dyngrad sweep: search spaces, a 2-worker study that prunes and continues, a killed worker.

Workers are real processes sharing one SQLite study in the sweep folder (no network);
each test is bounded in time. Skipped with the reason where Optuna is missing (the
missing-extra error itself is tested in test_extras.py).
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("optuna", reason="Optuna not installed: pip install 'dyngrad[sweep]'")

from dyngrad.sweep import SweepError, parse_space  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def sweep(*argv, timeout=300):
    return subprocess.run([sys.executable, "-m", "dyngrad", "sweep", *argv], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=timeout)


# ---------------------------------------------------------------------------- search spaces

def test_a_space_parses_into_ranges_and_choices():
    space = parse_space(["lr=log:1e-4:1e-1", "--weight-decay=log:1e-6:1e-2:3",
                         "hidden-dims=choice:128|256,256", "epochs=int:1:3"],
                        fixed=["--model", "fc"], sampler="tpe")
    assert set(space) == {"lr", "reg", "hidden_dims", "epochs"}
    assert space["reg"].flag == "--weight-decay"
    np.testing.assert_allclose(space["reg"].values(), [1e-6, 1e-4, 1e-2])
    assert space["hidden_dims"].values() == ["128", "256,256"]
    assert space["epochs"].values() == [1, 2, 3]


@pytest.mark.parametrize("spec, fixed, sampler, message", [
    ("lr", [], "tpe", "expected NAME=SPEC"),
    ("learning=log:1e-4:1e-1", [], "tpe", "not a `dyngrad train` flag"),
    ("lr=normal:0:1", [], "tpe", "unknown kind 'normal'"),
    ("lr=log:1e-1:1e-4", [], "tpe", "LOW must be below HIGH"),
    ("lr=log:0:1", [], "tpe", "LOW > 0"),
    ("lr=log:a:1", [], "tpe", "must be numbers"),
    ("lr=log:1e-4:1e-1:1", [], "tpe", "N must be at least 2"),
    ("lr=log:1e-4:1e-1", [], "grid", "--sampler grid needs a finite set"),
    ("optimizer=choice:sgd|nesterov", [], "tpe", "refused by dyngrad train"),
    ("dropout=uniform:0:0.5", ["--model", "softmax"], "tpe", "applies to --model fc / bn_convnet only"),
    ("lr=log:1e-4:1e-1", ["--lr", "1e-3"], "tpe", "also given as a fixed flag"),
    ("out=choice:a|b", [], "tpe", "can't be searched"),
    ("optimizer=choice:sgd|sgd", [], "tpe", "repeated"),
])
def test_a_bad_space_is_a_clear_error(spec, fixed, sampler, message):
    with pytest.raises(SweepError) as error:
        parse_space([spec], fixed, sampler)
    assert message in str(error.value)


def test_the_cli_refuses_a_bad_space_before_any_trial(tmp_path):
    done = sweep("--model", "softmax", "--space", "lr=log:1e-1:1e-4", "--out", str(tmp_path / "S"))
    assert done.returncode == 2
    assert "LOW must be below HIGH" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "S").exists()
    done = sweep("--model", "softmax", "--epochs", "0", "--out", str(tmp_path / "S"))
    assert done.returncode == 2 and "--epochs" in done.stderr


def test_the_command_and_its_example_alias_print_usage_when_bare(tmp_path):
    for command in (["-m", "dyngrad", "sweep"], ["-m", "examples.sweep"]):
        done = subprocess.run([sys.executable, *command], cwd=ROOT, env=ENV, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0 and "--space NAME=SPEC" in done.stdout, done.stderr
    listed = subprocess.run([sys.executable, "-m", "dyngrad"], cwd=ROOT, env=ENV,
                            capture_output=True, text=True, timeout=120)
    assert "sweep" in listed.stdout


# ---------------------------------------------------------------------------- studies

GRID = ["--model", "softmax", "--epochs", "2", "--train-size", "500", "--val-size", "200",
        "--sampler", "grid", "--space", "lr=choice:1e-2|1e-9", "--space", "reg=choice:1e-5|1e-3",
        "--pruner", "threshold:0.4", "--workers", "2"]


def results(out):
    return json.loads((out / "results.json").read_text())["trials"]


def test_a_two_worker_sweep_completes_prunes_and_continues(tmp_path):
    out = tmp_path / "S"
    first = sweep(*GRID, "--trials", "2", "--out", str(out))
    assert first.returncode == 0, first.stdout + first.stderr
    rows = results(out)
    assert len(rows) == 2 and all(r["state"] in ("complete", "pruned") for r in rows)

    again = sweep(*GRID, "--trials", "4", "--out", str(out))      # continues the same study
    assert again.returncode == 0, again.stdout + again.stderr
    assert "2 trials finished, running 2 more" in again.stdout
    rows2 = results(out)
    assert len(rows2) == 4 and rows2[:2] == rows[:2]
    states = [r["state"] for r in rows2]
    assert "pruned" in states and "complete" in states, rows2
    for r in rows2:       # lr 1e-9 learns nothing: pruned after its first epoch of two
        assert (r["state"] == "pruned") == (r["params"]["lr"] == "1e-9"), r
        assert len(r["val_acc"]) == (1 if r["state"] == "pruned" else 2)
    best = next(r for r in rows2 if r["best"])
    assert best["params"]["lr"] == "1e-2" and best["test_acc"] > 0.4
    assert best["best_val_acc"] == max(r["best_val_acc"] for r in rows2 if r["state"] == "complete")
    saved = np.load(out / "best_model.npz")
    trial_model = np.load(out / best["folder"] / "model.npz")
    assert all(np.array_equal(saved[k], trial_model[k]) for k in trial_model.files)
    csv_lines = (out / "results.csv").read_text().splitlines()
    assert len(csv_lines) == 5 and csv_lines[0].startswith("trial,state,lr,reg,best_val_acc")
    assert (out / "sweep.png").stat().st_size > 1000

    same = sweep(*GRID, "--trials", "4", "--out", str(out))       # nothing left: no new trial
    assert same.returncode == 0 and "nothing left to run" in same.stdout
    assert len(results(out)) == 4

    other = sweep(*GRID[:-4], "--workers", "2", "--pruner", "none", "--trials", "4",
                  "--out", str(out))
    assert other.returncode == 2 and "other settings" in other.stderr


def test_a_killed_workers_trial_is_requeued_and_resumes(tmp_path):
    out = tmp_path / "K"
    argv = ["--model", "softmax", "--epochs", "3", "--train-size", "2000", "--space",
            "lr=choice:1e-3", "--pruner", "none", "--trials", "1", "--heartbeat", "1",
            "--out", str(out)]
    process = subprocess.Popen([sys.executable, "-m", "dyngrad", "sweep", *argv], cwd=ROOT,
                               env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    checkpoint = out / "trials" / "0000" / "checkpoint.npz"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)          # the sweep and its worker, mid-trial
    process.wait(timeout=30)
    assert checkpoint.exists() and not (out / "trials" / "0000" / "metrics.json").exists()
    time.sleep(4)                                    # past the grace period: 3 heartbeats

    rerun = sweep(*argv, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    rows = results(out)
    assert [r["state"] for r in rows] == ["fail", "complete"]
    assert rows[1]["folder"] == "trials/0000"        # the re-queued trial resumed the folder
    assert rows[1]["resumed_after_epoch"] >= 1      # from the killed trial's checkpoint
    metrics = json.loads((out / "trials" / "0000" / "metrics.json").read_text())
    assert len(metrics["history"]["val_acc"]) == 3


def test_the_time_budget_stops_starting_trials(tmp_path):
    out = tmp_path / "T"
    done = sweep("--model", "softmax", "--epochs", "1", "--train-size", "300", "--val-size", "100",
                 "--trials", "10", "--timeout", "0.5", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(results(out)) == 1          # the first trial outlasts the budget; no second starts


def test_sweeps_in_two_folders_share_one_study_through_a_storage_url(tmp_path):
    """--storage: the Optuna way for many machines; here two sweep folders (two 'machines')
    and a SQLite URL outside both."""
    import optuna

    (tmp_path / "db").mkdir()
    url = f"sqlite:///{tmp_path / 'db' / 'shared.db'}"
    argv = ["--model", "softmax", "--epochs", "1", "--train-size", "300", "--val-size", "100",
            "--sampler", "grid", "--space", "lr=choice:1e-2|1e-3|1e-4", "--pruner", "none",
            "--storage", url]
    first = sweep(*argv, "--trials", "2", "--out", str(tmp_path / "A"))
    assert first.returncode == 0, first.stdout + first.stderr
    assert (tmp_path / "db" / "shared.db").is_file() and not (tmp_path / "A" / "study.db").exists()

    second = sweep(*argv, "--trials", "3", "--out", str(tmp_path / "B"))
    assert second.returncode == 0, second.stdout + second.stderr
    assert "2 trials finished, running 1 more" in second.stdout
    assert not (tmp_path / "B" / "study.db").exists()
    assert sorted(p.name for p in (tmp_path / "B" / "trials").iterdir()) == ["0002"]
    rows = results(tmp_path / "B")                  # every trial of the study, wherever it ran
    assert [r["trial"] for r in rows] == [0, 1, 2] and all(r["state"] == "complete" for r in rows)
    assert {r["params"]["lr"] for r in rows} <= {"1e-2", "1e-3", "1e-4"}
    study = optuna.load_study(study_name="dyngrad-sweep", storage=url)
    assert len(study.trials) == 3
    best = json.loads((tmp_path / "B" / "best.json").read_text())
    ran_here = (tmp_path / "B" / best["folder"]).is_dir()
    assert (best["best_model"] == "best_model.npz") == ran_here
    assert (tmp_path / "B" / "best_model.npz").is_file() == ran_here

    bad = sweep(*argv[:-1], "not a url", "--out", str(tmp_path / "C"))
    assert bad.returncode == 2 and "--storage 'not a url' is not a database URL" in bad.stderr
    assert not (tmp_path / "C").exists()
