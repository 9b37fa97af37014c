"""Activation functions with torch.nn.functional's names and arguments.

relu, leaky_relu, sigmoid and tanh live in elementwise.py, softmax and log_softmax in
loss.py. The ops here are `UnaryFormula`s (f on arrays, f' written with ops, so rules
differentiate again) except PReLU, whose weight also gets a gradient. Piecewise ops save
their masks, computed on arrays in the forward, as constants. Notation: g = dL/dy,
s(x) = sigmoid(x), Phi and phi the standard normal CDF and density.
"""
import math

from ..backend import xp
from ..function import Function
from ..tensor import Tensor
from .elementwise import Sigmoid, UnaryFormula, operands
from .loss import softmax
from .special import Erf, erf_array

SQRT_HALF = math.sqrt(0.5)
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
GELU_CUBIC = 0.044715
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class GELU(UnaryFormula):
    """y = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2;  dL/dx = g * (Phi(x) + x phi(x)),
    phi(x) = e^(-x^2/2) / sqrt(2 pi)."""

    @staticmethod
    def function(x):
        return 0.5 * x * (1 + erf_array(x * SQRT_HALF))

    @staticmethod
    def derivative(x):
        return 0.5 * (1 + Erf.call(x * SQRT_HALF)) + x * INV_SQRT_2PI * xp.exp(-0.5 * x * x)


class GELUTanh(UnaryFormula):
    """gelu(approximate='tanh'): y = x (1 + t) / 2 with t = tanh(u), u = sqrt(2/pi) (x + 0.044715 x^3);
    dL/dx = g * ((1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2)."""

    @staticmethod
    def function(x):
        return 0.5 * x * (1 + xp.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x)))

    @staticmethod
    def derivative(x):
        t = xp.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * x * x)


class SiLU(UnaryFormula):
    """y = x s(x);  dL/dx = g * s(x) (1 + x (1 - s(x)))."""

    @staticmethod
    def function(x):
        return x * Sigmoid.function(x)

    @staticmethod
    def derivative(x):
        s = Sigmoid.call(x)
        return s * (1 + x * (1 - s))


class Softplus(UnaryFormula):
    """y = ln(1 + e^(beta x)) / beta, and y = x where beta x > threshold;
    dL/dx = g * s(beta x), and g where beta x > threshold.
    Computed as (max(beta x, 0) + log1p(e^-|beta x|)) / beta, which never overflows."""

    @staticmethod
    def function(x, beta, threshold):
        z = x * beta
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        return xp.where(z > threshold, x, soft)

    @staticmethod
    def derivative(x, beta, threshold):
        z = x * beta
        return xp.where(z > threshold, 1, Sigmoid.call(z))


class ELU(UnaryFormula):
    """elu, selu and celu (PyTorch's one kernel): y = scale x for x > 0, else
    scale alpha (e^(input_scale x) - 1);  dL/dx = g * scale for x > 0, else
    g * scale alpha input_scale e^(input_scale x)."""

    @staticmethod
    def function(x, alpha, scale, input_scale):
        negative = (alpha * scale) * xp.expm1(xp.minimum(x, 0) * input_scale)  # no overflow
        return xp.where(x > 0, x * scale, negative)

    @staticmethod
    def derivative(x, alpha, scale, input_scale):
        return xp.where(x > 0, scale, (alpha * scale * input_scale) * xp.exp(xp.minimum(x, 0) * input_scale))


class Mish(UnaryFormula):
    """y = x tanh(softplus(x));  with t = tanh(softplus(x)):
    dL/dx = g * (t + x s(x) (1 - t^2))."""

    @staticmethod
    def function(x):
        return x * xp.tanh(Softplus.function(x, beta=1.0, threshold=20.0))

    @staticmethod
    def derivative(x):
        t = xp.tanh(Softplus.call(x, beta=1.0, threshold=20.0))
        return t + x * Sigmoid.call(x) * (1 - t * t)


class Hardswish(UnaryFormula):
    """y = x relu6(x + 3) / 6: 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between;
    dL/dx = 0 for x < -3, g for x > 3, g (x / 3 + 1/2) for -3 <= x <= 3 (PyTorch's edges)."""

    @staticmethod
    def function(x):
        return x * xp.clip(x + 3, 0, 6) / 6

    @staticmethod
    def derivative(x):
        return xp.where(x < -3, 0, xp.where(x <= 3, x / 3 + 0.5, 1))


class Hardsigmoid(UnaryFormula):
    """y = relu6(x + 3) / 6;  dL/dx = g / 6 for -3 < x < 3, else 0."""

    @staticmethod
    def function(x):
        return xp.clip(x + 3, 0, 6) / 6

    @staticmethod
    def saved(x, y):
        return ((x > -3) & (x < 3)).astype(y.dtype) / 6

    @staticmethod
    def derivative(slope):
        return slope


