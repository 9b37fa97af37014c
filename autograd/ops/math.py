"""Elementwise math with PyTorch's names. The trigonometric and hyperbolic ops live in
trig.py, erf and the exp/log/power variants in special.py, and are imported from here, so
`autograd.ops.math` is the one module the Tensor methods, the top level and NumPy's
dispatch (autograd/interop.py) use. This file holds the rounding ops (zero gradient, as
PyTorch), copysign, logaddexp, lerp, float_power and clamp. Notation: g = dL/dy.
"""
from ..backend import array_module, asarray, xp
from ..function import Function
from ..tensor import Tensor
from .elementwise import Pow, UnaryFormula, _binary, clip, operands, signum
from .special import (erf, erfc, exp2, expm1, log1p, log2, log10, reciprocal, rsqrt,  # noqa: F401
                      square)
from .trig import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,  # noqa: F401
                   asin, asinh, atan, atan2, atanh, cos, cosh, hypot, sin, sinh, tan)

# ----- rounding: piecewise constant, so the gradient is 0 (as PyTorch) ------------------


class _ZeroGradient(Function):
    """y = f(x) piecewise constant;  dL/dx = 0 (a constant zero of g's shape)."""

    @staticmethod
    def function(x, **params):
        raise NotImplementedError

    # floor, ceil and trunc of integers are the integers (NumPy would return float64)
    identity_on_integers = False

    @classmethod
    def forward(cls, ctx, x, **params):
        ctx.__dict__.update(params)               # plain attributes, shown in the graph
        if cls.identity_on_integers and x.dtype.kind in "biu":
            return x.copy()
        return cls.function(x, **params)

    @staticmethod
    def backward(ctx, grad):
        return array_module(grad).zeros(grad.shape, dtype=grad.dtype)


class Sign(_ZeroGradient):
    __doc__ = "y = sign x (-1, 0 or 1; 0 at nan, as PyTorch).  " + _ZeroGradient.__doc__
    function = staticmethod(signum)


class Floor(_ZeroGradient):
    __doc__ = "y = floor x.  " + _ZeroGradient.__doc__
    function = staticmethod(xp.floor)
    identity_on_integers = True


class Ceil(_ZeroGradient):
    __doc__ = "y = ceil x.  " + _ZeroGradient.__doc__
    function = staticmethod(xp.ceil)
    identity_on_integers = True


class Trunc(_ZeroGradient):
    __doc__ = "y = trunc x (toward zero).  " + _ZeroGradient.__doc__
    function = staticmethod(xp.trunc)
    identity_on_integers = True


class Round(_ZeroGradient):
    __doc__ = "y = x rounded to `decimals` places, halves to even.  " + _ZeroGradient.__doc__

    @staticmethod
    def function(x, decimals):
        return xp.round(x, decimals)


class Frac(UnaryFormula):
    """y = x - trunc x;  dL/dx = g."""

    @staticmethod
    def function(x):
        return x - xp.trunc(x)

    @staticmethod
    def saved(x, y):
        return None

    @staticmethod
    def derivative(unused):
        return 1


# ----- binary ------------------------------------------------------------------------


class Copysign(Function):
    """y = |a| with the sign of b;  dL/da = g * s with s = sign(a) * sign(b) (+-1; 0 where a = 0,
    as PyTorch), dL/db = 0. s is piecewise constant, so the forward saves it as a constant."""

    @staticmethod
    def forward(ctx, a, b):
        y = xp.copysign(a, b)
        ctx.save_for_backward((xp.sign(a) * xp.copysign(1.0, b)).astype(y.dtype, copy=False))
        return y

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        zero = array_module(grad).zeros(grad.shape, dtype=grad.dtype) if need_b else None
        return (grad * s if need_a else None), zero


