"""Index ops with PyTorch's signatures: gather, scatter, scatter_add, index_select, masked_fill,
tril/triu, diagonal, diag.

Most are an index built once and handed to `GetItem` (whose backward is `IndexAdd`, and
back): gather is x[the index arrays of take_along_axis], index_select x[..., index],
diagonal x[..., i, i]. scatter is an op of its own (its forward overwrites); scatter_add
is x + IndexAdd(src). Index arguments are never differentiated.
"""
from ..backend import array, array_module, asarray, xp
from ..function import Function
from ..tensor import Tensor
from . import elementwise
from .shape import GetItem, IndexAdd, getitem, permute
from .validation import check_axis


def _index_array(op, name, index):
    """An integer index as an array of our own (the caller may change theirs before backward)."""
    copied = array(index.data if isinstance(index, Tensor) else index)
    if copied.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be an integer tensor, got dtype {copied.dtype}")
    return copied


def along(index, dim):
    """The advanced index picking x[i_0, .., index[i], .., i_n] (take_along_axis) for every i of `index`."""
    parts = []
    for axis, n in enumerate(index.shape):
        if axis == dim:
            parts.append(index)
        else:
            shape = [1] * index.ndim
            shape[axis] = n
            parts.append(array_module(index).arange(n).reshape(shape))
    return tuple(parts)


def _check_along(op, x, dim, index, name="input"):
    """dim normalised and index checked as torch.gather/scatter check it: same ndim, in range."""
    dim = check_axis(op, dim, max(x.ndim, 1))
    if index.ndim != x.ndim:
        raise ValueError(f"{op}: index of shape {index.shape} must have as many dimensions as "
                         f"{name} of shape {x.shape}")
    if any(i > n for axis, (i, n) in enumerate(zip(index.shape, x.shape)) if axis != dim):
        raise ValueError(f"{op}: index of shape {index.shape} is larger than {name} of shape {x.shape} "
                         f"outside dimension {dim}")
    if index.size and (index.min() < -x.shape[dim] or index.max() >= x.shape[dim]):
        raise IndexError(f"{op}: index out of range for dimension {dim} of size {x.shape[dim]} "
                         f"(got values {index.min()} to {index.max()})")
    return dim


class Scatter(Function):
    """y = x with y[along(index)] = src (the last write wins on repeats, as on PyTorch's CPU);

    dL/dx = g where nothing was written, else 0;  dL/dsrc = g[along(index)] (a gather).
    """

    @staticmethod
    def forward(ctx, x, src, positions):
        ctx.positions = positions
        y = x.copy()
        y[positions] = src
        kept = array_module(x).ones(x.shape, dtype=x.dtype)
        kept[positions] = 0
        ctx.save_for_backward(kept)
        return y

    @staticmethod
    def backward(ctx, grad):
        (kept,) = ctx.saved_tensors
        need_x, need_src, _ = ctx.needs_input_grad
        return (grad * kept if need_x else None), (GetItem.apply(grad, ctx.positions) if need_src else None), None


def gather(x, dim, index):
    """out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and so on), as torch.gather."""
    index = _index_array("gather", "index", index)
    dim = _check_along("gather", x, dim, index)
    return GetItem.apply(x, along(index, dim))


def _source(op, src, index, like):
    """The part of src that index covers: src[:index.shape[0], :index.shape[1], ...] (as torch)."""
    if not isinstance(src, Tensor):
        return elementwise._constant(xp.broadcast_to(asarray(src), index.shape), like.dtype)
    if src.ndim != index.ndim or any(s < i for s, i in zip(src.shape, index.shape)):
        raise ValueError(f"{op}: src of shape {src.shape} must have index's {index.ndim} dimensions "
                         f"and be at least as large as index of shape {index.shape}")
    if src.dtype != like.dtype:
        raise TypeError(f"{op}: src dtype {src.dtype} does not match input dtype {like.dtype}")
    return src if src.shape == index.shape else getitem(src, tuple(slice(0, i) for i in index.shape))