class Hardtanh(UnaryFormula):
    """y = min(max(x, min_val), max_val);  dL/dx = g for min_val < x < max_val, else 0
    (strict, as PyTorch; relu6 is hardtanh(x, 0, 6))."""

    @staticmethod
    def function(x, min_val, max_val):
        return xp.clip(x, min_val, max_val)

    @staticmethod
    def saved(x, y, min_val, max_val):
        return (x > min_val) & (x < max_val)

    @staticmethod
    def derivative(inside, min_val, max_val):
        return inside


class LogSigmoid(UnaryFormula):
    """y = ln s(x) = -softplus(-x) = min(x, 0) - log1p(e^-|x|);  dL/dx = g * s(-x)."""

    @staticmethod
    def function(x):
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))

    @staticmethod
    def derivative(x):
        return Sigmoid.call(-x)


class Softsign(UnaryFormula):
    """y = x / (1 + |x|);  dL/dx = g / (1 + |x|)^2."""

    @staticmethod
    def function(x):
        return x / (1 + xp.abs(x))

    @staticmethod
    def derivative(x):
        d = 1 + xp.abs(x)
        return 1 / (d * d)


class Tanhshrink(UnaryFormula):
    """y = x - tanh x;  dL/dx = g * tanh^2 x."""

    @staticmethod
    def function(x):
        return x - xp.tanh(x)

    @staticmethod
    def derivative(x):
        t = xp.tanh(x)
        return t * t


class PReLU(Function):
    """y = x for x > 0, else w x (w broadcast over the channel axis);
    dL/dx = g for x > 0, else g w;  dL/dw = g x where x <= 0, else 0 (summed by unbroadcast)."""

    @staticmethod
    def forward(ctx, x, weight):
        positive = x > 0
        ctx.save_for_backward(positive, x, weight)
        return xp.where(positive, x, weight * x)

    @staticmethod
    def backward(ctx, grad):
        positive, x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad
        return (grad * xp.where(positive, 1, weight) if need_x else None,
                xp.where(positive, 0, grad * x) if need_w else None)


# ----- public functions -------------------------------------------------------------


def _real(op, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise TypeError(f"{op}: {name} must be a real number, got {value!r}")
    return float(value)  # a NumPy float64 would promote a float32 result


def gelu(input, approximate="none"):
    if approximate == "none":
        return GELU.apply(input)
    if approximate == "tanh":
        return GELUTanh.apply(input)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input):
    return SiLU.apply(input)


def softplus(input, beta=1.0, threshold=20.0):
    beta = _real("softplus", "beta", beta)
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero")
    return Softplus.apply(input, beta=beta, threshold=_real("softplus", "threshold", threshold))


def elu(input, alpha=1.0):
    return ELU.apply(input, alpha=_real("elu", "alpha", alpha), scale=1.0, input_scale=1.0)


def selu(input):
    return ELU.apply(input, alpha=SELU_ALPHA, scale=SELU_SCALE, input_scale=1.0)


def celu(input, alpha=1.0):
    alpha = _real("celu", "alpha", alpha)
    if alpha == 0:
        raise ValueError("celu: alpha must be nonzero (it divides the input)")
    return ELU.apply(input, alpha=alpha, scale=1.0, input_scale=1 / alpha)


def mish(input):
    return Mish.apply(input)


def hardswish(input):
    return Hardswish.apply(input)


def hardsigmoid(input):
    return Hardsigmoid.apply(input)


def hardtanh(input, min_val=-1.0, max_val=1.0):
    min_val, max_val = _real("hardtanh", "min_val", min_val), _real("hardtanh", "max_val", max_val)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
    return Hardtanh.apply(input, min_val=min_val, max_val=max_val)


def relu6(input):
    return hardtanh(input, 0.0, 6.0)


def logsigmoid(input):
    return LogSigmoid.apply(input)


def softsign(input):
    return Softsign.apply(input)


def tanhshrink(input):
    return Tanhshrink.apply(input)


def softmin(input, dim=None, *, axis=None):
    """softmax(-input, dim): a composition of neg and the fused softmax."""
    if dim is None and axis is None:
        raise TypeError("softmin: dim must be given (PyTorch's implicit dim is deprecated)")
    return softmax(-input, dim if dim is not None else axis)


def prelu(input, weight):
    """PReLU with one slope per channel (axis 1; weight of shape (C,)) or one shared (weight (1,))."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("prelu: input and weight must be Tensors")
    if weight.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-D (num_parameters,), got shape {weight.shape}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.shape[0] not in (1, channels):
        raise ValueError(f"prelu: weight has {weight.shape[0]} parameters but input of shape "
                         f"{input.shape} has {channels} channels (axis 1); expected 1 or {channels}")
    if weight.shape[0] > 1:
        weight = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    input, weight = operands(input, weight, "prelu")
    return PReLU.apply(input, weight)
