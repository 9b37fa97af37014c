"""The Adam family: Adam, AdamW, Adamax, NAdam, RAdam, as torch.optim.

Every one keeps m (exp_avg, a lerp towards g as PyTorch computes it) and a second-moment
statistic per parameter; weight_decay is L2 (added to g) unless decoupled_weight_decay,
which scales p by (1 - lr * weight_decay) first, as AdamW.
"""
import math

import numpy as np

from autograd.backend import to_device

from .optimizer import NONNEGATIVE, UNIT_OPEN, Optimizer, pair

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"]

ADAM_HYPERPARAMETERS = dict(lr=NONNEGATIVE, betas=pair(UNIT_OPEN), eps=NONNEGATIVE,
                            weight_decay=NONNEGATIVE, amsgrad="bool", maximize="bool",
                            decoupled_weight_decay="bool", momentum_decay=NONNEGATIVE)


def _moments(p, grad, state, group, second_moment=True):
    """Step count, weight decay and the first moment shared by the family; returns grad."""
    if "step" not in state:
        state["step"] = 0
        state["exp_avg"] = np.zeros_like(p.data)
        state["exp_avg_sq" if second_moment else "exp_inf"] = np.zeros_like(p.data)
    state["step"] += 1
    weight_decay = group["weight_decay"]
    if weight_decay and group.get("decoupled_weight_decay"):
        p.data *= 1 - group["lr"] * weight_decay
    elif weight_decay:
        grad = grad + weight_decay * p.data
    beta1, beta2 = group["betas"]
    state["exp_avg"] += (1 - beta1) * (grad - state["exp_avg"])       # lerp, as PyTorch
    if second_moment:
        state["exp_avg_sq"] *= beta2
        state["exp_avg_sq"] += (1 - beta2) * grad * grad
    return grad


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction; weight_decay adds weight_decay * p to g (L2).

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  t = t + 1;  (amsgrad: v = max(v_max, v))
    p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    """

    hyperparameters = ADAM_HYPERPARAMETERS

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                 *, maximize=False, decoupled_weight_decay=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, p, grad, state, group):
        if not state and group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        _moments(p, grad, state, group)
        beta1, beta2 = group["betas"]
        step = state["step"]
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], state["exp_avg_sq"], out=state["max_exp_avg_sq"])
            second = state["max_exp_avg_sq"]
        else:
            second = state["exp_avg_sq"]
        step_size = group["lr"] / (1 - beta1 ** step)
        denom = np.sqrt(second) / math.sqrt(1 - beta2 ** step) + group["eps"]
        p.data -= step_size * (state["exp_avg"] / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p = p * (1 - lr * weight_decay) first."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm):

    m = b1 m + (1 - b1) g;  u = max(b2 u, |g| + eps);  p = p - lr / (1 - b1^t) * m / u.
    """

    hyperparameters = ADAM_HYPERPARAMETERS

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, p, grad, state, group):
        grad = _moments(p, grad, state, group, second_moment=False)
        beta1, beta2 = group["betas"]
        exp_inf = state["exp_inf"]
        exp_inf *= beta2
        np.maximum(exp_inf, np.abs(grad) + group["eps"], out=exp_inf)
        p.data -= group["lr"] / (1 - beta1 ** state["step"]) * (state["exp_avg"] / exp_inf)


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat), PyTorch's momentum-decay schedule:

    mu_t = b1 (1 - 0.96^(t * momentum_decay) / 2);  P_t = mu_1 ... mu_t;
    d = sqrt(v / (1 - b2^t)) + eps;
    p = p - lr (1 - mu_t) / (1 - P_t) * g / d - lr mu_{t+1} / (1 - P_t mu_{t+1}) * m / d.
    """

    hyperparameters = ADAM_HYPERPARAMETERS

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def _update(self, p, grad, state, group):
        if not state:
            state["mu_product"] = to_device(np.array(1.0, dtype=p.dtype), p.device)
        grad = _moments(p, grad, state, group)
        (beta1, beta2), lr, step = group["betas"], group["lr"], state["step"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        state["mu_product"] *= mu
        mu_product = float(state["mu_product"])
        denom = np.sqrt(state["exp_avg_sq"] / (1 - beta2 ** step)) + group["eps"]
        p.data += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (grad / denom)
        p.data += (-lr * mu_next / (1.0 - mu_product * mu_next)) * (state["exp_avg"] / denom)


class RAdam(Optimizer):
    """Rectified Adam (Liu et al.): with rho_inf = 2 / (1 - b2) - 1 and
    rho_t = rho_inf - 2 t b2^t / (1 - b2^t), the step is lr * m / (1 - b1^t) times, when
    rho_t > 5, the rectification r_t * sqrt(1 - b2^t) / (sqrt(v) + eps), with
    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)).
    """

    hyperparameters = ADAM_HYPERPARAMETERS

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def _update(self, p, grad, state, group):
        _moments(p, grad, state, group)
        (beta1, beta2), lr, step = group["betas"], group["lr"], state["step"]
        bias_correction2 = 1 - beta2 ** step
        corrected = state["exp_avg"] / (1 - beta1 ** step)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = bias_correction2 ** 0.5 / (np.sqrt(state["exp_avg_sq"]) + group["eps"])
            p.data -= corrected * lr * adaptive * rect
        else:
            p.data -= corrected * lr
