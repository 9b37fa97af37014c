"""Movement ops with PyTorch's signatures: flip, roll, repeat, repeat_interleave, chunk, split,
unbind, unfold, and torch.nn.functional.pad's modes.

Each is a composition of the shape primitives (GetItem and IndexAdd, Concatenate,
BroadcastTo, Reshape, Pad), so the backward rules are theirs: gradients are moved back,
summed where an element was used more than once (repeat, overlapping unfold windows,
reflect/replicate/circular borders).
"""
from ..backend import array_module, asarray, xp
from ..tensor import Tensor
from .shape import GetItem, Pad, broadcast_to, concatenate, getitem, permute, reshape
from .validation import check_axis, is_int


def _dims(op, dims, ndim):
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    axes = [check_axis(op, d, max(ndim, 1)) for d in dims]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated dimension in {dims!r}")
    return axes


def _take(x, dim, positions):
    """x's entries at `positions` (an integer array) along dim: a GetItem, adjoint IndexAdd."""
    return GetItem.apply(x, (slice(None),) * dim + (positions,))


def flip(x, dims):
    """x reversed along each of `dims`, as torch.flip."""
    axes = _dims("flip", dims, x.ndim)
    if x.ndim == 0:
        return getitem(x, ())
    return getitem(x, tuple(slice(None, None, -1) if a in axes else slice(None) for a in range(x.ndim)))


def roll(x, shifts, dims=None):
    """x shifted by `shifts` along `dims`, elements wrapping around (flattened when dims is None)."""
    if dims is None:
        if not is_int(shifts):
            raise TypeError(f"roll: without dims, shifts must be an int, got {shifts!r}")
        return reshape(roll(reshape(x, -1), shifts, 0), x.shape)
    shifts = shifts if isinstance(shifts, (tuple, list)) else (shifts,)
    axes = dims if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    for shift, dim in zip(shifts, axes):
        dim = check_axis("roll", dim, max(x.ndim, 1))
        n = x.shape[dim] if x.ndim else 1
        cut = (n - shift % n) % n if n else 0
        if cut:
            lead = (slice(None),) * dim
            x = concatenate([getitem(x, lead + (slice(cut, None),)), getitem(x, lead + (slice(0, cut),))], dim)
    return x


