"""`dyngrad sweep`: a hyperparameter search over `dyngrad train`'s flags, on Optuna.

    dyngrad sweep --model softmax --trials 8 --workers 2 --epochs 2 --out runs/sweep
    dyngrad sweep --model two_layer --space lr=log:1e-4:1e-2 --space hidden-dims=choice:128|256
    python -m examples.sweep ...            # the same, from the repository root

Every option this command doesn't know is a fixed `dyngrad train` flag of every trial;
``--space NAME=SPEC`` makes one flag vary (NAME as the flag is spelled, with or without
``--``):

    log:LOW:HIGH[:N]       log-uniform number; with N, N log-spaced values (a grid axis)
    uniform:LOW:HIGH[:N]   uniform number; with N, N evenly spaced values
    int:LOW:HIGH           an integer in [LOW, HIGH] (every one is a grid point)
    choice:A|B|C           one of the values, each parsed as the flag parses it

Without --space the sweep is CS231n's: lr=log:1e-5:1e-1 and reg=log:1e-6:1e-1.

Each trial is a normal `dyngrad train` run folder under <out>/trials/; the workers share
one Optuna study in <out>/study.db (SQLite, with heartbeats: a killed worker's trial is
re-queued and resumes from its checkpoint), or in the database --storage URL names, which
workers on many machines share. Pruning stops hopeless trials from their
per-epoch validation accuracy. Rerunning the same command continues the study (--trials
is the study's total). At the end <out> holds results.csv and results.json, sweep.png
(lr x reg coloured by validation accuracy) and best_model.npz with best.json.
The Python API is sweep(); Optuna is the optional extra dyngrad[sweep].
"""

import argparse
import contextlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dyngrad import train as train_command
from dyngrad.runs import write_json

INSTALL = "install dyngrad[sweep]: pip install 'dyngrad[sweep]' (Optuna)"
STUDY_NAME = "dyngrad-sweep"
CONFIG_NAME = "sweep.json"
STORAGE_NAME = "study.db"
DEFAULT_SPACE = ["lr=log:1e-5:1e-1", "reg=log:1e-6:1e-1"]
SAMPLERS = ("tpe", "random", "grid")
# train flags a sweep sets itself, or that make no sense per trial
RESERVED = {"out", "resume", "quiet", "distributed", "help"}


class SweepError(ValueError):
    """A bad search space, flag or sweep folder; the message says what to change."""


def require_optuna():
    try:
        import optuna
    except ImportError as error:
        raise SweepError(f"dyngrad sweep needs Optuna: {INSTALL} ({error})") from None
    return optuna


# ---------------------------------------------------------------------------- search space

@dataclass
class Param:
    """One varying flag: ``kind`` log / uniform / int / choice."""
    name: str           # the train option's dest, e.g. "reg"
    flag: str           # the option string trials get, e.g. "--weight-decay"
    kind: str
    spec: str           # as the user wrote it, for sweep.json and messages
    low: float = None
    high: float = None
    count: int = None
    choices: tuple = ()

    def values(self):
        """The finite set of values (a grid axis), or None for a continuous range."""
        if self.kind == "choice":
            return list(self.choices)
        if self.kind == "int":
            return list(range(int(self.low), int(self.high) + 1))
        if self.count is None:
            return None
        points = (np.geomspace if self.kind == "log" else np.linspace)(self.low, self.high,
                                                                       self.count)
        return [float(v) for v in points]

    def suggest(self, trial):
        if self.kind == "choice" or self.count is not None:
            return trial.suggest_categorical(self.name, self.values())
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high))
        return trial.suggest_float(self.name, self.low, self.high, log=self.kind == "log")


def _train_options():
    """dest -> (option string, action) for every `dyngrad train` option, under every
    spelling a user may give (lr, --lr, weight-decay, weight_decay, reg)."""
    options = {}
    for action in train_command.build_parser()._actions:
        if not action.option_strings:
            continue
        flag = max(action.option_strings, key=len)
        for spelling in [action.dest, *action.option_strings]:
            options[spelling.lstrip("-").replace("-", "_")] = (action.dest, flag, action)
    return options


