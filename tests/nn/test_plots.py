"""Training pictures: each PNG is written, decodes, and has figsize * dpi pixels."""
import matplotlib.image
import numpy as np
import pytest

from nn import plots

RNG = np.random.default_rng(0)


def png(fig_fn, tmp_path, *args, figsize, dpi=50, **kwargs):
    path = tmp_path / "picture.png"
    fig = fig_fn(*args, path=path, figsize=figsize, dpi=dpi, **kwargs)
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (round(figsize[1] * dpi), round(figsize[0] * dpi))
    assert image.std() > 0.01                     # something was drawn
    return fig, image


def test_history_per_iteration_loss_and_epoch_accuracy(tmp_path):
    history = {"loss": list(2.3 * np.exp(-np.arange(400) / 150) + 0.1 * RNG.random(400)),
               "train_acc": [0.5, 0.7, 0.8, 0.85], "val_acc": [0.48, 0.65, 0.7, 0.72]}
    fig, _ = png(plots.plot_history, tmp_path, history, figsize=(10, 4))
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in acc_ax.lines] == ["train", "val"]
    assert loss_ax.lines[1].get_label() == "running mean over 8 batches"   # 400 // 50
    assert loss_ax.get_xlabel() == "iteration" and acc_ax.get_xlabel() == "epoch"
    assert list(acc_ax.lines[1].get_ydata()) == history["val_acc"]


def test_history_with_only_epoch_losses(tmp_path):
    fig, _ = png(plots.plot_history, tmp_path, {"loss": [2.0, 1.5, 1.2]}, figsize=(5, 4))
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1
    assert fig.axes[0].get_xlabel() == "iteration"          # the same name for short runs


def test_weight_templates_one_image_per_class(tmp_path):
    w = RNG.standard_normal((10, 3 * 8 * 8)).astype(np.float32)
    fig, _ = png(plots.plot_weight_templates, tmp_path, w, (3, 8, 8), figsize=(10, 2),
                 class_names=[f"c{i}" for i in range(10)])
    shown = [ax.images[0].get_array() for ax in fig.axes]
    assert len(shown) == 10 and shown[0].shape == (8, 8, 3)
    assert shown[0].min() == 0 and shown[0].max() == 1          # min-max scaled
    assert [ax.get_title() for ax in fig.axes][:2] == ["c0", "c1"]
    with pytest.raises(ValueError, match="weight must be"):
        plots.plot_weight_templates(w, (1, 8, 8))


def test_conv_filter_grid(tmp_path):
    w = RNG.standard_normal((12, 1, 5, 5))
    fig, _ = png(plots.plot_conv_filters, tmp_path, w, figsize=(4, 4))
    assert sum(len(ax.images) for ax in fig.axes) == 12
    assert fig.axes[0].images[0].get_array().shape == (5, 5)
    rgb = plots.plot_conv_filters(RNG.standard_normal((4, 3, 3, 3)))
    assert rgb.axes[0].images[0].get_array().shape == (3, 3, 3)


def test_misclassified_grid(tmp_path):
    images = RNG.random((30, 1, 6, 6))
    y_true = np.arange(30) % 3
    y_pred = y_true.copy()
    y_pred[[2, 5, 10]] = (y_pred[[2, 5, 10]] + 1) % 3
    fig, _ = png(plots.plot_misclassified, tmp_path, images, y_true, y_pred, figsize=(4, 4),
                 class_names=["a", "b", "c"])
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert titles == ["a\n(true: c)", "a\n(true: c)", "c\n(true: b)"]
    empty = plots.plot_misclassified(images, y_true, y_true)
    assert "no misclassified" in empty.texts[0].get_text()


def test_confusion_matrix(tmp_path):
    y_true = np.array([0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0, 2])
    counts = plots.confusion_matrix(y_true, y_pred)
    assert counts.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 2]]
    fig, _ = png(plots.plot_confusion_matrix, tmp_path, y_true, y_pred, figsize=(5, 4),
                 class_names=["x", "y", "z"], normalize=True)
    assert "accuracy 71.4%" in fig.axes[0].get_title()
    assert [t.get_text() for t in fig.axes[0].texts][:2] == ["0.50", "0.50"]


def test_filter_and_template_titles(tmp_path):
    fig = plots.plot_conv_filters(RNG.standard_normal((4, 1, 3, 3)), title="learned")
    assert fig._suptitle.get_text() == "learned"
    assert "4 filters, 3\u00d73" in plots.plot_conv_filters(RNG.standard_normal((4, 1, 3, 3)))._suptitle.get_text()
    fig = plots.plot_weight_templates(RNG.standard_normal((2, 4)), (2, 2), title="templates")
    assert fig._suptitle.get_text() == "templates"
