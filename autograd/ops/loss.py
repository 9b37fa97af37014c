"""Softmax, log-softmax and the classification losses.

Fused ops where stability or speed needs them: Softmax, LogSoftmax, CrossEntropy (the
default case: (N, C) logits, class indices, no weight, no smoothing, nothing ignored)
and MulticlassHinge. Fusing keeps them stable (max subtraction before exp) and cheap:
each backward is one closed-form expression. The expressions use operators and NumPy
functions that Tensors dispatch, so they differentiate again.

The general cases (class weights, ignore_index, label smoothing, probability targets,
(N, C, d1, ...) inputs, nll_loss, multi_margin_loss) are compositions of engine ops
over a constant target matrix T of the input's shape:

    loss_n = -sum_c T[n, c] * logp[n, c]

so their first and second derivatives come from the rules of LogSoftmax, Mul and Sum.
Axes: N (batch), C (classes, axis 1), d1, ... (the extra axes of N-d inputs).
float16 inputs are computed in float32 (counts, sums and softmax have too little range
and precision in half) and the loss is returned in float16, as PyTorch does.
"""
from numbers import Real

from autograd.backend import array_module, asarray, xp
from autograd.function import Function
from autograd.ops.elementwise import in_float32, relu
from autograd.ops.validation import as_array, check_axis, check_float, is_int
from autograd.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


class Softmax(Function):
    """s = exp(x - max x) / sum exp(x - max x) along `axis`.

    ds_i/dx_j = s_i (delta_ij - s_j), so dL/dx = s * (g - sum(g * s, axis)).
    """

    @staticmethod
    def forward(ctx, x, *, axis):
        e = xp.exp(x - _row_max(x, axis))
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
        z = x - _row_max(x, axis)
        y = z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True)) if x.size else z
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - xp.exp(y) * grad.sum(axis=ctx.axis, keepdims=True)


def _row_max(x, axis):
    """max along axis (keepdims), the shift that keeps exp from overflowing; 0 for an empty x
    (nothing to normalise: softmax over a zero-size axis is empty, as PyTorch)."""
    return x.max(axis=axis, keepdims=True) if x.size else 0


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
        losses = xp.log(total) - z[array_module(z).arange(N), target]   # (N,)
        ctx.save_for_backward(e / total[:, None], logits, target)
        ctx.reduction = reduction
        return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        probs, logits, target = ctx.saved_tensors
        if isinstance(logits, Tensor):  # create_graph: P as a function of the logits
            e = xp.exp(logits - xp.max(logits, axis=1, keepdims=True))
            probs = e / e.sum(axis=1, keepdims=True)          # (N, C)
        onehot = array_module(probs).zeros(probs.shape, dtype=probs.dtype)
        onehot[array_module(onehot).arange(onehot.shape[0]), target] = 1
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
        rows = array_module(scores).arange(scores.shape[0])
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
        d[array_module(d).arange(d.shape[0]), target] = -d.sum(axis=1)
        return _scale_rows(d, grad, ctx.reduction)


def _reduce(losses, reduction):
    if reduction == "mean":
        return asarray(losses.mean())
    if reduction == "sum":
        return asarray(losses.sum())
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
    return _along_axis(Softmax, "softmax", x, axis if dim is None else dim)


def log_softmax(x, axis=-1, *, dim=None):
    """x - logsumexp(x) along axis (alias: dim), computed stably."""
    return _along_axis(LogSoftmax, "log_softmax", x, axis if dim is None else dim)


def _along_axis(op, name, x, axis):
    """op along a checked axis; a 0-d tensor is one element along axis 0 or -1, as PyTorch
    (softmax of a 0-d tensor is 1)."""
    if as_array(x).ndim == 0:
        _check_axis(name, x.reshape(1), axis)
        return op.apply(x.reshape(1), axis=0).reshape(())
    return in_float32(op.apply, x, axis=_check_axis(name, x, axis))   # float16 sums in float32


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits (N, C) or (N, C, d1, ...) (or unbatched (C,)), as PyTorch.

    target: class indices (N,) / (N, d1, ...) (integers), or class probabilities of the
    input's shape (floating). weight: (C,) class weights. ignore_index: targets equal to
    it add nothing and are not counted (class-index targets only). label_smoothing in
    [0, 1]: the target mixes (1 - eps) of itself with eps / C of every class.
    reduction: 'mean' (over the non-ignored targets, weighted by weight[target]; over
    N * d1 * ... for probability targets), 'sum' or 'none' (shape (N, d1, ...)).
    """
    op = "cross_entropy"
    x, target, weight, probabilities, unbatched = _check_classes(op, input, target, weight, ignore_index,
                                                                 reduction)
    smoothing = _check_smoothing(op, label_smoothing)
    # On a device, whether a target is ignore_index would be a sync: the general path decides per row.
    if (not probabilities and x.ndim == 2 and weight is None and smoothing == 0
            and type(target) is xp.ndarray and not (target == ignore_index).any()):
        loss = CrossEntropy.apply(_computed(x), target=target, reduction=reduction)
    else:
        logp = log_softmax(_computed(x), axis=1)
        loss = _nll(logp, target, weight, ignore_index, reduction, smoothing, probabilities)
    return _finish(loss, x, unbatched, reduction)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of log-probabilities (N, C) or (N, C, d1, ...) at class indices.

    loss_n = -weight[t_n] * input[n, t_n] (0 where t_n == ignore_index); 'mean' divides the
    sum by sum_n weight[t_n] over the non-ignored targets, as PyTorch.
    """
    x, target, weight, _, unbatched = _check_classes("nll_loss", input, target, weight, ignore_index,
                                                     reduction, probabilities_allowed=False)
    return _finish(_nll(_computed(x), target, weight, ignore_index, reduction, 0.0, False), x, unbatched,
                   reduction)


