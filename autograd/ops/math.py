"""Elementwise math with PyTorch's names: trigonometric, hyperbolic, erf, exp/log variants,
rounding, and the binary functions atan2, hypot, copysign, logaddexp, lerp, float_power, clamp.

The unary ops are `UnaryFormula`s (autograd/ops/elementwise.py): each class gives f on
arrays and f' written with operators and NumPy functions that Tensors dispatch
(autograd/interop.py maps `np.sin` to `sin`, ...), so every rule differentiates again.
Notation: g = dL/dy. Constants are Python floats, which keep float32 float32.
"""
import math

from ..backend import errstate, xp
from ..function import Function
from ..tensor import Tensor
from .elementwise import Pow, UnaryFormula, _binary, clip, operands

LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# ----- trigonometric and hyperbolic ------------------------------------------------------


class Sin(UnaryFormula):
    """y = sin x;  dL/dx = g * cos x."""
    function = staticmethod(xp.sin)

    @staticmethod
    def derivative(x):
        return xp.cos(x)


class Cos(UnaryFormula):
    """y = cos x;  dL/dx = -g * sin x."""
    function = staticmethod(xp.cos)

    @staticmethod
    def derivative(x):
        return -xp.sin(x)


class Tan(UnaryFormula):
    """y = tan x;  dL/dx = g * (1 + y^2)."""
    function = staticmethod(xp.tan)
    saved = UnaryFormula.output

    @staticmethod
    def derivative(y):
        return 1 + y * y


class Asin(UnaryFormula):
    """y = asin x;  dL/dx = g / sqrt(1 - x^2)."""
    function = staticmethod(xp.arcsin)

    @staticmethod
    def derivative(x):
        return 1 / xp.sqrt(1 - x * x)


class Acos(UnaryFormula):
    """y = acos x;  dL/dx = -g / sqrt(1 - x^2)."""
    function = staticmethod(xp.arccos)

    @staticmethod
    def derivative(x):
        return -1 / xp.sqrt(1 - x * x)


class Atan(UnaryFormula):
    """y = atan x;  dL/dx = g / (1 + x^2)."""
    function = staticmethod(xp.arctan)

    @staticmethod
    def derivative(x):
        return 1 / (1 + x * x)


class Sinh(UnaryFormula):
    """y = sinh x;  dL/dx = g * cosh x."""
    function = staticmethod(xp.sinh)

    @staticmethod
    def derivative(x):
        return xp.cosh(x)


class Cosh(UnaryFormula):
    """y = cosh x;  dL/dx = g * sinh x."""
    function = staticmethod(xp.cosh)

    @staticmethod
    def derivative(x):
        return xp.sinh(x)


class Asinh(UnaryFormula):
    """y = asinh x;  dL/dx = g / sqrt(x^2 + 1)."""
    function = staticmethod(xp.arcsinh)

    @staticmethod
    def derivative(x):
        return 1 / xp.sqrt(x * x + 1)


class Acosh(UnaryFormula):
    """y = acosh x (x >= 1);  dL/dx = g / sqrt((x - 1)(x + 1))."""
    function = staticmethod(xp.arccosh)

    @staticmethod
    def derivative(x):
        return 1 / xp.sqrt((x - 1) * (x + 1))


class Atanh(UnaryFormula):
    """y = atanh x (|x| < 1);  dL/dx = g / (1 - x^2)."""
    function = staticmethod(xp.arctanh)

    @staticmethod
    def derivative(x):
        return 1 / (1 - x * x)


# ----- erf ---------------------------------------------------------------------------

