"""Devices: `autograd.device("cuda:1")`, `Tensor.device`, and the check behind every `device=`.

The device class and the array modules live in `autograd/backend.py`; a CUDA device is
usable when CuPy sees a GPU, or the stand-in device is chosen (DYNGRAD_CUDA=standin).
"""
from .backend import CPU, cuda_missing, device, device_count


def as_device(value, op):
    """`value` (None, a string or a device) as a usable device; None is the CPU."""
    if value is None:
        return CPU
    if not isinstance(value, (str, device)):
        raise TypeError(f"{op}: device must be a string or an autograd.device, got {value!r}")
    result = device(value)
    if result.type == "cuda":
        missing = cuda_missing()
        if missing is not None:
            raise RuntimeError(f"{op}: device {str(result)!r} is not available: {missing}")
        if (result.index or 0) >= device_count():
            raise RuntimeError(f"{op}: device {str(result)!r} is not available: "
                               f"{device_count()} CUDA device(s)")
    return result


__all__ = ["CPU", "as_device", "device"]