def parse_space(specs, fixed=(), sampler="tpe"):
    """``["lr=log:1e-4:1e-1", ...]`` -> {dest: Param}; SweepError on the first mistake.

    Every bound and choice is parsed as `dyngrad train` would parse it together with the
    ``fixed`` flags, so a value train would refuse is refused here, before any trial.
    """
    options = _train_options()
    space = {}
    for spec in specs:
        name, sep, rule = spec.partition("=")
        kind, _, rest = rule.partition(":")
        key = name.strip().lstrip("-").replace("-", "_")
        if not sep or not name.strip():
            raise SweepError(f"--space {spec!r}: expected NAME=SPEC, e.g. lr=log:1e-4:1e-1")
        if key not in options:
            raise SweepError(f"--space {spec!r}: {name!r} is not a `dyngrad train` flag "
                             "(see dyngrad train --help)")
        dest, flag, action = options[key]
        if dest in RESERVED or action.nargs == 0:
            raise SweepError(f"--space {spec!r}: {flag} can't be searched "
                             + ("(the sweep sets it)" if dest in RESERVED else
                                "(an on/off switch: give it as a fixed flag)"))
        if dest in space:
            raise SweepError(f"--space {spec!r}: {flag} is already in the space "
                             f"({space[dest].spec!r})")
        if flag in fixed or any(f in fixed for f in action.option_strings):
            raise SweepError(f"--space {spec!r}: {flag} is also given as a fixed flag; "
                             "give one or the other")
        param = _parse_rule(spec, dest, flag, kind, rest)
        for value in ([param.low, param.high] if param.kind != "choice" else param.choices):
            _check_value(spec, fixed, flag, value)
        space[dest] = param
    if sampler == "grid":
        for param in space.values():
            if param.values() is None:
                raise SweepError(f"--sampler grid needs a finite set of values: give --space "
                                 f"{param.spec!r} a count (e.g. {param.spec}:4) or use choice:")
    return space


