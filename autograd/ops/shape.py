"""Shape ops: move elements around without changing them, so backward moves g back.

reshape, transpose/permute, indexing, pad, concatenate, stack, broadcast_to.
"""
import itertools
import operator

from ..backend import array, array_module, asarray, xp
from ..function import Function
from ..tensor import Tensor
from .validation import check_axis


class Reshape(Function):
    """y = x viewed with a new shape;  dL/dx = g reshaped to x's shape."""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shapes[0]), None


class Identity(Function):
    """y = x (the same array);  dL/dx = g. A node to hang hooks on (nn's backward hooks)."""

    is_view = True

    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad


class Transpose(Function):
    """y = x with axes permuted by p;  dL/dx = g permuted by the inverse of p."""

    is_view = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        return xp.transpose(grad, ctx.inverse), None


class GetItem(Function):
    """y = x[index];  dL/dx = zeros like x with g added at `index` (repeats accumulate).

    A basic index (ints, slices) is a small plain attribute; an advanced one (integer or
    boolean arrays) is saved like any array, so backward releases it.
    """

    is_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx._advanced = not _is_basic(index)
        if ctx._advanced:
            ctx.save_for_backward(index)
        else:
            ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        index = ctx.saved_tensors[0] if ctx._advanced else ctx.index
        return IndexAdd.apply(grad, shape=ctx.input_shapes[0], index=index), None


class IndexAdd(Function):
    """y = zeros(shape) with g added at `index` (repeated positions accumulate): GetItem's backward.

    Linear in g, with adjoint the gather: dL/dg = G[index]. So GetItem and IndexAdd are
    each other's backward, to any order.
    """

    @staticmethod
    def forward(ctx, grad, *, shape, index):
        ctx.index = index
        full = array_module(grad).zeros(shape, dtype=grad.dtype)
        if _is_basic(index):
            full[index] = grad
        else:
            xp.add.at(full, index, grad)  # integer arrays may repeat an element
        return full

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index)


