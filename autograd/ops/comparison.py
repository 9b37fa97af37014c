"""Comparisons, tests and logical/bitwise ops: bool (or integer) Tensors outside the graph.

They are piecewise constant, so they have no gradient and record nothing (as in PyTorch,
where they return tensors that don't require grad): `(pred == y).float().mean().item()`.
Operands are Tensors, arrays or numbers, broadcast as NumPy/PyTorch broadcast.
"""
import numbers

from ..backend import asarray, xp
from ..tensor import Tensor
from .validation import as_array

_OPERANDS = (Tensor, xp.ndarray, xp.generic, numbers.Number)


def supported(value):
    """Whether `value` can be compared with a Tensor (else the operators say NotImplemented)."""
    return isinstance(value, _OPERANDS)


def _operand(value, op):
    if not supported(value):
        raise TypeError(f"{op}: expected a Tensor, an array or a number, got {type(value).__name__}")
    return value.data if isinstance(value, Tensor) else value


def _binary(ufunc, a, b, op):
    x, y = _operand(a, op), _operand(b, op)
    try:
        result = ufunc(x, y)
    except ValueError:
        raise ValueError(f"{op}: shapes {xp.shape(x)} and {xp.shape(y)} do not broadcast") from None
    return Tensor._make(asarray(result))


def eq(input, other):
    return _binary(xp.equal, input, other, "eq")


def ne(input, other):
    return _binary(xp.not_equal, input, other, "ne")


def lt(input, other):
    return _binary(xp.less, input, other, "lt")


def le(input, other):
    return _binary(xp.less_equal, input, other, "le")


def gt(input, other):
    return _binary(xp.greater, input, other, "gt")


def ge(input, other):
    return _binary(xp.greater_equal, input, other, "ge")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise (nan equal to nan only with equal_nan)."""
    return _binary(lambda x, y: xp.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan),
                   input, other, "isclose")


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether isclose holds everywhere (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


def equal(input, other):
    """Whether both have the same shape and the same elements (a Python bool)."""
    x, y = as_array(_operand(input, "equal")), as_array(_operand(other, "equal"))
    return x.shape == y.shape and bool((x == y).all())


def _unary(ufunc, input, op):
    return Tensor._make(asarray(ufunc(_operand(input, op))))


def isnan(input):
    return _unary(xp.isnan, input, "isnan")


def isinf(input):
    return _unary(xp.isinf, input, "isinf")


def isfinite(input):
    return _unary(xp.isfinite, input, "isfinite")


def logical_and(input, other):
    return _binary(xp.logical_and, input, other, "logical_and")


def logical_or(input, other):
    return _binary(xp.logical_or, input, other, "logical_or")


def logical_xor(input, other):
    return _binary(xp.logical_xor, input, other, "logical_xor")


def logical_not(input):
    return _unary(xp.logical_not, input, "logical_not")


def _integral(op, *values):
    for value in values:
        dtype = asarray(_operand(value, op)).dtype
        if dtype.kind not in "biu":
            raise TypeError(f"{op}: only integer and bool tensors are supported, got dtype {dtype}")


def bitwise_and(input, other):
    """Elementwise `&`: logical and of bool tensors, bitwise and of integer ones."""
    _integral("bitwise_and", input, other)
    return _binary(xp.bitwise_and, input, other, "bitwise_and")


def bitwise_or(input, other):
    _integral("bitwise_or", input, other)
    return _binary(xp.bitwise_or, input, other, "bitwise_or")


def bitwise_xor(input, other):
    _integral("bitwise_xor", input, other)
    return _binary(xp.bitwise_xor, input, other, "bitwise_xor")


def bitwise_not(input):
    """Elementwise `~`: logical not of a bool tensor, bitwise not of an integer one."""
    _integral("bitwise_not", input)
    return _unary(xp.invert, input, "bitwise_not")
