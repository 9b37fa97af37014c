"""Image transforms in torchvision's shape: Compose, ToTensor, Normalize, RandomCrop,
RandomHorizontalFlip, Lambda.

A transform is a callable; the datasets (FashionMNIST, CIFAR10) apply one per sample
(`transform=`), and the same objects work on a whole batch (N, C, H, W) in the training
loop. ToTensor takes images as torchvision reads them from ndarrays: (H, W) or
(H, W, C), uint8 scaled to [0, 1]. The others take (C, H, W) or (N, C, H, W) Tensors or
arrays and return the same kind. The random ones draw from `generator` (a
numpy.random.Generator) or nn's generator of the calling thread (`nn.manual_seed`;
DataLoader workers seed it per worker), and on a batch draw for each image on its own.
"""
import numbers

import numpy as np

from autograd import Tensor

from ..init import default_generator
from .dataset import check_generator

__all__ = ["Compose", "Lambda", "Normalize", "RandomCrop", "RandomHorizontalFlip", "ToTensor"]


class Compose:
    """Apply `transforms` one after another."""

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for i, transform in enumerate(self.transforms):
            if not callable(transform):
                raise TypeError(f"Compose: transform {i} is a {type(transform).__name__}, not callable")

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t!r}\n" for t in self.transforms) + ")"


