"""Regression, binary and ranking losses, and the distribution loss kl_div.

Two fused ops, where a composition would be unstable or wrong at the edges:
- BinaryCrossEntropy: log is clamped at -100 (as PyTorch), so a probability of exactly
  0 or 1 gives a finite loss and a finite gradient (the chain log -> clamp would give 0/0).
- BinaryCrossEntropyWithLogits: softplus by logaddexp (no overflow), and the right
  gradient at a logit of exactly 0 (a zero-initialised last layer), where the stable
  composition max(-x, 0) + log(1 + exp(-|x|)) has two kinks that cancel.
The rest are compositions of elementwise ops and reductions, so their gradients (and
second derivatives) come from those ops' rules.

Every loss takes reduction 'mean' (default), 'sum' or 'none'. float16 inputs are
computed in float32 (a float16 count above 65504 is inf, which made mean-reduced
gradients 0) and the loss comes back in float16, as PyTorch does.
"""
from numbers import Real

from autograd.backend import asarray, errstate, xp
from autograd.function import Function
from autograd.ops.elementwise import clip, sigmoid, where
from autograd.ops.loss import REDUCTIONS, _as_tensor, _computed
from autograd.tensor import Tensor

LOG_FLOOR = -100.0          # PyTorch's clamp of log in binary_cross_entropy
BCE_EPS = 1e-12             # PyTorch's floor of x (1 - x) in binary_cross_entropy's backward


class BinaryCrossEntropy(Function):
    """loss = -w (y max(log x, -100) + (1 - y) max(log(1 - x), -100))

    dL/dx = g w (x - y) / max(x (1 - x), 1e-12)
    dL/dy = g w (max(log(1 - x), -100) - max(log x, -100))
    (PyTorch's formulas). Both are written with ops, so they differentiate again.
    `weight` is a constant that broadcasts to x.
    """

    @staticmethod
    def forward(ctx, x, y, *, weight):
        ctx.weight = weight
        ctx.save_for_backward(x, y)
        log_x, log_1mx = _clamped_logs(x)
        loss = -(y * log_x + (1 - y) * log_1mx)
        return loss if weight is None else loss * weight

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        g = grad if ctx.weight is None else grad * ctx.weight
        dx = dy = None
        if need_x:
            dx = g * (x - y) / xp.maximum(x * (1 - x), BCE_EPS)
        if need_y:
            log_x, log_1mx = _clamped_logs(x)
            dy = g * (log_1mx - log_x)
        return dx, dy


def _clamped_logs(x):
    with errstate(divide="ignore"):                       # log 0 = -inf, then clamped
        return xp.maximum(xp.log(x), LOG_FLOOR), xp.maximum(xp.log(1 - x), LOG_FLOOR)


