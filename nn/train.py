"""Training loop for classifiers: fit(), evaluate(), predict().

    history = fit(model, optimizer, X_train, y_train, X_val, y_val, epochs=5, batch_size=64,
                  lr_scheduler=nn.optim.StepLR(optimizer, 1, 0.9), seed=0)
    evaluate(model, X_test, y_test)

fit() trains with ``model.loss(scores, y)`` when the model has one (the nn.models
classifiers add their L2 term there), else ``F.cross_entropy``. After each epoch it
measures train accuracy on a fixed subsample and validation accuracy on the whole
validation set, keeps the parameters that scored best on validation and loads them back
at the end. With ``checkpoint_dir`` it writes ``checkpoint.npz`` after every epoch
(model, optimizer, scheduler, history, epoch, best parameters; atomic via nn.save) and
``model.npz`` (the best parameters) at the end; ``resume=True`` continues from
``checkpoint.npz`` and ends where an uninterrupted run would have.

Reproducibility: with a ``seed``, epoch ``e`` shuffles with ``default_rng([seed, e])`` and
reseeds nn's random state (dropout) from (seed, e), so a run, or a run resumed at any
epoch boundary, is bit-for-bit repeatable. nn's random state belongs to the calling
thread, so two threads training separately seeded models each get a sequential run's
result.

Divergence: a non-finite (nan or inf) training loss stops fit before that batch's
update, with NonFiniteLossError saying where; the model then holds the best parameters so
far and the checkpoint the last finished epoch. ``on_nonfinite_loss="continue"`` trains
on instead, counting such batches in ``history["nonfinite_losses"]`` and saying so.

Interruption: Ctrl-C (KeyboardInterrupt) during fit raises TrainingInterrupted, a
KeyboardInterrupt carrying the history of the finished epochs. The end of an epoch (its
history entries and its checkpoint) is one step that a Ctrl-C never splits: a signal that
arrives during it takes effect once the checkpoint is written, so the history an
interruption carries is always the one the checkpoint holds.

Callbacks: ``callbacks=[...]`` takes Callback objects (see Callback) whose hooks fit calls
at the start, around every batch and after every epoch: metrics go in, and a hook that
returns True stops training early (the Optuna pruner, early stopping, logging and the
data-parallel runner of nn.parallel are callbacks). The epoch-end hooks run before that
epoch's checkpoint is written (it records a stop, so resuming a stopped run trains no
further); a hook that raises (Optuna's TrialPruned) leaves the previous epoch's checkpoint.

Checkpoints record the model's class, the optimizer's class and settings and the
caller's ``config`` (e.g. a command line's flags); ``resume=True`` refuses a checkpoint
whose record differs, and a refused or failed resume leaves the model, optimizer and
scheduler as they were.
"""

import contextlib
import json
import math
import numbers
import signal
import threading
import time
import warnings
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import nn
import nn.functional as F
from autograd import Tensor, no_grad
from autograd.backend import CPU, asarray, to_device, to_numpy
from nn.data import DataLoader

__all__ = ["fit", "Callback", "evaluate", "predict", "save_checkpoint", "load_checkpoint",
           "CheckpointError", "NonFiniteLossError", "TrainingInterrupted", "checkpoint_record",
           "CHECKPOINT_NAME", "MODEL_NAME"]

CHECKPOINT_NAME = "checkpoint.npz"
MODEL_NAME = "model.npz"


class CheckpointError(ValueError):
    """A checkpoint that can't be loaded; ``corrupt`` tells a damaged file from one that
    belongs to a different model, optimizer or scheduler."""

    def __init__(self, message, corrupt):
        super().__init__(message)
        self.corrupt = corrupt


class NonFiniteLossError(FloatingPointError):
    """The training loss became nan or inf: the run diverged. ``epoch`` and ``iteration``
    (1-based) say where, ``loss`` is the value and ``history`` the run so far."""

    def __init__(self, message, epoch, iteration, loss, history):
        super().__init__(message)
        self.epoch, self.iteration, self.loss, self.history = epoch, iteration, loss, history


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped fit: ``epoch`` (1-based) is the epoch that was interrupted, ``history``
    that of the finished epochs (as the last checkpoint holds it, when fit writes them)."""

    def __init__(self, epoch, history):
        super().__init__(f"fit: interrupted during epoch {epoch}")
        self.epoch, self.history = epoch, history


@contextlib.contextmanager
def _interrupts_deferred():
    """A Ctrl-C (SIGINT) inside the block takes effect at its end, as KeyboardInterrupt.

    Only the main thread receives signals; elsewhere, or when SIGINT has a handler other
    than Python's default, the block runs as it is.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    received = []
    signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if received:
        raise KeyboardInterrupt


