"""2-D convolution (cross-correlation, as in PyTorch) by im2col + one GEMM.

Axes are named N (batch), C (input channels), F (filters / output channels),
H, W (input height, width), Ho, Wo (output height, width), kh, kw (kernel),
K = C*kh*kw (length of one flattened patch) and P = Ho*Wo (positions per image).
"""
from autograd.backend import xp
from autograd.function import Function


class Conv2d(Function):
    """y[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q] * xpad[n, c, i*sh + p, j*sw + q]

    where xpad is x zero-padded by (ph, pw) on each side. Laying each image's patches
    out as columns, cols[n, (c, p, q), (i, j)] = xpad[n, c, i*sh + p, j*sw + q], the
    forward is one (batched) GEMM, Y[n] = W @ cols[n] with W = w reshaped to (F, K),
    and the chain rule gives

        dL/dW    = sum_n G[n] @ cols[n]^T            (G = dL/dy as (N, F, P))
        dL/db[f] = sum_{n, i, j} dL/dy[n, f, i, j]
        dL/dcols    = W^T @ G (one GEMM over all images), and dL/dxpad adds every
                      column entry back onto the pixel it was copied from (col2im);
                      dL/dx is dL/dxpad with the padding cropped off.
    """

    @staticmethod
    def forward(ctx, x, w, b, *, stride, padding):
        N, C, H, W = x.shape
        F, _, kh, kw = w.shape
        sh, sw = stride
        ph, pw = padding
        Ho = (H + 2 * ph - kh) // sh + 1
        Wo = (W + 2 * pw - kw) // sw + 1
        cols = _im2col(x, kh, kw, sh, sw, ph, pw, Ho, Wo)       # (N, K, P), C-contiguous
        out = w.reshape(F, -1) @ cols                            # (F, K) @ (N, K, P) -> (N, F, P)
        if b is not None:
            out += b[:, None]
        # cols is only needed for dL/dw; w only for dL/dx.
        ctx.save_for_backward(cols if ctx.needs_input_grad[1] else None,
                              w if ctx.needs_input_grad[0] else None)
        ctx.stride, ctx.padding, ctx.kernel_size = stride, padding, (kh, kw)
        ctx.input_shape = (N, C, H, W)
        return out.reshape(N, F, Ho, Wo)

    @staticmethod
    def backward(ctx, grad):
        cols, w = ctx.saved_tensors
        N, C, H, W = ctx.input_shape
        kh, kw = ctx.kernel_size
        _, F, Ho, Wo = grad.shape
        needs_x, needs_w, needs_b = ctx.needs_input_grad
        g = grad.reshape(N, F, Ho * Wo)                          # (N, F, P), a view when contiguous
        dx = dw = db = None
        if needs_w:
            # N GEMMs (F, P) @ (P, K) then a sum over N: the (N, F, K) stack is small.
            dw = (g @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(F, C, kh, kw)
        if needs_b:
            db = grad.sum(axis=(0, 2, 3))                        # (F,)
        if needs_x:
            # One GEMM (K, F) @ (F, N*P) -> (K, N*P): one large product beats N small ones.
            g_fnp = xp.ascontiguousarray(g.transpose(1, 0, 2)).reshape(F, N * Ho * Wo)
            dcols = w.reshape(F, -1).T @ g_fnp
            dx = _col2im(dcols.reshape(C, kh, kw, N, Ho, Wo), H, W, ctx.stride, ctx.padding)
        return dx, dw, db


def _im2col(x, kh, kw, sh, sw, ph, pw, Ho, Wo):
    """Patches of each image as columns: (N, C*kh*kw, Ho*Wo), one strided view and one copy."""
    N, C, H, W = x.shape
    if ph or pw:
        x_pad = xp.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
        x_pad[:, :, ph:ph + H, pw:pw + W] = x
    else:
        x_pad = x
    win = xp.lib.stride_tricks.sliding_window_view(x_pad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]                  # (N, C, Ho, Wo, kh, kw), a view
    # (N, C, kh, kw, Ho, Wo): the innermost copy runs along Wo, the copy is the only one.
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * kh * kw, Ho * Wo)


