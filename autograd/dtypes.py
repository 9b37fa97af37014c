"""dtypes with PyTorch's names, and the default floating dtype.

The values are NumPy dtypes, so `t.dtype == autograd.float32`, `t.dtype is autograd.float32`
and `np.zeros(3, dtype=autograd.float32)` all work. `get_default_dtype()` (float32 unless
`set_default_dtype` changed it) is the dtype of Python floats given to `Tensor`, `tensor`
and the floating creation functions, as in PyTorch.
"""
from .backend import xp

float16 = half = xp.dtype(xp.float16)
float32 = float = xp.dtype(xp.float32)
float64 = double = xp.dtype(xp.float64)
complex64 = cfloat = xp.dtype(xp.complex64)
complex128 = cdouble = xp.dtype(xp.complex128)
uint8 = xp.dtype(xp.uint8)
int8 = xp.dtype(xp.int8)
int16 = short = xp.dtype(xp.int16)
int32 = int = xp.dtype(xp.int32)
int64 = long = xp.dtype(xp.int64)
bool = xp.dtype(xp.bool_)

# PyTorch's legacy type names (`t.type()`), one per dtype.
TYPE_NAMES = {
    float16: "torch.HalfTensor", float32: "torch.FloatTensor", float64: "torch.DoubleTensor",
    complex64: "torch.ComplexFloatTensor", complex128: "torch.ComplexDoubleTensor",
    uint8: "torch.ByteTensor", int8: "torch.CharTensor", int16: "torch.ShortTensor",
    int32: "torch.IntTensor", int64: "torch.LongTensor", bool: "torch.BoolTensor",
}
_BY_TYPE_NAME = {name: dtype for dtype, name in TYPE_NAMES.items()}

_default = {"dtype": float32}


def get_default_dtype():
    """The dtype that Python floats become (float32 unless `set_default_dtype` changed it)."""
    return _default["dtype"]


def set_default_dtype(dtype):
    """Make `dtype` (float16, float32 or float64) the default floating dtype, as torch's."""
    dtype = as_dtype(dtype, "set_default_dtype")
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the "
                        f"default type, got {dtype}")
    _default["dtype"] = dtype


def as_dtype(dtype, op):
    """`dtype` (an autograd/NumPy dtype, a Python type or a NumPy name) as a NumPy dtype."""
    if isinstance(dtype, str) and dtype in _BY_TYPE_NAME:
        return _BY_TYPE_NAME[dtype]
    if dtype is None:                      # NumPy would read None as float64
        raise TypeError(f"{op}: dtype must be a dtype, got None")
    try:
        result = xp.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype (use autograd.float32, autograd.int64, ...)") from None
    if result not in TYPE_NAMES:
        raise TypeError(f"{op}: dtype {result} is not supported")
    return result


def from_data(array):
    """The dtype PyTorch's `tensor()` gives Python data that NumPy read as `array`:
    floats the default dtype, ints int64, bools bool, complex the matching complex type."""
    kind = array.dtype.kind
    if kind == "f":
        return get_default_dtype()
    if kind in "iu":
        return int64
    if kind == "c":
        return complex128 if get_default_dtype() == float64 else complex64
    return array.dtype

# Limits of a dtype (`autograd.finfo(autograd.float32).eps`), as torch.finfo / torch.iinfo.
finfo = xp.finfo
iinfo = xp.iinfo
