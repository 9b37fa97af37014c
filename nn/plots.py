"""Training pictures with matplotlib, headless: figures are built without pyplot, so no
display is needed and the caller's matplotlib backend is left alone.

Each function returns a `matplotlib.figure.Figure`; with `path=` it also saves it there
(PNG, or whatever the suffix says) at exactly `figsize * dpi` pixels.

    plot_history(history)                       loss and train/val accuracy curves
    plot_weight_templates(W, (3, 32, 32))       a linear classifier's per-class templates
    plot_conv_filters(conv.weight)              first-layer filters as a grid of images
    plot_misclassified(x, y_true, y_pred)       test images the model got wrong
    plot_confusion_matrix(y_true, y_pred)       counts (or row-normalised rates)
"""
import math

import numpy as np
from matplotlib.figure import Figure

from autograd.backend import to_numpy

from .module import _raw


def _array(x):
    """A NumPy array from an ndarray, a Tensor (its .data) or a list."""
    return np.asarray(to_numpy(_raw(x)))   # a device array: one copy to the host


def _finish(fig, path, dpi):
    if path is not None:
        fig.savefig(path, dpi=dpi)
    return fig


def _figure(figsize):
    # Not registered with pyplot: nothing to close, nothing kept alive across calls.
    return Figure(figsize=figsize)