class Callback:
    """Hooks fit() calls; subclass and override the ones you need (each does nothing here).

    ``epoch`` and ``batch`` are 0-based. A hook that returns True stops training: from
    on_batch_end the rest of that epoch's batches are skipped (the epoch is still evaluated
    and checkpointed), from on_epoch_end no further epoch starts; either way fit then
    returns normally with ``history["stopped_epoch"]`` (1-based) set.
    """

    def on_fit_begin(self, model, optimizer, start_epoch, history):
        """Before the first epoch (``start_epoch`` > 0 after a resume)."""

    def on_batch_begin(self, epoch, batch, xb, yb):
        """Before the forward pass; return an (xb, yb) pair to train on it instead (e.g.
        augmentation, or one rank's shard of the global batch), or None."""

    def on_after_backward(self, epoch, batch, logs):
        """Between backward() and optimizer.step(): gradients are in ``.grad``. ``logs``
        holds ``loss`` and ``size`` (samples in the batch); a hook may replace ``loss``
        with the value to record (e.g. the mean over all ranks)."""

    def on_batch_end(self, epoch, batch, logs):
        """After the update; ``logs`` as in on_after_backward. True stops (see above)."""

    def on_epoch_end(self, epoch, logs):
        """After evaluation, before the checkpoint; ``logs``: loss (the epoch's mean),
        train_acc, val_acc, lr, time, history. True stops (see above)."""

    def on_fit_end(self, history):
        """After the best parameters are loaded back and model.npz is written."""


def predict(model, X, batch_size=1000):
    """Predicted class of every row of X, in batches, in eval mode, without a graph.

    Every module's train/eval mode is restored afterwards (a child the user put in eval
    mode stays there).
    """
    modes = [(module, module.training) for module in model.modules()]
    device = model_device(model)
    model.eval()
    try:
        with no_grad():   # host predictions: one download per batch
            return np.concatenate([
                to_numpy(model(Tensor(X[start:start + batch_size]).to(device)).data.argmax(axis=1))
                for start in range(0, len(X), batch_size)
            ]) if len(X) else np.zeros(0, dtype=np.int64)
    finally:
        for module, training in modes:
            module.training = training


def evaluate(model, X, y, batch_size=1000):
    """Accuracy (a float in [0, 1]) of ``model`` on ``(X, y)``; see predict()."""
    if len(X) != len(y):
        raise ValueError(f"evaluate: X has {len(X)} samples but y has {len(y)}")
    if len(X) == 0:
        raise ValueError("evaluate: no samples")
    return float(np.mean(predict(model, X, batch_size) == to_numpy(y.data if isinstance(y, Tensor) else y)))


