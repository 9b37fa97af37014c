"""Devices: `autograd.device("cpu")`, `Tensor.device`, and the check behind every `device=`.

Only the CPU exists today (`autograd.cuda.is_available()` is False). A CUDA device can be
named, as in PyTorch, but putting a tensor there is a clear error until a GPU backend
(CuPy, chosen in `autograd/backend.py`) is added.
"""
from .ops.validation import is_int

_TYPES = ("cpu", "cuda")


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
        if type not in _TYPES:
            raise ValueError(f"device: expected one of {', '.join(_TYPES)} device type at the start "
                             f"of the device string, got {type!r}")
        if index is not None and (not is_int(index) or index < 0):
            raise ValueError(f"device: the index must be a non-negative int, got {index!r}")
        self.type = type
        self.index = None if index is None else int(index)

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


def as_device(value, op):
    """`value` (None, a string or a device) as the CPU device; any other device is an error."""
    if value is None:
        return CPU
    if not isinstance(value, (str, device)):
        raise TypeError(f"{op}: device must be a string or an autograd.device, got {value!r}")
    result = device(value)
    if result.type != "cpu":
        raise RuntimeError(f"{op}: device {str(result)!r} is not available: dyngrad has no GPU backend "
                           "yet (autograd.cuda.is_available() is False); use the CPU")
    return CPU
