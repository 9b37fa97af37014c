"""Adaptive pooling and interpolate: resampling to a given output size, as compositions.

Both map an (H, W) plane to (Ho, Wo) separably:
- adaptive_avg_pool2d and bilinear interpolate are linear: y = A_h @ x @ A_w^T with
  constant nonnegative (Ho, H) and (Wo, W) matrices (window averages; two interpolation
  weights per row), the op Resample, whose rule (A^T g A) differentiates again.
- adaptive_max_pool2d and nearest interpolate pick elements: advanced indexing (GetItem,
  backward IndexAdd). adaptive max gathers each window, padded to the longest window by
  repeating its last index, and takes the max over it (Max's rule: g shared between
  equal elements; the repeats are the same element, so their shares add up again).
Window i of an adaptive pool covers [floor(i H / Ho), ceil((i + 1) H / Ho)), as PyTorch.
"""
import math
from numbers import Real

from autograd.backend import array_module, is_device, xp
from autograd.function import Function
from autograd.ops.validation import check_float, is_int
from autograd.tensor import Tensor


class Resample(Function):
    """y = A_h @ x @ A_w^T over the last two axes (y = x @ A_w^T when A_h is None), with
    constant nonnegative weights;  dL/dx = A_h^T @ g @ A_w.

    A dense product would spread a non-finite input to every output (0 * nan is nan), so
    the finite part is multiplied densely and each nan or infinity reaches only the outputs
    that weigh it, as PyTorch's kernels (which touch the neighbours only) give it. The host
    checks first whether x has any; a device always takes that path (where x is finite it
    gives y unchanged), since reading the check's answer there would sync every call.
    """

    @staticmethod
    def forward(ctx, x, rows, cols):
        ctx.rows, ctx.cols = rows, cols
        finite = xp.isfinite(x)
        y = _resampled(rows, xp.where(finite, x, 0), cols)
        if is_device(x) or not finite.all():
            def reaches(which):     # outputs with a nonzero weight on an input where `which`
                return _resampled(None if rows is None else (rows != 0).astype(x.dtype),
                                  which.astype(x.dtype), (cols != 0).astype(x.dtype)) > 0
            nan, up, down = reaches(xp.isnan(x)), reaches(x == xp.inf), reaches(x == -xp.inf)
            y = xp.where(nan | (up & down), xp.nan, xp.where(up, xp.inf, xp.where(down, -xp.inf, y)))
        return y

    @staticmethod
    def backward(ctx, grad):
        rows, cols = ctx.rows, ctx.cols
        return _resampled(None if rows is None else rows.T, grad, cols.T), None, None


def _resampled(rows, x, cols):
    """rows @ x @ cols^T over the last two axes (x @ cols^T without rows)."""
    return (x if rows is None else rows @ x) @ cols.T


