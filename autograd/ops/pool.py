"""Max and average pooling, 2-D and (as 2-D with a height of 1) 1-D.

Axes: N (batch), C (channels), H, W (input), Ho, Wo (output), kh, kw (window).
The ops work on an input already padded for `padding` and `ceil_mode` (with -inf for
max, zeros for avg; the public functions pad with the Pad op, whose backward crops), so
each op itself is floor mode without padding; max also takes a dilation.
No Python loops over pixels: the loops run over the kh*kw offsets inside a window,
each step a vectorised operation on a strided (N, C, Ho, Wo) view of the input.
- max: a running maximum over the offsets that also tracks the argmax (no window copy;
  measured ~5x faster on 64x32x28x28 than copying windows and calling argmax), a saved
  uint8 argmax, and a backward of kh*kw vectorised writes (slice-adds when windows
  overlap, i.e. stride < kernel).
- avg: when stride == kernel the cropped input reshapes to (N, C, Ho, kh, Wo, kw) and
  one mean reduces it; otherwise a sliding_window_view does.
Each backward kernel is an op of its own whose backward is its adjoint (scatter and
gather for max, spread and average for avg), so the rules differentiate again.
On a device, where each vectorised step is a kernel launch, the offset loops become
gathers over all offsets at once with cached index maps (autograd/ops/device_kernels.py).
"""
from autograd.backend import array_module, is_device, xp
from autograd.function import Function
from autograd.ops import device_kernels
from autograd.ops.shape import Pad
from autograd.ops.validation import check_float, output_size, pair
from autograd.tensor import Tensor
from autograd.threads import chunk_size, map_chunks


class MaxPool2d(Function):
    """y[n, c, i, j] = max_{p < kh, q < kw} x[n, c, i*sh + p*dh, j*sw + q*dw]

    dL/dx[n, c, h, w] = sum over windows (i, j) whose first maximum (row-major order,
    as PyTorch) sits at (h, w) of dL/dy[n, c, i, j]; every other input gets 0.
    The forward saves the argmax within each window (a small integer per output).
    A nan in a window makes the output nan (as PyTorch), but unless it comes first in
    the window its gradient goes to the first maximum of the values before it: checking
    for nan on every pass would cost the common case ~1 ms per conv-net step.
    """

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride, dilation):
        out, arg = window_argmax(x, kernel_size, stride, dilation)
        ctx.save_for_backward(arg)
        ctx.kernel_size, ctx.stride, ctx.input_shape = kernel_size, stride, x.shape
        ctx.dilation = None if dilation == (1, 1) else dilation   # None: not drawn in graphs
        return out

    @staticmethod
    def backward(ctx, grad):
        (arg,) = ctx.saved_tensors
        return MaxPoolScatter.apply(grad, arg=arg, kernel_size=ctx.kernel_size, stride=ctx.stride,
                                    dilation=ctx.dilation or (1, 1), input_shape=ctx.input_shape)


