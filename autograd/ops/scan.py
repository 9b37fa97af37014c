"""Scans along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp.

Reverse cumulative sums carry the gradients back: y_k depends on x_0..x_k, so
dL/dx_j sums over k >= j. Each rule is written with these scans and flips, which Tensors
dispatch (`xp.cumsum`, `xp.flip`), so the rules differentiate again.
"""
from .. import return_types
from ..backend import array_module, asarray, is_device, xp
from ..function import Function
from ..tensor import Tensor
from . import elementwise
from .index import along
from .shape import GetItem, concatenate, getitem
from .validation import check_axis


def _accumulate(ufunc, x, axis):
    """ufunc.accumulate(x, axis) for an associative ufunc. CuPy has accumulate only for add and
    multiply, so on a device it is a log-step scan: after the step of width s, each y_i combines
    x_{i-2s+1..i}, so log2(n) steps of one ufunc on shifted slices cover every prefix."""
    if not is_device(x):
        return ufunc.accumulate(x, axis=axis)
    y = xp.moveaxis(x, axis, -1).copy()
    shift = 1
    while shift < y.shape[-1]:
        y[..., shift:] = ufunc(y[..., shift:], y[..., :-shift])     # the right side is computed first
        shift *= 2
    return xp.moveaxis(y, -1, axis)


def _reverse_cumsum(g, dim):
    """r_j = sum_{k >= j} g_k along dim."""
    return xp.flip(xp.cumsum(xp.flip(g, dim), axis=dim), dim)


class Cumsum(Function):
    """y_k = sum_{j <= k} x_j along dim;  dL/dx_j = sum_{k >= j} g_k."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return xp.cumsum(x, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return _reverse_cumsum(grad, ctx.dim), None


class Cumprod(Function):
    """y_k = prod_{j <= k} x_j along dim;  dL/dx_j = sum_{k >= j} g_k prod_{i <= k, i != j} x_i.

    Without zeros that is (sum_{k >= j} g_k y_k) / x_j. With zeros, the products that skip
    x_j come from a cumprod of x with x_j replaced by 1, one row per j (an n x n scan,
    as exact as the forward).
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        ctx.has_zero = bool((x == 0).any())
        y = xp.cumprod(x, axis=dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        dim = ctx.dim
        if not ctx.has_zero:
            return _reverse_cumsum(grad * y, dim) / x, None
        n = x.shape[dim]
        x_last, g_last = xp.swapaxes(x, dim, -1), xp.swapaxes(grad, dim, -1)         # (..., n)
        skip = xp.eye(n, dtype=bool)                                                  # (j, i)
        skipped = xp.where(skip, 1.0, xp.expand_dims(x_last, -2))                     # (..., j, i)
        partial = xp.cumprod(skipped, axis=-1)                                        # (..., j, k)
        later = xp.triu(xp.ones((n, n), dtype=bool))                                  # k >= j
        terms = xp.where(later, partial * xp.expand_dims(g_last, -2), 0.0)
        return xp.swapaxes(terms.sum(axis=-1), dim, -1), None


class LogCumSumExp(Function):
    """y_k = log sum_{j <= k} exp(x_j) along dim (np.logaddexp.accumulate: no overflow);

    dL/dx_j = sum_{k >= j} g_k exp(x_j - y_k), computed in log space as PyTorch does: with
    g = g+ - g-, exp(x_j + reverse_logcumsumexp(log g+ - y)_j) minus the same for g-
    (log 0 taken as -10^4, whose exponential is 0).
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = _accumulate(xp.logaddexp, x, dim) if x.shape[dim] else x.copy()
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        dim = ctx.dim
        parts = []
        for sign in (1.0, -1.0):
            part = grad * sign
            positive = asarray(part) > 0
            # log 0 would be -inf (and -inf - -inf nan one order up); e^(-10^4) is already exactly 0.
            log_part = xp.where(positive, xp.log(xp.where(positive, part, 1.0)), -1e4)
            reverse = xp.flip(LogCumSumExp.apply(xp.flip(log_part - y, dim), dim), dim)
            parts.append(xp.exp(x + reverse))
        return parts[0] - parts[1], None


def cumprod_exclusive(x, reverse):
    """prod_{j < k} x_j along the last axis (j > k with reverse): 1 first, no division."""
    if reverse:
        return xp.flip(cumprod_exclusive(xp.flip(x, -1), False), -1)
    scanned = Cumprod.apply(x, x.ndim - 1)
    ones = array_module(x).ones(x.shape[:-1] + (1,), dtype=x.dtype)
    return concatenate([Tensor(ones), getitem(scanned, (Ellipsis, slice(0, -1)))], -1)


def _dim(op, x, dim, axis=None):
    if dim is None:
        dim = axis
    if dim is None:
        raise TypeError(f"{op}: dim is required")
    return check_axis(op, dim, x.ndim) if x.ndim else check_axis(op, dim, 1)


def _scan(op, name, x, dim, axis, dtype):
    dim = _dim(name, x, dim, axis)
    if dtype is not None:
        x = elementwise.astype(x, dtype)
    if x.ndim == 0:
        return op.apply(x.reshape(1), 0).reshape(())
    return elementwise.in_float32(op.apply, x, dim)     # float16 accumulates in float32


def cumsum(x, dim=None, *, dtype=None, axis=None):
    return _scan(Cumsum, "cumsum", x, dim, axis, dtype)


def cumprod(x, dim=None, *, dtype=None, axis=None):
    return _scan(Cumprod, "cumprod", x, dim, axis, dtype)


def logcumsumexp(x, dim=None, *, axis=None):
    return _scan(LogCumSumExp, "logcumsumexp", x, dim, axis, None)


def _running(name, x, dim, better):
    """cummax/cummin: values and the index of the last winner so far (nan wins and stays), as torch."""
    dim = _dim(name, x, dim)
    if x.ndim == 0:
        return getattr(return_types, name)(x.reshape(()), Tensor(xp.zeros((), dtype=xp.int64)))
    data = x.data
    best = _accumulate(better, data, dim) if data.size else data
    wins = (data == best) | xp.isnan(data)
    position = xp.expand_dims(array_module(data).arange(data.shape[dim]),
                              tuple(a for a in range(data.ndim) if a != dim))
    index = _accumulate(xp.maximum, xp.where(wins, position, 0), dim) if data.size else \
        array_module(data).zeros(data.shape, dtype=xp.int64)
    index = index.astype(xp.int64)
    return getattr(return_types, name)(GetItem.apply(x, along(index, dim)), Tensor(index))


def cummax(x, dim):
    """(values, indices): the running maximum along dim; the gradient goes to the index."""
    return _running("cummax", x, dim, xp.maximum)


def cummin(x, dim):
    """(values, indices): the running minimum along dim; the gradient goes to the index."""
    return _running("cummin", x, dim, xp.minimum)
