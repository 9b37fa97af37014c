"""Reductions over axes with PyTorch's semantics (`dim`/`keepdim`; NumPy's `axis`/`keepdims` as aliases).

sum, mean, prod, amax/amin (and max()/min() of everything), max/min over one dim
(values and indices), argmax/argmin, var/std (and var_mean/std_mean), logsumexp, norm,
all/any/count_nonzero.

Backward puts the reduced axes back (size 1) and broadcasts g over them (with
`xp.expand_dims` / `xp.broadcast_to`, which Tensors dispatch: the rules differentiate again).
"""
import builtins

from .. import return_types
from ..backend import array_module, asarray, xp
from ..function import Function
from ..tensor import Tensor
from . import elementwise
from .index import along
from .scan import cumprod_exclusive
from .shape import GetItem, reshape
from .validation import check_axis, tensor_argument


def normalize_axis(axis, ndim, op_name):
    """`axis` (None, int or sequence) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if ndim == 0:  # as PyTorch: axis 0 or -1 of a 0-d tensor means the tensor itself
        for a in axes:
            check_axis(op_name, a, 1)
        return ()
    result = [check_axis(op_name, a, ndim) for a in axes]
    if len(set(result)) != len(result):
        raise ValueError(f"{op_name}: repeated axis in {axis!r}")
    return tuple(sorted(result))


def _expand(grad, axes, keepdims):
    """g with the reduced axes restored as size-1 axes, ready to broadcast."""
    return grad if keepdims else xp.expand_dims(grad, axes)


class Sum(Function):
    """y = sum_axes x;  dL/dx = g broadcast over the summed axes."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.axes, ctx.keepdims = axes, keepdims
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return xp.broadcast_to(_expand(grad, ctx.axes, ctx.keepdims), ctx.input_shapes[0]), None, None


