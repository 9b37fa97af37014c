"""cosine_similarity and normalize: compositions of elementwise ops and sums.

Norms are clamped from below by eps (as PyTorch), with clip, whose gradient is 0 below
the bound: a zero vector gives similarity 0, not nan. Their gradients (and second
derivatives) come from the rules of Mul, Sum, Pow/Sqrt, Clip and Div. float16 is computed
in float32 (a sum of squares passes float16's 65504 quickly) and returned in float16.
"""
from numbers import Real

from autograd.backend import xp
from autograd.ops.elementwise import clip, in_float32, operands
from autograd.ops.loss import _as_tensor
from autograd.ops.validation import check_axis


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2, dim) / (max(||x1||, eps) max(||x2||, eps)), x1 and x2 broadcast, as PyTorch."""
    op = "cosine_similarity"
    _check_eps(op, eps)
    x1, x2 = operands(_as_tensor(x1), x2, op)
    x2 = _as_tensor(x2)
    try:
        shape = xp.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"{op}: x1 {x1.shape} and x2 {x2.shape} do not broadcast") from None
    if x1.dtype.kind != "f":
        raise TypeError(f"{op}: x1 must be floating point, got dtype {x1.dtype}")
    axis = check_axis(op, dim, max(len(shape), 1))
    return in_float32(lambda a: _cosine(a, x2.astype(a.dtype), axis, eps), x1)


def _cosine(x1, x2, axis, eps):
    n1 = clip(_norm(x1, axis), min=eps)
    n2 = clip(_norm(x2, axis), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(axis=axis)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(||input||_p, eps) along dim (keepdims), as torch.nn.functional.normalize."""
    op = "normalize"
    _check_eps(op, eps)
    if isinstance(p, bool) or not isinstance(p, Real) or not p > 0:
        raise ValueError(f"{op}: p must be a positive number, got {p!r}")
    x = _as_tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    axis = check_axis(op, dim, max(x.ndim, 1))
    return in_float32(lambda t: t / clip(_norm(t, axis, float(p)), min=eps), x)


def _norm(x, axis, p=2.0):
    """||x||_p along axis, keepdims: sqrt(sum x^2) for p = 2, else (sum |x|^p)^(1/p)."""
    if p == 2.0:
        return (x * x).sum(axis=axis, keepdims=True).sqrt()
    if p == 1.0:
        return x.abs().sum(axis=axis, keepdims=True)
    return (x.abs() ** p).sum(axis=axis, keepdims=True) ** (1.0 / p)


def _check_eps(op, eps):
    if isinstance(eps, bool) or not isinstance(eps, Real) or not eps >= 0:
        raise ValueError(f"{op}: eps must be a non-negative number, got {eps!r}")
