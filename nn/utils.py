"""torch.nn.utils: gradient clipping and flattening parameters into one vector.

Gradients are Tensors (`p.grad`); clipping changes them in place under `no_grad()`
(bumping their version, as any in-place op), so the Tensor objects an optimizer or a
hook holds see the clipped values. Norms are computed in the gradients' dtype, as
PyTorch does, and the clip coefficient is `max_norm / (total_norm + 1e-6)`, clamped to 1.
"""
import math
import numbers

import numpy as np

import autograd
from autograd import Tensor, no_grad
from autograd.backend import array_module, asarray

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters"]


def _tensors(parameters, name):
    """A list from a Tensor or an iterable of Tensors (PyTorch accepts both)."""
    if isinstance(parameters, Tensor):
        return [parameters]
    try:
        tensors = list(parameters)
    except TypeError:
        raise TypeError(f"{name}: parameters must be a Tensor or an iterable of Tensors, "
                        f"got {type(parameters).__name__}") from None
    for i, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{name}: parameter {i} is a {type(tensor).__name__}, not a Tensor")
    return tensors


def _number(value, name, argument):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: {argument} must be a number, got {type(value).__name__}")
    return float(value)


def _norm_type(norm_type, name):
    if isinstance(norm_type, str) and norm_type in ("inf", "-inf"):
        return float(norm_type)
    return _number(norm_type, name, "norm_type")


def _vector_norm(array, norm_type):
    """torch.linalg.vector_norm of a whole array, in its dtype."""
    flat = array.reshape(-1)
    if flat.size == 0:
        return array_module(array).zeros((), dtype=array.dtype)
    return asarray(np.linalg.norm(flat, ord=norm_type), dtype=array.dtype)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of `tensors` (all of them as one vector), a 0-d Tensor."""
    tensors = _tensors(tensors, "get_total_norm")
    norm_type = _norm_type(norm_type, "get_total_norm")
    if not tensors:
        return Tensor(np.zeros((), dtype=np.float32))
    norms = [_vector_norm(t.data, norm_type) for t in tensors]
    dtype = np.result_type(*norms)
    total = _vector_norm(np.stack([n.astype(dtype) for n in norms]), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error and scale the "
                           "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), in place."""
    parameters = _tensors(parameters, "clip_grads_with_norm_")
    max_norm = _number(max_norm, "clip_grads_with_norm_", "max_norm")
    total = asarray(total_norm.data if isinstance(total_norm, Tensor) else total_norm)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    coefficient = np.minimum(max_norm / (total + total.dtype.type(1e-6)), total.dtype.type(1.0))
    with no_grad():
        for grad in grads:
            grad.mul_(coefficient.astype(grad.dtype))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Clip the gradients' total norm to `max_norm`, in place; returns the total norm before clipping.

    norm_type: any p for the p-norm, float('inf') (or "inf") for the max-abs norm. `foreach`
    is accepted for PyTorch compatibility (NumPy has one code path).
    """
    parameters = _tensors(parameters, "clip_grad_norm_")
    _number(max_norm, "clip_grad_norm_", "max_norm")
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient into [-clip_value, clip_value], in place."""
    parameters = _tensors(parameters, "clip_grad_value_")
    clip_value = _number(clip_value, "clip_grad_value_", "clip_value")
    with no_grad():
        for param in parameters:
            if param.grad is not None:
                param.grad.copy_(np.clip(param.grad.data, -clip_value, clip_value))


def parameters_to_vector(parameters):
    """One 1-D Tensor of every parameter, flattened and concatenated (in the graph)."""
    parameters = _tensors(parameters, "parameters_to_vector")
    if not parameters:
        raise ValueError("parameters_to_vector: no parameters given")
    return autograd.concatenate([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D Tensor `vec` into the parameters, in place."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {vec.shape}")
    parameters = _tensors(parameters, "vector_to_parameters")
    sizes = [math.prod(p.shape) for p in parameters]
    if sum(sizes) != vec.shape[0]:
        raise ValueError(f"vector_to_parameters: vec has {vec.shape[0]} elements but the parameters "
                         f"have {sum(sizes)}")
    offsets = np.cumsum([0] + sizes)
    with no_grad():
        for param, start, stop in zip(parameters, offsets[:-1], offsets[1:]):
            param.copy_(vec.data[start:stop].reshape(param.shape))