class Mean(Function):
    """y = sum_axes x / n;  dL/dx = g / n broadcast over the averaged axes."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.axes, ctx.keepdims = axes, keepdims
        ctx.count = 1
        for a in axes:
            ctx.count *= x.shape[a]
        return x.mean(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        grad = _expand(grad, ctx.axes, ctx.keepdims)
        if grad.dtype == xp.float16:  # a count above 65504 is inf in float16: divide in float32
            grad = (grad.astype(xp.float32) / ctx.count).astype(xp.float16)
        else:
            grad = grad / ctx.count
        return xp.broadcast_to(grad, ctx.input_shapes[0]), None, None


class _Extremum(Function):
    """y = max (or min) over axes;  g is split evenly among the elements equal to y.

    That is PyTorch's `amax`/`amin` rule (and its full-tensor `max()`), not the rule of
    `torch.max(x, dim)`, which returns indices and sends g to one element. A nan wins
    the reduction (as in NumPy and PyTorch) and so receives the gradient.
    """

    @staticmethod
    def reduce(x, axes):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, x, axes, keepdims):
        y = cls.reduce(x, axes)                                   # keepdims shape
        winners = (x == y) | (xp.isnan(x) & xp.isnan(y))
        # Each winner's share of g: a constant, since small changes keep the same winners.
        share = (winners / winners.sum(axis=axes, keepdims=True)).astype(x.dtype, copy=False)
        ctx.save_for_backward(share)
        ctx.kept_shape = y.shape
        return y if keepdims else y.squeeze(axis=axes)

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved_tensors
        return grad.reshape(ctx.kept_shape) * share, None, None


class Max(_Extremum):
    __doc__ = _Extremum.__doc__

    @staticmethod
    def reduce(x, axes):
        return x.max(axis=axes, keepdims=True)


class Min(_Extremum):
    __doc__ = _Extremum.__doc__.replace("max (or min)", "min (or max)")

    @staticmethod
    def reduce(x, axes):
        return x.min(axis=axes, keepdims=True)


class Prod(Function):
    """y = prod_axes x;  dL/dx_i = g * prod_{j != i} x_j  (= g * y / x_i when no x is 0).

    With zeros the product of the others comes from exclusive cumulative products from
    both ends (no division), as PyTorch's rule gives it; cumprod differentiates again.
    """

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.axes, ctx.keepdims = axes, keepdims
        ctx.has_zero = bool((x == 0).any())
        y = x.prod(axis=axes, keepdims=keepdims)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad = _expand(grad, ctx.axes, ctx.keepdims)
        if not ctx.has_zero:
            return grad * _expand(y, ctx.axes, ctx.keepdims) / x, None, None
        return grad * _product_of_the_others(x, ctx.axes), None, None


def _product_of_the_others(x, axes):
    """prod_{j != i} x_j over `axes`, for every i: left and right exclusive cumprods."""
    kept = [a for a in range(x.ndim) if a not in axes]
    order = kept + list(axes)
    moved = xp.transpose(x, order)
    flat = moved.reshape(moved.shape[:len(kept)] + (-1,))                 # (..., n)
    left = cumprod_exclusive(flat, reverse=False)
    right = cumprod_exclusive(flat, reverse=True)
    others = (left * right).reshape(moved.shape)
    return xp.transpose(others, sorted(range(x.ndim), key=order.__getitem__))


class Norm(Function):
    """y = (sum_axes |x|^p)^(1/p), a vector p-norm (p > 0, finite), or the count of nonzeros for p = 0.

    dL/dx = g * x |x|^(p-2) / y^(p-1);  p = 1: g * sign(x) (0 at nan);  p = 2: g * x / y;  p = 0: 0.
    Where y = 0, and where x = 0 for p < 2, the gradient is 0 (PyTorch's subgradient).
    """

    @staticmethod
    def forward(ctx, x, p, axes, keepdims):
        ctx.p, ctx.axes, ctx.keepdims = p, axes, keepdims
        if p == 0:
            y = (x != 0).sum(axis=axes, keepdims=True).astype(x.dtype)
        elif p == 1:
            y = xp.abs(x).sum(axis=axes, keepdims=True)
        elif p == 2:
            y = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        else:
            y = (xp.abs(x) ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)
        zero = y == 0
        y = y if keepdims else y.reshape([n for a, n in enumerate(y.shape) if a not in axes])
        ctx.save_for_backward(x, y, zero, x == 0)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y, zero, x_zero = ctx.saved_tensors
        p = ctx.p
        grad = _expand(grad, ctx.axes, ctx.keepdims)
        if p == 0:
            return grad * array_module(grad).zeros(ctx.input_shapes[0], dtype=ctx.input_dtypes[0]), None, None, None
        if p == 1:
            return grad * elementwise.signum(x), None, None, None
        safe = xp.where(zero, 1.0, _expand(y, ctx.axes, ctx.keepdims))
        if p == 2:
            scale = x / safe
        else:
            scale = x * xp.abs(xp.where(x_zero, 1.0, x)) ** (p - 2) / safe ** (p - 1)   # 0 where x = 0
        return xp.where(zero, 0.0, grad * scale), None, None, None


# ----- public functions -------------------------------------------------------------


def _axes(name, x, axis, dim):
    """`dim` or its alias `axis` (not both) as a sorted tuple of axes (None: all)."""
    if dim is not None and axis is not None:
        raise TypeError(f"{name}: give axis or its alias dim, not both")
    return normalize_axis(dim if dim is not None else axis, x.ndim, name)


def _keep(keepdims, keepdim):
    return bool(keepdims if keepdim is None else keepdim)


def _cast(x, dtype):
    return x if dtype is None else elementwise.astype(x, dtype)


def _reduction(op, x, axis, keepdims, dim, keepdim):
    name = op.__name__.lower()
    axes = _axes(name, x, axis, dim)
    if op in (Max, Min) and builtins.any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{name}: cannot reduce a zero-size axis of a tensor of shape {x.shape} "
                         "(it has no maximum/minimum)")
    return op.apply(x, axes, _keep(keepdims, keepdim))


def sum(x, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
    return _reduction(Sum, _cast(x, dtype), axis, keepdims, dim, keepdim)


def mean(x, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
    return _reduction(Mean, _cast(x, dtype), axis, keepdims, dim, keepdim)


def prod(x, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
    return elementwise.in_float32(lambda t: _reduction(Prod, t, axis, keepdims, dim, keepdim),
                                  _cast(x, dtype))


def amax(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """The largest element over axes (all by default); ties share the gradient evenly."""
    return _reduction(Max, x, None if axis == () else axis, keepdims, None if dim == () else dim, keepdim)


def amin(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """The smallest element over axes (all by default); ties share the gradient evenly."""
    return _reduction(Min, x, None if axis == () else axis, keepdims, None if dim == () else dim, keepdim)


def _extremum(name, x, dim, keepdim, axis, keepdims, full, pick, elementwise_op):
    """max/min as torch: of everything, (values, indices) over one dim, or elementwise with a Tensor."""
    x = tensor_argument(x)
    if isinstance(dim, Tensor):
        return elementwise_op(x, dim)
    if dim is None and axis is None:
        return _reduction(full, x, None, False, None, None)
    if dim is not None and axis is not None:
        raise TypeError(f"{name}: give axis or its alias dim, not both")
    dim = dim if dim is not None else axis
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}: dim must be one int (it returns values and indices); "
                        f"use a{name}(x, dim={tuple(dim)!r}) for several dims")
    keep = _keep(keepdim, keepdims)
    (axis_,) = normalize_axis(dim, builtins.max(x.ndim, 1), name)
    if x.ndim == 0:
        return getattr(return_types, name)(reshape(x, ()), Tensor(xp.zeros((), dtype=xp.int64)))
    if x.shape[axis_] == 0:
        raise ValueError(f"{name}: cannot reduce the zero-size dim {dim} of a tensor of shape {x.shape}")
    index = pick(x.data, axis=axis_, keepdims=True).astype(xp.int64)   # nan wins, as in torch
    values = GetItem.apply(x, along(index, axis_))                     # the gradient goes to index
    if not keep:
        values, index = reshape(values, _without(x.shape, axis_)), index.reshape(_without(x.shape, axis_))
    return getattr(return_types, name)(values, Tensor(index))


def _without(shape, axis):
    return shape[:axis] + shape[axis + 1:]


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """torch.max: max(x) the largest element; max(x, dim) (values, indices); max(x, other) elementwise."""
    return _extremum("max", x, dim, keepdim, axis, keepdims, Max, xp.argmax, elementwise.maximum)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """torch.min: min(x) the smallest element; min(x, dim) (values, indices); min(x, other) elementwise."""
    return _extremum("min", x, dim, keepdim, axis, keepdims, Min, xp.argmin, elementwise.minimum)


def _arg(name, pick, x, dim, keepdim, axis, keepdims):
    x = tensor_argument(x)
    if dim is not None and axis is not None:
        raise TypeError(f"{name}: give axis or its alias dim, not both")
    dim = dim if dim is not None else axis
    keep = _keep(keepdim, keepdims)
    if x.data.size == 0 and (dim is None or x.shape[check_axis(name, dim, x.ndim)] == 0):
        raise ValueError(f"{name}: cannot reduce an empty tensor of shape {x.shape}")
    if dim is None:
        index = pick(x.data.reshape(-1))
        return Tensor(asarray(index, dtype=xp.int64).reshape((1,) * x.ndim if keep else ()))
    (axis_,) = normalize_axis(dim, builtins.max(x.ndim, 1), name)
    data = x.data if x.ndim else x.data.reshape(1)
    index = pick(data, axis=axis_, keepdims=keep).astype(xp.int64)
    return Tensor(index.reshape(x.shape) if not x.ndim else index)


def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the largest element (of the flattened tensor when dim is None)."""
    return _arg("argmax", xp.argmax, x, dim, keepdim, axis, keepdims)


def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the smallest element (of the flattened tensor when dim is None)."""
    return _arg("argmin", xp.argmin, x, dim, keepdim, axis, keepdims)


def _correction(name, unbiased, correction):
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}: give unbiased or correction, not both")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """sum (x - mean)^2 / (N - correction) over dim (correction 1 by default, 0 when unbiased=False).

    Built from mean, sub, mul, sum and div, so its gradient 2 (x - mean) g / (N - correction)
    comes from their rules. float16 is computed in float32 (as every reduction here whose
    sums can pass float16's 65504: prod, logsumexp, norm), as PyTorch does.
    """
    if isinstance(dim, bool):  # torch.var(x, unbiased)
        dim, unbiased = None, dim
    correction = _correction("var", unbiased, correction)
    axes = _axes("var", x, axis, dim)
    keep = _keep(keepdim, keepdims)
    return elementwise.in_float32(_var, x, axes, keep, correction)


def _var(x, axes, keep, correction):
    count = 1
    for a in axes:
        count *= x.shape[a]
    centered = x - Mean.apply(x, axes, True)
    return Sum.apply(centered * centered, axes, keep) / float(builtins.max(count - correction, 0))


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """sqrt(var(x, ...))."""
    return elementwise.sqrt(var(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims))


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """(var, mean) over the same dims, as torch.var_mean."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    keep = _keep(keepdim, keepdims)
    return (var(x, dim, unbiased, keep, correction=correction, axis=axis),
            mean(x, axis, keep, dim=dim))


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """(std, mean) over the same dims, as torch.std_mean."""
    v, m = var_mean(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
    return elementwise.sqrt(v), m


def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """log sum_dim exp(x), computed as m + log sum exp(x - m) with m the (constant) max.

    Its gradient, softmax(x) along dim, comes from exp, sum and log; m cancels out.
    """
    x = tensor_argument(x)
    return elementwise.in_float32(_logsumexp, x, _axes("logsumexp", x, axis, dim),
                                  _keep(keepdim, keepdims))


def _logsumexp(x, axes, keep):
    if x.data.size == 0:
        shift = array_module(x).zeros([1 if a in axes else n for a, n in enumerate(x.shape)], dtype=x.dtype)
    else:
        shift = x.data.max(axis=axes, keepdims=True)
        shift = xp.where(xp.isfinite(shift), shift, 0).astype(x.dtype)
    total = elementwise.log(Sum.apply(elementwise.exp(x - shift), axes, True)) + shift
    return total if keep else reshape(total, [n for a, n in enumerate(total.shape) if a not in axes])


def norm(x, p="fro", dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
    """The vector p-norm over dim (all elements by default), as torch.norm / torch.linalg.vector_norm.

    p: a number >= 0, inf, -inf, or 'fro' (= 2). inf/-inf are amax/amin of |x| (ties share g).
    """
    x = _cast(x, dtype)
    axes = _axes("norm", x, axis, dim)
    keep = _keep(keepdim, keepdims)
    if p == "fro":
        p = 2
    if isinstance(p, str) or not isinstance(p, (int, float)) or p < 0 and p != -float("inf"):
        raise ValueError(f"norm: p must be a number >= 0, inf, -inf or 'fro', got {p!r}")
    if x.dtype.kind != "f":
        raise TypeError(f"norm: expected a floating-point tensor, got dtype {x.dtype}")
    if p in (float("inf"), -float("inf")):
        return _reduction(Max if p > 0 else Min, elementwise.abs(x), axes, keep, None, None)
    return elementwise.in_float32(Norm.apply, x, float(p), axes, keep)


def _logical(name, reduce_fn, x, dim, keepdim, axis, keepdims):
    axes = _axes(name, x, axis, dim)
    return Tensor(reduce_fn(asarray(x.data if isinstance(x, Tensor) else x), axis=axes,
                            keepdims=_keep(keepdim, keepdims)))


def all(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """True where every element over dim is nonzero (a bool Tensor, outside the graph)."""
    return _logical("all", xp.all, x, dim, keepdim, axis, keepdims)


def any(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """True where some element over dim is nonzero (a bool Tensor, outside the graph)."""
    return _logical("any", xp.any, x, dim, keepdim, axis, keepdims)


def count_nonzero(x, dim=None, *, axis=None):
    """The number of nonzero elements over dim (an int64 Tensor, outside the graph)."""
    x = tensor_argument(x)
    axes = _axes("count_nonzero", x, axis, dim)
    return Tensor(asarray(xp.count_nonzero(x.data, axis=axes), dtype=xp.int64))
