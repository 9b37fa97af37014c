"""Dropout variants: channel dropout (Dropout1d/2d) and AlphaDropout; identities in eval mode."""
from . import functional as F
from .module import Module

__all__ = ["AlphaDropout", "Dropout1d", "Dropout2d"]


class _DropoutNd(Module):
    function = None

    def __init__(self, p=0.5):
        super().__init__()
        self.p = F.check_dropout_probability(p, type(self).__name__)

    def forward(self, input):
        return type(self).function(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) input with probability p (F.dropout1d)."""
    function = F.dropout1d


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) or (C, H, W) input with probability p (F.dropout2d)."""
    function = F.dropout2d


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU activations at zero mean and unit variance (F.alpha_dropout)."""
    function = F.alpha_dropout