class MaxPoolScatter(Function):
    """dx = g scattered to each window's argmax (summed where windows overlap): max_pool2d's backward.

    Linear in g; its adjoint is the gather G[n, c, argmax position of window (i, j)]
    (`MaxPoolGather`), so the two are each other's backward.
    """

    @staticmethod
    def forward(ctx, grad, *, arg, kernel_size, stride, dilation, input_shape):
        ctx.arg, ctx.kernel_size, ctx.stride, ctx.dilation = arg, kernel_size, stride, dilation
        (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
        N, C, H, W = input_shape
        if is_device(grad):                                   # one gather and one sum
            return device_kernels.scatter_sum(device_kernels.one_hot_windows(grad, arg, kh * kw), (H, W),
                                              kernel_size, stride, dilation)
        _, _, Ho, Wo = grad.shape
        overlap = sh < dh * (kh - 1) + 1 or sw < dw * (kw - 1) + 1
        tiled = (sh, sw) == (kh, kw) and (dh, dw) == (1, 1) and (H, W) == (Ho * kh, Wo * kw)
        # When the windows tile the input exactly, every element of dx is written below.
        module = array_module(grad)
        dx = (module.empty if tiled else module.zeros)(input_shape, dtype=grad.dtype)
        offsets = _offset_slices(input_shape, kernel_size, stride, dilation)

        def chunk(span):                                      # images span, in cache
            g, a, d = grad[span], arg[span], dx[span]
            hit = module.empty(a.shape, dtype=bool)
            share = module.empty(g.shape, dtype=g.dtype) if overlap else None
            # One vectorised pass per window offset k: grad where k was the argmax, else 0.
            for k, view in enumerate(offsets):
                xp.equal(a, k, out=hit)
                if overlap:                                   # windows share inputs: accumulate
                    xp.multiply(g, hit, out=share)
                    d[view] += share
                else:                                         # each input in at most one window
                    xp.multiply(g, hit, out=d[view])

        map_chunks(chunk, N, _images_per_chunk(grad, input_shape))
        return dx

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolGather.apply(grad, arg=ctx.arg, kernel_size=ctx.kernel_size, stride=ctx.stride,
                                   dilation=ctx.dilation)


class MaxPoolGather(Function):
    """y[n, c, i, j] = x[n, c, position of window (i, j)'s argmax]: the adjoint of MaxPoolScatter."""

    @staticmethod
    def forward(ctx, x, *, arg, kernel_size, stride, dilation):
        ctx.arg, ctx.kernel_size, ctx.stride, ctx.dilation = arg, kernel_size, stride, dilation
        ctx.input_shape = x.shape
        if is_device(x):                                      # each window's argmax pixel, one gather
            N, C, H, W = x.shape
            index = device_kernels.window_indices(arg, (H, W), kernel_size, stride, dilation)
            return xp.take_along_axis(x.reshape(N, C, H * W), index.reshape(N, C, -1), axis=2).reshape(arg.shape)
        out = array_module(x).zeros(arg.shape, dtype=x.dtype)
        for k, view in enumerate(_offset_slices(x.shape, kernel_size, stride, dilation)):
            xp.copyto(out, x[view], where=arg == k)
        return out

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolScatter.apply(grad, arg=ctx.arg, kernel_size=ctx.kernel_size, stride=ctx.stride,
                                    dilation=ctx.dilation, input_shape=ctx.input_shape)


class AvgPool2d(Function):
    """y[n, c, i, j] = 1/(kh*kw) * sum_{p < kh, q < kw} x[n, c, i*sh + p, j*sw + q]

    dL/dx[n, c, h, w] = 1/(kh*kw) * sum over the windows (i, j) containing (h, w)
    of dL/dy[n, c, i, j]; inputs in no window (cropped by floor mode) get 0.
    """

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride):
        (kh, kw), (sh, sw) = kernel_size, stride
        N, C, H, W = x.shape
        Ho, Wo = output_size(H, kh, sh), output_size(W, kw, sw)
        if (kh, kw) == (sh, sw):
            out = x[:, :, :Ho * kh, :Wo * kw].reshape(N, C, Ho, kh, Wo, kw).mean(axis=(3, 5))
        else:
            view = xp.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
            out = view[:, :, ::sh, ::sw].mean(axis=(4, 5))   # (N, C, Ho, Wo)
        ctx.kernel_size, ctx.stride, ctx.input_shape = kernel_size, stride, x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolSpread.apply(grad, kernel_size=ctx.kernel_size, stride=ctx.stride,
                                   input_shape=ctx.input_shape)


