"""Tensor creation with PyTorch's names, arguments and default dtypes.

    tensor, as_tensor, from_numpy                   from data
    zeros, ones, full, empty, eye, arange, linspace from a shape or a range
    rand, randn, randint, normal, randperm          random (from `autograd.random`)
    zeros_like, ..., randint_like                   the shape (and dtype) of another tensor

Every function takes `dtype=` and `device=` ("cpu" or `device("cpu")`; see
`autograd.device`), and those that make a new leaf `requires_grad=`. Sizes are given as
`zeros(2, 3)` or `zeros((2, 3))`. Default dtypes are PyTorch's: Python floats give
`get_default_dtype()` (float32), Python ints int64, bools bool; an integer `arange` is int64,
`linspace` and the random floats the default dtype.
"""
import math
import numbers

from . import dtypes
from .backend import device_of, to_device, to_numpy, xp
from .device import CPU, as_device
from .ops.validation import as_array, is_int
from .random import resolve
from .tensor import Tensor

# ----- helpers ----------------------------------------------------------------------


def _size(size, op):
    """`zeros(2, 3)` / `zeros((2, 3))` / `zeros([])` as a tuple of non-negative ints."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    if not all(is_int(n) for n in size):
        raise TypeError(f"{op}: size must be ints or one sequence of ints, got {tuple(size)!r}")
    if any(n < 0 for n in size):
        raise ValueError(f"{op}: negative dimension in size {tuple(size)!r}")
    return tuple(int(n) for n in size)


def _dtype(dtype, op, default=None):
    return (dtypes.get_default_dtype() if default is None else default) if dtype is None \
        else dtypes.as_dtype(dtype, op)


def _new(array, requires_grad, op, device):
    """A new leaf around `array` (made on the host, moved to `device`); requires_grad only for
    floating dtypes (as PyTorch)."""
    if requires_grad and array.dtype.kind != "f":
        raise TypeError(f"{op}: only floating-point tensors can require gradients; got dtype {array.dtype}")
    t = Tensor._make(to_device(array, device))
    t._requires_grad = bool(requires_grad)
    return t


def _float_dtype(dtype, op):
    dtype = _dtype(dtype, op)
    if dtype.kind != "f":
        raise TypeError(f"{op}: draws floating-point numbers; dtype {dtype} is not floating point")
    return dtype


def _unwrap(data):
    """Python data with Tensors replaced by their arrays; also whether any value was typed
    (a NumPy array or scalar, or a Tensor), which then decides the dtype, as in PyTorch."""
    if isinstance(data, Tensor):
        return to_numpy(data.data), True
    if isinstance(data, (xp.ndarray, xp.generic)):
        return data, True
    if isinstance(data, (list, tuple)):
        items = [_unwrap(item) for item in data]
        return [value for value, _ in items], any(typed for _, typed in items)
    return data, False


def _array(data, dtype, op):
    """`data` as an array (not yet copied) in `dtype` or PyTorch's dtype for it."""
    values, typed = _unwrap(data)
    try:
        array = xp.asarray(values)
    except ValueError as error:
        raise ValueError(f"{op}: data is not a regular (rectangular) nesting of numbers: {error}") from None
    if array.dtype.kind not in "biufc":
        raise TypeError(f"{op}: data must be numbers or bools, got dtype {array.dtype}")
    if dtype is None:
        dtype = array.dtype if typed else dtypes.from_data(array)
    else:
        dtype = dtypes.as_dtype(dtype, op)
    return array, dtype


# ----- from data ----------------------------------------------------------------------


def tensor(data, *, dtype=None, device=None, requires_grad=False):
    """A new leaf holding a copy of `data` (a number, nested lists, an array or a Tensor).

    Python floats become the default dtype, ints int64, bools bool; arrays keep theirs.
    """
    device = as_device(device, "tensor")
    array, dtype = _array(data, dtype, "tensor")
    return _new(xp.array(array, dtype=dtype, copy=True), requires_grad, "tensor", device)


def as_tensor(data, dtype=None, device=None):
    """`data` as a Tensor, sharing memory where it can: a Tensor of that dtype is returned
    as it is (in the graph), an array of that dtype is wrapped without a copy."""
    explicit = device is not None
    device = as_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data.to(data.device if not explicit else device, dtype)
    array, dtype = _array(data, dtype, "as_tensor")
    return Tensor._make(to_device(xp.asarray(array, dtype=dtype), device))


