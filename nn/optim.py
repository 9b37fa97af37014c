"""Optimizers (SGD, RMSprop, Adam, AdamW) and learning-rate schedulers, as torch.optim.

Each `step()` updates `p.data` in place, outside the graph, following PyTorch's update
rule operation for operation (so runs can be compared step by step), and skips
parameters whose `.grad` is None. State is kept per parameter (`optimizer.state[p]`).
`state_dict()` is a flat dict of str -> ndarray, so it can go through `nn.save`:
    "state.<i>.<name>"          per-parameter state of the i-th parameter (over all groups)
    "param_groups.<g>.<name>"   hyperparameters of group g, and its parameter indices
"""
import math
import numbers
import sys
import types

import numpy as np

from autograd import Tensor

from .module import zero_grads

__all__ = ["SGD", "RMSprop", "Adam", "AdamW", "Optimizer", "lr_scheduler", "ExponentialLR", "StepLR"]


def _check(condition, message):
    if not condition:
        raise ValueError(message)


def _real(owner, name, value):
    """``value`` when it is a real number (not a bool, not a str); else TypeError naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__} {value!r}")
    return value


class Optimizer:
    """Base class: parameter groups, state, zero_grad, state_dict. Subclasses define `_update`."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}                       # Parameter -> dict of arrays/step counts
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or dicts, got a single Tensor; "
                            "pass model.parameters() or [tensor]")
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(f"params must be an iterable of Tensors or dicts, got a "
                            f"{type(params).__name__}; pass model.parameters()")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if len({isinstance(group, dict) for group in groups}) == 2:
            raise TypeError(f"{type(self).__name__}: params mixes parameter-group dicts and "
                            "Tensors; pass either Tensors or dicts like {'params': [...], 'lr': ...}")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        group = dict(group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
            if id(p) in seen:
                raise ValueError("some parameters appear in more than one parameter group")
            seen.add(id(p))
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group):
        """Check a group's hyperparameters, types first (an error names the argument)."""
        owner = type(self).__name__
        for name in ("lr", "weight_decay", "eps", "momentum", "alpha", "dampening"):
            if name in group:
                _real(owner, name, group[name])
        for name in ("nesterov", "amsgrad", "centered"):
            if name in group and not isinstance(group[name], (bool, np.bool_)):
                raise TypeError(f"{owner}: {name} must be True or False, "
                                f"got {type(group[name]).__name__} {group[name]!r}")
        if "betas" in group:
            betas = group["betas"]
            if (isinstance(betas, (str, bytes)) or not isinstance(betas, (tuple, list))
                    or len(betas) != 2):
                raise TypeError(f"{owner}: betas must be a pair of numbers (beta1, beta2), "
                                f"got {type(betas).__name__} {betas!r}")
            for beta in betas:
                _real(owner, "betas", beta)
            _check(all(0 <= b < 1 for b in betas),
                   f"Invalid beta parameters: {tuple(betas)} (each must be in [0, 1))")
            group["betas"] = tuple(betas)
        _check(group["lr"] >= 0, f"Invalid learning rate: {group['lr']} (must be >= 0)")
        _check(group.get("weight_decay", 0) >= 0,
               f"Invalid weight_decay value: {group.get('weight_decay')} (must be >= 0)")
        _check(group.get("eps", 0) >= 0, f"Invalid epsilon value: {group.get('eps')} (must be >= 0)")
        _check(group.get("momentum", 0) >= 0, f"Invalid momentum value: {group.get('momentum')} (must be >= 0)")
        _check(group.get("alpha", 0) >= 0, f"Invalid alpha value: {group.get('alpha')} (must be >= 0)")
        _check(not group.get("nesterov") or (group["momentum"] > 0 and group["dampening"] == 0),
               "Nesterov momentum requires a momentum > 0 and zero dampening")

    def zero_grad(self, set_to_none=True):
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad.data
                if grad.shape != p.data.shape:
                    raise ValueError(f"{type(self).__name__}.step: gradient of shape {grad.shape} does "
                                     f"not match its parameter's shape {p.data.shape}")
                self._update(p, grad, self.state.setdefault(p, {}), group)
                p._version.value += 1

    def _update(self, p, grad, state, group):
        raise NotImplementedError

    # ----- state ----------------------------------------------------------------------
    def _params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self):
        out = {}
        for i, p in enumerate(self._params()):
            for name, value in self.state.get(p, {}).items():
                out[f"state.{i}.{name}"] = np.array(value, copy=True)
        index = 0
        for g, group in enumerate(self.param_groups):
            for name, value in group.items():
                if name == "params":
                    value = np.arange(index, index + len(group["params"]))
                    index += len(group["params"])
                out[f"param_groups.{g}.{name}"] = np.array(value, copy=True)
        return out

    def load_state_dict(self, state_dict):
        """Restore state and hyperparameters saved by `state_dict()` (checked before anything changes)."""
        params = self._params()
        groups = {}
        states = {}
        for key, value in state_dict.items():
            kind, _, rest = key.partition(".")
            index, _, name = rest.partition(".")
            if kind not in ("state", "param_groups") or not index.isdigit() or not name:
                raise KeyError(f"{type(self).__name__}.load_state_dict: unexpected key {key!r}")
            target = states if kind == "state" else groups
            target.setdefault(int(index), {})[name] = np.asarray(value)
        for g, group in enumerate(self.param_groups):
            names = set(groups.get(g, {})) - {"params", "initial_lr"}
            expected = set(group) - {"params", "initial_lr"}
            if g in groups and names != expected:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: group {g} of the state has the "
                    f"hyperparameters {sorted(names)}, this optimizer has {sorted(expected)} "
                    "(was the state saved by another optimizer type?)")
        if sorted(groups) != list(range(len(self.param_groups))):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state has {len(groups)} parameter "
                             f"groups, the optimizer has {len(self.param_groups)}")
        for g, group in enumerate(self.param_groups):
            saved = groups[g].get("params")
            if saved is None or len(saved) != len(group["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: group {g} has "
                                 f"{len(group['params'])} parameters, the state has "
                                 f"{'none' if saved is None else len(saved)}")
        for i, state in states.items():
            if i >= len(params):
                raise ValueError(f"{type(self).__name__}.load_state_dict: state for parameter {i}, "
                                 f"but the optimizer has only {len(params)} parameters")
            for name, value in state.items():
                if value.ndim and value.shape != params[i].shape:
                    raise ValueError(f"{type(self).__name__}.load_state_dict: state {name!r} of parameter {i} "
                                     f"has shape {value.shape}, the parameter has shape {params[i].shape}")
        # Integer scalars (step counts) become ints; float state stays an array in the
        # parameter's dtype, even 0-d, so the in-place updates of step() keep working.
        self.state = {params[i]: {name: (int(value) if value.ndim == 0 and value.dtype.kind in "iub"
                                         else value.astype(params[i].dtype, copy=True))
                                  for name, value in state.items()}
                      for i, state in states.items()}
        for g, group in enumerate(self.param_groups):
            for name, value in groups[g].items():
                if name != "params":
                    group[name] = value.item() if value.ndim == 0 else tuple(value.tolist())

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for g, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {g}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])


