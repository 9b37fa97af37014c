"""Normalisation layers beyond batch norm: LayerNorm, GroupNorm, InstanceNorm1d/2d.

Each holds its parameters (weight = 1, bias = 0 at initialisation, as PyTorch) and
buffers, and calls the nn.functional op of the same name (autograd/ops/norm.py).
"""
import numpy as np

from . import functional as F
from . import init
from .layers import _BatchNorm, _empty, _positive_int
from .module import Module

__all__ = ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "LayerNorm"]


class LayerNorm(Module):
    """Standardise over the trailing normalized_shape axes; weight and bias of that shape."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else normalized_shape
        self.normalized_shape = tuple(_positive_int("LayerNorm", "normalized_shape", s) for s in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = init.ones_(_empty(self.normalized_shape, dtype)) if elementwise_affine else None
        self.bias = _empty(self.normalized_shape, dtype) if elementwise_affine and bias else None

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Split num_channels into num_groups groups, standardise each; per-channel weight and bias."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=None):
        super().__init__()
        self.num_groups = _positive_int("GroupNorm", "num_groups", num_groups)
        self.num_channels = _positive_int("GroupNorm", "num_channels", num_channels)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.eps, self.affine = eps, affine
        self.weight = init.ones_(_empty((num_channels,), dtype)) if affine else None
        self.bias = _empty((num_channels,), dtype) if affine else None

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm({self.num_groups}, {self.num_channels}): expected input with "
                             f"{self.num_channels} channels (axis 1), got shape {input.shape}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(_BatchNorm):
    """As PyTorch: affine and track_running_stats default to False; an unbatched input (C, *) works."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)

    def forward(self, input):
        name = type(self).__name__
        batched = self._input_dims[-1]
        if input.ndim not in self._input_dims:
            raise ValueError(f"{name}: expected a {batched - 1}-D (unbatched) or {batched}-D input, "
                             f"got shape {input.shape}")
        unbatched = input.ndim == batched - 1
        x = input.reshape((1,) + input.shape) if unbatched else input
        if x.shape[1] != self.num_features:
            raise ValueError(f"{name}({self.num_features}): expected input with {self.num_features} channels, "
                             f"got shape {input.shape}")
        use_input_stats = self.training or not self.track_running_stats
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              use_input_stats, 0.1 if self.momentum is None else self.momentum, self.eps)
        return out.reshape(input.shape) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) or unbatched (C, L) input."""
    _input_dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) or unbatched (C, H, W) input."""
    _input_dims = (3, 4)
