"""The pictures of a run folder (nn.plots, autograd.viz), each drawn into memory and written
atomically (nn.serialization.write_atomic), so no picture is ever half-written or written
through a link planted at its name."""
import io

import numpy as np

__all__ = ["write_pictures", "weight_change", "first_layer"]


def weight_change(initial, final):
    """How far training moved a weight array: the correlation of the final weights with the
    initial ones (1: still the initialisation) and ||final - initial|| / ||initial||."""
    a = np.asarray(initial, dtype=np.float64).ravel()
    b = np.asarray(final, dtype=np.float64).ravel()
    correlation = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")
    relative = float(np.linalg.norm(b - a) / max(np.linalg.norm(a), 1e-12))
    return {"correlation": correlation, "relative_change": relative}


def write_pictures(out, model, history, data, class_names, say, change=None):
    """Write the run's pictures (nn.plots, autograd.viz); return their file names.

    The graph needs graphviz's `dot`; without it the run still succeeds and says why
    graph.svg is missing (graph.dot, the DOT text, is written either way).
    """
    from nn import models, plots
    from nn.train import predict

    image_shape = data["X_train"].shape[1:]
    short = [name.split("/")[0] for name in class_names]
    _save_picture(out / "curves.png", plots.plot_history, history)
    written = ["curves.png"]

    first = first_layer(model)
    epochs = len(history["val_acc"])
    moved = "" if change is None else (f"; correlation with the initial weights "
                                       f"{change['correlation']:.2f}")
    after = f"after {epochs} epoch{'s' * (epochs != 1)}{moved}"
    weights, part = _pixel_weights(model, first, image_shape)
    if first is not None and weights is None:
        say("filters.png skipped: the first layer sees HOG features only (--features hog), "
            "not pixels, so its weights are not images")
        first = None
    elif first is not None and first.weight.ndim == 4:
        f, c, kh, kw = first.weight.shape
        _save_picture(out / "filters.png", plots.plot_conv_filters, first.weight, title=(
            f"{f} first-layer filters, {kh}\u00d7{kw}, {c} channel(s)\n{after}"))
    elif first is not None and isinstance(model, (models.SoftmaxClassifier, models.LinearSVM)):
        # a linear classifier: each row is a class template (CS231n)
        _save_picture(out / "filters.png", plots.plot_weight_templates, weights,
                      image_shape, class_names=short,
                      title=f"class templates (the weights of each class{part}), {after}",
                      figsize=(10, 2.9))
    elif first is not None:
        # a hidden layer: each unit's input weights are an image-sized template, not a filter
        units = weights[:64]
        size = "\u00d7".join(map(str, image_shape[1:] if image_shape[0] == 1 else image_shape))
        _save_picture(out / "filters.png", plots.plot_conv_filters,
                      units.reshape(-1, *image_shape),
                      title=(f"input weights{part} of {len(units)} of {first.weight.shape[0]} "
                             f"first-layer units, as {size} images\n{after}"))
    if first is not None:
        written.append("filters.png")

    pred = predict(model, data["X_test"])
    _save_picture(out / "misclassified.png", plots.plot_misclassified, data["X_test"],
                  data["y_test"], pred, class_names=short)
    _save_picture(out / "confusion.png", plots.plot_confusion_matrix, data["y_test"], pred,
                  class_names=short, normalize=True)
    written += ["misclassified.png", "confusion.png"]

    written += _write_graph(out, model, data, say)
    return written


def _write_graph(out, model, data, say):
    """Draw one training step on two images (graph.dot; graph.svg and graph.png when `dot`
    exists), one box per layer call, labelled with the batch it was drawn on.

    Parameters are named and layers grouped; the step's side effects (batch-norm
    statistics, gradients) are undone afterwards. Each file is written atomically (graphviz
    renders into memory). Returns the file names written.
    """
    from autograd import Tensor
    from autograd.viz import GraphvizNotFound, draw_graph
    from nn.serialization import write_atomic

    state = model.state_dict()
    model.train()
    n = min(2, len(data["X_train"]))
    loss = model.loss(model(Tensor(data["X_train"][:n])), data["y_train"][:n])
    loss.backward()
    graph = draw_graph(loss, model=model, names={"loss": loss}, show_grads=True)
    images = "the first 2 training images (a batch of 2" if n == 2 else \
        "the only training image (a batch of 1"
    graph.attr(label=f"{type(model).__name__}: one training step on {images}, train mode), "
                     "drawn after backward; gradients of the parameters in red",
               labelloc="t", fontsize="12")
    write_atomic(out / "graph.dot", graph.source)
    written = ["graph.dot"]
    try:
        for fmt in ("svg", "png"):
            write_atomic(out / f"graph.{fmt}", graph.pipe(format=fmt))
            written.append(f"graph.{fmt}")
    except GraphvizNotFound as error:
        say(f"graph.svg and graph.png skipped: {error}")
    model.load_state_dict(state)
    model.zero_grad()
    model.eval()
    return written


def _pixel_weights(model, first, image_shape):
    """The first Linear layer's weights on the pixels, and words saying which part they are:
    all of them, the pixel columns after --features hog+pixels' histograms, or None when
    the layer sees no pixels (--features hog)."""
    from nn.features import HOG

    if first is None or first.weight.ndim != 2:
        return (None if first is None else first.weight.data), ""
    hog = next((m for m in model.modules() if isinstance(m, HOG)), None)
    if hog is None:
        return first.weight.data, ""
    if not hog.keep_pixels:
        return None, ""
    pixels = int(np.prod(image_shape))
    return first.weight.data[:, -pixels:], " on the pixels, beside the HOG features"


def first_layer(model):
    """The first Conv2d or Linear layer of the model."""
    import nn

    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            return module
    return None


def _save_picture(path, plot, *args, **kwargs):
    """Draw with an nn.plots function into memory, then write the file atomically."""
    from nn.serialization import write_atomic

    buffer = io.BytesIO()
    plot(*args, path=buffer, **kwargs)
    write_atomic(path, buffer.getvalue())
