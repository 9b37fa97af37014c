"""The stand-in CUDA device: NumPy under CuPy's rules, so CPU-only machines test the device paths.

Chosen as `cuda` by DYNGRAD_CUDA=standin (or `autograd.backend.use_cuda_backend("standin")`).
Its `ndarray` wraps a NumPy array that lives on a device (cuda:0 or cuda:1) and, as CuPy:
- never converts to NumPy implicitly: `np.asarray(a)` is a TypeError; `a.get()` copies to the host;
- refuses host arrays among its operands (TypeError) and arrays of two devices (ValueError);
- runs only what CuPy has (`cupy_names.txt`, generated from CuPy by tests/test_devices_static.py),
  through NumPy's protocols (`np.exp(a)`, `np.where(c, a, 0)`) or this module (`standin.zeros`);
- gives 0-d arrays, not scalars, from reductions and full indexing;
- has ufunc methods only where CuPy 14.2 implements them (`UFUNC_METHODS`).
`counts` counts what crosses the boundary: "upload" (host to device), "download" (`get`),
"sync" (a Python value read from the device: item, tolist, bool, float, int, printing,
`synchronize`), so a test can assert that a training step does none. `kernels["launched"]`
counts the operations that would each launch a kernel on a GPU (ufuncs, functions, methods,
fancy indexing and assignment), so a test can check a kernel does not loop in Python.
"""
import pathlib
import types

import numpy

NAMES = frozenset(pathlib.Path(__file__).with_name("cupy_names.txt").read_text().split())
DEVICES = 2
counts = {"upload": 0, "download": 0, "sync": 0}
kernels = {"launched": 0}
# The ufunc methods CuPy 14.2 implements (cupy/_core/_kernel.pyx, ufunc.at/reduce/accumulate/
# reduceat; any other ufunc raises NotImplementedError there); `outer` it has for every ufunc.
UFUNC_METHODS = {"at": {"add", "subtract", "maximum", "minimum"}, "reduce": {"add", "multiply"},
                 "accumulate": {"add", "multiply"}, "reduceat": {"add"}}
_current = [0]


def _refuse(value):
    raise TypeError(f"Unsupported type {type(value)}: a host array among device operands "
                    "(CuPy does not convert implicitly; move it with autograd.backend.to_device)")


def _unwrap(value, devices, host_ok=False):
    """`value` with stand-in arrays replaced by their NumPy arrays (their devices noted)."""
    if type(value) is ndarray:
        devices.add(value._device)
        return value._a
    if type(value) is numpy.ndarray:
        if not host_ok:
            _refuse(value)
        counts["upload"] += 1
        return value
    if type(value) in (list, tuple):
        return type(value)(_unwrap(v, devices, host_ok) for v in value)
    return value


def _device(devices):
    if len(devices) > 1:
        first, second = sorted(devices)[:2]
        raise ValueError(f"arrays on two devices, cuda:{first} and cuda:{second} (the stand-in, as "
                         "CuPy without peer access, computes on one device)")
    return devices.pop() if devices else _current[0]


def _is_basic(index):
    """A view's index (ints, slices, None, Ellipsis): no kernel on a GPU."""
    parts = index if type(index) is tuple else (index,)
    return all(type(part) in (int, slice, type(None), type(Ellipsis)) for part in parts)


def _wrap(value, device):
    if isinstance(value, (numpy.ndarray, numpy.generic)):
        return ndarray(numpy.asarray(value), device)
    if type(value) in (list, tuple):
        return type(value)(_wrap(v, device) for v in value)
    return value


def _sync():
    counts["sync"] += 1


def _launch():
    kernels["launched"] += 1


