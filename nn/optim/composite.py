"""Schedulers driven by a metric or by other schedulers: ReduceLROnPlateau, SequentialLR,
ChainedScheduler. The composites save their schedulers' states under "_schedulers.<i>.<key>"."""
import bisect
import math

from .optimizer import _check, _integer
from .scheduler import LRScheduler, _check_optimizer, _number_in, _per_group

__all__ = ["ReduceLROnPlateau", "SequentialLR", "ChainedScheduler"]


class ReduceLROnPlateau(LRScheduler):
    """Multiply every group's lr by ``factor`` (not below min_lr) once the metric passed to
    `step(metrics)` has not improved for more than ``patience`` steps; ``threshold`` in
    ``threshold_mode`` "rel" (best * (1 -+ threshold)) or "abs" (best -+ threshold) says what
    improves, ``cooldown`` steps after a reduction are not counted, and a change smaller
    than ``eps`` is not made."""

    _common_names = ("last_epoch", "_last_lr")
    _state_names = ("factor", "min_lrs", "default_min_lr", "patience", "cooldown", "eps", "mode",
                    "threshold", "threshold_mode", "best", "mode_worse", "cooldown_counter", "num_bad_epochs")

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        owner = type(self).__name__
        _check_optimizer(owner, optimizer)
        self.factor = _number_in(owner, "factor", factor, low=0, high=1, high_open=True)
        self.patience = _integer(owner, "patience", patience)
        self.cooldown = _integer(owner, "cooldown", cooldown)
        _check(self.patience >= 0, f"{owner}: invalid patience: {patience!r} (must be an int >= 0)")
        _check(self.cooldown >= 0, f"{owner}: invalid cooldown: {cooldown!r} (must be an int >= 0)")
        self.threshold = _number_in(owner, "threshold", threshold, low=0)
        self.eps = _number_in(owner, "eps", eps, low=0)
        _check(mode in ("min", "max"), f"{owner}: invalid mode: {mode!r} (must be 'min' or 'max')")
        _check(threshold_mode in ("rel", "abs"),
               f"{owner}: invalid threshold_mode: {threshold_mode!r} (must be 'rel' or 'abs')")
        self.optimizer = optimizer
        self.min_lrs = _per_group(owner, "min_lr", optimizer, min_lr, low=0)
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.mode, self.threshold_mode = mode, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        self.best, self.cooldown_counter, self.num_bad_epochs = self.mode_worse, 0, 0

    def _is_better(self, value):
        if self.threshold_mode == "rel":
            scale = 1.0 - self.threshold if self.mode == "min" else 1.0 + self.threshold
            return value < self.best * scale if self.mode == "min" else value > self.best * scale
        return value < self.best - self.threshold if self.mode == "min" else value > self.best + self.threshold

    def step(self, metrics):
        """One epoch's metric (a number or a one-element Tensor)."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = self._group_lrs()

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups, "
                                   f"min_lr has {len(self.min_lrs)} values (a group was added?); set "
                                   "scheduler.min_lrs to one value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            new_lr = max(float(group["lr"]) * self.factor, min_lr)
            if float(group["lr"]) - new_lr > self.eps:
                group["lr"] = new_lr


def _check_schedulers(owner, schedulers, optimizer):
    schedulers = list(schedulers)
    _check(schedulers, f"{owner}: expects at least one scheduler, got none")
    optimizer = optimizer if optimizer is not None else getattr(schedulers[0], "optimizer", None)
    for i, scheduler in enumerate(schedulers):
        if not isinstance(scheduler, LRScheduler):
            raise TypeError(f"{owner}: schedulers[{i}] is a {type(scheduler).__name__}, not a scheduler")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(f"{owner}: schedulers[{i}] is a ReduceLROnPlateau, which needs a metric in "
                             "step(); step it on its own")
        _check(scheduler.optimizer is optimizer,
               f"{owner}: schedulers[{i}] ({type(scheduler).__name__}) belongs to another optimizer")
    return schedulers, optimizer


class _Composite(LRScheduler):
    """State of a scheduler made of schedulers: its own names plus theirs, prefixed."""

    def state_dict(self):
        out = super().state_dict()
        for i, scheduler in enumerate(self._schedulers):
            out.update((f"_schedulers.{i}.{key}", value) for key, value in scheduler.state_dict().items())
        return out

    def load_state_dict(self, state_dict):
        own = {key: value for key, value in state_dict.items() if not key.startswith("_schedulers.")}
        parts = [{} for _ in self._schedulers]
        for key, value in state_dict.items():
            if key.startswith("_schedulers."):
                index, _, rest = key[len("_schedulers."):].partition(".")
                if not index.isdigit() or int(index) >= len(parts) or not rest:
                    raise KeyError(f"{type(self).__name__}.load_state_dict: unexpected key {key!r} "
                                   f"(it has {len(parts)} schedulers)")
                parts[int(index)][rest] = value
        before = [scheduler.state_dict() for scheduler in self._schedulers]
        try:
            for scheduler, part in zip(self._schedulers, parts):
                scheduler.load_state_dict(part)
            super().load_state_dict(own)
        except (KeyError, ValueError):
            for scheduler, state in zip(self._schedulers, before):
                scheduler.load_state_dict(state)
            raise


class SequentialLR(_Composite):
    """Run schedulers[0] until milestones[0], then schedulers[1] (restarted at its epoch 0,
    by its closed form where it has one), and so on."""

    _common_names = ("last_epoch", "_last_lr")
    _state_names = ("_milestones",)

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        owner = type(self).__name__
        _check_optimizer(owner, optimizer)
        self._schedulers, self.optimizer = _check_schedulers(owner, schedulers, optimizer)
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"{owner}: milestones must be a list of ints, got {type(milestones).__name__}")
        self._milestones = [_integer(owner, "milestones", m) for m in milestones]
        _check(len(self._milestones) == len(self._schedulers) - 1,
               f"{owner}: expects one milestone fewer than schedulers, got {len(self._schedulers)} "
               f"schedulers and {len(self._milestones)} milestones")
        _check(self._milestones == sorted(self._milestones),
               f"{owner}: milestones must be increasing, got {self._milestones}")
        self.last_epoch = _integer(owner, "last_epoch", last_epoch) + 1
        for group in self.optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:       # undo the step each made when constructed
            _rewind(scheduler)
        first = self._schedulers[bisect.bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


def _rewind(scheduler):
    for inner in getattr(scheduler, "_schedulers", ()):
        _rewind(inner)
    if not hasattr(scheduler, "_schedulers"):
        scheduler.last_epoch -= 1


class ChainedScheduler(_Composite):
    """Step every scheduler in turn at each step(): their (chainable) factors multiply."""

    _common_names = ("_last_lr",)

    def __init__(self, schedulers, optimizer=None):
        self._schedulers, self.optimizer = _check_schedulers(type(self).__name__, schedulers, optimizer)
        self._last_lr = self._group_lrs()

    def step(self):
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._group_lrs()
