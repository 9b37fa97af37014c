"""Argument checks shared by the ops' public functions; each error names the op.

They run before `Op.apply`, never inside a backward rule.
"""
from ..backend import ARRAYS, xp


def as_array(value):
    """The array behind a Tensor (or the array itself, on any device), for validation only."""
    if type(value) in ARRAYS or isinstance(value, xp.ndarray):
        return value
    data = getattr(value, "data", value)
    return data if type(data) in ARRAYS or isinstance(data, xp.ndarray) else xp.asarray(data)


def is_int(value):
    return isinstance(value, (int, xp.integer)) and not isinstance(value, bool)


def check_axis(op, axis, ndim):
    """`axis` (negative counts from the end) as an int in [0, ndim)."""
    if not is_int(axis):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor of {ndim} dimensions "
                         f"(expected {-ndim} to {ndim - 1})")
    return int(axis) % ndim


def pair(op, name, value, minimum):
    """An int or a pair of ints as an (h, w) tuple, each at least `minimum`."""
    both = (value, value) if is_int(value) else value
    if not isinstance(both, (tuple, list)) or len(both) != 2 or not all(is_int(v) for v in both):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(both) < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}: {name} must be {kind}, got {value!r}")
    return (int(both[0]), int(both[1]))


def check_float(op, **arrays):
    """All arrays share one floating dtype (no silent float32 -> float64 promotion)."""
    dtypes = {name: a.dtype for name, a in arrays.items()}
    for name, dtype in dtypes.items():
        if dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be a floating-point array, got dtype {dtype}")
    if len(set(dtypes.values())) > 1:
        got = ", ".join(f"{n} {d}" for n, d in dtypes.items())
        raise TypeError(f"{op}: dtypes must match, got {got}")


def output_size(size, kernel, stride, padding=0):
    """Output length of a window of `kernel` sliding by `stride` over `size` + 2 `padding`."""
    return (size + 2 * padding - kernel) // stride + 1


def tensor_argument(value):
    """A Tensor argument, or an array wrapped as one (`torch.max(outputs.data, 1)`: `.data` is the array)."""
    from ..tensor import Tensor
    return value if isinstance(value, Tensor) else Tensor(value)