class AvgPoolSpread(Function):
    """dx[n, c, h, w] = 1/(kh*kw) * sum of g over the windows containing (h, w): avg_pool2d's backward.

    Average pooling is linear, y = A x, so its backward is g -> A^T g and the adjoint of
    that is A again: this op's backward is avg_pool2d itself.
    """

    @staticmethod
    def forward(ctx, grad, *, kernel_size, stride, input_shape):
        ctx.kernel_size, ctx.stride = kernel_size, stride
        (kh, kw), (sh, sw) = kernel_size, stride
        N, C, H, W = input_shape
        _, _, Ho, Wo = grad.shape
        share = grad / grad.dtype.type(kh * kw)               # each input's share of a window
        if is_device(grad) and (kh, kw) != (sh, sw):         # overlaps or gaps: one gather and one sum
            every = xp.broadcast_to(share[..., None], (N, C, Ho, Wo, kh * kw)).reshape(N, C, -1)
            return device_kernels.scatter_sum(every, (H, W), kernel_size, stride, (1, 1))
        dx = array_module(grad).zeros((N, C, H, W), dtype=grad.dtype)
        if (kh, kw) == (sh, sw):
            spread = xp.broadcast_to(share[:, :, :, None, :, None], (N, C, Ho, kh, Wo, kw))
            dx[:, :, :Ho * kh, :Wo * kw] = spread.reshape(N, C, Ho * kh, Wo * kw)
            return dx
        for view in _offset_slices(input_shape, kernel_size, stride):
            dx[view] += share
        return dx

    @staticmethod
    def backward(ctx, grad):
        return AvgPool2d.apply(grad, kernel_size=ctx.kernel_size, stride=ctx.stride)


def window_argmax(x, kernel_size, stride, dilation):
    """(max over each window, the offset k = p*kw + q of its first maximum): max_pool2d's kernel."""
    (kh, kw) = kernel_size
    if is_device(x):
        # All windows at once, (N, C, Ho, Wo, K), then one max and one argmax (the first maximum).
        every = device_kernels.windows(x, kernel_size, stride, dilation)
        return every.max(axis=4), every.argmax(axis=4).astype(xp.uint8 if kh * kw <= 256 else xp.intp)
    # Each window offset (p, q) is a strided (N, C, Ho, Wo) view of x, so there is no
    # window copy. One pass over the offsets in row-major order keeps a running max;
    # `arg` records the last offset k that raised it strictly, i.e. the first offset
    # that attains the max (as PyTorch). Since k only grows, arg = max(arg, k * raised)
    # updates it without a masked assignment (measured 3.6x faster than a second pass
    # of np.copyto(..., where=...) on 64x32x28x28).
    offsets = _offset_slices(x.shape, kernel_size, stride, dilation)
    first = x[offsets[0]]
    module = array_module(x)
    out = module.empty(first.shape, dtype=x.dtype)            # (N, C, Ho, Wo)
    arg = module.empty(out.shape, dtype=xp.uint8 if kh * kw <= 256 else xp.intp)

    def chunk(span):                                          # images span, in cache
        o, a = out[span], arg[span]
        xs = x[span]
        o[...] = first[span]
        a[...] = 0
        raised = module.empty(o.shape, dtype=bool)
        step = module.empty(o.shape, dtype=a.dtype)
        for k in range(1, len(offsets)):
            view = xs[offsets[k]]
            xp.greater(view, o, out=raised)
            xp.maximum(o, view, out=o)
            xp.multiply(raised, a.dtype.type(k), out=step)
            xp.maximum(a, step, out=a)

    map_chunks(chunk, x.shape[0], _images_per_chunk(x, x.shape))
    return out, arg


def _images_per_chunk(array, shape):
    """Images per chunk of the max-pool kernels: about 1 MB of input (of `shape`) per chunk
    on the host; on a device the whole batch (a chunk there is only launch overhead)."""
    if type(array) is not xp.ndarray:
        return shape[0]
    return chunk_size(shape[0], shape[1] * shape[2] * shape[3] * array.dtype.itemsize)