def from_numpy(array):
    """A Tensor sharing memory (and the dtype) with a NumPy array."""
    if not isinstance(array, xp.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype not in dtypes.TYPE_NAMES:
        raise TypeError(f"from_numpy: dtype {array.dtype} is not supported")
    return Tensor(array)


# ----- from a shape or a range ----------------------------------------------------------


def zeros(*size, dtype=None, device=None, requires_grad=False):
    device = as_device(device, "zeros")
    return _new(xp.zeros(_size(size, "zeros"), _dtype(dtype, "zeros")), requires_grad, "zeros", device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    device = as_device(device, "ones")
    return _new(xp.ones(_size(size, "ones"), _dtype(dtype, "ones")), requires_grad, "ones", device)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor (its values are whatever the memory held)."""
    device = as_device(device, "empty")
    return _new(xp.empty(_size(size, "empty"), _dtype(dtype, "empty")), requires_grad, "empty", device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of `size` filled with `fill_value`; the dtype follows the value (bool, int64,
    or the default float dtype) unless given."""
    device = as_device(device, "full")
    if isinstance(fill_value, Tensor) and fill_value.numel() == 1:
        fill_value = fill_value.item()
    if not isinstance(fill_value, (numbers.Number, xp.generic)):
        raise TypeError(f"full: fill_value must be a number, got {type(fill_value).__name__}")
    size = _size((size,) if is_int(size) else tuple(size), "full")
    dtype = _dtype(dtype, "full", dtypes.from_data(xp.asarray(fill_value)))
    return _new(xp.full(size, fill_value, dtype), requires_grad, "full", device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The n x m (default n x n) identity matrix."""
    device = as_device(device, "eye")
    rows, cols = _size((n, n if m is None else m), "eye")
    return _new(xp.eye(rows, cols, dtype=_dtype(dtype, "eye")), requires_grad, "eye", device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... up to (not including) end; `arange(end)` starts at 0.

    int64 when start, end and step are all ints, else the default dtype (as PyTorch).
    """
    device = as_device(device, "arange")
    if end is None:
        start, end = 0, start
    bounds = (start, end, step)
    if not all(isinstance(v, numbers.Real) for v in bounds):
        raise TypeError(f"arange: start, end and step must be numbers, got {bounds!r}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: upper bound and lower bound inconsistent with step sign "
                         f"(start={start}, end={end}, step={step})")
    integral = all(is_int(v) for v in bounds)
    dtype = _dtype(dtype, "arange", dtypes.int64 if integral else None)
    if integral:
        values = xp.arange(start, end, step, dtype=dtypes.int64)
    else:  # as PyTorch: the count by ceil in double, each value start + i * step in double
        count = math.ceil((float(end) - float(start)) / float(step))
        values = float(start) + float(step) * xp.arange(count, dtype=dtypes.float64)
    return _new(values.astype(dtype, copy=False), requires_grad, "arange", device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end (both included), in the default dtype.

    Computed as PyTorch does: the first half counts up from start and the second half down
    from end, so the sequence ends at end exactly and is symmetric.
    """
    device = as_device(device, "linspace")
    if not is_int(steps) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    dtype = _dtype(dtype, "linspace")
    work = dtype if dtype.kind == "f" else dtypes.float64
    first, last = xp.asarray(start, dtype=work), xp.asarray(end, dtype=work)
    index = xp.arange(steps, dtype=work)
    step = (last - first) / work.type(max(steps - 1, 1))
    values = xp.where(index < steps // 2, first + step * index, last - step * (steps - 1 - index))
    if steps == 1:
        values = first.reshape(1)
    return _new(values.astype(dtype, copy=False), requires_grad, "linspace", device)


# ----- random -------------------------------------------------------------------------


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1), drawn from `generator` (default: the thread's default generator)."""
    device = as_device(device, "rand")
    dtype = _float_dtype(dtype, "rand")
    draw = resolve(generator, "rand").random(_size(size, "rand"), dtype=_draw_dtype(dtype))
    return _new(draw.astype(dtype, copy=False), requires_grad, "rand", device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal N(0, 1), drawn from `generator` (default: the thread's default generator)."""
    device = as_device(device, "randn")
    dtype = _float_dtype(dtype, "randn")
    draw = resolve(generator, "randn").standard_normal(_size(size, "randn"), dtype=_draw_dtype(dtype))
    return _new(draw.astype(dtype, copy=False), requires_grad, "randn", device)


def _draw_dtype(dtype):
    """NumPy draws float32 or float64; float16 is drawn as float32 and rounded."""
    return dtypes.float64 if dtype == dtypes.float64 else dtypes.float32


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform on [low, high): `randint(high, size)` or `randint(low, high, size)`; int64."""
    device = as_device(device, "randint")
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    if not is_int(low) or not is_int(high):
        raise TypeError(f"randint: low and high must be ints, got {low!r} and {high!r}")
    if low >= high:
        raise ValueError(f"randint: low must be less than high, got low={low} >= high={high}")
    size = _size((size,) if is_int(size) else tuple(size), "randint")
    draw = resolve(generator, "randint").integers(low, high, size, dtype=dtypes.int64)
    return _new(draw.astype(_dtype(dtype, "randint", dtypes.int64), copy=False), requires_grad, "randint", device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """N(mean, std^2) draws. `normal(mean, std)` with Tensors (or one Tensor and a number)
    broadcasts them; `normal(0.0, 1.0, size)` takes numbers and a size. The result is a leaf:
    mean and std are not differentiated (PyTorch gives them a zero gradient)."""
    device = as_device(device, "normal")
    op = "normal"
    tensors = [v for v in (mean, std) if isinstance(v, (Tensor, xp.ndarray))]
    if tensors and size is not None:
        raise TypeError("normal: give size only with a number mean and std")
    if not tensors and size is None:
        raise TypeError("normal: needs a Tensor mean or std, or a size")
    if tensors and device is CPU:
        device = device_of(as_array(tensors[0]))
    m, s = to_numpy(as_array(mean)), to_numpy(as_array(std))
    if (s < 0).any() or xp.isnan(s).any():
        raise ValueError(f"normal: std must be non-negative, got {std!r}")
    if tensors:
        for t in tensors:
            if as_array(t).dtype.kind != "f":
                raise TypeError(f"{op}: a Tensor mean or std must be floating point, got {as_array(t).dtype}")
        shape = xp.broadcast_shapes(m.shape, s.shape)
        dtype = _float_dtype(as_array(tensors[0]).dtype if dtype is None else dtype, op)
    else:
        shape = _size((size,) if is_int(size) else tuple(size), op)
        dtype = _float_dtype(dtype, op)
    work = _draw_dtype(dtype)
    draw = resolve(generator, op).standard_normal(shape, dtype=work)
    values = m.astype(work) + s.astype(work) * draw
    return _new(values.astype(dtype, copy=False), requires_grad, op, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 .. n-1 (int64)."""
    device = as_device(device, "randperm")
    if not is_int(n) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    draw = resolve(generator, "randperm").permutation(int(n))
    return _new(draw.astype(_dtype(dtype, "randperm", dtypes.int64)), requires_grad, "randperm", device)


# ----- the *_like forms ---------------------------------------------------------------


def _like(input, dtype, device, op):
    """Shape, dtype and device of the new tensor: input's unless given (as PyTorch)."""
    array = as_array(input)
    return (array.shape, array.dtype if dtype is None else dtypes.as_dtype(dtype, op),
            device_of(array) if device is None else device)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    shape, dtype, device = _like(input, dtype, device, "zeros_like")
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    shape, dtype, device = _like(input, dtype, device, "ones_like")
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    shape, dtype, device = _like(input, dtype, device, "empty_like")
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    shape, dtype, device = _like(input, dtype, device, "full_like")
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    shape, dtype, device = _like(input, dtype, device, "rand_like")
    return rand(shape, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    shape, dtype, device = _like(input, dtype, device, "randn_like")
    return randn(shape, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False):
    """`randint_like(input, high)` or `randint_like(input, low, high)`, in input's dtype."""
    if high is None:
        low, high = 0, low
    shape, dtype, device = _like(input, dtype, device, "randint_like")
    return randint(low, high, shape, generator=generator, dtype=dtype, device=device,
                   requires_grad=requires_grad)


# ----- queries ------------------------------------------------------------------------


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def numel(input):
    return input.numel()
