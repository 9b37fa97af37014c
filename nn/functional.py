"""The math of the network, with torch.nn.functional's names: `import nn.functional as F`.

Most functions are the engine's ops re-exported; the rest (dropout, batch_norm,
mse_loss, multi_margin_loss) are short compositions of engine ops, so their gradients
come from the engine's backward rules and no backward code lives here.
"""
import math
import numbers

import numpy as np

from autograd import Tensor
from autograd.ops.conv import conv2d
from autograd.ops.elementwise import leaky_relu, relu, sigmoid, tanh
from autograd.ops.linalg import linear
from autograd.ops.loss import cross_entropy, log_softmax, multiclass_hinge_loss, softmax
from autograd.ops.pool import avg_pool2d, max_pool2d
from autograd.ops.shape import flatten

from .init import default_generator
from .module import _raw

__all__ = ["avg_pool2d", "batch_norm", "conv2d", "cross_entropy", "dropout", "flatten", "leaky_relu",
           "linear", "log_softmax", "max_pool2d", "mse_loss", "multi_margin_loss",
           "multiclass_hinge_loss", "relu", "sigmoid", "softmax", "tanh"]

_REDUCTIONS = ("mean", "sum", "none")


def dropout(input, p=0.5, training=True):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p).

    The expected value is unchanged, so evaluation (training=False) is the identity.
    The mask is drawn from the generator that `nn.manual_seed` seeds.
    """
    check_dropout_probability(p)
    if not training or p == 0:
        return input
    keep = default_generator().random(input.shape) >= p
    return input * (keep / (1 - p)).astype(input.dtype)


def check_dropout_probability(p, where="dropout"):
    """Return ``p`` as a float when it is a real number in [0, 1); else ValueError naming ``where``.

    The one check behind F.dropout, nn.Dropout and FullyConnectedNet(dropout=).
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
        raise ValueError(f"{where}: probability p must be in [0, 1), got {p!r}")
    return float(p)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over axis 1 (channels) of input (N, C) or (N, C, *spatial).

    training: each channel c is normalised by the statistics of its n = N * prod(spatial)
    values, x_hat = (x - mean_c) / sqrt(var_c + eps) with the biased variance; then
    y = weight_c * x_hat + bias_c. The running statistics, when given, are updated in
    place (PyTorch's rule, unbiased variance):
        running_mean = (1 - momentum) * running_mean + momentum * mean_c
        running_var  = (1 - momentum) * running_var + momentum * var_c * n / (n - 1)
    not training: the running statistics normalise instead of the batch's.
    Composed of engine ops (mean, sub, mul, sqrt, div), so the gradient, including the
    terms through mean_c and var_c, comes from the engine.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: input must have shape (N, C, ...), got {input.shape}")
    channels = input.shape[1]
    for name, array in (("running_mean", running_mean), ("running_var", running_var)):
        if array is not None and np.shape(array) != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) for input "
                             f"{input.shape}, got {np.shape(array)}")
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)          # broadcasts over N and spatial axes
    # float16 has too little range for the statistics (a variance of 300**2 overflows its
    # 65504) and too little precision for counts; as PyTorch, compute in float32 and
    # return the input's dtype. Weights and running statistics may be float16 or float32.
    out_dtype = input.dtype
    compute = np.dtype(np.float32) if out_dtype == np.float16 else out_dtype
    x = input.astype(compute) if isinstance(input, Tensor) else input
    if training:
        count = math.prod(input.shape) // channels
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {input.shape}")
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        x_hat = centered / (var + eps).sqrt()
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += (momentum * mean.data.reshape(channels)).astype(running_mean.dtype)
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += ((momentum * count / (count - 1))
                            * var.data.reshape(channels)).astype(running_var.dtype)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not training")
        inv_std = 1.0 / np.sqrt(running_var.astype(compute) + eps)
        x_hat = (x - running_mean.astype(compute).reshape(shape)) * inv_std.reshape(shape)
    if weight is not None:
        x_hat = x_hat * _in_dtype(weight, compute).reshape(shape)
    if bias is not None:
        x_hat = x_hat + _in_dtype(bias, compute).reshape(shape)
    return x_hat.astype(out_dtype) if compute != out_dtype else x_hat


def _in_dtype(parameter, dtype):
    """A float16 parameter joins float32 statistics (its gradient comes back in float16)."""
    if parameter.dtype == dtype or np.dtype(parameter.dtype) != np.float16:
        return parameter
    return parameter.astype(dtype)


def mse_loss(input, target, reduction="mean"):
    """Squared error (input - target)^2, averaged ('mean'), summed ('sum') or per element ('none')."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"mse_loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if tuple(np.shape(_raw(target))) != tuple(input.shape):
        raise ValueError(f"mse_loss: target shape {np.shape(_raw(target))} "
                         f"differs from input shape {input.shape}")
    diff = input - target
    squared = diff * diff
    if reduction == "mean":
        return squared.mean()
    if reduction == "sum":
        return squared.sum()
    return squared


def multi_margin_loss(input, target, margin=1.0, reduction="mean"):
    """torch.nn.functional.multi_margin_loss (p=1): the multiclass hinge loss divided by C.

    For CS231n's SVM loss (no division by C) use `multiclass_hinge_loss`.
    """
    if not isinstance(input, Tensor) or input.ndim != 2:
        raise ValueError(f"multi_margin_loss: input must be a 2-D Tensor (N, C), got {getattr(input, 'shape', input)}")
    return multiclass_hinge_loss(input, target, margin=margin, reduction=reduction) / input.shape[1]


# ----- shape, index, reduction ops (issue 9 ops) ----------------------------------------
from autograd.ops.movement import pad  # noqa: E402  torch's pad tuple and modes

__all__ += ["pad"]
