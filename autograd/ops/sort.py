"""Sorting along one dim: sort, argsort, topk.

The order is found on the arrays (not differentiated); the values are then gathered
with it (`index.along` + GetItem), so each sorted value's gradient goes back to the
element it came from.
"""
from .. import return_types
from ..backend import xp
from ..tensor import Tensor
from .index import along
from .shape import GetItem, getitem
from .validation import check_axis, is_int, tensor_argument


def _order(data, dim, descending):
    """Indices that sort `data` along dim, stably; nan counts as the largest value (as torch)."""
    if descending:
        key = xp.where(xp.isnan(data), -xp.inf, -data) if data.dtype.kind == "f" else -data.astype(xp.int64)
        return xp.argsort(key, axis=dim, kind="stable")
    return xp.argsort(data, axis=dim, kind="stable")


def _dim(op, x, dim):
    return check_axis(op, dim, max(x.ndim, 1))


def _sorted(name, x, dim, index):
    if x.ndim == 0:
        return getattr(return_types, name)(getitem(x, ()), Tensor(xp.zeros((), dtype=xp.int64)))
    index = index.astype(xp.int64)
    return getattr(return_types, name)(GetItem.apply(x, along(index, dim)), Tensor(index))


def sort(x, dim=-1, descending=False, stable=False):
    """(values, indices) of x sorted along dim (stable: ties keep their order), as torch.sort."""
    x = tensor_argument(x)
    dim = _dim("sort", x, dim)
    index = _order(x.data, dim, descending) if x.ndim else None
    return _sorted("sort", x, dim, index)


def argsort(x, dim=-1, descending=False, stable=False):
    """The indices that sort x along dim, as torch.argsort."""
    x = tensor_argument(x)
    dim = _dim("argsort", x, dim)
    if x.ndim == 0:
        return Tensor(xp.zeros((), dtype=xp.int64))
    return Tensor(_order(x.data, dim, descending).astype(xp.int64))


def topk(x, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along dim, in order, as torch.topk."""
    x = tensor_argument(x)
    dim = _dim("topk", x, dim)
    n = x.shape[dim] if x.ndim else 1
    if not is_int(k) or not 0 <= k <= n:
        raise ValueError(f"topk: k ({k!r}) must be an int in [0, {n}] (the size of dimension {dim} "
                         f"of a tensor of shape {x.shape})")
    if x.ndim == 0:
        return _sorted("topk", x, dim, None)
    index = _order(x.data, dim, descending=largest)
    index = index[(slice(None),) * dim + (slice(0, k),)]
    return _sorted("topk", x, dim, index)
