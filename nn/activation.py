"""Activation modules, thin over nn.functional, with torch.nn's names, arguments and reprs.

ReLU, LeakyReLU, Sigmoid and Tanh live in layers.py. `inplace=True` is accepted for
PyTorch code that passes it and computes out of place (the result is the same; dyngrad
never changes a tensor of the graph in place).
"""
import numpy as np

from autograd.ops.validation import is_int

from . import functional as F
from .module import Module, Parameter


def _inplace(inplace):
    return ", inplace=True" if inplace else ""


class GELU(Module):
    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class _Simple(Module):
    """An activation without arguments besides PyTorch's `inplace`."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return _inplace(self.inplace).lstrip(", ")


class SiLU(_Simple):
    def forward(self, input):
        return F.silu(input)


class SELU(_Simple):
    def forward(self, input):
        return F.selu(input)


class Mish(_Simple):
    def forward(self, input):
        return F.mish(input)


class Hardswish(_Simple):
    def forward(self, input):
        return F.hardswish(input)


class Hardsigmoid(_Simple):
    def forward(self, input):
        return F.hardsigmoid(input)


class ELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace(self.inplace)}"


class CELU(ELU):
    def forward(self, input):
        return F.celu(input, self.alpha)


class Hardtanh(Module):
    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace(self.inplace)}"


class ReLU6(Hardtanh):
    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace(self.inplace).lstrip(", ")


class Softplus(Module):
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSigmoid(Module):
    def forward(self, input):
        return F.logsigmoid(input)


class Softsign(Module):
    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    def forward(self, input):
        return F.tanhshrink(input)


class _AlongDim(Module):
    """Softmax and its kin: normalise along `dim`. dim=None is PyTorch's legacy implicit
    choice: axis 0 for 0-, 1- and 3-D inputs, else axis 1."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def _dim(self, input):
        if self.dim is not None:
            return self.dim
        return 0 if input.ndim in (0, 1, 3) else 1

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    def forward(self, input):
        return F.softmax(input, self._dim(input))


class LogSoftmax(_AlongDim):
    def forward(self, input):
        return F.log_softmax(input, self._dim(input))


class Softmin(_AlongDim):
    def forward(self, input):
        return F.softmin(input, self._dim(input))


class PReLU(Module):
    """y = x for x > 0, else a x, with `num_parameters` learnable slopes a (1, or one per channel)."""

    def __init__(self, num_parameters=1, init=0.25, dtype=None):
        super().__init__()
        if not is_int(num_parameters) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got {num_parameters!r}")
        self.num_parameters, self.init = int(num_parameters), float(init)
        self.weight = Parameter(np.full(self.num_parameters, self.init, dtype=dtype or np.float32))

    def reset_parameters(self):
        self.weight.data[...] = self.init

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
