"""Layers: thin Modules that hold parameters and call `nn.functional`.

Shapes and initialisation follow PyTorch, so weights can be copied one to one:
Linear.weight is (out_features, in_features), Conv2d.weight (out, in, kh, kw).
Parameters are float32 unless a layer is given `dtype=`.
"""
import numpy as np

from . import functional as F
from . import init
from .loss import CrossEntropyLoss, MSELoss  # issue9-nnf: the loss modules live in nn/loss.py
from .module import Module, Parameter

__all__ = ["AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "CrossEntropyLoss", "Dropout",
           "Flatten", "Identity", "LeakyReLU", "Linear", "MSELoss", "MaxPool2d", "ReLU", "Sequential",
           "Sigmoid", "Tanh"]


def _positive_int(layer, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")
    return int(value)


def _empty(shape, dtype):
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"parameters must be floating point, got dtype {dtype}")
    return Parameter(np.zeros(shape, dtype=dtype))


# ----- affine layers ---------------------------------------------------------------


class Linear(Module):
    """y = x @ weight.T + bias, weight (out_features, in_features), bias (out_features,)."""

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features = _positive_int("Linear", "in_features", in_features)
        self.out_features = _positive_int("Linear", "out_features", out_features)
        self.weight = _empty((self.out_features, self.in_features), dtype)
        self.bias = _empty((self.out_features,), dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.default_init_(self.weight, self.bias)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


# ----- reshaping -------------------------------------------------------


class Flatten(Module):
    """Merge axes start_dim..end_dim into one (by default all but the batch axis)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    def forward(self, input):
        return input


# ----- activations -----------------------------------------------------------------


class ReLU(Module):
    def forward(self, input):
        return F.relu(input)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


# ----- regularisation and normalisation --------------------------------------------


class Dropout(Module):
    """Inverted dropout with probability p in training mode; the identity in eval mode."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = F.check_dropout_probability(p, "Dropout")

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class _BatchNorm(Module):
    _input_dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 dtype=None):
        super().__init__()
        self.num_features = _positive_int(type(self).__name__, "num_features", num_features)
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"{type(self).__name__}: momentum must be in [0, 1] or None, got {momentum!r}")
        if not eps > 0:
            raise ValueError(f"{type(self).__name__}: eps must be positive, got {eps!r}")
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        shape = (self.num_features,)
        self.weight = init.ones_(_empty(shape, dtype)) if affine else None
        self.bias = _empty(shape, dtype) if affine else None
        if track_running_stats:
            dtype = np.float32 if dtype is None else dtype
            self.register_buffer("running_mean", np.zeros(shape, dtype=dtype))
            self.register_buffer("running_var", np.ones(shape, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, input):
        if input.ndim not in self._input_dims:
            raise ValueError(f"{type(self).__name__}: expected a {' or '.join(map(str, self._input_dims))}-D "
                             f"input, got shape {input.shape}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected input with "
                             f"{self.num_features} channels (axis 1), got shape {input.shape}")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:       # cumulative moving average, as PyTorch
                momentum = 1.0 / float(self.num_batches_tracked)
        use_batch_stats = self.training or self.running_mean is None
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            use_batch_stats, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) input, per channel C (see F.batch_norm)."""
    _input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) input, per channel C (see F.batch_norm)."""
    _input_dims = (4,)


# ----- containers ------------------------------------------------------------------

# issue10-nn: Sequential lives in nn/containers.py (beside ModuleList, ModuleDict, ...); Unflatten

from .containers import Sequential  # noqa: E402  (re-exported: it lived here first)

__all__ += ["Unflatten"]


class Unflatten(Module):
    """Split axis `dim` into `unflattened_size` (one entry may be -1), the inverse of Flatten."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"Unflatten: dim must be an int, got {type(dim).__name__}")
        sizes = tuple(unflattened_size) if isinstance(unflattened_size, (tuple, list)) else None
        if not sizes or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or (s <= 0 and s != -1)
                            for s in sizes) or list(sizes).count(-1) > 1:
            raise ValueError("Unflatten: unflattened_size must be a non-empty tuple of positive ints "
                             f"(one may be -1), got {unflattened_size!r}")
        self.dim, self.unflattened_size = int(dim), tuple(int(s) for s in sizes)

    def forward(self, input):
        shape = input.shape
        if not -len(shape) <= self.dim < len(shape):
            raise ValueError(f"Unflatten: dim {self.dim} is out of range for an input of shape {shape}")
        dim = self.dim % len(shape)
        known = int(np.prod([s for s in self.unflattened_size if s != -1]))
        if (shape[dim] % known if -1 in self.unflattened_size else shape[dim] != known):
            raise ValueError(f"Unflatten: sizes {self.unflattened_size} don't multiply to {shape[dim]}, "
                             f"the size of dim {self.dim} of the input of shape {shape}")
        return input.reshape(shape[:dim] + self.unflattened_size + shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


# issue9-nnf: Conv2d lives in nn/conv.py (beside Conv1d and ConvTranspose2d), MaxPool2d and
# AvgPool2d in nn/pooling.py; conv.py builds on the helpers above, so they are imported last.
from .conv import Conv2d  # noqa: E402
from .pooling import AvgPool2d, MaxPool2d  # noqa: E402
