"""Normalisation layers' math and embedding, as compositions of engine ops.

batch_norm, instance_norm, layer_norm and group_norm all standardise x over some axes,

    x_hat = (x - mean) / sqrt(var + eps)        (biased variance, as PyTorch)

then scale and shift per channel (or per element of normalized_shape). They are built
from Mean, Sub, Mul, Sqrt and Div, so the gradient, including the terms through the mean
and the variance, and its second derivative come from those ops' rules. float16 inputs
are standardised in float32 (a variance of 300**2 overflows float16's 65504; counts lose
precision) and the result is returned in float16, as PyTorch does.
Axes: N (batch), C (channels, axis 1), then the spatial axes.
"""
from numbers import Real

from autograd.backend import asarray, xp
from autograd.ops.elementwise import where
from autograd.ops.validation import as_array, is_int
from autograd.tensor import Tensor


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over axis 1 (channels) of input (N, C) or (N, C, *spatial).

    training: each channel c is normalised by the statistics of its n = N * prod(spatial)
    values, with the biased variance; then y = weight_c * x_hat + bias_c. The running
    statistics, when given, are updated in place (PyTorch's rule, unbiased variance):
        running_mean = (1 - momentum) * running_mean + momentum * mean_c
        running_var  = (1 - momentum) * running_var + momentum * var_c * n / (n - 1)
    not training: the running statistics normalise instead of the batch's.
    """
    op = "batch_norm"
    x = _input(op, input, min_dims=2)
    channels = x.shape[1]
    _check_stats(op, x, channels, running_mean, running_var)
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        count = x.data.size // channels
        if count <= 1:
            raise ValueError(f"{op}: expected more than 1 value per channel when training, "
                             f"got input of shape {x.shape}")
        x_hat, mean, var = _standardize(x, axes, eps)
        _update(running_mean, mean.data.reshape(channels), momentum)
        _update(running_var, var.data.reshape(channels) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: running_mean and running_var are needed when not training")
        x_hat = _with_stats(x, running_mean, running_var, eps, _channel_shape(x))
    return _affine(op, x_hat, weight, bias, (channels,), _channel_shape(x), x.dtype)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Each (n, c) plane of input (N, C, *spatial) standardised by its own statistics.

    With running statistics given and use_input_stats, they are updated with the batch
    average of the per-instance mean and unbiased variance (PyTorch's rule); with
    use_input_stats=False the running statistics normalise instead.
    """
    op = "instance_norm"
    x = _input(op, input, min_dims=3)
    channels = x.shape[1]
    _check_stats(op, x, channels, running_mean, running_var)
    if use_input_stats:
        count = x.data.size // (x.shape[0] * channels)
        if count <= 1:
            raise ValueError(f"{op}: expected more than 1 spatial element when training, got input of shape {x.shape}")
        x_hat, mean, var = _standardize(x, tuple(range(2, x.ndim)), eps)
        _update(running_mean, mean.data.reshape(x.shape[:2]).mean(axis=0), momentum)
        _update(running_var, var.data.reshape(x.shape[:2]).mean(axis=0) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: running_mean and running_var are needed when use_input_stats=False")
        x_hat = _with_stats(x, running_mean, running_var, eps, _channel_shape(x))
    return _affine(op, x_hat, weight, bias, (channels,), _channel_shape(x), x.dtype)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Standardise over the trailing axes given by normalized_shape; weight and bias have that shape."""
    op = "layer_norm"
    shape = (normalized_shape,) if is_int(normalized_shape) else tuple(normalized_shape)
    if not shape or not all(is_int(s) and s > 0 for s in shape):
        raise ValueError(f"{op}: normalized_shape must be a positive int or a non-empty tuple of them, "
                         f"got {normalized_shape!r}")
    x = _input(op, input, min_dims=len(shape))
    if x.shape[x.ndim - len(shape):] != shape:
        raise ValueError(f"{op}: input of shape {x.shape} does not end with normalized_shape {shape}")
    x_hat, _, _ = _standardize(x, tuple(range(x.ndim - len(shape), x.ndim)), eps)
    return _affine(op, x_hat, weight, bias, shape, shape, x.dtype)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Channels split into num_groups groups; each (n, group) standardised over its channels and spatial axes."""
    op = "group_norm"
    x = _input(op, input, min_dims=2)
    N, C = x.shape[:2]
    if not is_int(num_groups) or num_groups <= 0 or C % num_groups:
        raise ValueError(f"{op}: num_groups must be a positive int dividing the {C} channels of input "
                         f"{x.shape}, got {num_groups!r}")
    grouped = x.reshape(N, num_groups, -1)                         # (N, G, C/G * prod(spatial))
    x_hat, _, _ = _standardize(grouped, (2,), eps)
    return _affine(op, x_hat.reshape(x.shape), weight, bias, (C,), _channel_shape(x), x.dtype)


def embedding(input, weight, padding_idx=None):
    """Rows of weight (num_embeddings, embedding_dim) picked by the integer indices input: (*, embedding_dim).

    dL/dweight adds g's rows at their indices (GetItem's rule, repeats accumulate); the
    row padding_idx gets no gradient, as PyTorch.
    """
    op = "embedding"
    indices = input.data if isinstance(input, Tensor) else asarray(input)
    if not xp.issubdtype(indices.dtype, xp.integer):
        raise TypeError(f"{op}: input must hold integer indices, got dtype {indices.dtype}")
    w = as_array(weight)
    if w.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape {w.shape}")
    rows = w.shape[0]
    if indices.size and (indices.min() < -rows or indices.max() >= rows):
        bad = indices[(indices < -rows) | (indices >= rows)].flat[0]
        raise IndexError(f"{op}: index {bad} is out of range for a weight of {rows} rows")
    weight = weight if isinstance(weight, Tensor) else Tensor(weight)
    out = weight[indices.copy()]
    if padding_idx is None:
        return out
    if not is_int(padding_idx) or not -rows <= padding_idx < rows:
        raise ValueError(f"{op}: padding_idx must be an int in [{-rows}, {rows}), got {padding_idx!r}")
    keep = (indices != padding_idx % rows)[..., None]
    return where(keep, out, out.data)                              # same values; no gradient to that row


# ---------------------------------------------------------------------------- helpers

def _input(op, input, min_dims):
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    if x.ndim < min_dims:
        raise ValueError(f"{op}: input must have at least {min_dims} dimensions, got shape {x.shape}")
    return x


def _computed(x):
    return x.astype(xp.float32) if x.dtype == xp.float16 else x


def _standardize(x, axes, eps):
    """((x - mean) / sqrt(var + eps), mean, var) over axes, keepdims, in the compute dtype."""
    if isinstance(eps, bool) or not isinstance(eps, Real) or not eps >= 0:
        raise ValueError(f"eps must be a non-negative number, got {eps!r}")
    x = _computed(x)
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    return centered / (var + eps).sqrt(), mean, var


def _with_stats(x, running_mean, running_var, eps, shape):
    x = _computed(x)
    inv_std = 1.0 / xp.sqrt(as_array(running_var).astype(x.dtype) + eps)
    return (x - as_array(running_mean).astype(x.dtype).reshape(shape)) * inv_std.reshape(shape)


def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)                   # broadcasts over N and spatial axes


def _check_stats(op, x, channels, running_mean, running_var):
    for name, array in (("running_mean", running_mean), ("running_var", running_var)):
        if array is not None and xp.shape(as_array(array)) != (channels,):
            raise ValueError(f"{op}: {name} must have shape ({channels},) for input {x.shape}, "
                             f"got {xp.shape(as_array(array))}")


def _update(running, value, momentum):
    """running = (1 - momentum) running + momentum value, in place (a buffer, outside the graph)."""
    if running is None:
        return
    running = as_array(running)
    running *= 1 - momentum
    running += (momentum * value).astype(running.dtype)


def _affine(op, x_hat, weight, bias, expected, shape, dtype):
    """weight * x_hat + bias (each optional, of shape `expected`), returned in `dtype`."""
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(as_array(p).shape) != expected:
            raise ValueError(f"{op}: {name} must have shape {expected}, got {tuple(as_array(p).shape)}")
    if weight is not None:
        x_hat = x_hat * _joined(weight, x_hat.dtype).reshape(shape)
    if bias is not None:
        x_hat = x_hat + _joined(bias, x_hat.dtype).reshape(shape)
    return x_hat.astype(dtype) if x_hat.dtype != dtype else x_hat


def _joined(parameter, dtype):
    """A float16 parameter joins float32 statistics (its gradient comes back in float16)."""
    if not isinstance(parameter, Tensor):
        return asarray(parameter, dtype=dtype)
    return parameter.astype(dtype) if parameter.dtype == xp.float16 and dtype != xp.float16 else parameter