# x erfcx(x) = x e^(x^2) erfc(x) for x >= 1 as a Chebyshev series in u, where
# t = (x - 2) / (x + 2) in [-1/3, 1) maps to u = 1.5 t - 0.5 in [-1, 1). The coefficients
# are the degree-22 Chebyshev interpolant, computed with mpmath at 40 digits; the series
# ends at 1/sqrt(pi) as x -> inf and is within 1 ulp of float64 for x in [1, 1e8].
ERFCX_CHEBYSHEV = (
    0.5226852818480617, 0.06239406251578745, -0.0260663015282281, 0.005894781567304472,
    -0.0007428920123522407, 1.5128890832418327e-05, 1.0671610297733193e-05, -9.96615539739532e-07,
    -1.8450476010209502e-07, 2.805919177614582e-08, 4.5876322428344715e-09, -7.389343846411987e-10,
    -1.5469505431115985e-10, 1.7584896811152985e-11, 6.057580561126259e-12, -2.4273932694348503e-13,
    -2.4051309254593736e-13, -1.075182997401723e-14, 8.586349446804667e-15, 1.3257658165635783e-15,
    -2.1923478924795034e-16, -8.484325968029147e-17, -9.10607604861864e-19)
# erf x = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)) for |x| <= 1: 20 terms reach 1e-19.
ERF_TAYLOR = tuple(TWO_OVER_SQRT_PI * (-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(20))


def _terms(coefficients, dtype):
    """The leading coefficients a dtype needs: all for float64, those above 1e-10 for float32."""
    if dtype == xp.float64:
        return coefficients
    return coefficients[:next(i for i, c in enumerate(coefficients) if abs(c) < 1e-10)]


def _compute_dtype(x):
    """float16 computes in float32 (its range and precision are too small for the series)."""
    return xp.float32 if x.dtype == xp.float16 else x.dtype


def _horner(s, coefficients):
    """sum_k c_k s^k, in place (one buffer for a series of any length)."""
    total = xp.full(s.shape, coefficients[-1], dtype=s.dtype)
    for c in coefficients[-2::-1]:
        total *= s
        total += c
    return total


def _clenshaw(u, coefficients):
    """sum_k c_k T_k(u) by Clenshaw's recurrence b_k = c_k + 2u b_(k+1) - b_(k+2), in place."""
    u2 = 2 * u
    b1, b2, new = xp.zeros_like(u), xp.zeros_like(u), xp.empty_like(u)
    for c in coefficients[:0:-1]:
        xp.multiply(u2, b1, out=new)
        new -= b2
        new += c
        b1, b2, new = new, b1, b2
    return u * b1 - b2 + coefficients[0]


def _exp_minus_square(x):
    """e^(-x^2) to full precision: x = hi + lo with hi x rounded to float32, whose square is exact
    in float64, so the rounding error of x^2 (which e^ would magnify by x^2) never appears."""
    if x.dtype != xp.float64:
        return xp.exp(-x * x)
    hi = x.astype(xp.float32).astype(xp.float64)
    return xp.exp(-hi * hi) * xp.exp(-(x - hi) * (x + hi))


def _erfc_large(a):
    """erfc(a) for a > 1 (and nan)."""
    with errstate(under="ignore"):
        a = xp.minimum(a, 1e10)                     # erfc(1e10) is 0 already; inf would give nan
        u = 1.5 * (a - 2) / (a + 2) - 0.5
        return _clenshaw(u, _terms(ERFCX_CHEBYSHEV, a.dtype)) / a * _exp_minus_square(a)


def _erf_small(x):
    """erf(x) for |x| <= 1 (Horner on x^2)."""
    return x * _horner(x * x, _terms(ERF_TAYLOR, x.dtype))


def _split(x):
    """x in the compute dtype, a = |x|, the mask |x| <= 1, and an output buffer."""
    z = x.astype(_compute_dtype(x), copy=False)
    a = xp.abs(z)
    return z, a, a <= 1, xp.empty_like(z)


def erf_array(x):
    """erf on an array, to within a few ulp of float64 (no NumPy ufunc exists). Each piece
    runs on its own elements only, with series as long as the dtype needs."""
    z, a, small, y = _split(x)
    y[small] = _erf_small(z[small])
    large = ~small
    y[large] = xp.copysign(1 - _erfc_large(a[large]), z[large])
    return y.astype(x.dtype, copy=False)


def erfc_array(x):
    """erfc on an array, with full relative precision in the right tail (erfc(10) = 2.1e-45)."""
    z, a, small, y = _split(x)
    y[small] = 1 - _erf_small(z[small])
    large = ~small
    tail = _erfc_large(a[large])
    y[large] = xp.where(z[large] > 0, tail, 2 - tail)
    return y.astype(x.dtype, copy=False)


class Erf(UnaryFormula):
    """y = erf x = 2/sqrt(pi) int_0^x e^(-t^2) dt;  dL/dx = g * 2/sqrt(pi) * e^(-x^2)."""
    function = staticmethod(erf_array)

    @staticmethod
    def derivative(x):
        return TWO_OVER_SQRT_PI * xp.exp(-x * x)


class Erfc(UnaryFormula):
    """y = erfc x = 1 - erf x;  dL/dx = -g * 2/sqrt(pi) * e^(-x^2)."""
    function = staticmethod(erfc_array)

    @staticmethod
    def derivative(x):
        return -TWO_OVER_SQRT_PI * xp.exp(-x * x)


# ----- exp, log and power variants ------------------------------------------------------


class Exp2(UnaryFormula):
    """y = 2^x;  dL/dx = g * y ln 2."""
    function = staticmethod(xp.exp2)
    saved = UnaryFormula.output

    @staticmethod
    def derivative(y):
        return y * LN2


class Expm1(UnaryFormula):
    """y = e^x - 1 (exact for small x);  dL/dx = g * (y + 1)."""
    function = staticmethod(xp.expm1)
    saved = UnaryFormula.output

    @staticmethod
    def derivative(y):
        return y + 1


class Log2(UnaryFormula):
    """y = log2 x;  dL/dx = g / (x ln 2)."""
    function = staticmethod(xp.log2)

    @staticmethod
    def derivative(x):
        return 1 / (x * LN2)


class Log10(UnaryFormula):
    """y = log10 x;  dL/dx = g / (x ln 10)."""
    function = staticmethod(xp.log10)

    @staticmethod
    def derivative(x):
        return 1 / (x * LN10)


class Log1p(UnaryFormula):
    """y = ln(1 + x) (exact for small x);  dL/dx = g / (1 + x)."""
    function = staticmethod(xp.log1p)

    @staticmethod
    def derivative(x):
        return 1 / (1 + x)


class Rsqrt(UnaryFormula):
    """y = 1 / sqrt x;  dL/dx = -g * y^3 / 2."""
    saved = UnaryFormula.output

    @staticmethod
    def function(x):
        with errstate(divide="ignore"):
            return 1 / xp.sqrt(x)

    @staticmethod
    def derivative(y):
        return -0.5 * y * y * y


class Reciprocal(UnaryFormula):
    """y = 1 / x;  dL/dx = -g * y^2."""
    saved = UnaryFormula.output

    @staticmethod
    def function(x):
        with errstate(divide="ignore"):
            return 1 / x

    @staticmethod
    def derivative(y):
        return -y * y


class Square(UnaryFormula):
    """y = x^2;  dL/dx = g * 2x."""
    function = staticmethod(xp.square)

    @staticmethod
    def derivative(x):
        return 2 * x


# ----- rounding: piecewise constant, so the gradient is 0 (as PyTorch) ------------------


class _ZeroGradient(Function):
    """y = f(x) piecewise constant;  dL/dx = 0 (a constant zero of g's shape)."""

    @staticmethod
    def function(x, **params):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, x, **params):
        ctx.__dict__.update(params)               # plain attributes, shown in the graph
        return cls.function(x, **params)

    @staticmethod
    def backward(ctx, grad):
        return xp.zeros(grad.shape, dtype=grad.dtype)