def _offset_slices(shape, kernel_size, stride, dilation=(1, 1)):
    """For each offset (p, q) inside the window, row-major, the index that picks
    x[:, :, i*sh + p*dh, j*sw + q*dw] for all output positions (i, j): an (N, C, Ho, Wo) view."""
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    _, _, H, W = shape
    Ho, Wo = output_size(H, dh * (kh - 1) + 1, sh), output_size(W, dw * (kw - 1) + 1, sw)
    return [(slice(None), slice(None), slice(p * dh, p * dh + sh * (Ho - 1) + 1, sh),
             slice(q * dw, q * dw + sw * (Wo - 1) + 1, sw)) for p in range(kh) for q in range(kw)]


# ---------------------------------------------------------------------------- public functions

def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over kh x kw windows of input (N, C, H, W) (or (C, H, W)); stride defaults to kernel_size.

    padding (-inf, at most half the dilated window), dilation and ceil_mode (a last,
    partial window) as PyTorch. return_indices: also the flat index h * W + w of each
    maximum in its (H, W) plane (an int64 Tensor), as PyTorch.
    """
    op = "max_pool2d"
    x = _tensor(input)
    if x.ndim == 3:
        result = max_pool2d(x.reshape((1,) + x.shape), kernel_size, stride, padding, dilation, ceil_mode,
                            return_indices)
        return tuple(r.reshape(r.shape[1:]) for r in result) if return_indices else result.reshape(result.shape[1:])
    kernel_size, stride, padding, dilation = _check_pool(op, x, kernel_size, stride, padding, dilation)
    widths = _padding(op, x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    padded = Pad.apply(x, widths, -xp.inf) if any(map(any, widths)) else x
    out = MaxPool2d.apply(padded, kernel_size=kernel_size, stride=stride, dilation=dilation)
    if not return_indices:
        return out
    _, arg = window_argmax(padded.data, kernel_size, stride, dilation)
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    Ho, Wo = out.shape[2:]
    rows = array_module(arg).arange(Ho)[:, None] * sh + (arg // kw) * dh - widths[2][0]    # (N, C, Ho, Wo)
    columns = array_module(arg).arange(Wo) * sw + (arg % kw) * dw - widths[3][0]
    return out, Tensor(rows * x.shape[3] + columns, dtype=xp.int64)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows of input (N, C, L) (or (C, L)): max_pool2d on a height of 1."""
    return _as_1d("max_pool1d", max_pool2d, input, kernel_size, stride, padding, dilation, ceil_mode,
                  return_indices)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over kh x kw windows of input (N, C, H, W) (or (C, H, W)); stride defaults to kernel_size.

    With padding (zeros) the divisor counts the padding (count_include_pad=True) or only
    the input's elements; a ceil_mode window past the padded input counts what it covers;
    divisor_override replaces the divisor. Those cases are the zero-padded window sums
    (AvgPool2d times kh*kw) divided by a constant array of divisors.
    """
    op = "avg_pool2d"
    x = _tensor(input)
    if x.ndim == 3:
        out = avg_pool2d(x.reshape((1,) + x.shape), kernel_size, stride, padding, ceil_mode, count_include_pad,
                         divisor_override)
        return out.reshape(out.shape[1:])
    kernel_size, stride, padding, _ = _check_pool(op, x, kernel_size, stride, padding, 1)
    if divisor_override is not None and (isinstance(divisor_override, bool) or not
                                         isinstance(divisor_override, (int, xp.integer)) or divisor_override <= 0):
        raise ValueError(f"{op}: divisor_override must be a positive int, got {divisor_override!r}")
    widths = _padding(op, x.shape, kernel_size, stride, padding, (1, 1), ceil_mode)
    if not any(map(any, widths)) and divisor_override is None:
        return AvgPool2d.apply(x, kernel_size=kernel_size, stride=stride)
    kh, kw = kernel_size
    padded = Pad.apply(x, widths, 0.0) if any(map(any, widths)) else x
    sums = AvgPool2d.apply(padded, kernel_size=kernel_size, stride=stride) * (kh * kw)
    if divisor_override is not None:
        return sums / divisor_override
    # What each window counts, as a window sum over an indicator of the counted region.
    (_, _), (_, _), (pt, _), (pl, _) = widths
    ph, pw = (padding if count_include_pad else (0, 0))
    H, W = x.shape[2:]
    counted = array_module(x).zeros(padded.shape[2:], dtype=x.dtype)
    counted[pt - ph:pt + H + ph, pl - pw:pl + W + pw] = 1
    windows = xp.lib.stride_tricks.sliding_window_view(counted, kernel_size)[::stride[0], ::stride[1]]
    return sums / windows.sum(axis=(2, 3))[:sums.shape[2], :sums.shape[3]]


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows of input (N, C, L) (or (C, L)): avg_pool2d on a height of 1."""
    return _as_1d("avg_pool1d", avg_pool2d, input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def _as_1d(op, pool2d, input, kernel_size, stride, padding, *rest):
    x = _tensor(input)
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: input must be 3-D (N, C, L) or 2-D (C, L), got shape {x.shape}")
    unbatched = x.ndim == 2
    x = x.reshape((1,) * unbatched + x.shape[:-1] + (1, x.shape[-1]))
    single = lambda name, v, fill: None if v is None else (fill, _single(op, name, v))
    if op.startswith("max"):
        dilation, ceil_mode, return_indices = rest
        rest = (single("dilation", dilation, 1), ceil_mode, return_indices)
    result = pool2d(x, single("kernel_size", kernel_size, 1), single("stride", stride, 1),
                    single("padding", padding, 0), *rest)
    drop = (lambda r: r.reshape(r.shape[unbatched:2] + r.shape[3:]))
    return tuple(map(drop, result)) if isinstance(result, tuple) else drop(result)


def _single(op, name, value):
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, xp.integer)):
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple of an int, got {value!r}")
    return int(value)


