"""Learning-rate schedulers, as torch.optim.lr_scheduler.

`step()` (once per epoch, or per batch for OneCycleLR/CyclicLR) sets every group's lr;
`get_last_lr()` reads what it set. Most rules are PyTorch's chainable ones: each step
multiplies the group's current lr, so schedulers compose and a manual change of lr
carries forward; LambdaLR, CosineAnnealingWarmRestarts, OneCycleLR and CyclicLR compute
lr from the base lrs. The closed forms (`_closed_form_lr`) are what SequentialLR uses at
its milestones, as PyTorch does. The first step runs in the constructor (last_epoch
becomes 0); a scheduler made with last_epoch >= 0 resumes and needs 'initial_lr' in each
group. `state_dict()` is a flat dict of str -> ndarray (nn.save can write it); functions
(LambdaLR's lr_lambda, CyclicLR's scale_fn) are not part of it.
"""
import bisect
import math

from .composite import ChainedScheduler, ReduceLROnPlateau, SequentialLR
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from .optimizer import _check, _integer, _real
from .scheduler import LRScheduler, _check_optimizer, _number_in, _positive_int

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
           "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
           "CyclicLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "ChainedScheduler"]


class LambdaLR(LRScheduler):
    """lr = initial_lr * lr_lambda(epoch) (one function, or a list of one per group)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(type(self).__name__, optimizer)
        self.lr_lambdas = _lambdas(type(self).__name__, optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]


def _lambdas(owner, optimizer, lr_lambda):
    fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * len(optimizer.param_groups)
    _check(len(fns) == len(optimizer.param_groups),
           f"{owner}: expected {len(optimizer.param_groups)} lr_lambdas (one per group), got {len(fns)}")
    for fn in fns:
        if not callable(fn):
            raise TypeError(f"{owner}: lr_lambda must be a function, got {type(fn).__name__}")
    return fns


class MultiplicativeLR(LRScheduler):
    """lr = lr * lr_lambda(epoch) at every step after the first."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(type(self).__name__, optimizer)
        self.lr_lambdas = _lambdas(type(self).__name__, optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._group_lrs()
        return [group["lr"] * fn(self.last_epoch)
                for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups)]


class StepLR(LRScheduler):
    """lr = initial_lr * gamma^(epoch // step_size)."""

    _state_names = ("step_size", "gamma")

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = _number_in("StepLR", "gamma", gamma, low=0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = initial_lr * gamma^(number of milestones <= epoch) (a repeated milestone counts twice)."""

    _state_names = ("milestones", "gamma")

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"MultiStepLR: milestones must be a list of ints, got "
                            f"{type(milestones).__name__} {milestones!r}")
        self.milestones = sorted(_integer("MultiStepLR", "milestones", m) for m in milestones)
        self.gamma = _number_in("MultiStepLR", "gamma", gamma, low=0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        count = self.milestones.count(self.last_epoch)
        if not count:
            return self._group_lrs()
        return [lr * self.gamma ** count for lr in self._group_lrs()]

    def _closed_form_lr(self):
        return [base_lr * self.gamma ** bisect.bisect_right(self.milestones, self.last_epoch)
                for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr = initial_lr * factor until epoch total_iters, then initial_lr."""

    _state_names = ("factor", "total_iters")

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        self.factor = _number_in("ConstantLR", "factor", factor, low=0, high=1, low_open=True)
        self.total_iters = _positive_int("ConstantLR", "total_iters", total_iters, minimum=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._group_lrs()]
        if self.last_epoch != self.total_iters:
            return self._group_lrs()
        return [lr * (1.0 / self.factor) for lr in self._group_lrs()]

    def _closed_form_lr(self):
        return [base_lr * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = initial_lr * factor, the factor going linearly from start_factor to end_factor
    over total_iters epochs, then staying."""

    _state_names = ("start_factor", "end_factor", "total_iters")

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        self.start_factor = _number_in("LinearLR", "start_factor", start_factor, low=0, high=1, low_open=True)
        self.end_factor = _number_in("LinearLR", "end_factor", end_factor, low=0, high=1)
        self.total_iters = _positive_int("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._group_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._group_lrs()
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [lr * ratio for lr in self._group_lrs()]

    def _closed_form_lr(self):
        fraction = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor) * fraction)
                for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = initial_lr * gamma^epoch (CS231n's per-epoch lr_decay)."""

    _state_names = ("gamma",)

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _real("ExponentialLR", "gamma", gamma)
        _check(gamma > 0, f"ExponentialLR: gamma must be positive, got {gamma}")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr = initial_lr * (1 - min(epoch, total_iters) / total_iters)^power."""

    _state_names = ("total_iters", "power")

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = _positive_int("PolynomialLR", "total_iters", total_iters)
        self.power = _number_in("PolynomialLR", "power", power, low=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._group_lrs()
        factor = ((1.0 - self.last_epoch / self.total_iters)
                  / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [lr * factor for lr in self._group_lrs()]

    def _closed_form_lr(self):
        return [base_lr * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
                for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2 (closed form);
    stepped, the chainable recursion of it, which carries a manual change of lr forward and
    keeps going past T_max (the lr rises back, period 2 T_max)."""

    _state_names = ("T_max", "eta_min")

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _number_in("CosineAnnealingLR", "eta_min", eta_min, low=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        epoch, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._group_lrs()
        if self._step_count == 1 and epoch > 0:
            return [eta_min + (base_lr - eta_min) * (1 + math.cos(epoch * math.pi / period)) / 2
                    for base_lr in self.base_lrs]
        if (epoch - 1 - period) % (2 * period) == 0:
            return [lr + (base_lr - eta_min) * (1 - math.cos(math.pi / period)) / 2
                    for lr, base_lr in zip(self._group_lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * epoch / period)) / (1 + math.cos(math.pi * (epoch - 1) / period))
        return [ratio * (lr - eta_min) + eta_min for lr in self._group_lrs()]

    def _closed_form_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]
