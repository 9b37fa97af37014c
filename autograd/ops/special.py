"""erf and erfc (computed here: NumPy has none), and the exp, log and power variants
exp2, expm1, log2, log10, log1p, rsqrt, reciprocal, square, as `UnaryFormula`s.

Notation: g = dL/dy. Constants are Python floats, which keep float32 float32.
"""
import math

from ..backend import array_module, errstate, xp
from .elementwise import UnaryFormula

LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

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
    total = array_module(s).full(s.shape, coefficients[-1], dtype=s.dtype)
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
    keeps_integers = True

    @staticmethod
    def derivative(x):
        return 2 * x


# ----- public functions -------------------------------------------------------------


def erf(input):
    return Erf.apply(input)


def erfc(input):
    return Erfc.apply(input)


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