def fit(model, optimizer, X_train, y_train, X_val, y_val, epochs=10, batch_size=100,
        lr_scheduler=None, checkpoint_dir=None, resume=False, seed=None, quiet=False,
        train_acc_samples=1000, eval_batch_size=1000, on_nonfinite_loss="raise", config=None,
        callbacks=(), write_checkpoints=True, evaluate_fn=None):
    """Train ``model`` for ``epochs`` epochs; return the history dict.

    history: ``loss`` (every iteration), ``train_acc``, ``val_acc``, ``lr`` (the rate the
    epoch trained with), ``time`` (seconds per epoch, evaluation included), one entry per
    epoch; ``best_val_acc`` and ``best_epoch`` (1-based); ``nonfinite_losses`` (batches
    whose loss was nan or inf); ``stopped_epoch`` (the 1-based epoch a callback stopped
    training after, or None). On return the model holds the best-on-validation
    parameters.

    ``train_acc_samples`` caps the training images used for train accuracy (a fixed
    subsample, as CS231n's check_accuracy); None uses them all. ``quiet`` turns off the
    progress bar and the per-epoch lines; otherwise the bar appears only when stderr is a
    terminal, and one line per epoch is printed either way.

    A final training batch of a single sample is dropped (its epoch trains on one sample
    fewer): batch norm can't compute training statistics from one value per channel.

    ``on_nonfinite_loss``: "raise" (stop with NonFiniteLossError, see the module
    docstring) or "continue". ``config``: a JSON-serialisable dict describing the run,
    stored in the checkpoint and compared on resume. ``callbacks``: Callback objects, called
    in order (see Callback). ``write_checkpoints=False`` reads ``checkpoint_dir`` on resume
    but writes nothing there (the ranks of a data-parallel run other than rank 0).
    ``evaluate_fn(model, X, y, batch_size)`` measures the train and validation accuracy
    instead of evaluate() (nn.parallel's sharded DistributedDataParallel.evaluate).

    Every argument is checked before any work is done. A checkpoint that can't be loaded
    on ``resume``, or that was written for another model class, optimizer or config,
    raises CheckpointError and changes nothing.
    """
    _check_fit_arguments(model, optimizer, X_train, y_train, X_val, y_val, epochs, batch_size,
                         resume, checkpoint_dir, train_acc_samples, eval_batch_size,
                         on_nonfinite_loss)
    callbacks = _check_callbacks(callbacks)
    if evaluate_fn is not None and not callable(evaluate_fn):
        raise TypeError(f"fit: evaluate_fn must be callable, got {type(evaluate_fn).__name__}")
    accuracy = evaluate_fn or evaluate
    record = checkpoint_record(model, optimizer, config)
    checkpoint_path = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir else None
    if checkpoint_path is not None:
        checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
    train_idx = _train_subsample(len(X_train), train_acc_samples, seed)
    # On a device, the training set moves there once, not a batch per step (docs/devices.md).
    X_train, y_train = (_on_device(a, model_device(model)) for a in (X_train, y_train))
    history = {"loss": [], "train_acc": [], "val_acc": [], "lr": [], "time": [],
               "best_val_acc": None, "best_epoch": None, "nonfinite_losses": 0}
    best_state, start_epoch = None, 0
    if resume and checkpoint_path.is_file():
        start_epoch, history, best_state = load_checkpoint(
            checkpoint_path, model, optimizer, lr_scheduler, record=record)
        history.setdefault("nonfinite_losses", 0)
        _say(quiet, f"resuming from {checkpoint_path} after epoch {start_epoch}")
    elif resume:
        _say(quiet, f"no checkpoint at {checkpoint_path}; starting from scratch")
    history.setdefault("stopped_epoch", None)
    for callback in callbacks:
        callback.on_fit_begin(model, optimizer, start_epoch, history)

    try:
        for epoch in range(start_epoch, epochs):
            if history["stopped_epoch"] is not None:
                break
            started = time.perf_counter()
            lr = _current_lr(optimizer)
            try:
                losses, nonfinite, stopped = _train_epoch(
                    model, optimizer, X_train, y_train, batch_size, seed, epoch,
                    desc=f"epoch {epoch + 1}/{epochs}", quiet=quiet,
                    stop_at_nonfinite=on_nonfinite_loss == "raise", callbacks=callbacks)
            except _Diverged as diverged:
                history["loss"].extend(diverged.losses)
                if best_state is not None:
                    model.load_state_dict(best_state)
                kept = (f"the model holds the parameters of epoch {history['best_epoch']}, the "
                        "best so far" if best_state is not None else "the model holds the "
                        "parameters of before the failed update")
                raise NonFiniteLossError(
                    f"fit: the training loss became {diverged.loss} at epoch {epoch + 1}, "
                    f"iteration {len(diverged.losses)}: the run diverged (try a lower learning "
                    f"rate), so training stopped before that update; {kept}"
                    + (f", and {checkpoint_path} holds epoch {epoch}" if checkpoint_path and epoch
                       else "") + ". Pass on_nonfinite_loss='continue' to train on.",
                    epoch + 1, len(diverged.losses), diverged.loss, history) from None
            train_acc = accuracy(model, X_train[train_idx], y_train[train_idx],
                                 eval_batch_size)
            val_acc = accuracy(model, X_val, y_val, eval_batch_size)
            # the epoch's bookkeeping and checkpoint: one step a Ctrl-C never splits
            with _interrupts_deferred():
                if lr_scheduler is not None:
                    lr_scheduler.step()
                history["loss"].extend(losses)
                history["train_acc"].append(train_acc)
                history["val_acc"].append(val_acc)
                history["lr"].append(lr)
                history["time"].append(time.perf_counter() - started)
                history["nonfinite_losses"] += nonfinite
                if history["best_val_acc"] is None or val_acc > history["best_val_acc"]:
                    history["best_val_acc"], history["best_epoch"] = val_acc, epoch + 1
                    best_state = model.state_dict()     # already a copy
                warning = f"  ({nonfinite} non-finite losses!)" if nonfinite else ""
                _say(quiet, f"epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.4f}  "
                            f"train acc {train_acc:.4f}  val acc {val_acc:.4f}  lr {lr:.3g}  "
                            f"{history['time'][-1]:.1f}s{warning}")
                if nonfinite:
                    warnings.warn(f"fit: {nonfinite} batches of epoch {epoch + 1} had a "
                                  "non-finite loss; training went on "
                                  "(on_nonfinite_loss='continue')", RuntimeWarning, stacklevel=2)
                logs = {"loss": float(np.mean(losses)) if losses else float("nan"),
                        "train_acc": train_acc, "val_acc": val_acc, "lr": lr,
                        "time": history["time"][-1], "history": history}
                # before the checkpoint, which records the stop: a resumed stopped run stays
                # stopped
                if _call(callbacks, "on_epoch_end", epoch, logs) or stopped:
                    history["stopped_epoch"] = epoch + 1
                    _say(quiet, f"stopped early by a callback after epoch {epoch + 1}")
                if checkpoint_path is not None and write_checkpoints:
                    save_checkpoint(checkpoint_path, model, optimizer, lr_scheduler, history,
                                    epoch + 1, best_state, record=record)
    except KeyboardInterrupt:
        raise TrainingInterrupted(len(history["val_acc"]) + 1, history) from None

    if best_state is not None:
        model.load_state_dict(best_state)
    if checkpoint_dir and write_checkpoints:
        nn.save(model.state_dict(), Path(checkpoint_dir) / MODEL_NAME)
    for callback in callbacks:
        callback.on_fit_end(history)
    return history


