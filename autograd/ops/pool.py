"""2-D max and average pooling (no padding, floor mode, as PyTorch's defaults).

Axes: N (batch), C (channels), H, W (input), Ho, Wo (output), kh, kw (window).
Two layouts of the windows, both without Python loops over pixels:
- stride == kernel: crop H, W to whole windows and reshape (N, C, Ho, kh, Wo, kw);
- otherwise: a strided view from sliding_window_view, (N, C, Ho, Wo, kh, kw).
"""
from autograd.backend import xp
from autograd.function import Function
from autograd.ops.conv import _array, _check_float, _pair


class MaxPool2d(Function):
    """y[n, c, i, j] = max_{p < kh, q < kw} x[n, c, i*sh + p, j*sw + q]

    dL/dx[n, c, h, w] = sum over windows (i, j) whose first maximum (row-major order,
    as PyTorch) sits at (h, w) of dL/dy[n, c, i, j]; every other input gets 0.
    The forward saves the argmax within each window (a small integer per output).
    """

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride):
        (kh, kw), (sh, sw) = kernel_size, stride
        win = _windows(x, kernel_size, stride)               # (N, C, Ho, Wo, kh*kw), a copy
        arg = win.argmax(axis=-1)                             # first maximum, as PyTorch
        out = xp.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
        idx_dtype = xp.uint8 if kh * kw <= 256 else xp.intp
        ctx.save_for_backward(arg.astype(idx_dtype))
        ctx.kernel_size, ctx.stride, ctx.input_shape = kernel_size, stride, x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        (arg,) = ctx.saved_tensors
        (kh, kw), (sh, sw) = ctx.kernel_size, ctx.stride
        N, C, H, W = ctx.input_shape
        _, _, Ho, Wo = grad.shape
        dx = xp.zeros((N, C, H, W), dtype=grad.dtype)
        if (kh, kw) == (sh, sw):
            # Windows tile the (cropped) image: scatter through a one-hot mask, then reshape.
            onehot = arg[..., None] == xp.arange(kh * kw, dtype=arg.dtype)   # (N, C, Ho, Wo, kh*kw)
            dwin = xp.where(onehot, grad[..., None], grad.dtype.type(0))
            dwin = dwin.reshape(N, C, Ho, Wo, kh, kw).transpose(0, 1, 2, 4, 3, 5)
            dx[:, :, :Ho * kh, :Wo * kw] = dwin.reshape(N, C, Ho * kh, Wo * kw)
            return dx
        # Windows may overlap: one vectorised slice-add per offset inside the window.
        zero = grad.dtype.type(0)
        for p in range(kh):
            for q in range(kw):
                rows = slice(p, p + sh * (Ho - 1) + 1, sh)
                cols = slice(q, q + sw * (Wo - 1) + 1, sw)
                dx[:, :, rows, cols] += xp.where(arg == p * kw + q, grad, zero)
        return dx


class AvgPool2d(Function):
    """y[n, c, i, j] = 1/(kh*kw) * sum_{p < kh, q < kw} x[n, c, i*sh + p, j*sw + q]

    dL/dx[n, c, h, w] = 1/(kh*kw) * sum over the windows (i, j) containing (h, w)
    of dL/dy[n, c, i, j]; inputs in no window (cropped by floor mode) get 0.
    """

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride):
        (kh, kw), (sh, sw) = kernel_size, stride
        N, C, H, W = x.shape
        Ho, Wo = (H - kh) // sh + 1, (W - kw) // sw + 1
        if (kh, kw) == (sh, sw):
            out = x[:, :, :Ho * kh, :Wo * kw].reshape(N, C, Ho, kh, Wo, kw).mean(axis=(3, 5))
        else:
            view = xp.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
            out = view[:, :, ::sh, ::sw].mean(axis=(4, 5))   # (N, C, Ho, Wo)
        ctx.kernel_size, ctx.stride, ctx.input_shape = kernel_size, stride, x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        (kh, kw), (sh, sw) = ctx.kernel_size, ctx.stride
        N, C, H, W = ctx.input_shape
        _, _, Ho, Wo = grad.shape
        share = grad / grad.dtype.type(kh * kw)               # each input's share of a window
        dx = xp.zeros((N, C, H, W), dtype=grad.dtype)
        if (kh, kw) == (sh, sw):
            spread = xp.broadcast_to(share[:, :, :, None, :, None], (N, C, Ho, kh, Wo, kw))
            dx[:, :, :Ho * kh, :Wo * kw] = spread.reshape(N, C, Ho * kh, Wo * kw)
            return dx
        for p in range(kh):
            for q in range(kw):
                dx[:, :, p:p + sh * (Ho - 1) + 1:sh, q:q + sw * (Wo - 1) + 1:sw] += share
        return dx


def _windows(x, kernel_size, stride):
    """The pooling windows of x flattened: (N, C, Ho, Wo, kh*kw), C-contiguous."""
    (kh, kw), (sh, sw) = kernel_size, stride
    N, C, H, W = x.shape
    Ho, Wo = (H - kh) // sh + 1, (W - kw) // sw + 1
    if (kh, kw) == (sh, sw):
        tiles = x[:, :, :Ho * kh, :Wo * kw].reshape(N, C, Ho, kh, Wo, kw)
        return tiles.transpose(0, 1, 2, 4, 3, 5).reshape(N, C, Ho, Wo, kh * kw)
    view = xp.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    return view[:, :, ::sh, ::sw].reshape(N, C, Ho, Wo, kh * kw)


# ---------------------------------------------------------------------------- public functions

def max_pool2d(x, kernel_size, stride=None):
    """Max over kh x kw windows of x (N, C, H, W); stride defaults to kernel_size.

    kernel_size and stride are an int or an (h, w) pair. No padding; a remainder
    smaller than a window is dropped (floor mode), as in PyTorch.
    """
    kernel_size, stride = _check_pool("max_pool2d", x, kernel_size, stride)
    return MaxPool2d.apply(x, kernel_size=kernel_size, stride=stride)


def avg_pool2d(x, kernel_size, stride=None):
    """Mean over kh x kw windows of x (N, C, H, W); stride defaults to kernel_size."""
    kernel_size, stride = _check_pool("avg_pool2d", x, kernel_size, stride)
    return AvgPool2d.apply(x, kernel_size=kernel_size, stride=stride)


def _check_pool(op, x, kernel_size, stride):
    kernel_size = _pair(op, "kernel_size", kernel_size, minimum=1)
    stride = kernel_size if stride is None else _pair(op, "stride", stride, minimum=1)
    arr = _array(x)
    if arr.ndim != 4:
        raise ValueError(f"{op}: input must be 4-D (N, C, H, W), got shape {arr.shape}")
    if 0 in arr.shape:
        raise ValueError(f"{op}: input must not be empty, got shape {arr.shape}")
    _check_float(op, input=arr)
    if kernel_size[0] > arr.shape[2] or kernel_size[1] > arr.shape[3]:
        raise ValueError(f"{op}: kernel {kernel_size} is larger than the input "
                         f"({arr.shape[2]}, {arr.shape[3]})")
    return kernel_size, stride
