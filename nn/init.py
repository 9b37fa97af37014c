"""Weight initialisation, in place, with PyTorch's names and formulas.

Every function fills `tensor.data` (a Tensor or Parameter; a plain ndarray works too)
and returns the tensor. All draws (and dropout's) come from the calling thread's default
generator (`autograd.random`: `nn.manual_seed` is `autograd.manual_seed`), so a seeded
model construction (and dropout) is reproducible. Values are drawn in float64 and cast to
the tensor's dtype.

Each drawing function also takes ``generator=`` (an `autograd.Generator`, or a
numpy.random.Generator), as PyTorch's.

fan_in / fan_out of a weight (out, in, *kernel) are in * prod(kernel) and
out * prod(kernel), as in PyTorch.
"""
import math

import numpy as np

# The random state is autograd's (one implementation for tensors, init, dropout, loaders).
from autograd.random import _seed_thread, default_generator, manual_seed  # noqa: F401
from autograd.random import resolve as _generator

from .module import _raw


def _array(tensor, name):
    data = _raw(tensor)
    if not isinstance(data, np.ndarray):
        raise TypeError(f"{name}: expected a Tensor or ndarray, got {type(tensor).__name__}")
    if data.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point tensor, got dtype {data.dtype}")
    return data


def _fill(tensor, values):
    """Write `values` into the tensor in place (outside the graph, bumping its version)."""
    data = _raw(tensor)
    data[...] = values
    version = getattr(tensor, "_version", None)
    if version is not None:
        version.value += 1
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (torch.nn.init.calculate_gain)."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid", "identity"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    shape = _array(tensor, "fan computation").shape
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, got shape {shape}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b), drawn from ``generator`` (default: default_generator())."""
    if a > b:
        raise ValueError(f"uniform_: lower bound a={a} is greater than upper bound b={b}")
    data = _array(tensor, "uniform_")
    return _fill(tensor, _generator(generator, "uniform_").uniform(a, b, size=data.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2), drawn from ``generator`` (default: default_generator())."""
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    data = _array(tensor, "normal_")
    return _fill(tensor, _generator(generator, "normal_").normal(mean, std, size=data.shape))


def scaled_normal_(tensor, weight_scale, generator=None):
    """Fill with weight_scale * N(0, 1): CS231n's `weight_scale * np.random.randn(...)`."""
    return normal_(tensor, 0.0, weight_scale, generator)


def constant_(tensor, val):
    _array(tensor, "constant_")
    return _fill(tensor, val)


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015); a is the leaky_relu slope."""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def default_init_(weight, bias=None, generator=None):
    """PyTorch's default for Linear and Conv2d: kaiming_uniform_(a=sqrt(5)) on the weight,
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound, generator)
    return weight
