"""Convolution layers: Conv1d, Conv2d, ConvTranspose2d, thin Modules over nn.functional.

Weights have PyTorch's shapes, so they copy one to one: Conv2d (out, in/groups, kh, kw),
Conv1d (out, in/groups, k), ConvTranspose2d (in, out/groups, kh, kw); PyTorch's default
initialisation. padding_mode other than 'zeros' pads with F.pad first, as PyTorch does.
"""
from autograd.ops.conv import _padding
from autograd.ops.validation import pair

from . import functional as F
from . import init
from .layers import _empty, _positive_int
from .module import Module

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    dims = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 padding_mode, dtype, output_padding=0):
        super().__init__()
        name = type(self).__name__
        self.in_channels = _positive_int(name, "in_channels", in_channels)
        self.out_channels = _positive_int(name, "out_channels", out_channels)
        self.groups = _positive_int(name, "groups", groups)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups})")
        if padding_mode not in PADDING_MODES or (self.transposed and padding_mode != "zeros"):
            allowed = ("zeros",) if self.transposed else PADDING_MODES
            raise ValueError(f"{name}: padding_mode must be one of {allowed}, got {padding_mode!r}")
        self.padding_mode = padding_mode
        self.kernel_size = self._tuple("kernel_size", kernel_size, 1)
        self.stride = self._tuple("stride", stride, 1)
        self.dilation = self._tuple("dilation", dilation, 1)
        self.output_padding = self._tuple("output_padding", output_padding, 0)
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self.transposed:
                allowed = "an int or a tuple" if self.transposed else "an int, a tuple, 'valid' or 'same'"
                raise ValueError(f"{name}: padding must be {allowed}, got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = self._tuple("padding", padding, 0)
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = _empty(shape, dtype)
        self.bias = _empty((out_channels,), dtype) if bias else None
        self.reset_parameters()

    def _tuple(self, name, value, minimum):
        if self.dims == 2:
            return pair(type(self).__name__, name, value, minimum)
        both = pair(type(self).__name__, name, value[0] if isinstance(value, (tuple, list)) and len(value) == 1
                    else value, minimum)
        if both[0] != both[1]:
            raise TypeError(f"{type(self).__name__}: {name} must be an int or a 1-tuple, got {value!r}")
        return both[:1]

    def reset_parameters(self):
        init.default_init_(self.weight, self.bias)

    def _padded(self, input):
        """(input, padding for the conv): padding_mode != 'zeros' pads here with F.pad."""
        if self.padding_mode == "zeros":
            return input, self.padding
        kernel = (1,) * (2 - self.dims) + self.kernel_size
        dilation = (1,) * (2 - self.dims) + self.dilation
        padding = self.padding if isinstance(self.padding, str) else (0,) * (2 - self.dims) + self.padding
        top, bottom, left, right = _padding(type(self).__name__, padding, kernel, (1, 1) if padding == "same"
                                            else (1,) * (2 - self.dims) + self.stride, dilation)
        widths = (left, right) if self.dims == 1 else (left, right, top, bottom)
        return F.pad(input, widths, mode=self.padding_mode), 0

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding not in ((0,) * self.dims, "valid"):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode!r}"
        return text


class Conv2d(_ConvNd):
    """2-D convolution of (N, C_in, H, W) input; weight (C_out, C_in/groups, kh, kw), bias (C_out,)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype)

    def forward(self, input):
        input, padding = self._padded(input)
        return F.conv2d(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution of (N, C_in, L) input; weight (C_out, C_in/groups, k), bias (C_out,)."""
    dims = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype)

    def forward(self, input):
        input, padding = self._padded(input)
        if isinstance(padding, tuple):
            padding = padding[0]
        return F.conv1d(input, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the adjoint of Conv2d); weight (C_in, C_out/groups, kh, kw)."""
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype, output_padding)

    def forward(self, input):
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)
