"""Sliding-window kernels for device arrays: conv's col2im and max/avg pooling without
per-offset Python loops.

On the host, conv.py and pool.py loop over the kh*kw offsets of a window, each step a
vectorised operation on a strided view: fast with NumPy, but one kernel launch per
offset on a GPU. Here each kernel is a fixed number of device operations, whatever
the window size, built from index maps that depend on the shapes only.

Geometry: an input plane of Hp x Wp pixels (already padded) and windows (kh, kw) with
stride (sh, sw) and dilation (dh, dw); window o = i*Wo + j (P = Ho*Wo of them), offset
k = p*kw + q (K = kh*kw), reading pixel

    pos[o, k] = (i*sh + p*dh) * Wp + (j*sw + q*dw).

- gather (`windows`): values[..., o, k] = x[..., pos[o, k]], one fancy index;
- scatter-sum (`scatter_sum`), its adjoint: dx[..., t] = sum of values[..., e] over the
  entries e = (o, k) with pos[o, k] = t. Done as a gather too, deterministically (no
  atomics): `table[t]` lists those entries (M per pixel at most, padded with a slot
  that holds 0), so dx = values_with_a_zero[..., table].sum(-1). Each pixel's entries
  are listed in ascending k, then o: the order the host loop adds them in.

Index maps are built on the host (`xp`, NumPy) and uploaded once per (geometry, device);
both steps are cached (bounded, least recently used first out), so a training step
uploads nothing.
"""
import functools

from autograd import backend
from autograd.backend import array_module, xp
from autograd.ops.validation import output_size

CACHE_SIZE = 64  # geometries kept per kind of map (a conv net uses a handful)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _positions(hw, kernel, stride, dilation):
    """pos (Ho, Wo, K): the flat pixel each window offset reads (see the module docstring)."""
    (kh, kw), (sh, sw), (dh, dw), (_, Wp) = kernel, stride, dilation, hw
    Ho, Wo = (output_size(n, d * (k - 1) + 1, s) for n, k, s, d in zip(hw, kernel, stride, dilation))
    rows = (xp.arange(Ho)[:, None] * sh + xp.arange(kh)[None, :] * dh)    # (Ho, kh)
    cols = (xp.arange(Wo)[:, None] * sw + xp.arange(kw)[None, :] * dw)    # (Wo, kw)
    pos = rows[:, None, :, None] * Wp + cols[None, :, None, :]            # (Ho, Wo, kh, kw)
    return pos.reshape(Ho, Wo, kh * kw)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _table(hw, kernel, stride, dilation, crop, layout):
    """table (H*W, M): for each pixel of the cropped plane, the entries e of the values
    that land on it, ascending in (k, o), padded with P*K (the zero slot). `layout` says
    how values are flattened: "windows" e = o*K + k (pool), "columns" e = k*P + o (im2col's
    cols). crop = (top, bottom, left, right) pixels of the plane that are dropped (padding)."""
    pos = _positions(hw, kernel, stride, dilation)
    K = pos.shape[2]
    P = pos.size // K
    o, k = xp.divmod(xp.arange(P * K), K)                                 # entries in (o, k) order
    entry = o * K + k if layout == "windows" else k * P + o
    pixel = pos.ravel()
    order = xp.lexsort((o, k, pixel))                                     # by pixel, then k, then o
    pixel, entry = pixel[order], entry[order]
    counts = xp.bincount(pixel, minlength=hw[0] * hw[1])
    rank = xp.arange(pixel.size) - (xp.cumsum(counts) - counts)[pixel]    # place within its pixel
    table = xp.full((hw[0] * hw[1], max(1, counts.max())), P * K, dtype=xp.intp)
    table[pixel, rank] = entry
    top, bottom, left, right = crop
    table = table.reshape(hw[0], hw[1], -1)[top:hw[0] - bottom, left:hw[1] - right]
    return table.reshape(-1, table.shape[2])


@functools.lru_cache(maxsize=CACHE_SIZE)
def _uploaded(build, key, array_type, index):
    return backend.to_device(build(*key), backend.device("cuda", index))


def _on_device_of(array, build, *key):
    """The map build(*key) on `array`'s device: made and uploaded on first use, then cached."""
    return _uploaded(build, key, type(array), backend.device_of(array).index)


def windows(x, kernel, stride, dilation):
    """x (N, C, Hp, Wp) -> every window's values (N, C, Ho, Wo, K), in one gather."""
    N, C, Hp, Wp = x.shape
    pos = _on_device_of(x, _positions, (Hp, Wp), kernel, stride, dilation)
    return x.reshape(N, C, Hp * Wp)[:, :, pos]


def window_indices(arg, hw, kernel, stride, dilation):
    """arg (N, C, Ho, Wo) offsets within windows -> the flat pixel each picks (N, C, Ho, Wo)."""
    _, _, Ho, Wo = arg.shape
    pos = _on_device_of(arg, _positions, hw, kernel, stride, dilation)
    window = array_module(arg).arange(Ho * Wo).reshape(Ho, Wo)
    return pos.reshape(-1)[window * pos.shape[2] + arg]


def scatter_sum(values, hw, kernel, stride, dilation, crop=(0, 0, 0, 0), layout="windows"):
    """values (N, C, P*K) flattened as `layout` -> (N, C, H, W): each entry added onto the
    pixel it was read from (the adjoint of `windows`), the padding `crop` dropped."""
    N, C = values.shape[:2]
    table = _on_device_of(values, _table, hw, kernel, stride, dilation, crop, layout)
    module = array_module(values)
    with_zero = module.concatenate([values, module.zeros((N, C, 1), dtype=values.dtype)], axis=2)
    H, W = hw[0] - crop[0] - crop[1], hw[1] - crop[2] - crop[3]
    return with_zero[:, :, table].sum(axis=3).reshape(N, C, H, W)


def one_hot_windows(grad, arg, kernel_count):
    """grad (N, C, Ho, Wo) placed at each window's offset arg: (N, C, P*K) in "windows" layout,
    grad * (arg == k) as the host loop computes it (so an inf or nan spreads as there)."""
    N, C, Ho, Wo = grad.shape
    hit = xp.equal(arg[..., None], array_module(arg).arange(kernel_count, dtype=arg.dtype))
    return xp.multiply(grad[..., None], hit).reshape(N, C, Ho * Wo * kernel_count)


__all__ = ["CACHE_SIZE", "one_hot_windows", "scatter_sum", "window_indices", "windows"]