def repeat(x, *sizes):
    """x tiled sizes[i] times along each axis (new leading axes when sizes is longer), as torch.repeat.

    Reshape to (1, n_0, 1, n_1, ...), broadcast to (r_0, n_0, r_1, n_1, ...), merge each pair:
    the broadcast's backward sums the copies.
    """
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if len(sizes) < x.ndim or not all(is_int(s) and s >= 0 for s in sizes):
        raise ValueError(f"repeat: sizes {sizes} must be non-negative ints, at least one per dimension "
                         f"of a tensor of shape {x.shape}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    pairs = tuple(v for n in shape for v in (1, n))
    target = tuple(v for r, n in zip(sizes, shape) for v in (r, n))
    tiled = broadcast_to(reshape(x, pairs), target)
    return reshape(tiled, tuple(r * n for r, n in zip(sizes, shape)))


def repeat_interleave(x, repeats, dim=None):
    """Each element repeated `repeats` times (an int, or one count per element) along dim.

    dim None works on the flattened tensor, as torch.repeat_interleave.
    """
    if dim is None:
        x, dim = reshape(x, -1), 0
    dim = check_axis("repeat_interleave", dim, max(x.ndim, 1))
    n = x.shape[dim] if x.ndim else 1
    counts = asarray(repeats.data if isinstance(repeats, Tensor) else repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts.ndim == 1 and counts.shape[0] not in (1, n)) \
            or (counts < 0).any():
        raise ValueError(f"repeat_interleave: repeats must be a non-negative int or one per element "
                         f"({n}) of dimension {dim}, got {repeats!r}")
    if x.ndim == 0:
        x = reshape(x, 1)
    return _take(x, dim, xp.repeat(array_module(x).arange(n), counts.reshape(-1) if counts.ndim else int(counts)))


def split(x, split_size_or_sections, dim=0):
    """Pieces of `split_size` along dim (the last may be smaller), or of the listed sizes (torch.split)."""
    dim = check_axis("split", dim, x.ndim)
    n = x.shape[dim]
    if is_int(split_size_or_sections):
        size = split_size_or_sections
        if size <= 0 and n:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, n - start) for start in range(0, n, size)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(f"split: sections {sizes} do not add up to the size {n} of dimension {dim} "
                             f"of a tensor of shape {x.shape}")
    lead, start, pieces = (slice(None),) * dim, 0, []
    for size in sizes:
        pieces.append(getitem(x, lead + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


def chunk(x, chunks, dim=0):
    """At most `chunks` pieces of ceil(n / chunks) along dim, as torch.chunk."""
    if not is_int(chunks) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    n = x.shape[check_axis("chunk", dim, x.ndim)]
    return split(x, max(1, -(-n // chunks)), dim)


def unbind(x, dim=0):
    """The slices x[..., i, ...] along dim, as a tuple (torch.unbind)."""
    dim = check_axis("unbind", dim, x.ndim)
    lead = (slice(None),) * dim
    return tuple(getitem(x, lead + (i,)) for i in range(x.shape[dim]))


def unfold(x, dimension, size, step):
    """Windows of `size` every `step` along `dimension`, as a new last axis (Tensor.unfold).

    x[..., positions, ...] with positions (count, size) = start + offset, then the window
    axis moved last; overlapping windows sum their gradients in the GetItem's backward.
    """
    dim = check_axis("unfold", dimension, max(x.ndim, 1))
    n = x.shape[dim] if x.ndim else 1
    if not (is_int(size) and is_int(step)) or size < 0 or step <= 0 or size > n:
        raise ValueError(f"unfold: size {size} must be in [0, {n}] (the size of dimension {dim}) "
                         f"and step {step} positive")
    if x.ndim == 0:
        x = reshape(x, 1)
    count = (n - size) // step + 1
    module = array_module(x)
    positions = module.arange(count)[:, None] * step + module.arange(size)[None, :]   # (count, size)
    windows = _take(x, dim, positions)                                        # (.., count, size, ..)
    order = [a for a in range(windows.ndim) if a != dim + 1] + [dim + 1]
    return permute(windows, *order)


# ----- torch.nn.functional.pad ------------------------------------------------------------

# NumPy's pad modes that give the index of the source element for each padded position.
INDEX_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(x, pad, mode="constant", value=None):
    """torch.nn.functional.pad: `pad` = (left, right) for the last dim, then the one before, ...

    Negative widths crop. constant fills with `value` (0 by default); reflect mirrors
    without repeating the edge; replicate repeats the edge; circular wraps around.
    """
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim or not all(is_int(p) for p in pad):
        raise ValueError(f"pad: pad {pad} must be pairs of ints, at most one pair per dimension of "
                         f"a tensor of shape {x.shape}")
    if mode != "constant" and mode not in INDEX_MODES:
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if value is not None and mode != "constant":
        raise ValueError(f"pad: value is only used with mode 'constant', not {mode!r}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    crop = tuple(slice(max(0, -b), n - max(0, -a)) for (b, a), n in zip(widths, x.shape))
    if any(s.start > s.stop for s in crop):
        raise ValueError(f"pad: negative pad {pad} removes more than a tensor of shape {x.shape} holds")
    if any(b < 0 or a < 0 for b, a in widths):
        x = getitem(x, crop)
    widths = [(max(0, b), max(0, a)) for b, a in widths]
    if mode == "constant":
        return Pad.apply(x, tuple(widths), 0.0 if value is None else float(value))
    for dim, (before, after) in enumerate(widths):
        if not before and not after:
            continue
        n = x.shape[dim]
        limit = {"reflect": n - 1, "circular": n}.get(mode, float("inf"))
        if n == 0 or before > limit or after > limit:
            raise ValueError(f"pad: {mode} padding ({before}, {after}) of dimension {dim} must be at most "
                             f"{limit} for its size {n}")
        x = _take(x, dim, xp.pad(array_module(x).arange(n), (before, after), mode=INDEX_MODES[mode]))
    return x
