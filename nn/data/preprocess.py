"""Preprocessing helpers for (N, ...) sample arrays; none modifies its input."""

import numbers

import numpy as np


def subtract_mean_image(X_train, *others):
    """Return ``(X_train - mean, *(X - mean for X in others), mean)``.

    ``mean`` is the per-pixel mean image of ``X_train`` (shape ``X_train.shape[1:]``),
    so validation and test sets are centred with the training statistics.
    """
    mean = X_train.mean(axis=0, dtype=np.float64).astype(X_train.dtype)
    return (X_train - mean, *(X - mean for X in others), mean)


def normalize_per_channel(X, mean=None, std=None):
    """Return ``((X - mean) / std, mean, std)`` with statistics per channel (axis 1).

    Statistics are computed over every other axis when not given; pass the training
    set's ``mean`` and ``std`` to normalize other sets alike. A channel with zero std is
    only centred.
    """
    axes = tuple(axis for axis in range(X.ndim) if axis != 1)
    shape = [1] * X.ndim
    shape[1] = X.shape[1]
    if mean is None:
        mean = X.mean(axis=axes, dtype=np.float64).astype(X.dtype)
    if std is None:
        std = X.std(axis=axes, dtype=np.float64).astype(X.dtype)
        std[std == 0] = 1
    mean, std = np.asarray(mean), np.asarray(std)
    return (X - mean.reshape(shape)) / std.reshape(shape), mean, std


def flatten(X):
    """Return ``X`` reshaped to (N, features): a view when possible."""
    return X.reshape(len(X), -1)


def train_val_split(X, y, val_size, seed=None):
    """Return ``(X_train, y_train, X_val, y_val)``, a random (not stratified) split.

    ``val_size`` is a number of samples (int) or a fraction in (0, 1) (float). Both
    parts keep the original sample order; the same ``seed`` gives the same split.
    """
    if len(X) != len(y):
        raise ValueError(f"train_val_split: X has {len(X)} samples but y has {len(y)}")
    n_val = _val_count(val_size, len(X))
    is_val = np.zeros(len(X), dtype=bool)
    is_val[np.random.default_rng(seed).permutation(len(X))[:n_val]] = True
    return X[~is_val], y[~is_val], X[is_val], y[is_val]


def _val_count(val_size, n):
    if isinstance(val_size, numbers.Integral) and not isinstance(val_size, bool):
        count = int(val_size)
    elif isinstance(val_size, float) and 0 < val_size < 1:
        count = round(val_size * n)
    else:
        raise ValueError("train_val_split: val_size must be an int or a float in (0, 1), "
                         f"got {val_size!r}")
    if not 0 < count < n:
        raise ValueError(f"train_val_split: val_size {val_size!r} leaves no training or no "
                         f"validation samples out of {n}")
    return count