class SGD(Optimizer):
    """SGD with optional momentum (PyTorch's form), Nesterov momentum and L2 weight decay.

    g = grad + weight_decay * p;  b = g (first step), b = momentum * b + (1 - dampening) * g;
    g = g + momentum * b (nesterov) or b;  p = p - lr * g.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _update(self, p, grad, state, group):
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.data
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        p.data -= group["lr"] * grad


class RMSprop(Optimizer):
    """RMSprop: s = alpha * s + (1 - alpha) * g^2;  p = p - lr * g / (sqrt(s) + eps).

    centered=True subtracts the squared running mean of g under the root; momentum > 0
    accumulates b = momentum * b + g / (sqrt(s) + eps) and steps by lr * b.
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(p.data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.data
        alpha = group["alpha"]
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)       # lerp, as PyTorch
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            avg = np.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / avg
            p.data -= group["lr"] * buf
        else:
            p.data -= group["lr"] * (grad / avg)


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction; weight_decay adds weight_decay * p to g (L2).

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  t = t + 1;
    p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        beta1, beta2 = group["betas"]
        lr, weight_decay = group["lr"], group["weight_decay"]
        state["step"] += 1
        step = state["step"]
        if weight_decay and self.decoupled:
            p.data *= 1 - lr * weight_decay
        elif weight_decay:
            grad = grad + weight_decay * p.data
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)           # lerp, as PyTorch
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            second = state["max_exp_avg_sq"]
        else:
            second = exp_avg_sq
        step_size = lr / (1 - beta1 ** step)
        denom = np.sqrt(second) / math.sqrt(1 - beta2 ** step) + group["eps"]
        p.data -= step_size * (exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p = p * (1 - lr * weight_decay) first."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


# ----- learning-rate schedulers ------------------------------------------------------


class LRScheduler:
    """Base class: `step()` once per epoch sets each group's lr; `get_last_lr()` reads it.

    The rule is PyTorch's chainable one: each step multiplies the current lr, so
    schedulers compose and a manual change of lr carries forward.
    """

    _state_names = ()

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer")
        if isinstance(last_epoch, (bool, np.bool_)) or not isinstance(last_epoch, numbers.Integral):
            raise TypeError(f"{type(self).__name__}: last_epoch must be an int, "
                            f"got {type(last_epoch).__name__} {last_epoch!r}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def get_lr(self):
        raise NotImplementedError

    def step(self):
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        return list(self._last_lr)

    def state_dict(self):
        out = {"last_epoch": np.array(self.last_epoch), "base_lrs": np.array(self.base_lrs),
               "_last_lr": np.array(self._last_lr)}
        out.update((name, np.array(getattr(self, name))) for name in self._state_names)
        return out

    def load_state_dict(self, state_dict):
        expected = {"last_epoch", "base_lrs", "_last_lr", *self._state_names}
        if set(state_dict) != expected:
            raise KeyError(f"{type(self).__name__}.load_state_dict: expected keys {sorted(expected)}, "
                           f"got {sorted(state_dict)}")
        self.last_epoch = int(np.asarray(state_dict["last_epoch"]))
        self.base_lrs = np.asarray(state_dict["base_lrs"]).tolist()
        self._last_lr = np.asarray(state_dict["_last_lr"]).tolist()
        for name in self._state_names:
            setattr(self, name, np.asarray(state_dict[name]).item())


class ExponentialLR(LRScheduler):
    """lr = initial_lr * gamma^epoch (CS231n's per-epoch lr_decay)."""

    _state_names = ("gamma",)

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _check(_real("ExponentialLR", "gamma", gamma) > 0, f"ExponentialLR: gamma must be positive, got {gamma}")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


class StepLR(LRScheduler):
    """lr = initial_lr * gamma^(epoch // step_size)."""

    _state_names = ("step_size", "gamma")

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if isinstance(step_size, (bool, np.bool_)) or not isinstance(step_size, numbers.Integral):
            raise TypeError(f"StepLR: step_size must be an int, got {type(step_size).__name__} {step_size!r}")
        _check(step_size > 0, f"StepLR: step_size must be a positive int, got {step_size!r}")
        _check(_real("StepLR", "gamma", gamma) > 0, f"StepLR: gamma must be positive, got {gamma}")
        step_size = int(step_size)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


# `nn.optim.lr_scheduler.StepLR` and `from nn.optim.lr_scheduler import StepLR` work as in
# torch.optim, without a package for three classes.
lr_scheduler = types.ModuleType(__name__ + ".lr_scheduler", "Learning-rate schedulers (see nn.optim).")
lr_scheduler.LRScheduler, lr_scheduler.ExponentialLR, lr_scheduler.StepLR = LRScheduler, ExponentialLR, StepLR
sys.modules[lr_scheduler.__name__] = lr_scheduler
