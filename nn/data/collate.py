"""default_collate and default_convert, as in torch.utils.data.

default_collate turns a list of samples into a batch, recursively: Tensors and NumPy
arrays are stacked into one Tensor (a new array: a batch never shares memory with the
dataset), Python floats become a float64 Tensor, ints an int64 Tensor, bools a bool
Tensor, NumPy scalars a Tensor of their dtype; strings stay a list; dicts, tuples, lists
and namedtuples are collated field by field (a tuple gives a list, as in PyTorch).
Batches are new leaf Tensors, outside any graph.
"""
import collections.abc

import numpy as np

from autograd import Tensor

__all__ = ["default_collate", "default_convert"]

_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _stack(arrays):
    shapes = [a.shape for a in arrays]
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but got "
                               f"{list(shapes[0])} at entry 0 and {list(shape)} at entry {i}")
    return Tensor(np.stack(arrays))


def default_collate(batch):
    """Collate a list of samples into a batch (see the module docstring for the rules)."""
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)):
        raise TypeError(f"default_collate: expected a list of samples, got {type(batch).__name__}")
    if not batch:
        raise ValueError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([t.data for t in batch])
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SUO":
            raise TypeError(_ERROR.format(elem.dtype))
        return _stack([np.asarray(a) for a in batch])
    if isinstance(elem, np.generic) and elem.dtype.kind not in "SUO":
        return Tensor(np.array(batch))
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=bool))
    if isinstance(elem, int):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        return collated if type(elem) is dict else _rebuild(type(elem), collated, dict)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):   # a namedtuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        collated = [default_collate(list(field)) for field in zip(*batch)]
        return collated if isinstance(elem, (tuple, list)) else _rebuild(type(elem), collated, list)
    raise TypeError(_ERROR.format(type(elem)))


def _rebuild(kind, collated, fallback):
    """The container type of the samples, when it can be built from the collated value."""
    try:
        return kind(collated)
    except TypeError:
        return fallback(collated)


def default_convert(data):
    """For batch_size=None: NumPy arrays and scalars become Tensors (copies), recursively."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind not in "SUO":
        return Tensor(np.array(data))
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, (tuple, list)):
        return type(data)(default_convert(value) for value in data)
    return data
