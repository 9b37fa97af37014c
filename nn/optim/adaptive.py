"""Per-element adaptive step sizes: RMSprop, Adagrad, Adadelta, Rprop, as torch.optim."""
import numpy as np

from .optimizer import NONNEGATIVE, UNIT_CLOSED, Optimizer, _check, pair

__all__ = ["RMSprop", "Adagrad", "Adadelta", "Rprop"]


class RMSprop(Optimizer):
    """RMSprop: s = alpha * s + (1 - alpha) * g^2;  p = p - lr * g / (sqrt(s) + eps).

    centered=True subtracts the squared running mean of g under the root; momentum > 0
    accumulates b = momentum * b + g / (sqrt(s) + eps) and steps by lr * b.
    """

    hyperparameters = dict(lr=NONNEGATIVE, alpha=NONNEGATIVE, eps=NONNEGATIVE, weight_decay=NONNEGATIVE,
                           momentum=NONNEGATIVE, centered="bool", maximize="bool")

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 *, maximize=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

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


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), PyTorch's form. With t the step count:

    g = g + weight_decay * p;  s = s + g^2 (s starts at initial_accumulator_value);
    p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps).
    """

    hyperparameters = dict(lr=NONNEGATIVE, lr_decay=NONNEGATIVE, weight_decay=NONNEGATIVE,
                           initial_accumulator_value=NONNEGATIVE, eps=NONNEGATIVE, maximize="bool")

    def __init__(self, params, lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.data
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        p.data -= clr * (grad / (np.sqrt(state["sum"]) + group["eps"]))


class Adadelta(Optimizer):
    """Adadelta (Zeiler), PyTorch's form:

    g = g + weight_decay * p;  s = rho * s + (1 - rho) * g^2;
    d = sqrt(u + eps) / sqrt(s + eps) * g;  u = rho * u + (1 - rho) * d^2;  p = p - lr * d.
    """

    hyperparameters = dict(lr=NONNEGATIVE, rho=UNIT_CLOSED, eps=NONNEGATIVE,
                           weight_decay=NONNEGATIVE, maximize="bool")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
            state["acc_delta"] = np.zeros_like(p.data)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.data
        rho, eps = group["rho"], group["eps"]
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        p.data -= group["lr"] * delta


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller & Braun), PyTorch's form. Per element, with the
    sign of g * g_prev: > 0 scales its step size by etas[1], < 0 by etas[0] (and that
    element's g counts as 0, so it does not move), = 0 keeps it; step sizes are clipped to
    step_sizes = (min, max) and start at lr;  p = p - sign(g) * step_size;  g_prev = g.
    """

    hyperparameters = dict(lr=NONNEGATIVE, etas=pair(("must be > 0", lambda v: v > 0)),
                           step_sizes=pair(NONNEGATIVE), maximize="bool")

    def __init__(self, params, lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False):
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize))

    def _check_group(self, group):
        owner = type(self).__name__
        etaminus, etaplus = group["etas"]
        _check(0 < etaminus < 1 < etaplus,
               f"{owner}: invalid etas: {group['etas']!r} (must be 0 < etas[0] < 1 < etas[1])")
        low, high = group["step_sizes"]
        _check(low <= high, f"{owner}: invalid step_sizes: {group['step_sizes']!r} "
                            "(must be (min, max) with min <= max)")

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = 0
            state["prev"] = np.zeros_like(p.data)
            state["step_size"] = np.full_like(p.data, group["lr"])
        state["step"] += 1
        etaminus, etaplus = group["etas"]
        sign = np.sign(grad * state["prev"])
        factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1)).astype(p.dtype)
        step_size = state["step_size"]
        step_size *= factor
        np.clip(step_size, *group["step_sizes"], out=step_size)
        grad = np.where(sign < 0, 0, grad).astype(p.dtype)
        p.data -= np.sign(grad) * step_size
        state["prev"][...] = grad
