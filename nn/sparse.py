"""Embedding: a lookup table of num_embeddings vectors of size embedding_dim."""
import numpy as np

from autograd import Tensor

from . import functional as F
from . import init
from .layers import _empty, _positive_int
from .module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """weight (num_embeddings, embedding_dim) ~ N(0, 1), as PyTorch; row padding_idx starts at 0
    and gets no gradient. `Embedding.from_pretrained(weights, freeze=True)` wraps given vectors."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, dtype=None, _weight=None):
        super().__init__()
        if max_norm is not None:
            raise NotImplementedError("Embedding: max_norm (in-place renormalisation of looked-up rows) "
                                      "is not supported")
        self.num_embeddings = _positive_int("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = _positive_int("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)) \
                    or not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be an int in [{-num_embeddings}, "
                                 f"{num_embeddings}), got {padding_idx!r}")
            padding_idx = int(padding_idx) % num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = _empty((num_embeddings, embedding_dim), dtype)
            self.reset_parameters()
        else:
            data = np.array(_weight.data if isinstance(_weight, Tensor) else _weight, copy=True)
            if data.shape != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight must have shape ({num_embeddings}, {embedding_dim}), "
                                 f"got {data.shape}")
            self.weight = Parameter(data)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        rows, dim = np.shape(embeddings.data if isinstance(embeddings, Tensor) else embeddings)
        layer = cls(rows, dim, padding_idx=padding_idx, _weight=embeddings)
        layer.weight.requires_grad = not freeze
        return layer

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
