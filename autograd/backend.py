"""Array modules and devices: the one place that knows NumPy, CuPy and the stand-in device.

`xp` is NumPy's API used as a dispatcher. A ufunc or function called with arrays runs on
their module (NEP 13/18: CuPy's arrays, the stand-in's and Tensors implement the protocols),
so a rule written `grad * xp.exp(y)` computes on the CPU, on a GPU, or records a graph when
handed Tensors. What has no array argument to dispatch on (creation: `zeros`, `arange`,
`eye`, ...) takes its module from the op's inputs: `array_module(x).zeros(shape, x.dtype)`.

A device is `cpu` (NumPy) or `cuda[:N]`: CuPy when it imports and sees a GPU, or the
stand-in (`autograd.standin`, NumPy under CuPy's rules) when DYNGRAD_CUDA=standin or
`use_cuda_backend("standin")` says so, so CPU-only machines test the device paths.
"""
import operator
import os

import numpy as xp

# Floating-point error handling for a block (e.g. 0 ** -1 in a rule whose mask then
# discards it). A host setting: GPU kernels never raise on floating-point errors.
errstate = xp.errstate

# The array types of every loaded module (NumPy's, then CuPy's or the stand-in's): the
# engine's hot paths test `type(a) in ARRAYS`.
ARRAYS = {xp.ndarray}
_MODULES = {xp.ndarray: xp}