class Sign(_ZeroGradient):
    __doc__ = "y = sign x (-1, 0 or 1).  " + _ZeroGradient.__doc__
    function = staticmethod(xp.sign)


class Floor(_ZeroGradient):
    __doc__ = "y = floor x.  " + _ZeroGradient.__doc__
    function = staticmethod(xp.floor)


class Ceil(_ZeroGradient):
    __doc__ = "y = ceil x.  " + _ZeroGradient.__doc__
    function = staticmethod(xp.ceil)


class Trunc(_ZeroGradient):
    __doc__ = "y = trunc x (toward zero).  " + _ZeroGradient.__doc__
    function = staticmethod(xp.trunc)


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


class Atan2(Function):
    """y = atan2(a, b) (the angle of the point (b, a));
    dL/da = g * b / (a^2 + b^2),  dL/db = -g * a / (a^2 + b^2)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        scale = grad / (a * a + b * b)
        need_a, need_b = ctx.needs_input_grad
        return (scale * b if need_a else None), (-scale * a if need_b else None)


class Hypot(Function):
    """y = sqrt(a^2 + b^2);  dL/da = g * a / y,  dL/db = g * b / y."""

    @staticmethod
    def forward(ctx, a, b):
        y = xp.hypot(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved_tensors
        scale = grad / y
        need_a, need_b = ctx.needs_input_grad
        return (scale * a if need_a else None), (scale * b if need_b else None)


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
        return (grad * s if need_a else None), (xp.zeros(grad.shape, dtype=grad.dtype) if need_b else None)


class Logaddexp(Function):
    """y = ln(e^a + e^b);  dL/da = g * e^(a - y),  dL/db = g * e^(b - y)."""

    @staticmethod
    def forward(ctx, a, b):
        y = xp.logaddexp(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * xp.exp(a - y) if need_a else None), (grad * xp.exp(b - y) if need_b else None)


class Clamp(Function):
    """y = min(max(x, low), high) with Tensor bounds (broadcast; either may be None).

    As PyTorch: dL/dx = g where low <= x <= high, dL/dlow = g where x < low (and low < high),
    dL/dhigh = g where x > high (or high < low: high wins then). The masks are constants.
    """

    @staticmethod
    def forward(ctx, x, low, high):
        y = x if low is None else xp.maximum(x, low)
        y = y if high is None else xp.minimum(y, high)
        inside = xp.ones(y.shape, dtype=bool)
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


def sin(input):
    return Sin.apply(input)


def cos(input):
    return Cos.apply(input)


def tan(input):
    return Tan.apply(input)


def asin(input):
    return Asin.apply(input)


def acos(input):
    return Acos.apply(input)


def atan(input):
    return Atan.apply(input)


def sinh(input):
    return Sinh.apply(input)


def cosh(input):
    return Cosh.apply(input)


def asinh(input):
    return Asinh.apply(input)


def acosh(input):
    return Acosh.apply(input)


def atanh(input):
    return Atanh.apply(input)


# PyTorch's NumPy-style aliases
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def erf(input):
    return Erf.apply(_floating("erf", input))


def erfc(input):
    return Erfc.apply(_floating("erfc", input))


def exp2(input):
    return Exp2.apply(input)


def expm1(input):
    return Expm1.apply(input)


def log2(input):
    return Log2.apply(input)


def log10(input):
    return Log10.apply(input)


def log1p(input):
    return Log1p.apply(input)


def rsqrt(input):
    return Rsqrt.apply(input)


def reciprocal(input):
    return Reciprocal.apply(input)


def square(input):
    return Square.apply(input)


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


def atan2(input, other):
    return _binary(Atan2, input, other, "atan2")


arctan2 = atan2


def hypot(input, other):
    return _binary(Hypot, input, other, "hypot")


def copysign(input, other):
    return _binary(Copysign, input, other, "copysign")


def logaddexp(input, other):
    return _binary(Logaddexp, input, other, "logaddexp")


def lerp(input, end, weight):
    """input + weight * (end - input): a composition of add, mul and sub (linear in all three)."""
    return input + weight * (end - input)


def float_power(input, exponent):
    """input ** exponent computed in float64, as PyTorch (the result is float64 by definition;
    the gradient comes back to each input in its own dtype through astype)."""
    def to_double(v):
        return v.astype(xp.float64) if isinstance(v, Tensor) else xp.asarray(v, dtype=xp.float64)
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


def _floating(op, input):
    if isinstance(input, Tensor) and input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating-point tensor, got dtype {input.dtype}")
    return input
