"""SGD (momentum, dampening, Nesterov) and ASGD (averaged SGD), as torch.optim."""
import numpy as np

from autograd.backend import to_device

from .optimizer import ANY, NONNEGATIVE, Optimizer

__all__ = ["SGD", "ASGD"]


class SGD(Optimizer):
    """SGD with optional momentum (PyTorch's form), Nesterov momentum and L2 weight decay.

    g = -grad if maximize;  g = g + weight_decay * p;
    b = g (first step), b = momentum * b + (1 - dampening) * g;
    g = g + momentum * b (nesterov) or b;  p = p - lr * g.
    """

    hyperparameters = dict(lr=NONNEGATIVE, momentum=NONNEGATIVE, dampening=ANY,
                           weight_decay=NONNEGATIVE, nesterov="bool", maximize="bool")

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))

    def _check_group(self, group):
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"{type(self).__name__}: Nesterov momentum requires a momentum > 0 and "
                             f"zero dampening, got momentum={group['momentum']!r}, "
                             f"dampening={group['dampening']!r}")

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


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky), PyTorch's form. With t the step count:

    g = g + weight_decay * p;  p = p * (1 - lambd * eta);  p = p - eta * g;
    ax = ax + mu * (p - ax) (ax = p while mu == 1);
    eta = lr / (1 + lambd * lr * t)^alpha;  mu = 1 / max(1, t - t0).
    The averaged parameters are `optimizer.state[p]["ax"]`.
    """

    hyperparameters = dict(lr=NONNEGATIVE, lambd=NONNEGATIVE, alpha=ANY, t0=ANY,
                           weight_decay=NONNEGATIVE, maximize="bool")

    def __init__(self, params, lr=0.01, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, *,
                 maximize=False):
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = 0
            state["eta"] = to_device(np.array(group["lr"], dtype=p.dtype), p.device)
            state["mu"] = to_device(np.array(1.0, dtype=p.dtype), p.device)
            state["ax"] = np.zeros_like(p.data)
        state["step"] += 1
        step, lr, lambd = state["step"], group["lr"], group["lambd"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.data
        eta = float(state["eta"])
        p.data *= 1 - lambd * eta
        p.data -= eta * grad
        if float(state["mu"]) != 1:
            state["ax"] += (p.data - state["ax"]) * float(state["mu"])
        else:
            state["ax"][...] = p.data
        state["eta"][...] = lr / ((1 + lambd * lr * step) ** group["alpha"])
        state["mu"][...] = 1 / max(1, step - group["t0"])
