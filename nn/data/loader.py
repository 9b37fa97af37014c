"""DataLoader: mini-batches over in-memory arrays."""

import numbers

import numpy as np

from autograd import Tensor

from ..init import default_generator


class DataLoader:
    """Iterate over ``(Tensor xb, ndarray yb)`` mini-batches of ``X`` and ``y``.

    ``X`` and ``y`` are arrays or Tensors (a Tensor's array is used).

    With ``shuffle=True`` every ``iter()`` (every epoch) draws a new permutation from
    ``np.random.default_rng(seed)``, so a given seed reproduces the same sequence of
    epochs; or from ``generator`` (a numpy.random.Generator); with neither, from nn's
    generator of the iterating thread (``nn.manual_seed``), as PyTorch's loader draws
    from torch's. ``drop_last=True`` skips a final batch smaller than ``batch_size``.

    Batches are copies, as PyTorch's default collate makes them: changing a batch in
    place (an in-place op, an augmentation) never changes the dataset.
    """

    def __init__(self, X, y, batch_size, shuffle=False, drop_last=False, seed=None,
                 generator=None):
        X, y = (np.asarray(a.data if isinstance(a, Tensor) else a) for a in (X, y))
        if X.ndim == 0 or y.ndim == 0:
            raise ValueError("DataLoader: X and y must be arrays with a leading sample axis")
        if len(X) != len(y):
            raise ValueError(f"DataLoader: X has {len(X)} samples but y has {len(y)}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(
                f"DataLoader: batch_size must be an int, got {type(batch_size).__name__}")
        if batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be positive, got {batch_size}")
        self.X, self.y = X, y
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError("DataLoader: generator must be a numpy.random.Generator, "
                            f"got {type(generator).__name__}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass seed or generator, not both")
        self._rng = np.random.default_rng(seed) if seed is not None else generator

    def __len__(self):
        full, rest = divmod(len(self.X), self.batch_size)
        return full if self.drop_last or rest == 0 else full + 1

    def __iter__(self):
        rng = self._rng if self._rng is not None else default_generator()
        order = rng.permutation(len(self.X)) if self.shuffle else None
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            rows = slice(start, start + self.batch_size)
            if order is not None:
                rows = order[rows]
            # a slice of X is a view; np.array copies it (fancy indexing copies already)
            yield Tensor(np.array(self.X[rows])), np.array(self.y[rows])
