"""Softmax, log-softmax and the two classification losses, as fused ops.

Fusing keeps them stable (max subtraction before exp) and cheap: each backward is one
closed-form expression instead of a chain of elementwise nodes. The expressions use
operators and NumPy functions that Tensors dispatch, so they differentiate again.
Axes: N (batch), C (classes). Targets are integer class indices of shape (N,).
"""
from numbers import Real

from autograd.backend import xp
from autograd.function import Function
from autograd.tensor import Tensor
from autograd.ops.validation import as_array, check_axis, check_float

REDUCTIONS = ("mean", "sum", "none")


class Softmax(Function):
    """s = exp(x - max x) / sum exp(x - max x) along `axis`.

    ds_i/dx_j = s_i (delta_ij - s_j), so dL/dx = s * (g - sum(g * s, axis)).
    """

    @staticmethod
    def forward(ctx, x, *, axis):
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        s = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(s)
        ctx.axis = axis
        return s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return s * (grad - (grad * s).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    """y = x - logsumexp(x, axis), computed as z - log(sum exp z) with z = x - max x.

    dy_i/dx_j = delta_ij - softmax_j, so dL/dx = g - softmax(x) * sum(g, axis),
    with softmax(x) = exp(y) recovered from the saved output.
    """

    @staticmethod
    def forward(ctx, x, *, axis):
        z = x - x.max(axis=axis, keepdims=True)
        y = z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - xp.exp(y) * grad.sum(axis=ctx.axis, keepdims=True)


class CrossEntropy(Function):
    """loss_n = -log softmax(x_n)[t_n] = logsumexp(x_n) - x_n[t_n], then reduced over N.

    dloss_n/dx_n = softmax(x_n) - onehot(t_n); so for 'mean' dL/dx = g (P - Y) / N,
    for 'sum' g (P - Y), and for 'none' row n is scaled by its own g_n.
    The forward saves P (N, C), the logits and the targets. Under create_graph the rule
    recomputes P from the logits, so that P is a function of x when the rule is
    differentiated again (its Hessian diag(P) - P P^T comes from that); a first-order
    backward uses the saved P (recomputing it costs a row max: 5x the rule's time).
    """

    @staticmethod
    def forward(ctx, logits, *, target, reduction):
        N = logits.shape[0]
        z = logits - logits.max(axis=1, keepdims=True)       # (N, C), max subtraction
        e = xp.exp(z)
        total = e.sum(axis=1)                                 # (N,)
        losses = xp.log(total) - z[xp.arange(N), target]      # (N,)
        ctx.save_for_backward(e / total[:, None], logits, target)
        ctx.reduction = reduction
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        probs, logits, target = ctx.saved_tensors
        if isinstance(logits, Tensor):  # create_graph: P as a function of the logits
            e = xp.exp(logits - xp.max(logits, axis=1, keepdims=True))
            probs = e / e.sum(axis=1, keepdims=True)          # (N, C)
        onehot = xp.zeros(probs.shape, dtype=probs.dtype)
        onehot[xp.arange(onehot.shape[0]), target] = 1
        return _scale_rows(probs - onehot, grad, ctx.reduction)


class MulticlassHinge(Function):
    """Multiclass SVM loss (CS231n): loss_n = sum_{j != t_n} max(0, s_nj - s_nt_n + margin).

    With active_nj = [s_nj - s_nt_n + margin > 0] for j != t_n:
        dloss_n/ds_nj   = active_nj                  (j != t_n)
        dloss_n/ds_nt_n = -sum_{j != t_n} active_nj
    scaled by g/N for 'mean', g for 'sum', g_n per row for 'none'. That derivative is
    piecewise constant in the scores (the second derivative is 0).
    The forward saves the boolean mask of active margins and the targets.
    """

    @staticmethod
    def forward(ctx, scores, *, target, margin, reduction):
        rows = xp.arange(scores.shape[0])
        margins = scores - scores[rows, target][:, None] + margin   # (N, C)
        margins[rows, target] = 0                                   # the true class adds nothing
        active = margins > 0
        losses = xp.where(active, margins, 0).sum(axis=1)           # (N,)
        ctx.save_for_backward(active, target)
        ctx.reduction = reduction
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        active, target = ctx.saved_tensors
        d = active.astype(grad.dtype)                                # (N, C)
        d[xp.arange(d.shape[0]), target] = -d.sum(axis=1)
        return _scale_rows(d, grad, ctx.reduction)


def _reduce(losses, reduction):
    if reduction == "mean":
        return xp.asarray(losses.mean())
    if reduction == "sum":
        return xp.asarray(losses.sum())
    return losses


def _scale_rows(d, grad, reduction):
    """Chain rule through the reduction: d is dloss_n/dx_n stacked as (N, C)."""
    if reduction == "mean":
        return d * (grad / d.shape[0])
    if reduction == "sum":
        return d * grad
    return d * grad[:, None]


# ---------------------------------------------------------------------------- public functions

def softmax(x, axis=-1, *, dim=None):
    """exp(x) / sum(exp(x)) along axis (alias: dim), computed stably."""
    axis = _check_axis("softmax", x, axis if dim is None else dim)
    return Softmax.apply(x, axis=axis)


def log_softmax(x, axis=-1, *, dim=None):
    """x - logsumexp(x) along axis (alias: dim), computed stably."""
    axis = _check_axis("log_softmax", x, axis if dim is None else dim)
    return LogSoftmax.apply(x, axis=axis)


def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy of logits (N, C) against integer class indices target (N,).

    reduction: 'mean' (default, over the batch), 'sum' or 'none' (per-example losses).
    """
    target = _check_classification("cross_entropy", logits, target, reduction)
    return CrossEntropy.apply(logits, target=target, reduction=reduction)


def multiclass_hinge_loss(scores, target, margin=1.0, reduction="mean"):
    """Multiclass SVM loss of scores (N, C): sum_{j != y} max(0, s_j - s_y + margin).

    reduction: 'mean' (default, over the batch), 'sum' or 'none'.
    """
    if isinstance(margin, bool) or not isinstance(margin, Real) or not xp.isfinite(margin):
        raise TypeError(f"multiclass_hinge_loss: margin must be a finite real number, got {margin!r}")
    target = _check_classification("multiclass_hinge_loss", scores, target, reduction)
    return MulticlassHinge.apply(scores, target=target, margin=float(margin), reduction=reduction)


def _check_axis(op, x, axis):
    arr = as_array(x)
    check_float(op, input=arr)
    return check_axis(op, axis, arr.ndim)


def _check_classification(op, scores, target, reduction):
    """Validates (N, C) scores and (N,) integer targets; returns the targets as an ndarray."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    arr = as_array(scores)
    if arr.ndim != 2:
        raise ValueError(f"{op}: input must be 2-D (N, C), got shape {arr.shape}")
    N, C = arr.shape
    if N == 0 or C == 0:
        raise ValueError(f"{op}: input must not be empty, got shape {arr.shape}")
    check_float(op, input=arr)
    t = as_array(target)                                  # Tensor targets: their data, no graph
    if not xp.issubdtype(t.dtype, xp.integer):
        raise TypeError(f"{op}: target must hold integer class indices, got dtype {t.dtype}")
    if t.shape != (N,):
        raise ValueError(f"{op}: target must have shape ({N},) to match input {arr.shape}, "
                         f"got {t.shape}")
    bad = (t < 0) | (t >= C)
    if bad.any():
        raise ValueError(f"{op}: target value {t[bad][0]} is out of range [0, {C}) "
                         f"at index {int(xp.flatnonzero(bad)[0])}")
    return t.copy()                                     # saved for backward: immune to later edits