def _is_basic(index):
    """True for an index of ints, slices, None and Ellipsis: each element picked at most once."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, slice, type(None), type(Ellipsis))) for i in items)


class Pad(Function):
    """y = x with constant borders;  dL/dx = g with the borders cut off."""

    @staticmethod
    def forward(ctx, x, pad_width, value):
        ctx.pad_width = pad_width
        return xp.pad(x, pad_width, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        inner = tuple(slice(before, grad.shape[i] - after)
                      for i, (before, after) in enumerate(ctx.pad_width))
        return grad[inner], None, None


class Concatenate(Function):
    """y = [x_1, ..., x_k] joined along `axis`;  dL/dx_i = the slice of g where x_i went."""

    @staticmethod
    def forward(ctx, *arrays, axis):
        ends = list(itertools.accumulate(a.shape[axis] for a in arrays))
        lead = (slice(None),) * axis
        ctx.pieces = [lead + (slice(end - a.shape[axis], end),) for a, end in zip(arrays, ends)]
        return xp.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad[piece] for piece in ctx.pieces)


class Stack(Function):
    """y = x_1, ..., x_k stacked along a new `axis`;  dL/dx_i = g taken at position i of `axis`."""

    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        return xp.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.axis
        return tuple(grad[lead + (i,)] for i in range(grad.shape[ctx.axis]))


class BroadcastTo(Function):
    """y = x broadcast to `shape`;  dL/dx = g summed over the broadcast axes (the engine's unbroadcast)."""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        return xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


# ----- public functions -------------------------------------------------------------


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(operator.index(s) for s in shape)


def identity(x):
    return Identity.apply(x)


def reshape(x, *shape):
    shape = _shape_arg(shape)
    if any(s < -1 for s in shape):
        raise ValueError(f"reshape: invalid shape {shape}: sizes must be >= 0, or -1 for one inferred size")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if shape.count(-1) > 1 or (-1 not in shape and known != x.data.size) or (
            -1 in shape and (known == 0 or x.data.size % known)):
        raise ValueError(f"reshape: cannot reshape tensor of shape {x.shape} ({x.data.size} elements) "
                         f"into shape {shape}")
    return Reshape.apply(x, shape)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge axes start_dim..end_dim into one (PyTorch's flatten)."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = check_axis("flatten", start_dim, x.ndim), check_axis("flatten", end_dim, x.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:start] + (-1,) + x.shape[end + 1:]
    if 0 in x.shape:
        merged = 1
        for s in x.shape[start:end + 1]:
            merged *= s
        shape = x.shape[:start] + (merged,) + x.shape[end + 1:]
    return reshape(x, shape)


def permute(x, *dims):
    dims = _shape_arg(dims)
    if len(dims) != x.ndim or sorted(check_axis("permute", d, x.ndim) for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} axes of a tensor "
                         f"of shape {x.shape}")
    return Transpose.apply(x, tuple(d % x.ndim for d in dims))


def transpose(x, *axes):
    """No axes: reverse them (NumPy, `.T`). Two axes: swap them (PyTorch). All axes: permute (NumPy).

    Two axes always mean a swap, also for a 2-D tensor: `w.transpose(0, 1)` is w^T, as a
    PyTorch user expects (NumPy would read it as the identity permutation).
    """
    axes = _shape_arg(axes)
    if not axes:
        return Transpose.apply(x, tuple(range(x.ndim))[::-1])
    if len(axes) == 2:
        order = list(range(x.ndim))
        a, b = (check_axis("transpose", axis, x.ndim) for axis in axes)
        order[a], order[b] = order[b], order[a]
        return Transpose.apply(x, tuple(order))
    if len(axes) == x.ndim:
        return permute(x, *axes)
    raise ValueError(f"transpose: give no axes, two axes to swap, or all {x.ndim} axes; got {axes}")


def getitem(x, index):
    """x[index] for slices, ints, integer arrays, boolean masks, and tuples of them.

    Array parts of the index are copied: the caller may change them before backward.
    """
    if isinstance(index, tuple):
        index = tuple(_own_index_part(i) for i in index)
    else:
        index = _own_index_part(index)
    return GetItem.apply(x, index)


def _own_index_part(part):
    if isinstance(part, Tensor):
        part = part.data
    if isinstance(part, (list, xp.ndarray)):
        return array(part)
    return part


def pad(x, pad_width, value=0.0):
    """Constant padding, NumPy style: an int, (before, after), or one pair per axis."""
    try:
        widths = xp.broadcast_to(asarray(pad_width, dtype=int), (x.ndim, 2)) if x.ndim else None
    except ValueError:
        widths = None
    if widths is None or (widths < 0).any():
        raise ValueError(f"pad: invalid pad_width {pad_width!r} for a tensor of shape {x.shape}")
    return Pad.apply(x, tuple(map(tuple, widths.tolist())), value)


def _check_same(tensors, op_name, axis, allow_axis):
    if not tensors:
        raise ValueError(f"{op_name}: expected a non-empty sequence of tensors")
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    first = tensors[0]
    if allow_axis and first.ndim == 0:
        raise ValueError(f"{op_name}: zero-dimensional tensors cannot be concatenated; use stack")
    axis = check_axis(op_name, axis, first.ndim + (0 if allow_axis else 1))
    for t in tensors[1:]:
        if t.dtype != first.dtype:
            raise TypeError(f"{op_name}: dtype mismatch {first.dtype} vs {t.dtype}")
        same = (t.ndim == first.ndim and all(
            a == b for i, (a, b) in enumerate(zip(t.shape, first.shape)) if not (allow_axis and i == axis)))
        if not same:
            raise ValueError(f"{op_name}: shapes {first.shape} and {t.shape} do not match "
                             f"{'outside' if allow_axis else 'in'} axis {axis}")
    return tensors, axis


def concatenate(tensors, axis=0, *, dim=None):
    axis = axis if dim is None else dim
    tensors, axis = _check_same(list(tensors), "concatenate", axis, allow_axis=True)
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors, axis=0, *, dim=None):
    axis = axis if dim is None else dim
    tensors, axis = _check_same(list(tensors), "stack", axis, allow_axis=False)
    return Stack.apply(*tensors, axis=axis)


