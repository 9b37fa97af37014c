"""Trigonometric and hyperbolic ops, with PyTorch's names (and NumPy's arc* aliases).

`UnaryFormula`s (autograd/ops/elementwise.py): f on arrays, f' written with ops that
Tensors dispatch (autograd/interop.py maps `np.sin` to `sin`, ...), so every rule
differentiates again. atan2 and hypot are binary. Notation: g = dL/dy.
"""
from ..backend import xp
from ..function import Function
from .elementwise import UnaryFormula, _binary

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

def atan2(input, other):
    return _binary(Atan2, input, other, "atan2")


arctan2 = atan2


def hypot(input, other):
    return _binary(Hypot, input, other, "hypot")
