"""The math of the network, with torch.nn.functional's names: `import nn.functional as F`.

Most functions are the engine's ops re-exported (the losses live in autograd/ops/loss.py
and losses.py, the normalisations in norm.py); the dropouts, which draw from nn's
generator, are short compositions of engine ops here, so their gradients come from the
engine's backward rules and no backward code lives here.
"""
import math
import numbers

import numpy as np

from autograd.backend import uniform
from autograd.ops.conv import conv2d
from autograd.ops.elementwise import leaky_relu, relu, sigmoid, tanh
from autograd.ops.linalg import linear
from autograd.ops.loss import cross_entropy, log_softmax, multiclass_hinge_loss, softmax
from autograd.ops.pool import avg_pool2d, max_pool2d
from autograd.ops.shape import flatten

# ----- activations (issue9-math) ------------------------------------------------------
from autograd.ops.activation import (celu, elu, gelu, hardsigmoid, hardswish, hardtanh, logsigmoid, mish,
                                     prelu, relu6, selu, silu, softmin, softplus, softsign, tanhshrink)

from .init import default_generator

# ----- nn.functional families (issue9-nnf): conv, pool, norm, losses -----------------------------------
from autograd.ops.conv import conv1d
from autograd.ops.conv_transpose import conv_transpose2d
from autograd.ops.distance import cosine_similarity, normalize
from autograd.ops.norm import batch_norm, embedding, group_norm, instance_norm, layer_norm
from autograd.ops.pool import avg_pool1d, max_pool1d
from autograd.ops.resize import adaptive_avg_pool2d, adaptive_max_pool2d, interpolate
from autograd.ops.loss import multi_margin_loss, nll_loss, one_hot
from autograd.ops.losses import (binary_cross_entropy, binary_cross_entropy_with_logits, huber_loss, kl_div,
                                 l1_loss, margin_ranking_loss, mse_loss, smooth_l1_loss)

_NNF_NAMES = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "alpha_dropout", "avg_pool1d",
              "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv1d", "conv_transpose2d",
              "cosine_similarity", "dropout1d", "dropout2d", "embedding", "group_norm", "huber_loss",
              "instance_norm", "interpolate", "kl_div", "l1_loss", "layer_norm", "margin_ranking_loss",
              "max_pool1d", "nll_loss", "normalize", "one_hot", "smooth_l1_loss"]
# ----- end of issue9-nnf imports --------------------------------------------------------------

__all__ = ["avg_pool2d", "batch_norm", "conv2d", "cross_entropy", "dropout", "flatten", "leaky_relu",
           "linear", "log_softmax", "max_pool2d", "mse_loss", "multi_margin_loss",
           "multiclass_hinge_loss", "relu", "sigmoid", "softmax", "tanh"] + _NNF_NAMES
# ----- activations (issue9-math)
__all__ += ["celu", "elu", "gelu", "hardsigmoid", "hardswish", "hardtanh", "logsigmoid", "mish", "prelu",
            "relu6", "selu", "silu", "softmin", "softplus", "softsign", "tanhshrink"]


def dropout(input, p=0.5, training=True):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p).

    The expected value is unchanged, so evaluation (training=False) is the identity.
    The mask is drawn from the generator that `nn.manual_seed` seeds.
    """
    check_dropout_probability(p)
    if not training or p == 0:
        return input
    keep = uniform(default_generator(), input.shape, input.data) >= p
    return input * (keep / (1 - p)).astype(input.dtype)


def check_dropout_probability(p, where="dropout"):
    """Return ``p`` as a float when it is a real number in [0, 1); else ValueError naming ``where``.

    The one check behind F.dropout, nn.Dropout and FullyConnectedNet(dropout=).
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
        raise ValueError(f"{where}: probability p must be in [0, 1), got {p!r}")
    return float(p)


# ----- dropout variants (issue9-nnf) -----------------------------------------------


def dropout1d(input, p=0.5, training=True):
    """Zero whole channels: each (n, c) of input (N, C, L) (or (C, L)) with probability p, scale by 1/(1-p)."""
    return _channel_dropout("dropout1d", input, p, training, spatial=1)


def dropout2d(input, p=0.5, training=True):
    """Zero whole channels: each (n, c) of input (N, C, H, W) (or (C, H, W)) with probability p, scale by 1/(1-p)."""
    return _channel_dropout("dropout2d", input, p, training, spatial=2)


def _channel_dropout(op, input, p, training, spatial):
    check_dropout_probability(p, op)
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(f"{op}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D input, "
                         f"got shape {input.shape}")
    if not training or p == 0:
        return input
    channels = input.shape[:input.ndim - spatial]                  # (N, C) or (C,)
    keep = uniform(default_generator(), channels + (1,) * spatial, input.data) >= p
    return input * (keep / (1 - p)).astype(input.dtype)


# SELU's fixed point: alpha * scale of selu, so that alpha dropout keeps mean 0 and variance 1.
_SELU_NEGATIVE = -1.7580993408473766


def alpha_dropout(input, p=0.5, training=False):
    """Dropout for SELU networks: dropped elements become -alpha*scale of SELU, then an affine
    map a x + b restores zero mean and unit variance (a = ((1-p)(1 + p alpha'^2))^-1/2,
    b = -a alpha' p). Identity when not training. dL/dx = a * keep.
    """
    check_dropout_probability(p, "alpha_dropout")
    if not training or p == 0:
        return input
    keep = uniform(default_generator(), input.shape, input.data) >= p
    a = ((1 - p) * (1 + p * _SELU_NEGATIVE ** 2)) ** -0.5
    b = -a * _SELU_NEGATIVE * p
    scale = (a * keep).astype(input.dtype)
    shift = (a * _SELU_NEGATIVE * ~keep + b).astype(input.dtype)
    return input * scale + shift


# ----- shape, index, reduction ops (issue 9 ops) ----------------------------------------
from autograd.ops.movement import pad  # noqa: E402  torch's pad tuple and modes

__all__ += ["pad"]