class ndarray:
    """A device array (see the module docstring); methods are NumPy's, where CuPy has them."""

    __slots__ = ("_a", "_device")
    __hash__ = None

    def __init__(self, array, device):
        self._a = array
        self._device = device

    device = property(lambda self: cuda.Device(self._device))
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray(self._a.T, self._device))

    def __getattr__(self, name):
        if f"ndarray.{name}" not in NAMES:
            raise AttributeError(f"'cupy.ndarray' object has no attribute {name!r}")
        value = getattr(self._a, name)
        if not callable(value):
            return _wrap(value, self._device)

        def method(*args, **kwargs):
            _launch()
            devices = {self._device}
            result = value(*_unwrap(args, devices), **{k: _unwrap(v, devices) for k, v in kwargs.items()})
            return _wrap(result, _device(devices))
        return method

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def get(self):
        counts["download"] += 1
        return self._a.copy()

    def item(self):
        _sync()
        return self._a.item()

    def tolist(self):
        _sync()
        return self._a.tolist()

    def __bool__(self):
        _sync()
        return bool(self._a)

    def __float__(self):
        _sync()
        return float(self._a)

    def __int__(self):
        _sync()
        return int(self._a)

    def __complex__(self):
        _sync()
        return complex(self._a)

    def __repr__(self):
        _sync()
        return f"{self._a!r} (stand-in cuda:{self._device})"

    def __format__(self, spec):
        _sync()
        return format(self._a, spec)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (self[i] for i in range(len(self._a)))

    def __getitem__(self, index):
        if not _is_basic(index):
            _launch()
        devices = {self._device}
        return _wrap(self._a[_unwrap(index, devices, host_ok=True)], _device(devices))

    def __setitem__(self, index, value):
        _launch()
        devices = {self._device}
        self._a[_unwrap(index, devices, host_ok=True)] = _unwrap(value, devices, host_ok=True)
        _device(devices)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc.__name__ not in NAMES or (method != "__call__" and f"ufunc.{method}" not in NAMES):
            raise TypeError(f"the stand-in device (as CuPy) has no ufunc {ufunc.__name__}.{method}")
        if ufunc.__name__ not in UFUNC_METHODS.get(method, {ufunc.__name__}):
            raise NotImplementedError(f"`cupy_{ufunc.__name__}.{method}` is not supported yet (as in CuPy 14.2)")
        if any(not isinstance(v, (ndarray, numpy.ndarray, numpy.generic, int, float, complex, bool,
                                  tuple, list, slice, type(None))) for v in inputs):
            return NotImplemented  # a Tensor among the inputs: its own protocol records the op
        _launch()
        devices = set()
        args = _unwrap(inputs, devices)
        out = kwargs.get("out")
        if out is not None:
            kwargs = dict(kwargs, out=_unwrap(tuple(out), devices))
        result = getattr(ufunc, method)(*args, **kwargs)
        device = _device(devices)
        if out is not None:
            return out[0] if len(out) == 1 else tuple(out)
        return _wrap(result, device)

    def __array_function__(self, func, types_, args, kwargs):
        if any(t is not ndarray for t in types_):
            return NotImplemented
        name = ".".join([*func.__module__.split(".")[1:], func.__name__])
        if name not in NAMES:
            raise TypeError(f"the stand-in device (as CuPy) has no function numpy.{name}")
        if name == "where" and not isinstance(args[0], ndarray):
            raise AttributeError(f"cupy.where: the condition must be an array, got {type(args[0]).__name__}")
        _launch()
        devices = set()
        result = func(*_unwrap(args, devices), **{k: _unwrap(v, devices) for k, v in kwargs.items()})
        return _wrap(result, _device(devices))

    def __iadd__(self, other):
        return numpy.add(self, other, out=(self,))

    def __isub__(self, other):
        return numpy.subtract(self, other, out=(self,))

    def __imul__(self, other):
        return numpy.multiply(self, other, out=(self,))

    def __itruediv__(self, other):
        return numpy.true_divide(self, other, out=(self,))


def _operator(ufunc, reflected=False):
    def apply(self, other):
        if not isinstance(other, (ndarray, numpy.ndarray, numpy.generic, int, float, complex, bool)):
            return NotImplemented
        return ufunc(other, self) if reflected else ufunc(self, other)
    return apply


