"""Datasets, as in torch.utils.data: Dataset, TensorDataset, Subset, ConcatDataset, random_split.

A dataset is anything with `__getitem__(index)` and `__len__()`; DataLoader batches its
samples. Random choices (random_split) draw from a numpy.random.Generator, by default
nn's generator of the calling thread (`nn.manual_seed`).
"""
import bisect
import math
import numbers

import numpy as np

from autograd import Tensor
from autograd.backend import asarray

from ..init import default_generator

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "Subset", "TensorDataset",
           "random_split"]


class Dataset:
    """Base class: subclasses define `__getitem__(index)` (one sample) and `__len__()`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} has no __getitem__(); subclasses of Dataset define it")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of a stream of samples: subclasses define `__iter__` (and may define `__len__`).

    DataLoader batches consecutive samples. With workers each one iterates its own copy,
    so the dataset splits the work itself with `get_worker_info()` (as in PyTorch).
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} has no __iter__(); subclasses of "
                                  "IterableDataset define it")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """IterableDatasets one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        for i, dataset in enumerate(self.datasets):
            if not isinstance(dataset, IterableDataset):
                raise TypeError(f"ChainDataset: dataset {i} is a {type(dataset).__name__}, not an IterableDataset")

    def __iter__(self):
        for dataset in self.datasets:
            yield from dataset

    def __len__(self):
        return sum(len(dataset) for dataset in self.datasets)


class TensorDataset(Dataset):
    """Samples are tuples of rows of `tensors` (Tensors or arrays with the same first size).

    `dataset[i]` is `tuple(t[i] for t in tensors)`, as in PyTorch (rows are views);
    DataLoader's batches of it are copies.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(asarray(t)) for t in tensors)   # on any device
        for i, tensor in enumerate(tensors):
            if tensor.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; every tensor needs a leading sample axis")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first sizes {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = list(indices)

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after another; `cumulative_sizes[k]` is the length of the first k+1."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for i, dataset in enumerate(self.datasets):
            if isinstance(dataset, IterableDataset):
                raise TypeError(f"ConcatDataset: dataset {i} is an IterableDataset; use ChainDataset")
        self.cumulative_sizes = []
        total = 0
        for dataset in self.datasets:
            total += len(dataset)
            self.cumulative_sizes.append(total)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"ConcatDataset indices must be integers, not {type(index).__name__}")
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        if index >= len(self):
            raise IndexError(f"index {index} is out of range for a ConcatDataset of length {len(self)}")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def check_generator(generator, name):
    """`generator` (a numpy.random.Generator or None) checked; None means nn's thread generator."""
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{name}: generator must be a numpy.random.Generator, got {type(generator).__name__}")
    return generator


def random_split(dataset, lengths, generator=None):
    """Split `dataset` into non-overlapping random Subsets of the given lengths.

    lengths: sample counts that add up to len(dataset), or fractions that add up to 1
    (floor(n * fraction) each, the remainder handed out one by one from the first, as PyTorch).
    """
    check_generator(generator, "random_split")
    lengths = list(lengths)
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1")
        counts = [int(math.floor(n * fraction)) for fraction in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    for i, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, numbers.Integral) or length < 0:
            raise ValueError(f"random_split: length at index {i} must be a non-negative int, got {length!r}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length "
                         f"of the input dataset ({n})")
    order = (generator or default_generator()).permutation(n).tolist()
    subsets, offset = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[offset:offset + length]))
        offset += length
    return subsets