def _check_callbacks(callbacks):
    callbacks = list(callbacks or ())
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError(f"fit: callbacks must be nn.train.Callback objects, got "
                            f"{type(callback).__name__} (subclass Callback and override its hooks)")
    return callbacks


def _call(callbacks, hook, *args):
    """Call one hook of every callback (all of them, even after one asks to stop); True when
    any asked to stop."""
    stop = False
    for callback in callbacks:
        stop = bool(getattr(callback, hook)(*args)) or stop
    return stop


class _Diverged(Exception):
    def __init__(self, loss, losses):
        super().__init__(loss)
        self.loss, self.losses = loss, losses


def _check_fit_arguments(model, optimizer, X_train, y_train, X_val, y_val, epochs, batch_size,
                         resume, checkpoint_dir, train_acc_samples, eval_batch_size,
                         on_nonfinite_loss):
    """Every mistake fit can see before it starts, so none surfaces after an epoch of work."""
    for name, value in (("epochs", epochs), ("batch_size", batch_size),
                        ("eval_batch_size", eval_batch_size)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"fit: {name} must be an int, got {type(value).__name__} {value!r}")
    if epochs < 0:
        raise ValueError(f"fit: epochs must be >= 0, got {epochs}")
    for name, value in (("batch_size", batch_size), ("eval_batch_size", eval_batch_size)):
        if value <= 0:
            raise ValueError(f"fit: {name} must be positive, got {value}")
    if train_acc_samples is not None and (isinstance(train_acc_samples, bool) or not isinstance(
            train_acc_samples, numbers.Integral) or train_acc_samples <= 0):
        raise ValueError("fit: train_acc_samples must be a positive int or None (all), "
                         f"got {train_acc_samples!r}")
    if on_nonfinite_loss not in ("raise", "continue"):
        raise ValueError("fit: on_nonfinite_loss must be 'raise' or 'continue', "
                         f"got {on_nonfinite_loss!r}")
    for split, X, y in (("training", X_train, y_train), ("validation", X_val, y_val)):
        if len(X) != len(y):
            raise ValueError(f"fit: the {split} set has {len(X)} samples but {len(y)} labels")
        if len(X) == 0:
            raise ValueError(f"fit: the {split} set is empty")
    if resume and not checkpoint_dir:
        raise ValueError("fit: resume=True needs a checkpoint_dir to resume from")
    if not isinstance(optimizer, nn.optim.Optimizer):
        raise TypeError(f"fit: optimizer must be an nn.optim.Optimizer, got {type(optimizer).__name__}")
    trained = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if not any(id(p) in trained for p in model.parameters()):
        raise ValueError(f"fit: the optimizer holds none of the {type(model).__name__}'s parameters "
                         "(was it built over another model?); build it with "
                         "optimizer(model.parameters(), ...)")


