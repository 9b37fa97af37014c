"""Data loading: Fashion-MNIST, CIFAR-10, mini-batching and preprocessing."""

from .cifar10 import CIFAR10_CLASSES, RestrictedUnpickler, load_cifar10, load_cifar10_batch
from .fashion_mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_MD5,
    FASHION_MNIST_URL,
    download_fashion_mnist,
    fashion_mnist_cache_dir,
    fashion_mnist_source,
    load_fashion_mnist,
    load_fashion_mnist_or_subset,
    load_fashion_mnist_subset,
)
from .idx import read_idx, write_idx
from .loader import DataLoader
from .preprocess import flatten, normalize_per_channel, subtract_mean_image, train_val_split

__all__ = [
    "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES", "FASHION_MNIST_MD5", "FASHION_MNIST_URL",
    "DataLoader", "RestrictedUnpickler", "download_fashion_mnist", "fashion_mnist_cache_dir",
    "fashion_mnist_source", "flatten", "load_cifar10", "load_cifar10_batch",
    "load_fashion_mnist", "load_fashion_mnist_or_subset", "load_fashion_mnist_subset",
    "normalize_per_channel", "read_idx", "subtract_mean_image", "train_val_split", "write_idx",
]
