"""Reductions over axes: sum, mean, max, min (NumPy's `axis`/`keepdims`, PyTorch's `dim`/`keepdim`).

Backward puts the reduced axes back (size 1) and broadcasts g over them (with
`xp.expand_dims` / `xp.broadcast_to`, which Tensors dispatch: the rules differentiate again).
"""
from ..backend import xp
from ..function import Function
from .validation import check_axis


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


def _reduction(op, x, axis, keepdims, dim, keepdim):
    name = op.__name__.lower()
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{name}: give axis or its alias dim, not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    axes = normalize_axis(axis, x.ndim, name)
    if op in (Max, Min) and any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{name}: cannot reduce a zero-size axis of a tensor of shape {x.shape} "
                         "(it has no maximum/minimum)")
    return op.apply(x, axes, bool(keepdims))


def sum(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    return _reduction(Sum, x, axis, keepdims, dim, keepdim)


def mean(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    return _reduction(Mean, x, axis, keepdims, dim, keepdim)


def max(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    return _reduction(Max, x, axis, keepdims, dim, keepdim)


def min(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    return _reduction(Min, x, axis, keepdims, dim, keepdim)
