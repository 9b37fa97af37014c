"""The scheduler base class and the argument checks every scheduler shares (see lr_scheduler.py)."""
from .optimizer import Optimizer, _check, _integer, _real, from_saved, to_saved

__all__ = ["LRScheduler"]


def _positive_int(owner, name, value, minimum=1):
    value = _integer(owner, name, value)
    _check(value >= minimum, f"{owner}: invalid {name}: {value!r} (must be an int >= {minimum})")
    return value


def _number_in(owner, name, value, low=None, high=None, low_open=False, high_open=False):
    """A real number checked against [low, high] (open ends where asked); errors name it."""
    _real(owner, name, value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        if high is None:
            rule = f"must be {'>' if low_open else '>='} {low}"
        else:
            rule = f"must be in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{owner}: invalid {name}: {value!r} ({rule})")
    return value


def _per_group(owner, name, optimizer, value, **bounds):
    """One value per parameter group: a number for all of them, or a list/tuple of one each."""
    if isinstance(value, (list, tuple)):
        _check(len(value) == len(optimizer.param_groups),
               f"{owner}: {name} must have one value per parameter group: {name} has {len(value)} "
               f"values, the optimizer has {len(optimizer.param_groups)} groups")
        return [_number_in(owner, name, item, **bounds) for item in value]
    return [_number_in(owner, name, value, **bounds)] * len(optimizer.param_groups)


def _check_optimizer(owner, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: {type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class: subclasses define `get_lr()` (the chainable rule, from the groups' current
    lr) and may define `_closed_form_lr()` (lr as a function of last_epoch and base_lrs)."""

    _state_names = ()
    _common_names = ("last_epoch", "base_lrs", "_last_lr", "_step_count")

    def __init__(self, optimizer, last_epoch=-1):
        owner = type(self).__name__
        _check_optimizer(owner, optimizer)
        last_epoch = _integer(owner, "last_epoch", last_epoch)
        _check(last_epoch >= -1, f"{owner}: invalid last_epoch: {last_epoch} (must be >= -1)")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{owner}: param 'initial_lr' is not specified in param_groups[{i}] "
                                   f"when resuming a scheduler with last_epoch={last_epoch} >= 0 (load "
                                   "the optimizer's state first, or start with last_epoch=-1)")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        raise NotImplementedError

    def step(self):
        self._step_count += 1
        self._update_lr()

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._closed_form_lr() if hasattr(self, "_closed_form_lr") else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _group_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        return list(self._last_lr)

    # ----- state ----------------------------------------------------------------------
    def state_dict(self):
        return {name: to_saved(getattr(self, name))
                for name in (*self._common_names, *self._state_names) if hasattr(self, name)}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict()` saved (the names this scheduler has; checked first)."""
        expected = {name for name in (*self._common_names, *self._state_names) if hasattr(self, name)}
        optional = {"_step_count"}          # states saved before it was kept
        if not expected - optional <= set(state_dict) <= expected:
            raise KeyError(f"{type(self).__name__}.load_state_dict: expected keys {sorted(expected)}, "
                           f"got {sorted(state_dict)}")
        for name, value in state_dict.items():
            setattr(self, name, from_saved(value))
        if hasattr(self, "last_epoch"):
            self.last_epoch = int(self.last_epoch)