def multiclass_hinge_loss(scores, target, margin=1.0, reduction="mean"):
    """Multiclass SVM loss of scores (N, C): sum_{j != y} max(0, s_j - s_y + margin).

    reduction: 'mean' (default, over the batch), 'sum' or 'none'.
    """
    if isinstance(margin, bool) or not isinstance(margin, Real) or not xp.isfinite(margin):
        raise TypeError(f"multiclass_hinge_loss: margin must be a finite real number, got {margin!r}")
    target = _check_classification("multiclass_hinge_loss", scores, target, reduction)
    return MulticlassHinge.apply(scores, target=target, margin=float(margin), reduction=reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """torch.nn.functional.multi_margin_loss: for scores x (N, C) (or (C,)) and classes y,

        loss_n = sum_{j != y_n} weight[y_n] * max(0, margin - x[n, y_n] + x[n, j]) ** p / C

    p is 1 or 2. With p=1 and no weight it is the CS231n SVM loss divided by C
    (`multiclass_hinge_loss`). A composition: the chosen score is (x * onehot).sum(1).
    """
    op = "multi_margin_loss"
    if p not in (1, 2) or isinstance(p, bool):
        raise ValueError(f"{op}: only p == 1 and p == 2 are supported, got p={p!r}")
    if isinstance(margin, bool) or not isinstance(margin, Real) or not xp.isfinite(margin):
        raise TypeError(f"{op}: margin must be a finite real number, got {margin!r}")
    if as_array(input).ndim > 2:
        raise ValueError(f"{op}: input must be (N, C) or (C,), got shape {as_array(input).shape}")
    x, target, weight, _, unbatched = _check_classes(op, input, target, weight, None, reduction,
                                                     probabilities_allowed=False)
    C = x.shape[1]
    xc = _computed(x)
    onehot = array_module(target).arange(C) == target[:, None]   # (N, C), constant
    chosen = (xc * onehot).sum(axis=1, keepdims=True)             # (N, 1): x[n, y_n]
    margins = relu((margin - chosen) + xc) * ~onehot              # the true class adds nothing
    if p == 2:
        margins = margins * margins
    if weight is not None:
        margins = margins * weight.astype(xc.dtype)[target][:, None]
    return _finish(_reduce_tensor(margins.sum(axis=1) / C, reduction), x, unbatched, reduction)


def one_hot(tensor, num_classes=-1):
    """Class indices (any shape, int) -> int64 Tensor of shape (*tensor.shape, num_classes).

    num_classes=-1 uses max(tensor) + 1, as PyTorch.
    """
    t = as_array(tensor)
    if not xp.issubdtype(t.dtype, xp.integer):
        raise TypeError(f"one_hot: tensor must hold integer class indices, got dtype {t.dtype}")
    if not is_int(num_classes):
        raise TypeError(f"one_hot: num_classes must be an int, got {num_classes!r}")
    if num_classes == -1:
        if t.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor")
        num_classes = int(t.max()) + 1
    if t.size and (t.min() < 0 or t.max() >= num_classes):
        bad = t[(t < 0) | (t >= num_classes)].flat[0]
        raise ValueError(f"one_hot: class value {bad} is out of range [0, {num_classes})")
    return Tensor(array_module(t).arange(num_classes) == t[..., None], dtype=xp.int64)


# ---------------------------------------------------------------------------- helpers

def _nll(logp, target, weight, ignore_index, reduction, smoothing, probabilities):
    """-sum_c T[n, c] logp[n, c] reduced, for log-probabilities logp (N, C, d1, ...).

    Class indices t: T = keep_n ((1 - eps) w[t_n] onehot(t_n) + eps w / C), with
    keep_n = [t_n != ignore_index]; 'mean' divides by sum_n keep_n w[t_n] (PyTorch's
    normalisation, smoothing term included). Probabilities p: T = ((1 - eps) p + eps / C) w;
    'mean' divides by N * d1 * ... . p may require grad (dL/dp = -(1 - eps) w logp).
    """
    C = logp.shape[1]
    dtype = logp.dtype
    class_shape = (1, C) + (1,) * (logp.ndim - 2)                 # broadcasts over N, d1, ...
    w = array_module(logp).ones(C, dtype=dtype) if weight is None else weight.astype(dtype)
    if probabilities:
        p = _computed(target) if isinstance(target, Tensor) else target.astype(dtype)
        if smoothing:
            p = p * (1 - smoothing) + smoothing / C
        T = p * w.reshape(class_shape) if weight is not None else p
        count = logp.data.size // C
    else:
        keep = target != ignore_index                              # (N, d1, ...)
        safe = xp.where(keep, target, 0)
        w_t = w[safe] * keep                                       # (N, d1, ...)
        onehot = array_module(safe).arange(C).reshape(class_shape) == safe[:, None]
        T = onehot * ((1 - smoothing) * w_t)[:, None]
        if smoothing:
            T = T + (smoothing / C) * w.reshape(class_shape) * keep[:, None]
        count = w_t.sum()
    if not probabilities:   # pick, don't multiply: 0 * -inf (a class far off, an ignored nan) is nan
        logp = xp.where(T != 0, logp, 0)
    losses = -(logp * T).sum(axis=1)                               # (N, d1, ...)
    if reduction == "mean":
        return losses.sum() / count
    return _reduce_tensor(losses, reduction)


def _reduce_tensor(losses, reduction):
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _as_tensor(value):
    return value if isinstance(value, Tensor) else Tensor(value)


def _computed(x):
    """x in the dtype the loss is computed in: float32 for float16, else its own."""
    return x.astype(xp.float32) if x.dtype == xp.float16 else x


def _finish(loss, x, unbatched, reduction):
    """The loss in the input's dtype, and without the batch axis an unbatched input lacked."""
    if unbatched and reduction == "none":
        loss = loss.reshape(loss.shape[1:])
    return loss.astype(x.dtype) if loss.dtype != x.dtype else loss


def _check_smoothing(op, label_smoothing):
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, Real) \
            or not 0 <= label_smoothing <= 1:
        raise ValueError(f"{op}: label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    return float(label_smoothing)


def _check_classes(op, input, target, weight, ignore_index, reduction, probabilities_allowed=True):
    """Checks input (N, C, d1, ...) or unbatched (C,), target and weight as PyTorch's losses do.

    Returns (input as a batched Tensor, target, weight array or None, whether target holds
    probabilities, whether the input was unbatched); an unbatched input and its target
    come back with a batch axis of 1.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    x = _as_tensor(input)
    check_float(op, input=x.data)
    if x.ndim == 0 or 0 in x.shape:
        raise ValueError(f"{op}: input must be a non-empty (N, C), (N, C, d1, ...) or (C,) tensor, "
                         f"got shape {x.shape}")
    t = target.data if isinstance(target, Tensor) else as_array(target)
    unbatched = x.ndim == 1
    if unbatched:
        x = x.reshape(1, -1)
        target = target.reshape((1,) + t.shape) if isinstance(target, Tensor) else t.reshape((1,) + t.shape)
        t = target.data if isinstance(target, Tensor) else target
    C = x.shape[1]
    if weight is not None:
        w = as_array(weight)
        if w.shape != (C,):
            raise ValueError(f"{op}: weight must have shape ({C},) for input {x.shape}, got {w.shape}")
        if w.dtype.kind != "f":
            raise TypeError(f"{op}: weight must be floating point, got dtype {w.dtype}")
        weight = w.copy()
    if t.dtype.kind == "f" and probabilities_allowed:
        if t.shape != x.shape:
            raise ValueError(f"{op}: probability target must have the input's shape {x.shape}, got {t.shape}")
        check_float(op, input=x.data, target=t)
        return x, (target if isinstance(target, Tensor) else t.copy()), weight, True, unbatched
    if not xp.issubdtype(t.dtype, xp.integer):
        kinds = "integer class indices or float probabilities" if probabilities_allowed else "integer class indices"
        raise TypeError(f"{op}: target must hold {kinds}, got dtype {t.dtype}")
    expected = x.shape[:1] + x.shape[2:]
    if t.shape != expected:
        raise ValueError(f"{op}: target must have shape {expected} to match input {x.shape}, got {t.shape}")
    # A host check only: on a device it would sync every step (PyTorch's is an asynchronous
    # device-side assert): check labels once on the host before moving them (docs/devices.md).
    bad = ((t < 0) | (t >= C)) & (t != ignore_index) if type(t) is xp.ndarray else None
    if bad is not None and bad.any():
        where = tuple(int(i) for i in xp.argwhere(bad)[0])
        raise ValueError(f"{op}: target value {t[bad].flat[0]} is out of range [0, {C}) "
                         f"at index {where[0] if len(where) == 1 else where}")
    return x, t.copy(), weight, False, unbatched


def _check_axis(op, x, axis):
    arr = as_array(x)
    check_float(op, input=arr)
    return check_axis(op, axis, arr.ndim)


def _check_classification(op, scores, target, reduction):
    """Validates (N, C) scores and (N,) integer targets for the fused hinge; returns the targets."""
    arr = as_array(scores)
    if arr.ndim != 2:
        raise ValueError(f"{op}: input must be 2-D (N, C), got shape {arr.shape}")
    _, t, _, _, _ = _check_classes(op, scores, target, None, None, reduction, probabilities_allowed=False)
    return t