def _col2im(dcols, H, W, stride, padding):
    """Adds each patch gradient back onto the padded image, one kernel offset at a time.

    dcols: (C, kh, kw, N, Ho, Wo). Windows overlap, so the sum is done as kh*kw
    vectorised slice-adds (each touches every output position once), never per pixel.
    Returns dL/dx as (N, C, H, W).
    """
    C, kh, kw, N, Ho, Wo = dcols.shape
    (sh, sw), (ph, pw) = stride, padding
    dx_pad = xp.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=dcols.dtype)
    for p in range(kh):
        for q in range(kw):
            rows = slice(p, p + sh * (Ho - 1) + 1, sh)
            cols = slice(q, q + sw * (Wo - 1) + 1, sw)
            dx_pad[:, :, rows, cols] += dcols[:, p, q].transpose(1, 0, 2, 3)  # (N, C, Ho, Wo)
    if ph or pw:
        return xp.ascontiguousarray(dx_pad[:, :, ph:ph + H, pw:pw + W])
    return dx_pad


# ---------------------------------------------------------------------------- public function

def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution of x (N, C, H, W) with weight (F, C, kh, kw) and optional bias (F,).

    stride and padding are an int or an (h, w) pair; padding is zeros on both sides.
    Returns (N, F, Ho, Wo) with Ho = (H + 2*ph - kh) // sh + 1 (likewise Wo).
    """
    stride = _pair("conv2d", "stride", stride, minimum=1)
    padding = _pair("conv2d", "padding", padding, minimum=0)
    x_arr, w_arr = _array(x), _array(weight)
    if x_arr.ndim != 4:
        raise ValueError(f"conv2d: input must be 4-D (N, C, H, W), got shape {x_arr.shape}")
    if w_arr.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (out_channels, in_channels, kh, kw), "
                         f"got shape {w_arr.shape}")
    N, C, H, W = x_arr.shape
    F, Cw, kh, kw = w_arr.shape
    if C != Cw:
        raise ValueError(f"conv2d: input has {C} channels but weight {w_arr.shape} expects {Cw}")
    if min(N, C, H, W, F, kh, kw) == 0:
        raise ValueError(f"conv2d: empty input {x_arr.shape} or weight {w_arr.shape}")
    _check_float("conv2d", input=x_arr, weight=w_arr)
    if bias is not None:
        b_arr = _array(bias)
        if b_arr.shape != (F,):
            raise ValueError(f"conv2d: bias must have shape ({F},) to match weight {w_arr.shape}, "
                             f"got {b_arr.shape}")
        if b_arr.dtype != x_arr.dtype:
            raise TypeError(f"conv2d: bias dtype {b_arr.dtype} differs from input dtype {x_arr.dtype}")
    Hp, Wp = H + 2 * padding[0], W + 2 * padding[1]
    if kh > Hp or kw > Wp:
        raise ValueError(f"conv2d: kernel ({kh}, {kw}) is larger than the padded input ({Hp}, {Wp})")
    return Conv2d.apply(x, weight, bias, stride=stride, padding=padding)


def _array(a):
    """The ndarray behind a Tensor (or the array itself), for validation only."""
    if isinstance(a, xp.ndarray):
        return a
    data = getattr(a, "data", a)
    return data if isinstance(data, xp.ndarray) else xp.asarray(data)


def _pair(op, name, value, minimum):
    """An int or a pair of ints as an (h, w) tuple, each at least `minimum`."""
    pair = (value, value) if _is_int(value) else value
    if (not isinstance(pair, (tuple, list)) or len(pair) != 2
            or not all(_is_int(v) for v in pair)):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}: {name} must be {kind}, got {value!r}")
    return (int(pair[0]), int(pair[1]))


def _is_int(v):
    return isinstance(v, (int, xp.integer)) and not isinstance(v, bool)


def _check_float(op, **arrays):
    """All arrays share one floating dtype (no silent float32 -> float64 promotion)."""
    dtypes = {name: a.dtype for name, a in arrays.items()}
    for name, dt in dtypes.items():
        if not xp.issubdtype(dt, xp.floating):
            raise TypeError(f"{op}: {name} must be a floating-point array, got dtype {dt}")
    if len(set(dtypes.values())) > 1:
        got = ", ".join(f"{n} {d}" for n, d in dtypes.items())
        raise TypeError(f"{op}: dtypes must match, got {got}")