def _parse_rule(spec, dest, flag, kind, rest):
    parts = rest.split(":") if rest else []
    if kind == "choice":
        choices = tuple(v.strip() for v in rest.split("|"))
        if not rest or any(not v for v in choices):
            raise SweepError(f"--space {spec!r}: choice needs values separated by |, "
                             "e.g. optimizer=choice:sgd|adam (quote it in a shell)")
        if len(set(choices)) != len(choices):
            raise SweepError(f"--space {spec!r}: a choice is repeated")
        return Param(dest, flag, "choice", spec, choices=choices)
    if kind not in ("log", "uniform", "int"):
        raise SweepError(f"--space {spec!r}: unknown kind {kind!r}; use log:LOW:HIGH[:N], "
                         "uniform:LOW:HIGH[:N], int:LOW:HIGH or choice:A|B")
    if len(parts) not in (2, 3) or (kind == "int" and len(parts) != 2):
        raise SweepError(f"--space {spec!r}: {kind} takes "
                         + ("LOW:HIGH" if kind == "int" else "LOW:HIGH or LOW:HIGH:N"))
    try:
        low, high = (int(p) if kind == "int" else float(p) for p in parts[:2])
        count = int(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise SweepError(f"--space {spec!r}: LOW and HIGH must be "
                         + ("integers" if kind == "int" else "numbers")
                         + (" and N an integer" if len(parts) == 3 else "")) from None
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise SweepError(f"--space {spec!r}: LOW must be below HIGH, got {parts[0]} and {parts[1]}")
    if kind == "log" and low <= 0:
        raise SweepError(f"--space {spec!r}: a log range needs LOW > 0, got {parts[0]}")
    if count is not None and count < 2:
        raise SweepError(f"--space {spec!r}: N must be at least 2, got {count}")
    return Param(dest, flag, kind, spec, low, high, count)


def _check_value(spec, fixed, flag, value):
    """Parse one value of the space the way `dyngrad train` would; SweepError if refused."""
    try:
        _parse_train([*fixed, flag, _text(value), "--out", _UNUSED_OUT])
    except SweepError as error:
        raise SweepError(f"--space {spec!r}: value {_text(value)} is refused by dyngrad train: "
                         f"{error}") from None


# parse_args checks --out is creatable; validation passes one it never creates
_UNUSED_OUT = os.path.join(tempfile.gettempdir(), "dyngrad-sweep-unused")


def _parse_train(argv):
    """dyngrad.train.parse_args without exiting: argparse's message becomes SweepError."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            return train_command.parse_args(list(argv))
    except SystemExit:
        message = stderr.getvalue().strip().splitlines()
        raise SweepError(message[-1].split("error: ", 1)[-1] if message else "bad flags") from None


def _text(value):
    return repr(value) if isinstance(value, float) else str(value)


# ---------------------------------------------------------------------------- the study

def _storage(out, heartbeat, url=None):
    """The study's Optuna RDBStorage: ``url`` (any SQLAlchemy URL Optuna takes), else
    SQLite in <out>/study.db."""
    optuna = require_optuna()
    url = url or f"sqlite:///{Path(out).resolve() / STORAGE_NAME}"
    # SQLite: wait for another worker's write lock instead of failing at once
    connect = {"timeout": 120} if url.startswith("sqlite") else {}
    return optuna.storages.RDBStorage(
        url, engine_kwargs={"connect_args": connect},
        heartbeat_interval=heartbeat, grace_period=3 * heartbeat,
        heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
            max_retry=3, inherit_intermediate_values=True))


def _sampler(config, worker, existing):
    optuna = require_optuna()
    # each worker (and each rerun) its own stream, so workers don't propose the same points
    seed = int(np.random.SeedSequence([config["seed"], worker, existing]).generate_state(1)[0])
    if config["sampler"] == "grid":
        space = parse_space(config["space"], config["fixed"], "grid")
        return optuna.samplers.GridSampler({p.name: p.values() for p in space.values()}, seed=seed)
    if config["sampler"] == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, constant_liar=True)


def _pruner(spec):
    optuna = require_optuna()
    if spec == "none":
        return optuna.pruners.NopPruner()
    if spec == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2)
    if spec.startswith("threshold:"):
        return optuna.pruners.ThresholdPruner(lower=float(spec.split(":", 1)[1]))
    raise SweepError(f"--pruner {spec!r}: use median, none or threshold:ACC")


def check_storage(url):
    """A --storage URL SQLAlchemy can parse (dialect://...); the database itself is reached
    when the study opens."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except (ArgumentError, ValueError) as error:
        raise SweepError(f"--storage {url!r} is not a database URL ({error}); e.g. "
                         "sqlite:////shared/study.db or postgresql://user@host/dbname") from None
    return url


def _check_pruner(spec):
    if spec in ("none", "median"):
        return spec
    if spec.startswith("threshold:"):
        try:
            value = float(spec.split(":", 1)[1])
        except ValueError:
            value = None
        if value is not None and 0 <= value <= 1:
            return spec
    raise argparse.ArgumentTypeError(f"use median, none or threshold:ACC (ACC in [0, 1]), "
                                     f"got {spec!r}")


def _open_study(out, config, worker=0, existing=0, heartbeat=10):
    optuna = require_optuna()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # heartbeats and their retry callback are marked experimental since Optuna 2.9
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna.create_study(
        storage=_storage(out, heartbeat, config.get("storage")), study_name=STUDY_NAME, direction="maximize",
        sampler=_sampler(config, worker, existing), pruner=_pruner(config["pruner"]),
        load_if_exists=True)


def _make_pruning_callback(trial, epochs):
    from nn.train import Callback

    optuna = require_optuna()

    class Pruning(Callback):
        """Reports each epoch's validation accuracy to Optuna; its pruner may stop the trial
        (before its last epoch: a trained trial is kept, however it scored)."""

        def on_epoch_end(self, epoch, logs):
            trial.report(logs["val_acc"], epoch)
            if epoch + 1 < epochs and trial.should_prune():
                raise optuna.TrialPruned(f"validation accuracy {logs['val_acc']:.4f} after "
                                         f"epoch {epoch + 1}")

    return Pruning()


def _objective(out, config, space):
    optuna = require_optuna()
    from nn.train import CHECKPOINT_NAME, NonFiniteLossError

    def objective(trial):
        original = optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(
            trial.storage.get_trial(trial._trial_id))
        number = trial.number if original is None else original   # a re-queued trial resumes
        folder = Path(out) / "trials" / f"{number:04d}"
        values = {name: param.suggest(trial) for name, param in space.items()}
        argv = [*config["fixed"], *[part for name, value in values.items()
                                    for part in (space[name].flag, _text(value))],
                "--out", str(folder), "--resume", "--quiet"]
        trial.set_user_attr("argv", argv)
        trial.set_user_attr("folder", str(folder.relative_to(out)))
        args = _parse_train(argv)
        if (folder / CHECKPOINT_NAME).is_file():     # a re-queued trial: say where it resumes
            import nn

            trial.set_user_attr("resumed_after_epoch",
                                int(nn.load(folder / CHECKPOINT_NAME)["epoch"]))
        try:
            code = train_command.run(args, callbacks=[_make_pruning_callback(trial, args.epochs)])
        except NonFiniteLossError as error:
            raise optuna.TrialPruned(f"diverged: {error}") from None
        except train_command.UsageError as error:
            raise RuntimeError(f"trial {trial.number}: {error}") from None
        if code:
            raise RuntimeError(f"trial {trial.number}: dyngrad train returned {code}")
        metrics = json.loads((folder / "metrics.json").read_text())
        trial.set_user_attr("test_acc", metrics["test_acc"])
        return metrics["best_val_acc"]

    return objective


def run_worker(out, worker, n_trials, timeout=None, heartbeat=10):
    """One worker process: run up to ``n_trials`` trials of the study in ``out``."""
    out = Path(out)
    config = json.loads((out / CONFIG_NAME).read_text())
    space = parse_space(config["space"], config["fixed"], config["sampler"])
    probe = _open_study(out, config, worker, heartbeat=heartbeat)
    study = _open_study(out, config, worker, existing=len(probe.trials), heartbeat=heartbeat)
    study.optimize(_objective(out, config, space), n_trials=n_trials, timeout=timeout,
                   catch=(RuntimeError,), gc_after_trial=True)


# ---------------------------------------------------------------------------- the Python API

def sweep(out, fixed=(), space=None, trials=8, workers=1, sampler="tpe",
          pruner="median", timeout=None, seed=0, heartbeat=10, quiet=False, storage=None):
    """Run (or continue) the sweep in ``out``; return the results rows (see write_results).

    ``fixed``: `dyngrad train` flags every trial gets; ``space``: ``NAME=SPEC`` strings
    (module docstring); ``trials``: the study's total of finished (complete or pruned)
    trials; ``workers`` processes share the study; ``timeout`` (seconds) stops starting
    trials after that long. The same ``out`` with the same fixed flags, space, sampler,
    pruner and seed continues the study; anything else there is refused. ``storage``: an
    Optuna RDB URL (``sqlite:////shared/study.db``, ``postgresql://user@host/db``) holding
    the study instead of <out>/study.db; sweeps on many machines given the same URL (each
    with its own ``out``) share one study, and ``trials`` is then the shared study's total.
    """
    require_optuna()
    out, fixed = Path(out), list(fixed)
    space_specs = list(space or DEFAULT_SPACE)
    reserved = [f for f in fixed if f.lstrip("-").split("=")[0].replace("-", "_") in RESERVED]
    if reserved:
        raise SweepError(f"{reserved[0]} can't be a trial flag: the sweep sets each trial's "
                         "--out, --resume and --quiet (pass --out for the sweep's folder)")
    _parse_train([*fixed, "--out", _UNUSED_OUT])     # the fixed flags are valid
    parse_space(space_specs, fixed, sampler)
    if sampler not in SAMPLERS:
        raise SweepError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    _check_pruner(pruner)
    if storage is not None:
        check_storage(storage)
    for name, value in (("trials", trials), ("workers", workers)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SweepError(f"{name} must be a positive integer, got {value!r}")
    config = {"fixed": fixed, "space": space_specs, "sampler": sampler, "pruner": pruner,
              "seed": seed, "storage": storage}
    out.mkdir(parents=True, exist_ok=True)
    _write_config(out, config)
    say = (lambda *a: None) if quiet else print

    optuna = require_optuna()
    study = _open_study(out, config, heartbeat=heartbeat)
    optuna.storages.fail_stale_trials(study)        # a killed worker's trial goes back in
    done = _finished(study)
    remaining = trials - done
    if remaining <= 0:
        say(f"{done} trials finished in {out}; nothing left to run (raise --trials to go on)")
    else:
        workers = min(workers, remaining)
        quotas = [remaining // workers + (i < remaining % workers) for i in range(workers)]
        say(f"sweep in {out}: {done} trials finished, running {remaining} more on "
            f"{workers} worker{'s' * (workers > 1)} (logs in {out / 'logs'})")
        _run_workers(out, quotas, timeout, heartbeat, say)
    study = _open_study(out, config, heartbeat=heartbeat)
    rows = write_results(out, study, parse_space(space_specs, fixed, sampler), fixed)
    best = next((r for r in rows if r.get("best")), None)
    if best:
        say(f"best: trial {best['trial']} val acc {best['best_val_acc']:.4f} (test "
            f"{best['test_acc']:.4f}) with {_describe(best['params'])}")
    say(f"wrote results.csv, results.json, sweep.png"
        f"{', best_model.npz' * (out / 'best_model.npz').is_file()} to {out}")
    return rows


def _finished(study):
    from optuna.trial import TrialState

    return sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in study.trials)


def _write_config(out, config):
    path = out / CONFIG_NAME
    if path.is_file():
        saved = json.loads(path.read_text())
        # (a folder from before --storage has no "storage": its study is <out>/study.db)
        changed = [f"{key}: it has {saved.get(key)!r}, this command {config[key]!r}"
                   for key in config if saved.get(key) != config[key]]
        if changed:
            raise SweepError(f"{out} holds a sweep with other settings ({'; '.join(changed)}); "
                             "rerun its command to continue it, or pass another --out")
        return
    write_json(path, config)


def _run_workers(out, quotas, timeout, heartbeat, say):
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")       # N workers on N cores, not N x all cores
    env.setdefault("MPLBACKEND", "Agg")
    processes = []
    for worker, quota in enumerate(quotas):
        command = [sys.executable, "-m", "dyngrad.sweep", "--worker", str(out), str(worker),
                   str(quota), str(heartbeat)] + ([str(timeout)] if timeout else [])
        log = open(logs / f"worker-{worker}.log", "a")
        processes.append((subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                           env=env, cwd=os.getcwd()), log))
    failed = []
    for worker, (process, log) in enumerate(processes):
        if process.wait():
            failed.append(worker)
        log.close()
    if failed:
        say(f"worker(s) {', '.join(map(str, failed))} failed: see {logs}; rerun the same "
            "command to continue")


def _describe(params):
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in params.items())


# ---------------------------------------------------------------------------- outputs

def write_results(out, study, space, fixed):
    """results.csv / results.json (one row per trial), sweep.png, best_model.npz + best.json.

    A row: trial, state, params, lr and reg (the values the trial trained with), val_acc
    (per epoch), best_val_acc, folder, resumed_after_epoch (a re-queued trial); test_acc
    for the best trial only (selection is on validation, as in CS231n). Returns the rows.
    """
    out = Path(out)
    rows = []
    for trial in study.trials:
        argv = trial.user_attrs.get("argv")
        resolved = _parse_train(argv) if argv else None
        val_acc = [trial.intermediate_values[e] for e in sorted(trial.intermediate_values)]
        rows.append({
            "trial": trial.number, "state": trial.state.name.lower(), "params": trial.params,
            "lr": getattr(resolved, "lr", None), "reg": getattr(resolved, "reg", None),
            "val_acc": val_acc,
            "best_val_acc": trial.value if trial.value is not None else
            (max(val_acc) if val_acc else None),
            "test_acc": None, "best": False, "folder": trial.user_attrs.get("folder"),
            "resumed_after_epoch": trial.user_attrs.get("resumed_after_epoch"),
            "seconds": trial.duration.total_seconds() if trial.duration else None})
    complete = [r for r, t in zip(rows, study.trials) if t.state.name == "COMPLETE"]
    best = max(complete, key=lambda r: r["best_val_acc"]) if complete else None
    if best is not None:
        best["best"] = True
        best["test_acc"] = study.trials[best["trial"]].user_attrs.get("test_acc")
        # with a shared --storage the best trial may have run on another machine
        here = (out / best["folder"] / "model.npz").is_file()
        if here:
            shutil.copyfile(out / best["folder"] / "model.npz", out / "best_model.npz")
        else:
            (out / "best_model.npz").unlink(missing_ok=True)    # an older best's
        argv = study.trials[best["trial"]].user_attrs["argv"][:-1]     # without --quiet
        write_json(out / "best.json", {
            "trial": best["trial"], "params": best["params"], "best_val_acc": best["best_val_acc"],
            "test_acc": best["test_acc"], "folder": best["folder"],
            "best_model": "best_model.npz" if here else None,
            "command": "dyngrad train " + " ".join(argv)})
    write_json(out / "results.json", {"fixed": list(fixed),
                                                     "space": [p.spec for p in space.values()],
                                                     "trials": rows})
    _write_csv(out / "results.csv", rows, list(space))
    plot_sweep(rows, out / "sweep.png")
    return rows


def _write_csv(path, rows, names):
    import csv

    extra = [n for n in ("lr", "reg") if n not in names]     # what every trial trained with
    columns = ["trial", "state", *names, *extra, "best_val_acc", "test_acc", "epochs",
               "val_acc_per_epoch", "seconds", "folder"]
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([r["trial"], r["state"], *[r["params"].get(n, "") for n in names],
                             *[r[n] for n in extra], r["best_val_acc"], r["test_acc"] or "",
                             len(r["val_acc"]), ";".join(f"{v:.4f}" for v in r["val_acc"]),
                             "" if r["seconds"] is None else f"{r['seconds']:.1f}", r["folder"]])
    os.replace(tmp, path)


def plot_sweep(rows, path=None, figsize=(6.4, 4.8), dpi=100):
    """CS231n's picture: one point per trial at (lr, reg), coloured by its best validation
    accuracy; pruned trials as crosses, the best ringed. Headless (no pyplot)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    ax = fig.subplots()
    shown = [r for r in rows if r["lr"] is not None and r["best_val_acc"] is not None]
    accs = [r["best_val_acc"] for r in shown]
    vmin, vmax = (min(accs), max(accs)) if accs else (0, 1)
    scatter = None
    for state, marker in (("complete", "o"), ("pruned", "X")):
        group = [r for r in shown if r["state"] == state]
        if group:
            scatter = ax.scatter([r["lr"] for r in group], [max(r["reg"], 1e-12) for r in group],
                                 c=[r["best_val_acc"] for r in group], cmap="viridis",
                                 vmin=vmin, vmax=vmax, marker=marker, s=60, label=state,
                                 edgecolors="k", linewidths=0.5)
    for r in shown:
        if r["best"]:
            ax.scatter([r["lr"]], [max(r["reg"], 1e-12)], s=260, facecolors="none",
                       edgecolors="red", linewidths=1.5, label=f"best ({r['best_val_acc']:.3f})")
    if shown:
        ax.set_xscale("log")
        if all(r["reg"] > 0 for r in shown):
            ax.set_yscale("log")
        ax.legend(loc="best", fontsize=8)
    if scatter is not None:
        fig.colorbar(scatter, ax=ax, label="best validation accuracy")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("regularisation strength (reg)")
    ax.set_title(f"sweep: {len(shown)} trials, validation accuracy")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=dpi)
    return fig


# ---------------------------------------------------------------------------- the command

def build_parser(prog="dyngrad sweep"):
    parser = argparse.ArgumentParser(
        prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False,
        description=__doc__.split("\n\n", 2)[2].rsplit("\nThe Python API", 1)[0],
        epilog="examples:\n  dyngrad sweep --model softmax --trials 4 --workers 2 --epochs 1 "
               "--train-size 2000 --out S\n  dyngrad sweep --model two_layer --sampler grid "
               "--space lr=log:1e-4:1e-2:3 --space reg=log:1e-5:1e-1:3 --out G\n"
               "Any other option goes to every trial's dyngrad train (see its --help).")
    parser.add_argument("--out", type=Path, help="sweep folder (default: runs/sweep-<model>); "
                                                 "rerunning with it continues the study")
    parser.add_argument("--space", action="append", metavar="NAME=SPEC",
                        help="a flag to search (repeat for more); default: "
                             + " ".join(DEFAULT_SPACE))
    parser.add_argument("--trials", type=train_command._positive_int, default=8,
                        help="finished trials the study should hold (default: 8)")
    parser.add_argument("--workers", type=train_command._positive_int, default=1,
                        help="worker processes sharing the study (default: 1; one per core)")
    parser.add_argument("--sampler", choices=SAMPLERS, default="tpe",
                        help="Optuna's TPE, random search, or the grid of the space's values "
                             "(default: tpe)")
    parser.add_argument("--pruner", type=_check_pruner, default="median",
                        help="median (Optuna's MedianPruner over per-epoch validation "
                             "accuracy), threshold:ACC (stop below ACC) or none "
                             "(default: median)")
    parser.add_argument("--timeout", type=train_command._positive_float,
                        help="time budget in seconds: no trial starts after it "
                             "(default: none)")
    parser.add_argument("--sampler-seed", type=train_command._non_negative_int, default=0,
                        help="seed of the sampler (each trial's --seed is a train flag; "
                             "default: 0)")
    parser.add_argument("--heartbeat", type=train_command._positive_int, default=10,
                        help="seconds between a worker's heartbeats; a trial silent for 3 "
                             "of them is re-queued (default: 10)")
    parser.add_argument("--storage", metavar="URL",
                        help="Optuna RDB URL of the study, e.g. sqlite:////shared/study.db or "
                             "postgresql://user@host/db: sweeps on many machines with the same "
                             "URL share one study, each writing its trials under its own --out "
                             "(default: SQLite in <out>/study.db)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser


def main(argv=None, prog="dyngrad sweep"):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--worker"]:
        out, worker, quota, heartbeat, *timeout = argv[1:]
        run_worker(out, int(worker), int(quota), float(timeout[0]) if timeout else None,
                   int(heartbeat))
        return 0
    if not argv:
        build_parser(prog).print_help()
        return 0
    parser = build_parser(prog)
    args, fixed = parser.parse_known_args(argv)
    try:
        model = _parse_train([*fixed, "--out", _UNUSED_OUT]).model
        out = args.out or Path("runs") / f"sweep-{model}"
        sweep(out, fixed, args.space, trials=args.trials, workers=args.workers,
              sampler=args.sampler, pruner=args.pruner, timeout=args.timeout,
              seed=args.sampler_seed, heartbeat=args.heartbeat, quiet=args.quiet,
              storage=args.storage)
    except SweepError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted; rerun the same command to continue the study in {out}",
              file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(prog="python -m dyngrad.sweep"))