def _train_epoch(model, optimizer, X, y, batch_size, seed, epoch, desc, quiet, stop_at_nonfinite,
                 callbacks=()):
    """One pass over the training set in train mode; returns the per-iteration losses, the
    number of non-finite ones (raises _Diverged at the first when ``stop_at_nonfinite``) and
    whether a callback stopped the epoch."""
    if seed is not None:
        nn.init._seed_thread(int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0]))
    # drop a last batch of one sample: batch norm can't train on it (see fit)
    drop_last = len(X) > batch_size and len(X) % batch_size == 1
    device = model_device(model)
    loader = DataLoader(X, y, batch_size, shuffle=True, drop_last=drop_last,
                        seed=None if seed is None else [seed, epoch], device=None if device == CPU else device)
    loss_fn = getattr(model, "loss", None) or F.cross_entropy
    model.train()
    losses, correct, seen, nonfinite, stopped = [], 0, 0, 0, False
    # disable=None: tqdm draws the bar only on a terminal; in a log or CI the per-epoch
    # line fit() prints is all that appears, not hundreds of bar updates.
    with tqdm(loader, desc=desc, disable=True if quiet else None, leave=False, unit="batch",
              dynamic_ncols=True) as bar:
        for batch, (xb, yb) in enumerate(bar):
            for callback in callbacks:
                replaced = callback.on_batch_begin(epoch, batch, xb, yb)
                if replaced is not None:
                    xb, yb = replaced
            scores = model(xb)
            loss = loss_fn(scores, yb)
            value = loss.item()
            if not math.isfinite(value):
                if stop_at_nonfinite:
                    raise _Diverged(value, losses + [value])
                nonfinite += 1
            optimizer.zero_grad()
            loss.backward()
            logs = {"loss": value, "size": len(yb)}
            _call(callbacks, "on_after_backward", epoch, batch, logs)
            losses.append(logs["loss"])
            optimizer.step()
            stopped = _call(callbacks, "on_batch_end", epoch, batch, logs)
            correct += int((scores.data.argmax(axis=1) == yb).sum())
            seen += len(yb)
            bar.set_postfix(loss=f"{losses[-1]:.4f}", acc=f"{correct / seen:.3f}",
                            refresh=False)
            if stopped:
                break
    return losses, nonfinite, stopped


# ----- devices (issue 15) -------------------------------------------------------------
def model_device(model):
    """The device of the model's first parameter (the CPU for a model without any)."""
    first = next(iter(model.parameters()), None)
    return CPU if first is None else first.device


def _on_device(values, device):
    """An array (or a Tensor's) on `device`; on the CPU, as given."""
    if device == CPU:
        return values
    return to_device(values.data if isinstance(values, Tensor) else asarray(values), device)


def _train_subsample(n, samples, seed):
    """Fixed indices of the training images used to measure train accuracy."""
    if samples is None or samples >= n:
        return np.arange(n)
    rng = np.random.default_rng(None if seed is None else [seed, 2**31])
    return np.sort(rng.choice(n, size=samples, replace=False))


def _current_lr(optimizer):
    return float(optimizer.param_groups[0]["lr"])


def _say(quiet, message):
    if not quiet:
        tqdm.write(message)


# ---------------------------------------------------------------------------- checkpoints

def checkpoint_record(model, optimizer=None, config=None):
    """What a checkpoint says it was written for: the model's and optimizer's classes, the
    optimizer's settings (the initial learning rate when a scheduler changes it) and
    ``config``, as strings."""
    if config is not None and not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    try:
        config_text = json.dumps(config, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"config must be JSON-serialisable: {error}") from None
    record = {"model_class": _qualified_name(model), "config": config_text}
    if optimizer is not None:
        record["optimizer_class"] = _qualified_name(optimizer)
        # a scheduler changes lr but keeps initial_lr, the rate the run was started with
        record["optimizer_settings"] = json.dumps(
            [{name: value for name, value in group.items()
              if name != "params" and not (name == "lr" and "initial_lr" in group)}
             for group in optimizer.param_groups], sort_keys=True, default=str)
    return record


