"""Copies and conversions: clone, contiguous, `Tensor.to(dtype/device)` and `Tensor.type()`.

A move to another device is an op (ToDevice): the gradient flows back to the source device.

A conversion to a floating dtype stays in the graph (`astype`); one to an integer or bool
dtype gives a tensor outside the graph, as in PyTorch (`scores.argmax(1).long()`,
`mask.float()` both work on tensors that require grad).
"""
from .. import dtypes
from ..backend import device_of, to_device
from ..device import as_device
from ..device import device as Device
from ..function import Function
from ..tensor import Tensor
from .elementwise import astype


class Clone(Function):
    """y = a C-contiguous copy of x;  dL/dx = g."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class ToDevice(Function):
    """y = x on device `target` (a copy);  dL/dx = g moved back to x's device."""

    @staticmethod
    def forward(ctx, x, *, target):
        ctx.source = device_of(x)
        return to_device(x, target)

    @staticmethod
    def backward(ctx, grad):
        return ToDevice.apply(grad, target=ctx.source)


def clone(input):
    """A differentiable copy: the new tensor's data is its own, its gradient flows to input."""
    return Clone.apply(input)


def contiguous(input):
    """The tensor itself when its array is C-contiguous, else a differentiable contiguous copy."""
    return input if input.data.flags.c_contiguous else Clone.apply(input)


def _convert(input, dtype, copy):
    if dtype == input.dtype:
        return clone(input) if copy else input
    if dtype.kind == "f":
        return astype(input, dtype)
    return Tensor._make(input.data.astype(dtype))


def to(input, *args, dtype=None, device=None, non_blocking=False, copy=False):
    """`to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)` (other's dtype and device),
    or the same as keywords. Returns the tensor itself when nothing changes (unless copy=True)."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype, device = arg.dtype, arg.device
        elif isinstance(arg, (str, Device)) and not _is_type_name(arg):
            device = arg
        else:
            dtype = arg
    target = as_device(device, "to") if device is not None else None
    if target is not None and target.type == "cuda" and target.index is None:
        target = Device("cuda", 0)
    if target is not None and target != input.device:
        input = ToDevice.apply(input, target=target)
        copy = False  # the move made a copy
    return _convert(input, input.dtype if dtype is None else dtypes.as_dtype(dtype, "to"), copy)


def _is_type_name(value):
    return isinstance(value, str) and value in dtypes.TYPE_NAMES.values()


def type_(input, dtype=None, non_blocking=False):
    """Without an argument, PyTorch's type name ("torch.FloatTensor"); with a dtype or a type
    name, the tensor converted to it (as `to`)."""
    if dtype is None:
        name = dtypes.TYPE_NAMES[input.dtype]
        return name.replace("torch.", "torch.cuda.") if input.is_cuda else name
    if isinstance(dtype, str) and dtype.startswith("torch.cuda."):
        return to(input, as_device("cuda", "type"), dtypes.as_dtype(dtype.replace("cuda.", ""), "type"))
    return _convert(input, dtypes.as_dtype(dtype, "type"), False)

