"""Schedules computed from the base lrs that restart or cycle: CosineAnnealingWarmRestarts
(per epoch, or fractional epochs), CyclicLR and OneCycleLR (stepped once per batch, and
cycling the momentum, or Adam's beta1, inversely to the lr)."""
import math

from .optimizer import _check, _flag, _integer
from .scheduler import LRScheduler, _check_optimizer, _number_in, _per_group, _positive_int

__all__ = ["CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter): lr = eta_min + (initial_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2,
    restarting (T_cur = 0) after T_i epochs, T_i = T_0, T_0 T_mult, T_0 T_mult^2, ...
    `step(epoch)` with a float epoch (e.g. epoch + batch / batches) sets the position directly."""

    _state_names = ("T_0", "T_i", "T_mult", "eta_min", "T_cur")

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        owner = type(self).__name__
        self.T_0 = self.T_i = _positive_int(owner, "T_0", T_0)
        self.T_mult = _positive_int(owner, "T_mult", T_mult)
        self.eta_min = _number_in(owner, "eta_min", eta_min, low=0)
        self.T_cur = _integer(owner, "last_epoch", last_epoch)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base_lr in self.base_lrs]

    def step(self, epoch=None):
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            _number_in(type(self).__name__, "epoch", epoch, low=0)
            if epoch >= self.T_0 and self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            elif epoch >= self.T_0:
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._group_lrs()


def _momentum_groups(owner, optimizer, base_momentum, max_momentum, last_epoch):
    """Check that the optimizer has a momentum (or betas) to cycle; on a fresh start set
    each group's momentum (beta1) to max_momentum and record both bounds in the group.
    Returns (whether it is beta1 that cycles, the base momenta, the max momenta)."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"{owner}: cycle_momentum=True needs an optimizer with momentum or betas, "
                         f"{type(optimizer).__name__} has neither (pass cycle_momentum=False)")
    use_beta1 = "betas" in optimizer.defaults
    bases = _per_group(owner, "base_momentum", optimizer, base_momentum, low=0)
    maxima = _per_group(owner, "max_momentum", optimizer, max_momentum, low=0)
    if last_epoch == -1:
        for high, low, group in zip(maxima, bases, optimizer.param_groups):
            _set_momentum(group, use_beta1, high)
            group["max_momentum"], group["base_momentum"] = high, low
    return use_beta1, bases, maxima


def _set_momentum(group, use_beta1, value):
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith): lr goes from base_lr up to max_lr in step_size_up
    steps and back in step_size_down, the amplitude scaled per cycle ("triangular": 1,
    "triangular2": halved each cycle) or per iteration ("exp_range": gamma^iteration), or by
    ``scale_fn`` (with ``scale_mode``). Momentum cycles the other way between max_momentum
    and base_momentum."""

    _state_names = ("max_lrs", "total_size", "step_ratio", "mode", "gamma", "scale_mode",
                    "cycle_momentum", "use_beta1", "base_momentums", "max_momentums")

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True,
                 base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        owner = type(self).__name__
        _check_optimizer(owner, optimizer)
        base_lrs = _per_group(owner, "base_lr", optimizer, base_lr, low=0)
        self.max_lrs = _per_group(owner, "max_lr", optimizer, max_lr, low=0)
        up = float(_number_in(owner, "step_size_up", step_size_up, low=0, low_open=True))
        down = up if step_size_down is None else float(
            _number_in(owner, "step_size_down", step_size_down, low=0, low_open=True))
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"{owner}: scale_fn must be a function or None, got {type(scale_fn).__name__}")
        _check(scale_fn is not None or mode in ("triangular", "triangular2", "exp_range"),
               f"{owner}: invalid mode: {mode!r} (must be 'triangular', 'triangular2' or 'exp_range', "
               "or pass scale_fn)")
        _check(scale_mode in ("cycle", "iterations"),
               f"{owner}: invalid scale_mode: {scale_mode!r} (must be 'cycle' or 'iterations')")
        self.gamma = _number_in(owner, "gamma", gamma, low=0, low_open=True)
        self.cycle_momentum = _flag(owner, "cycle_momentum", cycle_momentum)
        last_epoch = _integer(owner, "last_epoch", last_epoch)
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.mode, self._scale_fn_custom = mode, scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else (
            "iterations" if mode == "exp_range" else "cycle")
        if self.cycle_momentum:
            self.use_beta1, self.base_momentums, self.max_momentums = _momentum_groups(
                owner, optimizer, base_momentum, max_momentum, last_epoch)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x):
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale_factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base_lr + (max_lr - base_lr) * scale_factor * scale
               for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, self.use_beta1, high - (high - low) * scale_factor * scale)
        return lrs


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin), stepped once per batch for total_steps (or
    epochs * steps_per_epoch) steps: lr rises from max_lr / div_factor to max_lr over the
    first pct_start of the steps, then anneals ("cos" or "linear") to
    max_lr / div_factor / final_div_factor (three_phase: back to the start first, then down);
    momentum (or beta1) goes the other way between max_momentum and base_momentum."""

    _state_names = ("total_steps", "pct_start", "anneal_strategy", "three_phase", "cycle_momentum",
                    "use_beta1")

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        owner = type(self).__name__
        _check_optimizer(owner, optimizer)
        if total_steps is not None:
            self.total_steps = _positive_int(owner, "total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (_positive_int(owner, "epochs", epochs)
                                * _positive_int(owner, "steps_per_epoch", steps_per_epoch))
        else:
            raise ValueError(f"{owner}: pass either total_steps or both epochs and steps_per_epoch")
        self.pct_start = _number_in(owner, "pct_start", pct_start, low=0, high=1)
        _check(anneal_strategy in ("cos", "linear"),
               f"{owner}: invalid anneal_strategy: {anneal_strategy!r} (must be 'cos' or 'linear')")
        self.anneal_strategy = anneal_strategy
        self.three_phase = _flag(owner, "three_phase", three_phase)
        self.cycle_momentum = _flag(owner, "cycle_momentum", cycle_momentum)
        div_factor = _number_in(owner, "div_factor", div_factor, low=0, low_open=True)
        final_div_factor = _number_in(owner, "final_div_factor", final_div_factor, low=0, low_open=True)
        max_lrs = _per_group(owner, "max_lr", optimizer, max_lr, low=0)
        last_epoch = _integer(owner, "last_epoch", last_epoch)
        if last_epoch == -1:
            for max_lr_, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = max_lr_ / div_factor
                group["max_lr"] = max_lr_
                group["min_lr"] = group["initial_lr"] / final_div_factor
        if self.cycle_momentum:
            self.use_beta1 = _momentum_groups(owner, optimizer, base_momentum, max_momentum, last_epoch)[0]
        super().__init__(optimizer, last_epoch)

    def _phases(self):
        """(end step, start lr key, end lr key, start momentum key, end momentum key) per phase."""
        rise = float(self.pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if self.three_phase:
            return [(rise, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    (float(2 * self.pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
                     "base_momentum", "max_momentum"),
                    (last, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        return [(rise, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (last, "max_lr", "min_lr", "base_momentum", "max_momentum")]

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; total_steps is {self.total_steps}")
        phases = self._phases()
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr_from, lr_to, momentum_from, momentum_to) in enumerate(phases):
                if step <= end or i == len(phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        _set_momentum(group, self.use_beta1,
                                      self._anneal(group[momentum_from], group[momentum_to], pct))
                    break
                start = end
        return lrs
