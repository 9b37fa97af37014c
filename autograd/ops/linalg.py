"""Matrix products: matmul (NumPy semantics, batched and 1-D) and the fused affine `linear`."""
from ..backend import xp
from ..function import Function
from ..tensor import Tensor
from .elementwise import operands


class MatMul(Function):
    """Y = A @ B;  dL/dA = G @ B^T,  dL/dB = A^T @ G.

    1-D operands act as a row (A) or a column (B) vector; batch axes broadcast, and the
    engine sums the gradients over them.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a             # (..., n, k)
        b2 = b[:, None] if b.ndim == 1 else b             # (..., k, m)
        g2 = grad
        if b.ndim == 1:                                   # the column first: for vec @ vec,
            g2 = xp.expand_dims(g2, -1)                   # g is 0-d and has no axis -2 yet
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)                   # (..., n, m)
        grad_a = grad_b = None
        if need_a:
            grad_a = g2 @ xp.swapaxes(b2, -1, -2)         # (..., n, k)
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]
        if need_b:
            grad_b = xp.swapaxes(a2, -1, -2) @ g2         # (..., k, m)
            if b.ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b


class Linear(Function):
    """Y = X W^T + b, X (..., in), W (out, in), b (out,).

    dL/dX = G W,  dL/dW = G^T X (over all batch rows),  dL/db = sum of G over batch rows.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        g2 = grad.reshape(-1, grad.shape[-1])             # (rows, out)
        grad_x = grad @ weight if need_x else None        # (..., in)
        grad_w = g2.T @ x.reshape(-1, x.shape[-1]) if need_w else None   # (out, in)
        grad_b = g2.sum(axis=0) if need_b else None       # (out,)
        return grad_x, grad_w, grad_b


def matmul(a, b):
    a, b = operands(a, b, "matmul")
    shape_a, shape_b = xp.shape(a.data if isinstance(a, Tensor) else a), \
        xp.shape(b.data if isinstance(b, Tensor) else b)
    if not shape_a or not shape_b:
        raise ValueError(f"matmul: both operands need at least one dimension; got shapes {shape_a} and {shape_b}")
    inner_a = shape_a[-1]
    inner_b = shape_b[0] if len(shape_b) == 1 else shape_b[-2]
    if inner_a != inner_b:
        raise ValueError(f"matmul: shapes {shape_a} and {shape_b} are not aligned: "
                         f"{inner_a} (last dim of the first) != {inner_b} "
                         f"({'only' if len(shape_b) == 1 else 'second-to-last'} dim of the second)")
    try:
        xp.broadcast_shapes(shape_a[:-2], shape_b[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of {shape_a} and {shape_b} do not broadcast") from None
    return MatMul.apply(a, b)


def linear(x, weight, bias=None):
    """y = x @ weight.T + bias, as torch.nn.functional.linear."""
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features "
                         f"but weight of shape {weight.shape} expects {weight.shape[1]}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}; "
                         f"expected ({weight.shape[0]},)")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"linear: input dtype {x.dtype} does not match {name} dtype {t.dtype}")
    return Linear.apply(x, weight, bias)
