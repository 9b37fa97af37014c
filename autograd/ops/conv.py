"""Convolution (cross-correlation, as in PyTorch) by im2col + one GEMM: conv2d, and conv1d on top.

Axes are named N (batch), C (input channels), F (filters / output channels),
H, W (input height, width), Ho, Wo (output height, width), kh, kw (kernel),
K = C*kh*kw (length of one flattened patch) and P = Ho*Wo (positions per image).
Geometry: stride (sh, sw), padding (top, bottom, left, right) of zeros (asymmetric for
padding='same' with an even kernel, as PyTorch), dilation (dh, dw): kernel tap (p, q)
reads xpad[i*sh + p*dh, j*sw + q*dw]. With groups G the channels split into G
independent convolutions (C/G inputs and F/G filters each): one batched GEMM.
"""
from autograd.backend import array_module, is_device, xp
from autograd.function import Function
from autograd.ops import device_kernels
from autograd.tensor import Tensor
from autograd.threads import chunk_size, map_chunks
from autograd.ops.validation import as_array, check_float, is_int, pair


class Conv2d(Function):
    """y[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q] * xpad[n, c, i*sh + p*dh, j*sw + q*dw]

    where xpad is x zero-padded (and c runs over f's group of channels). Laying the
    patches of image n out as the columns of a matrix, cols[n][(c, p, q), (i, j)] =
    xpad[n, c, i*sh + p*dh, j*sw + q*dw] (K x P), each image is one GEMM, Y[n] = W @ cols[n]
    with W = w reshaped to (F, K) and Y[n] (F, P) already in the output's layout (per
    group with groups > 1), and

        dL/dW    = sum_n G[n] @ cols[n]^T           (G[n] = dL/dy[n] as (F, P))
        dL/db[f] = sum_{n, i, j} dL/dy[n, f, i, j]
        dL/dcols[n] = W^T @ G[n], and dL/dxpad adds every column entry back onto the
                   pixel it was copied from (col2im); dL/dx is dL/dxpad cropped.

    On arrays the batch runs in chunks of images on autograd.threads' pool, the chunk's
    cols built, used and dropped while in cache (the backward rebuilds them from x rather
    than keeping N*K*P floats alive). The chunk size depends on the shapes only, and the
    per-chunk sums of dL/dW, dL/db are added in chunk order, so results do not depend on
    the thread count. im2col and col2im are ops of their own (`Im2col`, `Col2im`), each the
    other's backward, so the rule differentiates again (as one chunk, on Tensors).
    """

    @staticmethod
    def forward(ctx, x, w, b, *, stride, padding, dilation, groups):
        N, C, H, W = x.shape
        F, Cg, kh, kw = w.shape
        geometry = dict(kernel_size=(kh, kw), stride=stride, padding=padding, dilation=dilation,
                        input_shape=(N, C, H, W))
        Ho, Wo = _output_hw(**geometry)
        w_mat = w.reshape(groups, F // groups, Cg * kh * kw)          # (G, F/G, K/G)
        out = array_module(x).empty((N, groups, F // groups, Ho * Wo), dtype=x.dtype)
        x_pad = _pad(x, padding)

        def chunk(span):                                              # images span: im2col, GEMM, bias
            cols = _patches(x_pad[span], (kh, kw), stride, dilation, (Ho, Wo))   # (n, K, P)
            n = cols.shape[0]
            xp.matmul(w_mat, cols.reshape(n, groups, -1, Ho * Wo), out=out[span])
            if b is not None:
                out[span] += b.reshape(groups, F // groups, 1)

        map_chunks(chunk, N, _images_per_chunk(x, C * kh * kw, F, Ho * Wo))
        # x only to rebuild cols for dL/dw, w only for dL/dx.
        needs_x, needs_w = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x if needs_w else None, w if needs_x else None)
        # Plain attributes, as the graph renderer shows them (the defaults hidden as None).
        ctx.kernel_size, ctx.stride, ctx.input_shape = (kh, kw), stride, (N, C, H, W)
        ctx.padding = (padding[0], padding[2]) if padding[::2] == padding[1::2] else padding
        ctx.dilation = None if dilation == (1, 1) else dilation
        ctx.groups = None if groups == 1 else groups
        return out.reshape(N, F, Ho, Wo)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        pad = ctx.padding if len(ctx.padding) == 4 else (ctx.padding[0],) * 2 + (ctx.padding[1],) * 2
        geometry = dict(kernel_size=ctx.kernel_size, stride=ctx.stride, padding=pad,
                        dilation=ctx.dilation or (1, 1), input_shape=ctx.input_shape)
        G = ctx.groups or 1
        N, C, _, _ = ctx.input_shape
        kh, kw = ctx.kernel_size
        _, F, Ho, Wo = grad.shape
        g = grad.reshape(N, G, F // G, Ho * Wo)                        # G[n] per group, a view
        needs_x, needs_w, needs_b = ctx.needs_input_grad
        x_pad = _pad(x, pad) if needs_w and not isinstance(x, Tensor) else None

        def chunk(span):                                              # this chunk's dx, and its sums of dw, db
            gs = g[span]
            n, P = gs.shape[0], Ho * Wo
            dx = dw = db = None
            if needs_b:
                db = gs.sum(axis=(0, 3))                              # (G, F/G)
            if needs_w:
                # dL/dW as one GEMM per chunk and group over the chunk's n*P positions,
                # (K/G, n*P) @ (n*P, F/G): measured ~30% faster than n per-image products.
                if x_pad is None:                                     # Tensors: im2col as an op
                    geometry_s = dict(geometry, input_shape=(n,) + ctx.input_shape[1:])
                    cols = Im2col.apply(x[span], **geometry_s).reshape(n, G, -1, P).transpose(1, 2, 0, 3)
                else:                                                 # built in (c, p, q), (n, i, j) order
                    cols = _patches(x_pad[span], ctx.kernel_size, ctx.stride, geometry["dilation"], (Ho, Wo),
                                    images_inner=True)
                cols = cols.reshape(G, -1, n * P)                     # (G, K/G, n*P)
                gt = gs.transpose(1, 2, 0, 3).reshape(G, F // G, n * P)
                dw = (cols @ gt.swapaxes(1, 2)).swapaxes(1, 2)        # (G, F/G, K/G)
            if needs_x:
                dcols = w.reshape(G, F // G, -1).swapaxes(1, 2) @ gs  # (n, G, K/G, P)
                dcols = dcols.reshape(n, C * kh * kw, P)
                geometry_s = dict(geometry, input_shape=(n,) + ctx.input_shape[1:])
                dx = Col2im.apply(dcols, **geometry_s) if isinstance(dcols, Tensor) else _col2im(dcols, **geometry_s)
            return dx, dw, db

        # Tensors (create_graph): the whole batch as one chunk, in ops.
        size = N if isinstance(grad, Tensor) else _images_per_chunk(grad, C * kh * kw, F, Ho * Wo)
        parts = map_chunks(chunk, N, size)
        dx, dw, db = (None if part[0] is None else part for part in zip(*parts))
        if dx is not None:
            dx = dx[0] if len(dx) == 1 else xp.concatenate(dx)
        if dw is not None:
            dw = sum(dw[1:], dw[0]).reshape(F, C // G, kh, kw)
        if db is not None:
            db = sum(db[1:], db[0]).reshape(F)
        return dx, dw, db


def _images_per_chunk(array, K, F, P):
    """Images per chunk of conv2d: about 1 MB of cols and output per chunk on the host; on a
    device the whole batch (its kernels are parallel already, and a chunk is launch overhead)."""
    N = array.shape[0]
    if type(array) is not xp.ndarray:
        return N
    return chunk_size(N, (K + F) * P * array.dtype.itemsize)


class Im2col(Function):
    """cols[n, (c, p, q), (i, j)] = xpad[n, c, i*sh + p, j*sw + q]: a linear copy of x.

    Its adjoint is col2im, so dL/dx = col2im(dL/dcols).
    """

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride, padding, dilation, input_shape):
        ctx.geometry = dict(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
                            input_shape=input_shape)
        return _im2col(x, kernel_size, stride, padding, dilation)

    @staticmethod
    def backward(ctx, grad):
        return Col2im.apply(grad, **ctx.geometry)


class Col2im(Function):
    """dx[n, c, h, w] = sum of the column entries copied from xpad[n, c, h, w], cropped: im2col's adjoint.

    So its own backward is im2col: dL/dcols = im2col(dL/dx).
    """

    @staticmethod
    def forward(ctx, cols, *, kernel_size, stride, padding, dilation, input_shape):
        ctx.geometry = dict(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
                            input_shape=input_shape)
        return _col2im(cols, kernel_size, stride, padding, dilation, input_shape)

    @staticmethod
    def backward(ctx, grad):
        return Im2col.apply(grad, **ctx.geometry)


def _length(size, kernel, stride, before, after, dilation):
    return (size + before + after - dilation * (kernel - 1) - 1) // stride + 1


def _output_hw(input_shape, kernel_size, stride, padding, dilation):
    (_, _, H, W), (kh, kw), (sh, sw), (pt, pb, pl, pr), (dh, dw) = (input_shape, kernel_size, stride, padding,
                                                                    dilation)
    return _length(H, kh, sh, pt, pb, dh), _length(W, kw, sw, pl, pr, dw)


def _im2col(x, kernel_size, stride, padding, dilation, input_shape=None):
    """Patches of each image as the columns of a matrix: (N, C*kh*kw, Ho*Wo)."""
    return _patches(_pad(x, padding), kernel_size, stride, dilation, _output_hw(x.shape, kernel_size, stride,
                                                                                 padding, dilation))


def _pad(x, padding):
    """x zero-padded by (top, bottom, left, right) on its last two axes (x itself when no padding)."""
    (pt, pb, pl, pr), (N, C, H, W) = padding, x.shape
    if not (pt or pb or pl or pr):
        return x
    x_pad = array_module(x).zeros((N, C, H + pt + pb, W + pl + pr), dtype=x.dtype)
    x_pad[:, :, pt:pt + H, pl:pl + W] = x
    return x_pad


def _patches(x_pad, kernel_size, stride, dilation, output_hw, images_inner=False):
    """im2col of an already padded x: one strided view, (N, C, kh, kw, Ho, Wo), and one copy
    whose innermost loop runs along Wo. Returns (N, C*kh*kw, Ho*Wo), or with images_inner
    (C*kh*kw, N, Ho*Wo): the rows of all images side by side, for one GEMM over them."""
    N, C = x_pad.shape[:2]
    (kh, kw), (sh, sw), (dh, dw), (Ho, Wo) = kernel_size, stride, dilation, output_hw
    sn, sc, sy, sx = x_pad.strides
    win = array_module(x_pad).lib.stride_tricks.as_strided(x_pad, (N, C, kh, kw, Ho, Wo),
                                          (sn, sc, sy * dh, sx * dw, sy * sh, sx * sw))
    if images_inner:
        return win.transpose(1, 2, 3, 0, 4, 5).reshape(C * kh * kw, N, Ho * Wo)
    return win.reshape(N, C * kh * kw, Ho * Wo)


def _col2im(cols, kernel_size, stride, padding, dilation, input_shape):
    """Adds each patch gradient back onto the padded image, one kernel offset at a time.

    cols: (N, C*kh*kw, Ho*Wo). Windows overlap, so the sum is done as kh*kw vectorised
    slice-adds (each touches every output position once), never per pixel.
    Returns (N, C, H, W). On a device, where each slice-add is a kernel launch, it is one
    gather and one sum instead (device_kernels.scatter_sum).
    """
    N, C, H, W = input_shape
    (kh, kw), (sh, sw), (pt, pb, pl, pr), (dh, dw) = kernel_size, stride, padding, dilation
    if is_device(cols):
        return device_kernels.scatter_sum(cols.reshape(N, C, -1), (H + pt + pb, W + pl + pr), kernel_size,
                                          stride, dilation, crop=padding, layout="columns")
    Ho, Wo = _output_hw(input_shape, kernel_size, stride, padding, dilation)
    cols = cols.reshape(N, C, kh, kw, Ho, Wo)
    dx_pad = array_module(cols).zeros((N, C, H + pt + pb, W + pl + pr), dtype=cols.dtype)
    for p in range(kh):
        for q in range(kw):
            rows = slice(p * dh, p * dh + sh * (Ho - 1) + 1, sh)
            columns = slice(q * dw, q * dw + sw * (Wo - 1) + 1, sw)
            dx_pad[:, :, rows, columns] += cols[:, :, p, q]                  # (N, C, Ho, Wo)
    if pt or pb or pl or pr:
        return array_module(dx_pad).ascontiguousarray(dx_pad[:, :, pt:pt + H, pl:pl + W])
    return dx_pad


# ---------------------------------------------------------------------------- public functions

def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of input (N, C, H, W) (or unbatched (C, H, W)) with weight (F, C/groups, kh, kw).

    stride, dilation: an int or an (h, w) pair. padding: an int, an (h, w) pair, 'valid'
    (none) or 'same' (output size = input size; stride 1 only, as PyTorch). bias: (F,).
    Returns (N, F, Ho, Wo) with Ho = (H + 2 ph - dh (kh - 1) - 1) // sh + 1 (likewise Wo).
    """
    x_arr = as_array(input)
    if x_arr.ndim == 3:                                            # unbatched, as PyTorch
        out = conv2d(input.reshape((1,) + x_arr.shape), weight, bias, stride, padding, dilation, groups)
        return out.reshape(out.shape[1:])
    geometry = _check_conv("conv2d", x_arr, as_array(weight), bias, stride, padding, dilation, groups, dims=2)
    return Conv2d.apply(input, weight, bias, **geometry)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of input (N, C, L) (or (C, L)) with weight (F, C/groups, k): conv2d on a height of 1.

    stride, dilation: an int; padding: an int, 'valid' or 'same'. Returns (N, F, Lo).
    """
    x_arr, w_arr = as_array(input), as_array(weight)
    if x_arr.ndim == 2:
        out = conv1d(input.reshape((1,) + x_arr.shape), weight, bias, stride, padding, dilation, groups)
        return out.reshape(out.shape[1:])
    if x_arr.ndim != 3:
        raise ValueError(f"conv1d: input must be 3-D (N, C, L) or 2-D (C, L), got shape {x_arr.shape}")
    if w_arr.ndim != 3:
        raise ValueError(f"conv1d: weight must be 3-D (out_channels, in_channels/groups, k), got shape {w_arr.shape}")
    def as_2d(name, value, height):                               # (height, width) pairs for conv2d
        return value if isinstance(value, str) else (height, _single("conv1d", name, value))

    x2 = input.reshape(x_arr.shape[:2] + (1, x_arr.shape[2]))     # (N, C, 1, L)
    w2 = weight.reshape(w_arr.shape[:2] + (1, w_arr.shape[2]))    # (F, C/groups, 1, k)
    geometry = _check_conv("conv1d", as_array(x2), as_array(w2), bias, as_2d("stride", stride, 1),
                           as_2d("padding", padding, 0), as_2d("dilation", dilation, 1), groups, dims=1)
    out = Conv2d.apply(x2, w2, bias, **geometry)
    return out.reshape(out.shape[:2] + (out.shape[3],))


def _single(op, name, value):
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not is_int(value):
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple of an int, got {value!r}")
    return int(value)


def _check_conv(op, x, w, bias, stride, padding, dilation, groups, dims):
    """Checks a convolution's arguments (as 2-D); returns Conv2d's keyword arguments."""
    stride = pair(op, "stride", stride, minimum=1)
    dilation = pair(op, "dilation", dilation, minimum=1)
    if x.ndim != 4:
        raise ValueError(f"{op}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got shape {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (out_channels, in_channels/groups, kh, kw), "
                         f"got shape {w.shape}")
    N, C, H, W = x.shape
    F, Cg, kh, kw = w.shape
    if not is_int(groups) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if C % groups or F % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels ({C}) and the output "
                         f"channels ({F})")
    if C != Cg * groups:
        raise ValueError(f"{op}: input has {C} channels but weight {_shown(w.shape, dims)} expects "
                         f"{Cg * groups} (in_channels/groups = {Cg}, groups = {groups})")
    if min(N, C, H, W, F, kh, kw) == 0:
        raise ValueError(f"{op}: empty input {_shown(x.shape, dims)} or weight {_shown(w.shape, dims)}")
    check_float(op, input=x, weight=w)
    if bias is not None:
        b = as_array(bias)
        if b.shape != (F,):
            raise ValueError(f"{op}: bias must have shape ({F},) to match weight {_shown(w.shape, dims)}, "
                             f"got {b.shape}")
        if b.dtype != x.dtype:
            raise TypeError(f"{op}: bias dtype {b.dtype} differs from input dtype {x.dtype}")
    padding = _padding(op, padding, (kh, kw), stride, dilation)
    span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    Hp, Wp = H + padding[0] + padding[1], W + padding[2] + padding[3]
    if span_h > Hp or span_w > Wp:
        kernel = (span_w,) if dims == 1 else (span_h, span_w)
        padded = (Wp,) if dims == 1 else (Hp, Wp)
        what = "kernel" if dilation == (1, 1) else f"kernel span with dilation {_shown((1, 1) + dilation, dims)[2:]}"
        raise ValueError(f"{op}: {what} {kernel} is larger than the padded input {padded}")
    return dict(stride=stride, padding=padding, dilation=dilation, groups=int(groups))


def _padding(op, padding, kernel_size, stride, dilation):
    """padding as (top, bottom, left, right): ints, a pair, 'valid' or 'same' (PyTorch's split)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {stride})")
        sides = []
        for k, d in zip(kernel_size, dilation):
            total = d * (k - 1)
            sides += [total // 2, total - total // 2]              # the odd pixel goes after, as PyTorch
        return tuple(sides)
    ph, pw = pair(op, "padding", padding, minimum=0)
    return (ph, ph, pw, pw)


def _shown(shape, dims):
    """A 2-D shape as the caller gave it (conv1d's inputs are 2-D with a height of 1)."""
    return shape[:2] + shape[3:] if dims == 1 else shape
