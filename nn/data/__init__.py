"""Data loading: torch.utils.data's Dataset/Sampler/DataLoader API, torchvision-shaped
Fashion-MNIST and CIFAR-10 datasets and transforms, the array loaders and preprocessing."""

from . import transforms
from .cifar10 import (CIFAR10_CLASSES, RestrictedUnpickler, load_cifar10, load_cifar10_batch, read_cifar10,
                      read_cifar10_batch)
from .collate import default_collate, default_convert
from .dataset import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
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
from .loader import DataLoader, WorkerInfo, get_worker_info
from .preprocess import flatten, normalize_per_channel, subtract_mean_image, train_val_split
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)
from .vision import CIFAR10, FashionMNIST

__all__ = [
    "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES", "FASHION_MNIST_MD5", "FASHION_MNIST_URL",
    "DataLoader", "RestrictedUnpickler", "download_fashion_mnist", "fashion_mnist_cache_dir",
    "fashion_mnist_source", "flatten", "load_cifar10", "load_cifar10_batch",
    "load_fashion_mnist", "load_fashion_mnist_or_subset", "load_fashion_mnist_subset",
    "normalize_per_channel", "read_idx", "subtract_mean_image", "train_val_split", "write_idx",
    "BatchSampler", "CIFAR10", "ChainDataset", "ConcatDataset", "IterableDataset", "Dataset", "FashionMNIST", "RandomSampler",
    "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
    "WeightedRandomSampler", "WorkerInfo", "default_collate", "default_convert", "get_worker_info",
    "random_split", "read_cifar10", "read_cifar10_batch", "transforms",
]
