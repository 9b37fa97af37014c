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
epoch boundary, is bit-for-bit repeatable.
"""

import json
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import nn
import nn.functional as F
from autograd import Tensor, no_grad
from nn.data import DataLoader

__all__ = ["fit", "evaluate", "predict", "save_checkpoint", "load_checkpoint", "CheckpointError",
           "CHECKPOINT_NAME", "MODEL_NAME"]

CHECKPOINT_NAME = "checkpoint.npz"
MODEL_NAME = "model.npz"


class CheckpointError(ValueError):
    """A checkpoint that can't be loaded; ``corrupt`` tells a damaged file from one that
    belongs to a different model, optimizer or scheduler."""

    def __init__(self, message, corrupt):
        super().__init__(message)
        self.corrupt = corrupt


def predict(model, X, batch_size=1000):
    """Predicted class of every row of X, in batches, in eval mode, without a graph.

    Every module's train/eval mode is restored afterwards (a child the user put in eval
    mode stays there).
    """
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with no_grad():
            return np.concatenate([
                model(Tensor(X[start:start + batch_size])).data.argmax(axis=1)
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
    return float(np.mean(predict(model, X, batch_size) == np.asarray(y)))


def fit(model, optimizer, X_train, y_train, X_val, y_val, epochs=10, batch_size=100,
        lr_scheduler=None, checkpoint_dir=None, resume=False, seed=None, quiet=False,
        train_acc_samples=1000, eval_batch_size=1000):
    """Train ``model`` for ``epochs`` epochs; return the history dict.

    history: ``loss`` (every iteration), ``train_acc``, ``val_acc``, ``lr`` (the rate the
    epoch trained with), ``time`` (seconds per epoch, evaluation included), one entry per
    epoch; ``best_val_acc`` and ``best_epoch`` (1-based). On return the model holds the
    best-on-validation parameters.

    ``train_acc_samples`` caps the training images used for train accuracy (a fixed
    subsample, as CS231n's check_accuracy); None uses them all. ``quiet`` turns off the
    progress bar and the per-epoch lines; otherwise the bar appears only when stderr is a
    terminal, and one line per epoch is printed either way.

    A final training batch of a single sample is dropped (its epoch trains on one sample
    fewer): batch norm can't compute training statistics from one value per channel.

    A checkpoint that can't be loaded on ``resume`` raises CheckpointError.
    """
    if epochs < 0:
        raise ValueError(f"fit: epochs must be >= 0, got {epochs}")
    checkpoint_path = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir else None
    if resume and checkpoint_path is None:
        raise ValueError("fit: resume=True needs a checkpoint_dir to resume from")
    if checkpoint_path is not None:
        checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
    train_idx = _train_subsample(len(X_train), train_acc_samples, seed)
    history = {"loss": [], "train_acc": [], "val_acc": [], "lr": [], "time": [],
               "best_val_acc": None, "best_epoch": None}
    best_state, start_epoch = None, 0
    if resume and checkpoint_path.is_file():
        start_epoch, history, best_state = load_checkpoint(
            checkpoint_path, model, optimizer, lr_scheduler)
        _say(quiet, f"resuming from {checkpoint_path} after epoch {start_epoch}")
    elif resume:
        _say(quiet, f"no checkpoint at {checkpoint_path}; starting from scratch")

    for epoch in range(start_epoch, epochs):
        started = time.perf_counter()
        lr = _current_lr(optimizer)
        losses = _train_epoch(model, optimizer, X_train, y_train, batch_size, seed, epoch,
                              desc=f"epoch {epoch + 1}/{epochs}", quiet=quiet)
        train_acc = evaluate(model, X_train[train_idx], y_train[train_idx], eval_batch_size)
        val_acc = evaluate(model, X_val, y_val, eval_batch_size)
        if lr_scheduler is not None:
            lr_scheduler.step()
        history["loss"].extend(losses)
        history["train_acc"].append(train_acc)
        history["val_acc"].append(val_acc)
        history["lr"].append(lr)
        history["time"].append(time.perf_counter() - started)
        if history["best_val_acc"] is None or val_acc > history["best_val_acc"]:
            history["best_val_acc"], history["best_epoch"] = val_acc, epoch + 1
            best_state = model.state_dict()     # already a copy
        _say(quiet, f"epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.4f}  "
                    f"train acc {train_acc:.4f}  val acc {val_acc:.4f}  lr {lr:.3g}  "
                    f"{history['time'][-1]:.1f}s")
        if checkpoint_path is not None:
            save_checkpoint(checkpoint_path, model, optimizer, lr_scheduler, history,
                            epoch + 1, best_state)

    if best_state is not None:
        model.load_state_dict(best_state)
    if checkpoint_dir:
        nn.save(model.state_dict(), Path(checkpoint_dir) / MODEL_NAME)
    return history


def _train_epoch(model, optimizer, X, y, batch_size, seed, epoch, desc, quiet):
    """One pass over the training set in train mode; returns the per-iteration losses."""
    if seed is not None:
        nn.manual_seed(int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0]))
    # drop a last batch of one sample: batch norm can't train on it (see fit)
    drop_last = len(X) > batch_size and len(X) % batch_size == 1
    loader = DataLoader(X, y, batch_size, shuffle=True, drop_last=drop_last,
                        seed=None if seed is None else [seed, epoch])
    loss_fn = getattr(model, "loss", None) or F.cross_entropy
    model.train()
    losses, correct, seen = [], 0, 0
    # disable=None: tqdm draws the bar only on a terminal; in a log or CI the per-epoch
    # line fit() prints is all that appears, not hundreds of bar updates.
    with tqdm(loader, desc=desc, disable=True if quiet else None, leave=False, unit="batch",
              dynamic_ncols=True) as bar:
        for xb, yb in bar:
            scores = model(xb)
            loss = loss_fn(scores, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            correct += int((scores.data.argmax(axis=1) == yb).sum())
            seen += len(yb)
            bar.set_postfix(loss=f"{losses[-1]:.4f}", acc=f"{correct / seen:.3f}",
                            refresh=False)
    return losses


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

def save_checkpoint(path, model, optimizer, lr_scheduler, history, epoch, best_state):
    """Write everything fit() needs to resume after ``epoch`` to ``path`` (atomic, nn.save).

    ``history`` is stored as JSON text; ``best`` holds the best parameters so far.
    """
    checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "best": best_state or {}, "history": json.dumps(history), "epoch": epoch}
    if lr_scheduler is not None:
        checkpoint["lr_scheduler"] = lr_scheduler.state_dict()
    nn.save(checkpoint, path)


def load_checkpoint(path, model, optimizer=None, lr_scheduler=None):
    """Load a fit() checkpoint into the given objects; return (epoch, history, best_state).

    Raises CheckpointError (``corrupt`` True for an unreadable file, False for one that
    doesn't fit the given objects).
    """
    try:
        checkpoint = nn.load(path)
        history = json.loads(str(checkpoint["history"]))
        epoch = int(checkpoint["epoch"])
    except (KeyError, ValueError) as error:
        raise CheckpointError(f"{path} is corrupt or not a fit() checkpoint: {error}",
                              corrupt=True) from error
    try:
        model.load_state_dict(checkpoint["model"])
        if optimizer is not None:
            optimizer.load_state_dict(checkpoint["optimizer"])
        if lr_scheduler is not None:
            if "lr_scheduler" not in checkpoint:
                raise ValueError("the checkpoint has no lr_scheduler state, "
                                 "but one was passed to resume with")
            lr_scheduler.load_state_dict(checkpoint["lr_scheduler"])
    except (KeyError, RuntimeError, ValueError) as error:
        raise CheckpointError(f"{path} was written for a different model, optimizer or "
                              f"scheduler: {error}", corrupt=False) from error
    return epoch, history, checkpoint["best"] or None