def _difference(key, saved, current):
    """One mismatch in words; for JSON settings only the entries that differ."""
    try:
        saved_value, current_value = json.loads(saved), json.loads(current)
    except ValueError:
        saved_value = current_value = None
    pairs = []
    if isinstance(saved_value, dict) and isinstance(current_value, dict):
        pairs = [("", saved_value, current_value)]
    elif (isinstance(saved_value, list) and isinstance(current_value, list)
          and len(saved_value) == len(current_value)
          and all(isinstance(group, dict) for group in saved_value + current_value)):
        pairs = [(f"group {g} " if len(saved_value) > 1 else "", a, b)
                 for g, (a, b) in enumerate(zip(saved_value, current_value))]
    if pairs:
        changed = [f"{prefix}{name}: the checkpoint has {a.get(name, '(unset)')!r}, this run has "
                   f"{b.get(name, '(unset)')!r}"
                   for prefix, a, b in pairs for name in sorted(set(a) | set(b))
                   if a.get(name, "(unset)") != b.get(name, "(unset)")]
        if changed:
            return f"{key} ({'; '.join(changed)})"
    return f"{key}: the checkpoint has {saved}, this run has {current}"


def _qualified_name(obj):
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def save_checkpoint(path, model, optimizer, lr_scheduler, history, epoch, best_state,
                    record=None):
    """Write everything fit() needs to resume after ``epoch`` to ``path`` (atomic, nn.save).

    ``history`` is stored as JSON text; ``best`` holds the best parameters so far;
    ``record`` (default: checkpoint_record(model, optimizer)) what it was written for.
    """
    checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "best": best_state or {}, "history": json.dumps(history), "epoch": epoch,
                  "record": record or checkpoint_record(model, optimizer)}
    if lr_scheduler is not None:
        checkpoint["lr_scheduler"] = lr_scheduler.state_dict()
    nn.save(checkpoint, path)


def load_checkpoint(path, model, optimizer=None, lr_scheduler=None, record=None):
    """Load a fit() checkpoint into the given objects; return (epoch, history, best_state).

    Raises CheckpointError (``corrupt`` True for an unreadable file, False for one that
    doesn't fit the given objects or whose record differs from ``record``, e.g. a
    LinearSVM's checkpoint for a SoftmaxClassifier). On error nothing is changed.
    Checkpoints written before records existed are loaded without that comparison.
    """
    try:
        checkpoint = nn.load(path)
        history = json.loads(str(checkpoint["history"]))
        epoch = int(checkpoint["epoch"])
        saved_record = {key: str(value) for key, value in checkpoint.get("record", {}).items()}
    except (KeyError, ValueError, TypeError) as error:
        raise CheckpointError(f"{path} is corrupt or not a fit() checkpoint: {error}",
                              corrupt=True) from error
    if record is None:
        record = checkpoint_record(model, optimizer)
    differences = [_difference(key, saved_record[key], record[key]) for key in sorted(record)
                   if key in saved_record and saved_record[key] != record[key]]
    if differences:
        raise CheckpointError(f"{path} was written for a different model, optimizer or "
                              f"configuration: {'; '.join(differences)}", corrupt=False)
    before = [(target, target.state_dict())
              for target in (model, optimizer, lr_scheduler) if target is not None]
    try:
        model.load_state_dict(checkpoint["model"])
        if optimizer is not None:
            optimizer.load_state_dict(checkpoint["optimizer"])
        if lr_scheduler is not None:
            if "lr_scheduler" not in checkpoint:
                raise ValueError("the checkpoint has no lr_scheduler state, "
                                 "but one was passed to resume with")
            lr_scheduler.load_state_dict(checkpoint["lr_scheduler"])
    except (KeyError, RuntimeError, ValueError, TypeError) as error:
        for target, state in before:        # a failed load changes nothing
            target.load_state_dict(state)
        raise CheckpointError(f"{path} was written for a different model, optimizer or "
                              f"scheduler: {error}", corrupt=False) from error
    return epoch, history, checkpoint["best"] or None