class Logaddexp(Function):
    """y = ln(e^a + e^b);  dL/da = g * e^(a - y) = g / (1 + e^(b - a)),  dL/db = g / (1 + e^(a - b)).

    The second form, as PyTorch's, stays finite where one input is infinite (g and 0;
    e^(a - y) is e^(inf - inf) = nan there).
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.logaddexp(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return ((grad / (1 + xp.exp(b - a)) if need_a else None),
                (grad / (1 + xp.exp(a - b)) if need_b else None))


class Lerp(Function):
    """y = a + w (e - a), computed as e - (e - a)(1 - w) where w >= 0.5, as PyTorch: exact at
    both ends (w = 0 gives a, w = 1 gives e, also when the other is infinite);
    dL/da = g (1 - w),  dL/de = g w,  dL/dw = g (e - a)."""

    @staticmethod
    def forward(ctx, a, e, w):
        ctx.save_for_backward(a, e, w)
        return xp.where(w < 0.5, a + w * (e - a), e - (e - a) * (1 - w))

    @staticmethod
    def backward(ctx, grad):
        a, e, w = ctx.saved_tensors
        return grad * (1 - w), grad * w, grad * (e - a)


class Clamp(Function):
    """y = min(max(x, low), high) with Tensor bounds (broadcast; either may be None).

    As PyTorch: dL/dx = g where low <= x <= high, dL/dlow = g where x < low (and low < high),
    dL/dhigh = g where x > high (or high < low: high wins then). The masks are constants.
    """

    @staticmethod
    def forward(ctx, x, low, high):
        y = x if low is None else xp.maximum(x, low)
        y = y if high is None else xp.minimum(y, high)
        inside = array_module(y).ones(y.shape, dtype=bool)
        if low is not None:
            inside = inside & (x >= low)
        if high is not None:
            inside = inside & (x <= high)
        to_low = None if low is None else (x < low) if high is None else (x < low) & (low < high)
        to_high = None if high is None else (x > high) if low is None else (x > high) | (high < low)
        ctx.save_for_backward(inside, to_low, to_high)
        return y

    @staticmethod
    def backward(ctx, grad):
        inside, to_low, to_high = ctx.saved_tensors
        _, need_low, need_high = ctx.needs_input_grad
        return (grad * inside, grad * to_low if need_low else None, grad * to_high if need_high else None)


# ----- public functions -------------------------------------------------------------


def sign(input):
    return Sign.apply(input)


def floor(input):
    return Floor.apply(input)


def ceil(input):
    return Ceil.apply(input)


def trunc(input):
    return Trunc.apply(input)


def round(input, decimals=0):
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an int, got {decimals!r}")
    return Round.apply(input, decimals=decimals)


def frac(input):
    return Frac.apply(input)


def copysign(input, other):
    return _binary(Copysign, input, other, "copysign")


def logaddexp(input, other):
    return _binary(Logaddexp, input, other, "logaddexp")


def lerp(input, end, weight):
    """input + weight (end - input), as torch.lerp (see Lerp)."""
    input, end = operands(input, end, "lerp")
    if not isinstance(weight, Tensor):
        like = (input if isinstance(input, Tensor) else end).data
        weight = array_module(like).asarray(weight, dtype=like.dtype)    # on the inputs' device
    try:
        return Lerp.apply(input, end, weight)
    except ValueError as error:
        raise ValueError(f"lerp: {error}") from None


def float_power(input, exponent):
    """input ** exponent computed in float64, as PyTorch (the result is float64 by definition;
    the gradient comes back to each input in its own dtype through astype)."""
    def to_double(v):
        return v.astype(xp.float64) if isinstance(v, Tensor) else asarray(v, dtype=xp.float64)
    return _binary(Pow, to_double(input), to_double(exponent), "float_power")


def clamp(input, min=None, max=None):
    """clip with PyTorch's name; the bounds may also be Tensors (broadcast, differentiable)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return clip(input, min, max)
    low = None if min is None else operands(input, min, "clamp")[1]
    high = None if max is None else operands(input, max, "clamp")[1]
    try:
        return Clamp.apply(input, low, high)
    except ValueError as error:
        raise ValueError(f"clamp: {error}") from None


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)