def scatter(x, dim, index, src=None, *, value=None):
    """x with src (or a scalar value) written at index along dim, as torch.scatter."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give src or value, not both")
    index = _index_array("scatter", "index", index)
    dim = _check_along("scatter", x, dim, index)
    src = _source("scatter", value if src is None else src, index, x)
    return Scatter.apply(x, src, along(index, dim))


def scatter_add(x, dim, index, src):
    """x with src added at index along dim (repeats accumulate), as torch.scatter_add."""
    index = _index_array("scatter_add", "index", index)
    dim = _check_along("scatter_add", x, dim, index)
    src = _source("scatter_add", src, index, x)
    return x + IndexAdd.apply(src, shape=x.shape, index=along(index, dim))


def index_select(x, dim, index):
    """x's entries at the positions `index` (1-D) along dim, as torch.index_select."""
    index = _index_array("index_select", "index", index)
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D, got shape {index.shape}")
    dim = check_axis("index_select", dim, max(x.ndim, 1))
    if x.ndim == 0:
        return getitem(x, (None,))[index.reshape(-1)].reshape(())
    if index.size and (index.min() < -x.shape[dim] or index.max() >= x.shape[dim]):
        raise IndexError(f"index_select: index out of range for dimension {dim} of size {x.shape[dim]}")
    return GetItem.apply(x, (slice(None),) * dim + (index.reshape(-1),))


def masked_fill(x, mask, value):
    """x with `value` where mask is True (mask broadcasts to x's shape), as torch.masked_fill."""
    mask = asarray(mask.data if isinstance(mask, Tensor) else mask)
    if mask.dtype != bool:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask.dtype}")
    try:
        if xp.broadcast_shapes(mask.shape, x.shape) != x.shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"masked_fill: mask of shape {mask.shape} does not broadcast to input of "
                         f"shape {x.shape}") from None
    if isinstance(value, Tensor) and value.ndim:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
    return elementwise.where(mask, value, x)


def _band(op, x, diagonal, keep):
    if x.ndim < 2:
        raise ValueError(f"{op}: input must have at least 2 dimensions, got shape {x.shape}")
    rows, cols = x.shape[-2:]
    mask = keep(array_module(x).ones((rows, cols), dtype=bool), diagonal)
    return elementwise.where(mask, x, 0.0)


def tril(x, diagonal=0):
    """The lower triangle of the last two dims (j - i <= diagonal), zeros elsewhere."""
    return _band("tril", x, diagonal, xp.tril)


def triu(x, diagonal=0):
    """The upper triangle of the last two dims (j - i >= diagonal), zeros elsewhere."""
    return _band("triu", x, diagonal, xp.triu)


def _diagonal_positions(rows, cols, offset, like):
    """Row and column numbers of the offset diagonal of a rows x cols matrix (on `like`'s device)."""
    start_row, start_col = (0, offset) if offset >= 0 else (-offset, 0)
    n = max(0, min(rows - start_row, cols - start_col))
    positions = array_module(like).arange(n)
    return positions + start_row, positions + start_col


def diagonal(x, offset=0, dim1=0, dim2=1):
    """x[..., i, i + offset] over dims dim1 and dim2, the diagonal last (as torch.diagonal)."""
    return _diagonal(x, offset, dim1, dim2)


def _diagonal(x, offset, dim1, dim2):
    if x.ndim < 2:
        raise ValueError(f"diagonal: input must have at least 2 dimensions, got shape {x.shape}")
    d1, d2 = check_axis("diagonal", dim1, x.ndim), check_axis("diagonal", dim2, x.ndim)
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 are the same dimension ({dim1}, {dim2})")
    rest = [d for d in range(x.ndim) if d not in (d1, d2)]
    moved = permute(x, *rest, d1, d2)
    rows, cols = _diagonal_positions(x.shape[d1], x.shape[d2], offset, x)
    return GetItem.apply(moved, (Ellipsis, rows, cols))


def diag(x, diagonal=0):
    """1-D: a square matrix with x on the `diagonal`-th diagonal; 2-D: that diagonal (torch.diag)."""
    if x.ndim == 2:
        return _diagonal(x, diagonal, 0, 1)
    if x.ndim != 1:
        raise ValueError(f"diag: input must be 1-D or 2-D, got shape {x.shape}")
    n = x.shape[0] + abs(diagonal)
    positions = _diagonal_positions(n, n, diagonal, x)
    return IndexAdd.apply(x, shape=(n, n), index=positions)