def _to_image(a):
    """(C, H, W) or (H, W) -> (H, W) or (H, W, 3), min-max scaled to [0, 1] for display."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 3:
        a = a[0] if a.shape[0] == 1 else (np.transpose(a, (1, 2, 0)) if a.shape[0] == 3
                                           else a.mean(axis=0))
    lo, hi = a.min(), a.max()
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def _grid(fig, n, ncols):
    ncols = ncols or min(n, max(1, math.ceil(math.sqrt(n))))
    nrows = math.ceil(n / ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes:
        ax.axis("off")
    return axes[:n]


def _show(ax, image):
    ax.imshow(image, cmap=None if image.ndim == 3 else "gray", interpolation="nearest")


def plot_history(history, path=None, figsize=(10, 4), dpi=100, smooth=None):
    """Loss (per iteration or per epoch) and train/val accuracy per epoch, side by side.

    history: a dict with 'loss' and optionally 'train_acc', 'val_acc' (also 'val_loss').
    smooth: a moving-average window drawn over a noisy per-iteration loss (default: 1/50
    of its length once there are more than 100 points).
    """
    loss = np.asarray(history.get("loss", []), dtype=float)
    accs = [(k, label) for k, label in (("train_acc", "train"), ("val_acc", "val"))
            if history.get(k)]
    fig = _figure(figsize)
    ax_loss, ax_acc = fig.subplots(1, 2) if accs else (fig.subplots(), None)
    if loss.size:
        steps = np.arange(1, loss.size + 1)
        window = smooth if smooth is not None else (loss.size // 50 if loss.size > 100 else 1)
        ax_loss.plot(steps, loss, color="#9ecae1" if window > 1 else "#1f77b4", lw=1,
                     label="loss of each batch")
        if window > 1:
            avg = np.convolve(loss, np.ones(window) / window, mode="valid")
            ax_loss.plot(steps[window - 1:], avg, color="#1f77b4", lw=2,
                         label=f"running mean over {window} batches")
    if history.get("val_loss"):
        val = np.asarray(history["val_loss"], dtype=float)
        x = (np.linspace(loss.size / val.size, loss.size, val.size) if loss.size
             else np.arange(1, val.size + 1))
        ax_loss.plot(x, val, "o-", color="#d62728", lw=1.5, label="val loss")
    # The same axis names for every run, short or long.
    ax_loss.set(title="Training loss", xlabel="iteration", ylabel="loss")
    ax_loss.grid(alpha=0.3)
    if ax_loss.get_legend_handles_labels()[0]:
        ax_loss.legend(frameon=False)
    if ax_acc is not None:
        for (key, label), color in zip(accs, ("#1f77b4", "#ff7f0e")):
            acc = np.asarray(history[key], dtype=float)
            ax_acc.plot(np.arange(1, acc.size + 1), acc, "o-", color=color, label=label)
        ax_acc.set(title="Classification accuracy", xlabel="epoch", ylabel="accuracy")
        ax_acc.xaxis.get_major_locator().set_params(integer=True)
        ax_acc.grid(alpha=0.3)
        ax_acc.legend(frameon=False)
    fig.tight_layout()
    return _finish(fig, path, dpi)


def plot_weight_templates(weight, image_shape, class_names=None, path=None, figsize=(10, 2.6),
                          dpi=100, ncols=None, title=None):
    """Each row of a linear classifier's weight (C, D) as an image (CS231n's templates).

    image_shape: (channels, H, W) or (H, W) with product D (a trailing bias column,
    D + 1, is dropped). Each template is min-max scaled on its own. title: a figure title.
    """
    w = _array(weight)
    size = int(np.prod(image_shape))
    if w.ndim != 2 or w.shape[1] not in (size, size + 1):
        raise ValueError(f"plot_weight_templates: weight must be (classes, {size}) for images of "
                         f"shape {tuple(image_shape)}, got {w.shape}")
    w = w[:, :size]
    fig = _figure(figsize)
    axes = _grid(fig, len(w), ncols or len(w))
    for i, (ax, row) in enumerate(zip(axes, w)):
        _show(ax, _to_image(row.reshape(image_shape)))
        ax.set_title(class_names[i] if class_names is not None else str(i), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _finish(fig, path, dpi)


def plot_conv_filters(weight, path=None, figsize=(6, 6), dpi=100, ncols=None, title=None):
    """A grid of conv filters, weight (F, C, kh, kw): RGB when C == 3, grey otherwise
    (the mean over channels when C is neither 1 nor 3), each min-max scaled.

    title: the figure title (default: 'F filters, kh×kw, C channel(s)').
    """
    w = _array(weight)
    if w.ndim != 4:
        raise ValueError(f"plot_conv_filters: weight must be (F, C, kh, kw), got {w.shape}")
    fig = _figure(figsize)
    for ax, f in zip(_grid(fig, len(w), ncols), w):
        _show(ax, _to_image(f))
    fig.suptitle(title or f"{len(w)} filters, {w.shape[2]}\u00d7{w.shape[3]}, {w.shape[1]} channel(s)",
                 fontsize=10)
    fig.tight_layout()
    return _finish(fig, path, dpi)


def plot_misclassified(images, y_true, y_pred, class_names=None, path=None, max_images=25,
                       figsize=(8, 8), dpi=100, ncols=None):
    """The first `max_images` images with y_pred != y_true, titled 'pred / true' in red.

    images: (N, C, H, W) or (N, H, W).
    """
    images, y_true, y_pred = _array(images), _array(y_true).ravel(), _array(y_pred).ravel()
    wrong = np.flatnonzero(y_true != y_pred)[:max_images]
    name = (lambda k: class_names[k]) if class_names is not None else str
    fig = _figure(figsize)
    if wrong.size == 0:
        fig.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
        return _finish(fig, path, dpi)
    for ax, i in zip(_grid(fig, wrong.size, ncols), wrong):
        _show(ax, _to_image(images[i]))
        ax.set_title(f"{name(int(y_pred[i]))}\n(true: {name(int(y_true[i]))})", fontsize=8,
                     color="#b22222")
    fig.suptitle(f"{np.count_nonzero(y_true != y_pred)} of {y_true.size} misclassified "
                 "(predicted, true)", fontsize=10)
    fig.tight_layout()
    return _finish(fig, path, dpi)


def confusion_matrix(y_true, y_pred, num_classes=None):
    """counts[i, j]: how many examples of class i were predicted as class j."""
    y_true, y_pred = _array(y_true).ravel().astype(int), _array(y_pred).ravel().astype(int)
    n = num_classes or int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def plot_confusion_matrix(y_true, y_pred, class_names=None, num_classes=None, normalize=False,
                          path=None, figsize=(7, 6), dpi=100):
    """Rows: true class, columns: predicted. normalize=True shows each row as rates."""
    counts = confusion_matrix(y_true, y_pred,
                              num_classes or (len(class_names) if class_names else None))
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    n = len(counts)
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    fig = _figure(figsize)
    ax = fig.subplots()
    im = ax.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(n), names, rotation=45, ha="right")
    ax.set_yticks(range(n), names)
    ax.set(xlabel="predicted", ylabel="true",
           title=f"Confusion matrix (accuracy {np.trace(counts) / max(counts.sum(), 1):.1%})")
    if n <= 20:
        top = shown.max() if shown.size else 0
        for (i, j), v in np.ndenumerate(shown):
            ax.text(j, i, f"{v:.2f}" if normalize else str(v), ha="center", va="center",
                    fontsize=8, color="white" if v > top / 2 else "black")
    fig.tight_layout()
    return _finish(fig, path, dpi)


__all__ = ["plot_history", "plot_weight_templates", "plot_conv_filters", "plot_misclassified",
           "confusion_matrix", "plot_confusion_matrix"]