for _name, _ufunc in [("add", numpy.add), ("sub", numpy.subtract), ("mul", numpy.multiply),
                      ("truediv", numpy.true_divide), ("floordiv", numpy.floor_divide), ("mod", numpy.remainder),
                      ("pow", numpy.power), ("matmul", numpy.matmul), ("and", numpy.bitwise_and),
                      ("or", numpy.bitwise_or), ("xor", numpy.bitwise_xor)]:
    setattr(ndarray, f"__{_name}__", _operator(_ufunc))
    setattr(ndarray, f"__r{_name}__", _operator(_ufunc, reflected=True))
for _name, _ufunc in [("lt", numpy.less), ("le", numpy.less_equal), ("gt", numpy.greater),
                      ("ge", numpy.greater_equal), ("eq", numpy.equal), ("ne", numpy.not_equal)]:
    setattr(ndarray, f"__{_name}__", _operator(_ufunc))
ndarray.__neg__ = lambda self: numpy.negative(self)
ndarray.__pos__ = lambda self: numpy.positive(self)
ndarray.__abs__ = lambda self: numpy.absolute(self)
ndarray.__invert__ = lambda self: numpy.invert(self)


# ----- the module: CuPy's names, creating on the current device ---------------------------
_TAKES_HOST = {"asarray", "array", "asanyarray", "ascontiguousarray"}


def _function(name, func):
    def call(*args, **kwargs):
        _launch()
        devices = set()
        host_ok = name in _TAKES_HOST
        result = func(*_unwrap(args, devices, host_ok), **{k: _unwrap(v, devices, host_ok)
                                                          for k, v in kwargs.items()})
        return _wrap(result, _device(devices))
    call.__name__ = name
    return call


def _namespace(prefix, module):
    def lookup(name):
        if f"{prefix}{name}" not in NAMES:
            raise AttributeError(f"the stand-in device (as CuPy) has no {prefix}{name}")
        value = getattr(module, name)
        if isinstance(value, types.ModuleType):
            raise AttributeError(f"the stand-in device does not model cupy.{prefix}{name}")
        if isinstance(value, (type, numpy.ufunc)) or not callable(value):
            return value  # dtypes, classes, constants; ufuncs dispatch to ndarray.__array_ufunc__
        return _function(name, value)
    return lookup


__getattr__ = _namespace("", numpy)
linalg = type("linalg", (), {"__getattr__": staticmethod(_namespace("linalg.", numpy.linalg))})()


class _Philox4x3210:
    """cupy.random.Philox4x3210: a counter-based bit generator (here NumPy's Philox)."""

    def __init__(self, seed=None, size=None):
        self.bit_generator = numpy.random.Philox(seed)


class _Generator:
    """What cupy.random.default_rng(bit_generator) gives: `random` draws on the current device."""

    def __init__(self, bits):
        self._numpy = numpy.random.Generator(bits.bit_generator)

    def random(self, size=None, dtype=numpy.float64, out=None):
        _launch()
        return ndarray(numpy.asarray(self._numpy.random(size, dtype)), _current[0])


random = types.SimpleNamespace(Philox4x3210=_Philox4x3210, default_rng=_Generator)


lib = types.SimpleNamespace(stride_tricks=type("stride_tricks", (), {
    "__getattr__": staticmethod(_namespace("lib.stride_tricks.", numpy.lib.stride_tricks))})())


class _Device:
    """cupy.cuda.Device: `with Device(1):` makes cuda:1 current; `.synchronize()`; `.id`."""

    def __init__(self, index=None):
        self.id = _current[0] if index is None else index
        if not 0 <= self.id < DEVICES:
            raise ValueError(f"invalid device ordinal {self.id}: the stand-in has {DEVICES} devices")

    def __enter__(self):
        self._previous = _current[0]
        _current[0] = self.id
        return self

    def __exit__(self, *exc):
        _current[0] = self._previous

    def synchronize(self):
        _sync()

    def __eq__(self, other):
        return isinstance(other, _Device) and other.id == self.id

    def __hash__(self):
        return self.id


cuda = types.SimpleNamespace(Device=_Device, runtime=types.SimpleNamespace(getDeviceCount=lambda: DEVICES))