class BinaryCrossEntropyWithLogits(Function):
    """loss = w ((1 - y) x + l softplus(-x)),  l = 1 + (pos_weight - 1) y,  softplus(-x) = -log sigmoid(x)

    dL/dx = g w (l sigmoid(x) - pos_weight y)
    dL/dy = g w ((pos_weight - 1) softplus(-x) - x)
    Without pos_weight (= 1): dL/dx = g w (sigmoid(x) - y), dL/dy = -g w x. weight and
    pos_weight are constants that broadcast to x (pos_weight along the last axis).
    """

    is_loss = True                                           # drawn as a loss by autograd.viz

    @staticmethod
    def forward(ctx, x, y, *, weight, pos_weight):
        ctx.weight, ctx.pos_weight = weight, pos_weight
        ctx.save_for_backward(x, y)
        softplus_neg = xp.logaddexp(0, -x)                   # log(1 + e^-x), no overflow
        if pos_weight is None:
            loss = (1 - y) * x + softplus_neg
        else:
            loss = (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus_neg
        return loss if weight is None else loss * weight

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        pw = ctx.pos_weight
        g = grad if ctx.weight is None else grad * ctx.weight
        dx = dy = None
        if need_x:
            s = sigmoid(x)
            dx = g * (s - y) if pw is None else g * ((1 + (pw - 1) * y) * s - pw * y)
        if need_y:
            # softplus(-x) = relu(-x) + log(1 + e^-|x|): exact, and differentiable with ops.
            dy = -g * x if pw is None else g * ((pw - 1) * (xp.maximum(-x, 0) + xp.log(1 + xp.exp(-xp.abs(x)))) - x)
        return dx, dy


# ---------------------------------------------------------------------------- public functions

def mse_loss(input, target, reduction="mean"):
    """(input - target)^2, reduced."""
    x, y, dtype = _pointwise("mse_loss", input, target, reduction)
    d = x - y
    return _reduce(d * d, reduction, dtype)


def l1_loss(input, target, reduction="mean"):
    """|input - target|, reduced (gradient 0 where they are equal, as PyTorch)."""
    x, y, dtype = _pointwise("l1_loss", input, target, reduction)
    return _reduce((x - y).abs(), reduction, dtype)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta=0 is l1_loss."""
    beta = _non_negative("smooth_l1_loss", "beta", beta)
    x, y, dtype = _pointwise("smooth_l1_loss", input, target, reduction)
    d = x - y
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction, dtype)
    small = _small(a, beta)
    return _reduce(where(small, 0.5 * where(small, d, 0.0) ** 2 / beta, a - 0.5 * beta), reduction, dtype)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target)."""
    delta = _non_negative("huber_loss", "delta", delta, positive=True)
    x, y, dtype = _pointwise("huber_loss", input, target, reduction)
    d = x - y
    a = d.abs()
    small = _small(a, delta)
    return _reduce(where(small, 0.5 * where(small, d, 0.0) ** 2, delta * (a - 0.5 * delta)), reduction, dtype)


def _small(a, bound):
    """Where the quadratic piece applies: |d| < bound, and nan (as PyTorch's kernels). That
    piece sees d only there (0 elsewhere), so an infinite d never meets the square's
    gradient (0 from where, times inf, would be nan; PyTorch's is +-bound there)."""
    return ~(a.data >= bound)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x in [0, 1], log clamped at -100."""
    op = "binary_cross_entropy"
    x, y, dtype = _pointwise(op, input, target, reduction)
    for name, values in (("input", x.data), ("target", y.data)):   # nan is outside, as PyTorch
        if not ((values >= 0) & (values <= 1)).all():
            raise ValueError(f"{op}: all elements of {name} should be between 0 and 1")
    weight = _constant_like(op, "weight", weight, x)
    return _reduce(BinaryCrossEntropy.apply(x, y, weight=weight), reduction, dtype)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits.

    pos_weight (broadcast along the last axis, i.e. one per class) weighs the positive
    term: -w (pos_weight y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))).
    """
    op = "binary_cross_entropy_with_logits"
    x, y, dtype = _pointwise(op, input, target, reduction)
    weight = _constant_like(op, "weight", weight, x)
    pos_weight = _constant_like(op, "pos_weight", pos_weight, x)
    return _reduce(BinaryCrossEntropyWithLogits.apply(x, y, weight=weight, pos_weight=pos_weight),
                   reduction, dtype)


def kl_div(input, target, reduction="mean", log_target=False):
    """KL divergence with input = log q: target (log target - input), 0 where target = 0.

    log_target=True: exp(target) (target - input). reduction: 'mean' (over all elements,
    as PyTorch), 'batchmean' (sum / N: the mathematical KL divergence), 'sum', 'none'.
    """
    op = "kl_div"
    reduction_arg = "mean" if reduction == "batchmean" else reduction
    x, y, dtype = _pointwise(op, input, target, reduction_arg, extra=("batchmean",))
    if log_target:
        losses = y.exp() * (y - x)
    else:
        positive = y.data > 0
        # y log y as xlogy: 0 where y = 0; log sees 1 there, so no nan reaches the gradient.
        losses = where(positive, y * where(positive, y, 1).log(), 0) - y * x
    if reduction == "batchmean":
        batch = x.shape[0] if x.ndim else 1
        return _reduce(losses.sum() / batch, "none", dtype)
    return _reduce(losses, reduction, dtype)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """max(0, -target (input1 - input2) + margin), target in {1, -1}; broadcasts as PyTorch."""
    op = "margin_ranking_loss"
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    _finite(op, "margin", margin)
    x1, x2 = _as_tensor(input1), _as_tensor(input2)
    y = target if isinstance(target, Tensor) else Tensor(asarray(target, dtype=x1.dtype))
    shapes = [x1.shape, x2.shape, y.shape]
    try:
        xp.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{op}: input1 {x1.shape}, input2 {x2.shape} and target {y.shape} "
                         "do not broadcast") from None
    _floating(op, input1=x1, input2=x2, target=y)
    dtype = x1.dtype
    # clip's gradient passes at the kink (x >= 0), as PyTorch's clamp_min here.
    losses = clip(-_computed(y) * (_computed(x1) - _computed(x2)) + margin, min=0.0)
    return _reduce(losses, reduction, dtype)


# ---------------------------------------------------------------------------- helpers

def _pointwise(op, input, target, reduction, extra=()):
    """Checks a pointwise loss's arguments; returns (x, y) in the compute dtype and the input dtype."""
    if reduction not in REDUCTIONS + extra:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS + extra}, got {reduction!r}")
    x, y = _as_tensor(input), target
    if not isinstance(y, Tensor):
        y = Tensor(asarray(y, dtype=x.dtype) if x.dtype.kind == "f" else y)
    if y.shape != x.shape:
        raise ValueError(f"{op}: target shape {y.shape} differs from input shape {x.shape} "
                         "(dyngrad does not broadcast a loss's target; reshape it)")
    _floating(op, input=x, target=y)
    return _computed(x), _computed(y), x.dtype


def _floating(op, **tensors):
    for name, t in tensors.items():
        if t.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be a floating-point tensor, got dtype {t.dtype}")
    dtypes = {t.dtype for t in tensors.values()}
    if len(dtypes) > 1:
        got = ", ".join(f"{n} {t.dtype}" for n, t in tensors.items())
        raise TypeError(f"{op}: dtypes must match, got {got}")


def _reduce(losses, reduction, dtype):
    if reduction == "mean":
        losses = losses.mean()
    elif reduction == "sum":
        losses = losses.sum()
    return losses.astype(dtype) if losses.dtype != dtype else losses


def _constant_like(op, name, value, x):
    """weight / pos_weight: a constant array in x's dtype that broadcasts to x (no gradient)."""
    if value is None:
        return None
    array = value.data if isinstance(value, Tensor) else asarray(value)
    if array.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be floating point, got dtype {array.dtype}")
    try:
        xp.broadcast_shapes(array.shape, x.shape)
    except ValueError:
        raise ValueError(f"{op}: {name} of shape {array.shape} does not broadcast to input {x.shape}") from None
    return array.astype(x.dtype)


def _finite(op, name, value):
    if isinstance(value, bool) or not isinstance(value, Real) or not xp.isfinite(value):
        raise TypeError(f"{op}: {name} must be a finite real number, got {value!r}")
    return float(value)


def _non_negative(op, name, value, positive=False):
    value = _finite(op, name, value)
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{op}: {name} must be {'positive' if positive else 'non-negative'}, got {value!r}")
    return value