class device:
    """A device, as torch.device: `device("cpu")`, `device("cuda:1")`, `device("cuda", 1)`."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device: give an index only with a device type string")
            type, index = type.type, type.index
        elif not isinstance(type, str):
            raise TypeError(f"device: expected a string or a device, got {type.__class__.__name__}")
        elif ":" in type:
            if index is not None:
                raise TypeError(f"device: {type!r} already has an index; don't pass index={index!r}")
            type, _, number = type.partition(":")
            if not number.isdigit():
                raise ValueError(f"device: invalid device string {type + ':' + number!r}")
            index = int(number)
        if type not in ("cpu", "cuda"):
            raise ValueError(f"device: expected one of cpu, cuda device type at the start "
                             f"of the device string, got {type!r}")
        if index is not None:
            if isinstance(index, bool) or not hasattr(index, "__index__") or operator.index(index) < 0:
                raise ValueError(f"device: the index must be a non-negative int, got {index!r}")
            index = operator.index(index)
        self.type = type
        self.index = index

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"


CPU = device("cpu")

# ----- the CUDA backend: CuPy or the stand-in, chosen once on first use ------------------
_cuda = {"choice": os.environ.get("DYNGRAD_CUDA", "cupy"), "module": None, "why": None}


def use_cuda_backend(name):
    """Choose what `cuda` means: "cupy" (the default) or "standin"; returns the previous choice."""
    if name not in ("cupy", "standin"):
        raise ValueError(f"use_cuda_backend: expected 'cupy' or 'standin', got {name!r}")
    previous = _cuda["choice"]
    _cuda.update(choice=name, module=None, why=None)
    return previous


def cuda_module():
    """The CUDA array module (CuPy or the stand-in), or None when there is none (see `cuda_missing`)."""
    if _cuda["module"] is None and _cuda["why"] is None:
        if _cuda["choice"] == "standin":
            from . import standin as module
        else:
            try:
                import cupy as module
                if module.cuda.runtime.getDeviceCount() < 1:
                    raise RuntimeError("CuPy sees no GPU")
            except Exception as error:  # ImportError, or CUDA's errors on a machine without a GPU
                _cuda["why"] = f"{type(error).__name__}: {error}"
                return None
        _cuda["module"] = module
        ARRAYS.add(module.ndarray)
        _MODULES[module.ndarray] = module
    return _cuda["module"]


def cuda_missing():
    """Why there is no CUDA backend (a sentence for errors), or None when there is one."""
    return None if cuda_module() is not None else (
        f"no CUDA device: CuPy did not load ({_cuda['why']}); install dyngrad[cuda] on a GPU "
        "machine, or set DYNGRAD_CUDA=standin for the CPU stand-in")


def device_count():
    module = cuda_module()
    return 0 if module is None else module.cuda.runtime.getDeviceCount()


# ----- arrays and their devices -------------------------------------------------------
def array_module(*values):
    """The array module of the first device array among `values` (Tensors looked through); NumPy otherwise."""
    for value in values:
        module = _MODULES.get(type(value))
        if module is None:
            module = _MODULES.get(type(getattr(value, "data", None)))
        if module is not None and module is not xp:
            return module
    return xp


def is_array(value):
    """True for an array of any loaded module (NumPy's, CuPy's, the stand-in's)."""
    return type(value) in ARRAYS or isinstance(value, xp.ndarray)


def is_device(array):
    """True for a device (CuPy or stand-in) array: the test that picks an op's device path."""
    return type(array) is not xp.ndarray and type(array) in ARRAYS


def asarray(value, dtype=None):
    """`value` as an array where it lives: a device array stays on its device (cast to dtype),
    anything else (host data, Python or NumPy scalars) becomes a NumPy array."""
    if type(value) in ARRAYS and type(value) is not xp.ndarray:
        return value if dtype is None else value.astype(dtype, copy=False)
    return xp.asarray(value, dtype=dtype)


def array(value, dtype=None):
    """As `asarray`, always a copy."""
    if type(value) in ARRAYS and type(value) is not xp.ndarray:
        return value.astype(value.dtype if dtype is None else dtype, copy=True)
    return xp.array(value, dtype=dtype, copy=True)


def device_of(array):
    """The device an array lives on."""
    if type(array) is xp.ndarray or type(array) not in ARRAYS:
        return CPU
    return device("cuda", array.device.id)


def to_numpy(array):
    """A host (NumPy) array: itself when it is one, else a copy from the device (a sync)."""
    if type(array) is xp.ndarray or type(array) not in ARRAYS:
        return array
    return array.get()


def to_device(array, target):
    """`array` (any module's) on device `target`: itself when already there, else a copy."""
    if type(target) is not device:
        target = device(target)
    if target.type == "cpu":
        return to_numpy(array)
    module = cuda_module()
    if module is None:
        raise RuntimeError(cuda_missing())
    index = 0 if target.index is None else target.index
    if type(array) is module.ndarray and array.device.id == index:
        return array
    with module.cuda.Device(index):
        return module.asarray(array) if type(array) is not module.ndarray else module.array(array, copy=True)


def uniform(generator, shape, like):
    """Floats uniform in [0, 1) of `shape` on the device of array `like`, from dyngrad's
    `generator` (a NumPy Generator): on the host `generator.random(shape)` itself; on a device
    from a counter-based Philox generator seeded with one integer drawn from `generator`, so
    nothing is uploaded and `manual_seed` or a restored state draw the same numbers again
    (the device's numbers, not the host's)."""
    if not is_device(like):
        return generator.random(shape)
    module = _MODULES[type(like)]
    seed = int(generator.integers(2 ** 63))
    with module.cuda.Device(like.device.id):
        return module.random.default_rng(module.random.Philox4x3210(seed)).random(shape)


def synchronize(target=None):
    """Wait for the work queued on a CUDA device (the current one by default)."""
    module = cuda_module()
    if module is None:
        raise RuntimeError(cuda_missing())
    index = None if target is None else device(target).index
    module.cuda.Device(index if index is not None else module.cuda.Device().id).synchronize()


__all__ = ["ARRAYS", "CPU", "array", "array_module", "asarray", "cuda_missing", "cuda_module", "device",
           "device_count", "device_of", "errstate", "is_array", "is_device", "synchronize", "to_device",
           "to_numpy", "uniform", "use_cuda_backend", "xp"]