def _tensor(value):
    return value if isinstance(value, Tensor) else Tensor(value)


def _check_pool(op, x, kernel_size, stride, padding, dilation):
    kernel_size = pair(op, "kernel_size", kernel_size, minimum=1)
    stride = kernel_size if stride is None else pair(op, "stride", stride, minimum=1)
    padding = pair(op, "padding", padding, minimum=0)
    dilation = pair(op, "dilation", dilation, minimum=1)
    if x.ndim != 4:
        raise ValueError(f"{op}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got shape {x.shape}")
    if 0 in x.shape:
        raise ValueError(f"{op}: input must not be empty, got shape {x.shape}")
    check_float(op, input=x.data)
    for p, k, d in zip(padding, kernel_size, dilation):
        if 2 * p > d * (k - 1) + 1:
            raise ValueError(f"{op}: padding {padding} should be at most half of the (dilated) kernel "
                             f"{kernel_size}")
    return kernel_size, stride, padding, dilation


def _padding(op, shape, kernel_size, stride, padding, dilation, ceil_mode):
    """Pad widths per axis: `padding` both sides, plus what a ceil_mode last window needs after."""
    widths = [(0, 0), (0, 0)]
    for size, k, s, p, d in zip(shape[2:], kernel_size, stride, padding, dilation):
        span = d * (k - 1) + 1
        out = (size + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (out - 1) * s >= size + p:        # the last window must start inside
            out -= 1
        if out < 1:
            dilated = "" if dilation == (1, 1) else f" with dilation {dilation}"
            padded = "padded input" if any(padding) else "input"
            raise ValueError(f"{op}: kernel {kernel_size}{dilated} is larger than the {padded} "
                             f"{tuple(n + 2 * q for n, q in zip(shape[2:], padding))}")
        widths.append((p, p + max(0, (out - 1) * s + span - (size + 2 * p))))
    return tuple(widths)