def broadcast_to(x, shape):
    shape = _shape_arg((shape,) if isinstance(shape, int) else shape)
    try:
        xp.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None
    if xp.broadcast_shapes(x.shape, shape) != shape:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}")
    return BroadcastTo.apply(x, shape)


def expand_dims(x, axis):
    """x with size-1 axes inserted at `axis` (an int or a tuple), as numpy.expand_dims."""
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    ndim = x.ndim + len(axes)
    positions = sorted(check_axis("expand_dims", a, ndim) for a in axes)
    if len(set(positions)) != len(positions):
        raise ValueError(f"expand_dims: repeated axis in {axis!r}")
    shape = list(x.shape)
    for p in positions:
        shape.insert(p, 1)
    return reshape(x, tuple(shape))


def squeeze(x, axis=None, *, dim=None):
    """x without size-1 axes: all of them, or those of `dim` (alias `axis`; an int or a tuple).

    As PyTorch (not NumPy), a named axis whose size is not 1 is left as it is.
    """
    axis = axis if dim is None else dim
    if axis is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    axes = {check_axis("squeeze", a, max(x.ndim, 1)) for a in axes}
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes or n != 1))


# ----- PyTorch's view-like names (issue 9 ops) ------------------------------------------


def unsqueeze(x, dim):
    """x with a size-1 axis inserted at `dim` (in [-ndim - 1, ndim]), as torch.unsqueeze."""
    return expand_dims(x, check_axis("unsqueeze", dim, x.ndim + 1))


def view_as(x, other):
    return reshape(x, other.shape)


def unflatten(x, dim, sizes):
    """Axis `dim` split into `sizes` (one of them may be -1), as torch.unflatten."""
    dim = check_axis("unflatten", dim, x.ndim)
    sizes = _shape_arg((sizes,) if isinstance(sizes, int) else tuple(sizes))
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    if not sizes or sizes.count(-1) > 1 or (-1 not in sizes and known != x.shape[dim]) or (
            -1 in sizes and (known == 0 or x.shape[dim] % known)):
        raise ValueError(f"unflatten: sizes {sizes} do not multiply to the size {x.shape[dim]} "
                         f"of dimension {dim} of a tensor of shape {x.shape}")
    sizes = tuple(x.shape[dim] // known if s == -1 else s for s in sizes)
    return reshape(x, x.shape[:dim] + sizes + x.shape[dim + 1:])


def expand(x, *sizes):
    """x broadcast to `sizes` (-1 keeps a size; new axes go in front), as torch.expand."""
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise ValueError(f"expand: {len(sizes)} sizes {sizes} are fewer than the {x.ndim} dimensions "
                         f"of a tensor of shape {x.shape}")
    lead = len(sizes) - x.ndim
    if any(s == -1 for s in sizes[:lead]):
        raise ValueError(f"expand: -1 is not allowed for the new leading dimensions in {sizes}")
    target = sizes[:lead] + tuple(n if s == -1 else s for s, n in zip(sizes[lead:], x.shape))
    if any(n != 1 and n != s for n, s in zip(x.shape, target[lead:])):
        raise ValueError(f"expand: a tensor of shape {x.shape} cannot be expanded to {sizes} "
                         "(only size-1 dimensions expand)")
    return broadcast_to(x, target)


def t(x):
    """The transpose of a matrix (0-D and 1-D tensors unchanged), as torch.t."""
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape {x.shape}; "
                         "use transpose(dim0, dim1) or mT")
    return transpose(x)


def matrix_transpose(x):
    """The last two axes swapped (torch's `mT`)."""
    if x.ndim < 2:
        raise ValueError(f"mT: expects a tensor with at least 2 dimensions, got shape {x.shape}")
    return transpose(x, -2, -1)


def cat(tensors, dim=0, *, axis=None):
    """concatenate under PyTorch's name (torch.cat(tensors, dim))."""
    return concatenate(tensors, dim if axis is None else axis)
