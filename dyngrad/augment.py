"""`dyngrad train --augment crop,flip`: random transforms of every training batch, as a fit
callback; and `FlipAverage`, the test-time flip of `dyngrad evaluate --tta flip`.

Each batch is transformed with nn.data.transforms (RandomCrop after padding the border with
its edge values, RandomHorizontalFlip) drawing from a generator seeded by (seed, epoch,
batch), so a run is reproducible, a resumed run draws what the uninterrupted one would, and
every rank of a --distributed run augments the same global batch before keeping its shard.
Validation and test images are never transformed.
"""

import numpy as np

import nn
import nn.functional as F
from nn.data.transforms import Compose, RandomCrop, RandomHorizontalFlip
from nn.train import Callback

AUGMENT_PADDING = 2                 # crop: pixels of border added before the random crop
AUGMENTATIONS = ("crop", "flip")


class Augment(Callback):
    """Replace each training batch (N, C, H, W) by its augmented copy; labels unchanged."""

    def __init__(self, names, seed):
        unknown = sorted(set(names) - set(AUGMENTATIONS))
        if unknown:
            raise ValueError(f"Augment: unknown augmentation {', '.join(unknown)}; "
                             f"choose from {', '.join(AUGMENTATIONS)}")
        self.names, self.seed = list(names), int(seed)

    def transform(self, epoch, batch, image_size):
        """The Compose applied to batch ``batch`` of epoch ``epoch`` (both 0-based)."""
        rng = np.random.default_rng([self.seed, epoch, batch])
        make = {"crop": lambda: RandomCrop(image_size, padding=AUGMENT_PADDING,
                                           padding_mode="edge", generator=rng),
                "flip": lambda: RandomHorizontalFlip(generator=rng)}
        return Compose([make[name]() for name in self.names])

    def on_batch_begin(self, epoch, batch, xb, yb):
        return self.transform(epoch, batch, tuple(xb.shape[2:]))(xb), yb


class FlipAverage(nn.Module):
    """Test-time augmentation: p(x) = (softmax(model(x)) + softmax(model(mirror(x)))) / 2,
    the mirror flipping the last (width) axis of (N, C, H, W) images."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return (F.softmax(self.model(x), 1) + F.softmax(self.model(x.flip(-1)), 1)) / 2