class Lambda:
    """A function as a transform."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: argument should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, image):
        return self.lambd(image)

    def __repr__(self):
        return "Lambda()"


class ToTensor:
    """ndarray image (H, W) or (H, W, C), or a batch (N, H, W, C), -> float Tensor (C, H, W)
    (or (N, C, H, W)); uint8 values are divided by 255, other dtypes kept (as torchvision)."""

    def __call__(self, image):
        if not isinstance(image, np.ndarray):
            raise TypeError(f"ToTensor: expected an ndarray image, got {type(image).__name__}")
        if image.ndim == 2:
            image = image[None]
        elif image.ndim == 3:
            image = image.transpose(2, 0, 1)
        elif image.ndim == 4:
            image = image.transpose(0, 3, 1, 2)
        else:
            raise ValueError(f"ToTensor: expected an (H, W), (H, W, C) or (N, H, W, C) image, got shape {image.shape}")
        if image.dtype == np.uint8:
            return Tensor(image.astype(np.float32) / np.float32(255))
        return Tensor(np.ascontiguousarray(image))

    def __repr__(self):
        return "ToTensor()"


def _images(image, name):
    """The array of a (C, H, W) or (N, C, H, W) Tensor or ndarray, viewed as (N, C, H, W)."""
    data = image.data if isinstance(image, Tensor) else image
    if not isinstance(data, np.ndarray) or data.ndim not in (3, 4):
        shape = getattr(data, "shape", None)
        raise ValueError(f"{name}: expected a (C, H, W) or (N, C, H, W) Tensor or array, got "
                         f"{type(image).__name__}" + (f" of shape {shape}" if shape is not None else ""))
    return data if data.ndim == 4 else data[None]


def _like(image, batch):
    """`batch` (N, C, H, W) in the form `image` came in: a Tensor or array, batched or not."""
    out = batch if image.ndim == 4 else batch[0]
    return Tensor(out) if isinstance(image, Tensor) else out


class Normalize:
    """(image - mean[c]) / std[c] per channel c (axis -3); in the graph for a Tensor."""

    def __init__(self, mean, std, inplace=False):
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        self.std = np.asarray(std, dtype=np.float64).reshape(-1)
        if (self.std == 0).any():
            raise ValueError(f"Normalize: std evaluated to zero, leading to division by zero (std={std!r})")
        self.inplace = inplace

    def __call__(self, image):
        data = _images(image, "Normalize")
        channels = data.shape[1]
        if self.mean.size not in (1, channels) or self.std.size not in (1, channels):
            raise ValueError(f"Normalize: mean and std need 1 or {channels} values for an image with "
                             f"{channels} channels, got {self.mean.size} and {self.std.size}")
        if data.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a floating-point image, got dtype {data.dtype}")
        mean = self.mean.astype(data.dtype).reshape(-1, 1, 1)
        std = self.std.astype(data.dtype).reshape(-1, 1, 1)
        if self.inplace:
            return image.sub_(mean).div_(std) if isinstance(image, Tensor) else _inplace(image, mean, std)
        return (image - mean) / std

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


def _inplace(array, mean, std):
    array -= mean
    array /= std
    return array


class RandomCrop:
    """A random size (h, w) window, after padding the border by `padding` (int, (w, h) pair
    or (left, top, right, bottom)) with `fill` or padding_mode 'edge', 'reflect', 'symmetric'."""

    _MODES = ("constant", "edge", "reflect", "symmetric")

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant",
                 generator=None):
        self.size = (size, size) if isinstance(size, numbers.Integral) else tuple(size)
        if len(self.size) != 2 or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s <= 0
                                      for s in self.size):
            raise ValueError(f"RandomCrop: size must be a positive int or (h, w), got {size!r}")
        self.padding = _padding(padding)
        if padding_mode not in self._MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {self._MODES}, got {padding_mode!r}")
        self.pad_if_needed, self.fill, self.padding_mode = pad_if_needed, fill, padding_mode
        self.generator = check_generator(generator, "RandomCrop")

    def __call__(self, image):
        batch = _images(image, "RandomCrop")
        left, top, right, bottom = self.padding
        h, w = self.size
        if self.pad_if_needed:
            extra_h = max(0, h - (batch.shape[2] + top + bottom))
            extra_w = max(0, w - (batch.shape[3] + left + right))
            top, bottom, left, right = top + extra_h, bottom + extra_h, left + extra_w, right + extra_w
        pad = ((0, 0), (0, 0), (top, bottom), (left, right))
        extra = dict(constant_values=self.fill) if self.padding_mode == "constant" else {}
        padded = np.pad(batch, pad, mode=self.padding_mode, **extra) if any((top, bottom, left, right)) else batch
        n, _, height, width = padded.shape
        if height < h or width < w:
            raise ValueError(f"RandomCrop: required crop size {(h, w)} is larger than the (padded) "
                             f"image size {(height, width)}")
        rng = self.generator or default_generator()
        rows = rng.integers(0, height - h + 1, size=n)[:, None] + np.arange(h)     # (N, h)
        cols = rng.integers(0, width - w + 1, size=n)[:, None] + np.arange(w)      # (N, w)
        # advanced indices around a slice: the result is (N, h, w, C), so move C back to axis 1
        crops = padded[np.arange(n)[:, None, None], :, rows[:, :, None], cols[:, None, :]]
        return _like(image, np.ascontiguousarray(crops.transpose(0, 3, 1, 2)))

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


def _padding(padding):
    if padding is None:
        return (0, 0, 0, 0)
    values = (padding,) if isinstance(padding, numbers.Integral) else tuple(padding)
    if len(values) not in (1, 2, 4) or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0
                                           for v in values):
        raise ValueError(f"RandomCrop: padding must be a non-negative int or a sequence of 2 or 4 of them, "
                         f"got {padding!r}")
    if len(values) == 1:
        return values * 4
    if len(values) == 2:
        return values * 2          # (left/right, top/bottom) -> left, top, right, bottom
    return values


class RandomHorizontalFlip:
    """Mirror the image left-right (the last axis) with probability p."""

    def __init__(self, p=0.5, generator=None):
        if not isinstance(p, numbers.Real) or not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self.generator = check_generator(generator, "RandomHorizontalFlip")

    def __call__(self, image):
        batch = _images(image, "RandomHorizontalFlip")
        flip = (self.generator or default_generator()).random(len(batch)) < self.p
        out = batch.copy()
        out[flip] = batch[flip][..., ::-1]
        return _like(image, out)

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"
