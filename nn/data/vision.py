"""Datasets in torchvision's shape over the loaders of this package: FashionMNIST, CIFAR10.

`dataset[i]` is `(image, target)`: the image as torchvision has it before any
transform, a uint8 ndarray ((28, 28) for Fashion-MNIST, (32, 32, 3) for CIFAR-10: in
place of a PIL image), and the class as an int; `transform` and `target_transform` are
applied to them. `transform=ToTensor()` gives float32 (C, H, W) in [0, 1], the values
that `load_fashion_mnist` and `load_cifar10` return.
"""
from pathlib import Path

import numpy as np

from autograd import Tensor

from . import fashion_mnist
from .cifar10 import CIFAR10_CLASSES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, _find_batches, read_cifar10_batch
from .dataset import Dataset

__all__ = ["CIFAR10", "FashionMNIST"]


class _VisionDataset(Dataset):
    classes = ()

    def __init__(self, data, targets, transform, target_transform):
        for name, value in (("transform", transform), ("target_transform", target_transform)):
            if value is not None and not callable(value):
                raise TypeError(f"{type(self).__name__}: {name} must be callable, got {type(value).__name__}")
        self.data, self.targets = data, targets
        self.transform, self.target_transform = transform, target_transform

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __repr__(self):
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Split: {'Train' if self.train else 'Test'}\n    Source: {self.source}")


class FashionMNIST(_VisionDataset):
    """Fashion-MNIST: data uint8 (N, 28, 28), targets an int64 Tensor (N,), as torchvision.

    root=None looks where `load_fashion_mnist` looks (DYNGRAD_DATA, the Debian package,
    the cache) and, when the full set is nowhere and download=False, uses the embedded
    subset (5,000 train / 1,000 test images); `source` says which was loaded. An explicit
    root that lacks the files is an error; download=True fetches them (checked MD5s).
    """

    classes = fashion_mnist.FASHION_MNIST_CLASSES

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        self.train = bool(train)
        split = "train" if train else "test"
        try:
            folder = fashion_mnist.fashion_mnist_source(root)
            self.source = f"Fashion-MNIST full set from {folder}"
        except FileNotFoundError:
            if download:
                folder = fashion_mnist.download_fashion_mnist(root)
                self.source = f"Fashion-MNIST full set from {folder}"
            elif root is None:
                folder = fashion_mnist.EMBEDDED_DIR
                self.source = "Fashion-MNIST embedded subset (full set not found)"
            else:
                raise
        images, labels = fashion_mnist._read_split(folder, split)
        super().__init__(images, Tensor(labels.astype(np.int64)), transform, target_transform)


class CIFAR10(_VisionDataset):
    """CIFAR-10 from the python batches in `root` (or root/cifar-10-batches-py): data uint8
    (N, 32, 32, 3), targets a list of ints, as torchvision. download=True is refused (get
    cifar-10-python.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html)."""

    classes = CIFAR10_CLASSES

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        if download:
            raise ValueError("CIFAR10: download=True is not supported; download 'CIFAR-10 python version' "
                             "(cifar-10-python.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html, "
                             "extract it and pass the folder as root")
        if root is None:
            raise TypeError("CIFAR10: root is required (the folder holding the CIFAR-10 python batches)")
        self.train = bool(train)
        folder = _find_batches(Path(root))
        names = CIFAR10_TRAIN_FILES if train else (CIFAR10_TEST_FILE,)
        batches = [read_cifar10_batch(folder / name) for name in names]
        rows = np.concatenate([rows for rows, _ in batches])
        self.source = f"CIFAR-10 from {folder}"
        super().__init__(np.ascontiguousarray(rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)),
                         np.concatenate([labels for _, labels in batches]).tolist(),
                         transform, target_transform)
