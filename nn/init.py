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

from autograd.backend import device_of, is_array, to_device
# The random state is autograd's (one implementation for tensors, init, dropout, loaders).
from autograd.random import _seed_thread, default_generator, manual_seed  # noqa: F401
from autograd.random import resolve as _generator

from .module import _raw


def _array(tensor, name):
    data = _raw(tensor)
    if not is_array(data):
        raise TypeError(f"{name}: expected a Tensor or ndarray, got {type(tensor).__name__}")
    if data.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point tensor, got dtype {data.dtype}")
    return data


def _fill(tensor, values):
    """Write `values` into the tensor in place (outside the graph, bumping its version)."""
    data = _raw(tensor)
    data[...] = to_device(values, device_of(data))   # drawn on the host (autograd.random)
    version = getattr(tensor, "_version", None)
    if version is not None:
        version.value += 1
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (torch.nn.init.calculate_gain)."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                        "conv_transpose3d", "sigmoid", "identity"):
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
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015); a is the leaky_relu slope.

    A tensor with no elements is left as is (PyTorch warns and does the same)."""
    if _array(tensor, "kaiming_uniform_").size == 0:
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan); a tensor with no elements is left as is."""
    if _array(tensor, "kaiming_normal_").size == 0:
        return tensor
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


# ----- issue10-nn: the rest of torch.nn.init ----------------------------------------


def eye_(tensor):
    """The identity matrix of a 2-D tensor (ones on the main diagonal of a rectangle too)."""
    data = _array(tensor, "eye_")
    if data.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {data.shape}")
    return _fill(tensor, np.eye(*data.shape))


def dirac_(tensor, groups=1):
    """The identity convolution: weight (out, in, *kernel) of a 3-, 4- or 5-D tensor, with
    out % groups == 0; channel d of each group keeps input channel d (a 1 at the kernel centre)."""
    data = _array(tensor, "dirac_")
    if data.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape {data.shape}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0 or data.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 ({data.shape[0]}) must be divisible by groups, got groups={groups!r}")
    out_per_group = data.shape[0] // groups
    values = np.zeros(data.shape)
    centre = tuple(size // 2 for size in data.shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, data.shape[1])):
            values[(g * out_per_group + d, d) + centre] = 1
    return _fill(tensor, values)


# Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9).
_ACKLAM_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACKLAM_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01)
_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)


def _normal_quantile(p):
    """Inverse of the standard normal CDF, elementwise, for p in (0, 1)."""
    p = np.clip(p, 1e-300, 1 - 1e-16)
    q = np.minimum(p, 1 - p)
    tail = q < 0.02425
    r = np.sqrt(-2 * np.log(np.where(tail, q, 0.5)))
    c, d = _ACKLAM_C, _ACKLAM_D
    x_tail = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / \
        ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1)
    x_tail = np.where(p < 0.5, x_tail, -x_tail)
    u = p - 0.5
    t = u * u
    a, b = _ACKLAM_A, _ACKLAM_B
    x_mid = (((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * u / \
        (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1)
    return np.where(tail, x_tail, x_mid)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std^2) truncated to [a, b] (absolute bounds, as PyTorch), by inverting the CDF
    of a uniform draw between CDF(a) and CDF(b)."""
    if std < 0:
        raise ValueError(f"trunc_normal_: std must be non-negative, got {std}")
    if a > b:
        raise ValueError(f"trunc_normal_: lower bound a={a} is greater than upper bound b={b}")
    data = _array(tensor, "trunc_normal_")
    if std == 0:
        return _fill(tensor, np.clip(mean, a, b))

    def cdf(x):
        return (1 + math.erf((x - mean) / std / math.sqrt(2))) / 2

    uniform = _generator(generator, "trunc_normal_").uniform(cdf(a), cdf(b), size=data.shape)
    return _fill(tensor, np.clip(mean + std * _normal_quantile(uniform), a, b))


def orthogonal_(tensor, gain=1.0, generator=None):
    """A (semi-)orthogonal matrix (Saxe et al., 2013) from the QR decomposition of a normal
    draw, signs fixed by diag(R); dims after the first are flattened."""
    data = _array(tensor, "orthogonal_")
    if data.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape {data.shape}")
    if data.size == 0:
        return tensor
    rows = data.shape[0]
    cols = data.size // rows
    flat = _generator(generator, "orthogonal_").normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(data.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """A 2-D tensor drawn from N(0, std^2) with ceil(sparsity * rows) zeros in each column
    (Martens, 2010)."""
    data = _array(tensor, "sparse_")
    if data.ndim != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape {data.shape}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be in [0, 1], got {sparsity!r}")
    rows, cols = data.shape
    rng = _generator(generator, "sparse_")
    values = rng.normal(0.0, std, size=data.shape)
    zeros = int(math.ceil(sparsity * rows))
    for col in range(cols):
        values[rng.permutation(rows)[:zeros], col] = 0
    return _fill(tensor, values)
