"""Write the embedded Fashion-MNIST subset (nn/embedded/) from the full data set.

A stratified sample with a fixed seed: 500 training and 100 test images per class,
kept in their original order, stored as reproducible IDX .gz files.

    python examples/make_fashion_subset.py [--root FOLDER] [--out nn/embedded]
"""

import argparse
from pathlib import Path

import numpy as np

from nn.data import fashion_mnist_source, read_idx, write_idx
from nn.data.fashion_mnist import FASHION_MNIST_FILES

PER_CLASS = {"train": 500, "test": 100}
SEED = 0


def stratified_indices(labels, per_class, rng):
    """Return sorted indices of ``per_class`` random samples of every class."""
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
             for c in np.unique(labels)]
    return np.sort(np.concatenate(picks))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", help="folder with the full Fashion-MNIST .gz files")
    parser.add_argument("--out", default=Path(__file__).resolve().parent.parent / "nn" / "embedded")
    args = parser.parse_args()
    source, out = fashion_mnist_source(args.root), Path(args.out)
    rng = np.random.default_rng(SEED)
    for split, per_class in PER_CLASS.items():
        # Raw uint8 arrays, so the subset files hold exactly the original bytes.
        images_name, labels_name = FASHION_MNIST_FILES[split]
        images, labels = read_idx(source / images_name), read_idx(source / labels_name)
        keep = stratified_indices(labels, per_class, rng)
        write_idx(out / images_name, images[keep])
        write_idx(out / labels_name, labels[keep])
        print(f"{split}: {len(keep)} of {len(labels)} images from {source} -> {out}")


if __name__ == "__main__":
    main()