def adaptive_avg_pool2d(input, output_size):
    """Mean over PyTorch's adaptive windows of input (N, C, H, W) (or (C, H, W)) -> (N, C, Ho, Wo)."""
    x, (Ho, Wo) = _check("adaptive_avg_pool2d", input, output_size)
    H, W = x.shape[-2:]
    module = array_module(x)
    return Resample.apply(x, _window_means(Ho, H, x.dtype, module), _window_means(Wo, W, x.dtype, module))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows; return_indices: also the flat index h * W + w of each max."""
    x, (Ho, Wo) = _check("adaptive_max_pool2d", input, output_size)
    H, W = x.shape[-2:]
    module = array_module(x)
    rows, cols = _window_indices(Ho, H, module), _window_indices(Wo, W, module)   # (Ho, kh), (Wo, kw)
    windows = x[..., rows[:, :, None, None], cols[None, None]]        # (..., Ho, kh, Wo, kw)
    out = windows.amax(dim=(-3, -1))
    if not return_indices:
        return out
    values = windows.data.swapaxes(-3, -2).reshape(windows.shape[:-4] + (Ho, Wo, -1))
    first = values.argmax(axis=-1)                                    # the first maximum, row-major
    flat = (rows[:, None, :, None] * W + cols[None, :, None, :]).reshape(Ho, Wo, -1)   # (Ho, Wo, kh*kw)
    index = xp.take_along_axis(xp.broadcast_to(flat, first.shape + flat.shape[-1:]), first[..., None], -1)
    return out, Tensor(index[..., 0], dtype=xp.int64)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize input (N, C, L) or (N, C, H, W) to `size` (or its spatial sizes times scale_factor).

    mode 'nearest' (src = floor(dst * scale)) or 'bilinear' / 'linear' (align_corners:
    the corner pixels' centres line up; else src = (dst + 0.5) * scale - 0.5 clamped at
    0), with scale = in / out, or 1 / scale_factor when that is given (PyTorch's rule).
    """
    op = "interpolate"
    x = input if isinstance(input, Tensor) else Tensor(input)
    check_float(op, input=x.data)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: input must be 3-D (N, C, L) or 4-D (N, C, H, W), got shape {x.shape}")
    spatial = x.shape[2:]
    linear = {3: "linear", 4: "bilinear"}[x.ndim]
    if mode not in ("nearest", linear):
        raise ValueError(f"{op}: mode must be 'nearest' or '{linear}' for a {x.ndim}-D input, got {mode!r}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError(f"{op}: align_corners only applies to the linear modes, not {mode!r}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if size is not None:
        sizes = _per_axis(op, "size", size, len(spatial), is_int)
        if min(sizes) < 1:
            raise ValueError(f"{op}: size must be positive, got {size!r}")
        scales = [n / m for n, m in zip(spatial, sizes)]
    else:
        factors = _per_axis(op, "scale_factor", scale_factor, len(spatial), lambda v: isinstance(v, Real))
        if min(factors) <= 0:
            raise ValueError(f"{op}: scale_factor must be positive, got {scale_factor!r}")
        sizes = [int(math.floor(n * f)) for n, f in zip(spatial, factors)]
        scales = [1.0 / f for f in factors]
    if mode == "nearest":
        index = [xp.minimum(xp.floor(array_module(x).arange(m) * s).astype(xp.intp), n - 1)
                 for n, m, s in zip(spatial, sizes, scales)]
        return x[(Ellipsis, index[0][:, None], index[1])] if len(index) == 2 else x[..., index[0]]
    mats = [_linear_weights(n, m, s, bool(align_corners), x.dtype, array_module(x))
            for n, m, s in zip(spatial, sizes, scales)]
    return Resample.apply(x, None, mats[0]) if len(mats) == 1 else Resample.apply(x, *mats)


# ---------------------------------------------------------------------------- helpers

def _check(op, input, output_size):
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got shape {x.shape}")
    if 0 in x.shape:
        raise ValueError(f"{op}: input must not be empty, got shape {x.shape}")
    check_float(op, input=x.data)
    sizes = _per_axis(op, "output_size", output_size, 2, lambda v: v is None or is_int(v))
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, x.shape[-2:]))
    if min(sizes) < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    return x, sizes


def _per_axis(op, name, value, count, valid):
    values = list(value) if isinstance(value, (tuple, list)) else [value] * count
    if len(values) != count or not all(valid(v) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{op}: {name} must be one value or {count} values, got {value!r}")
    return values


def _bounds(out, size, module):
    starts = (module.arange(out) * size) // out
    ends = -((-(module.arange(out) + 1) * size) // out)                   # ceil((i + 1) size / out)
    return starts, ends


def _window_means(out, size, dtype, module):
    """(out, size): row i averages PyTorch's adaptive window i."""
    starts, ends = _bounds(out, size, module)
    positions = module.arange(size)
    inside = (positions >= starts[:, None]) & (positions < ends[:, None])
    return (inside / (ends - starts)[:, None]).astype(dtype)


def _window_indices(out, size, module):
    """(out, longest window): window i's positions, the last one repeated to the common length."""
    starts, ends = _bounds(out, size, module)
    longest = max(-((-(i + 1) * size) // out) - (i * size) // out for i in range(out))  # host ints: no sync
    return xp.minimum(starts[:, None] + module.arange(longest), ends[:, None] - 1)


def _linear_weights(size, out, scale, align_corners, dtype, module):
    """(out, size): linear interpolation, two weights per row (PyTorch's source coordinates)."""
    dst = module.arange(out, dtype=xp.float64)
    if align_corners:
        src = dst * ((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        src = xp.maximum((dst + 0.5) * scale - 0.5, 0.0)
    low = xp.minimum(xp.floor(src).astype(xp.intp), size - 1)
    high = xp.minimum(low + 1, size - 1)
    frac = src - low
    weights = module.zeros((out, size))
    rows = module.arange(out)
    xp.add.at(weights, (rows, low), 1 - frac)
    xp.add.at(weights, (rows, high), frac)
    return weights.astype(dtype)
