"""Regenerate the pictures in docs/images/ that docs/visualizing.md shows.

    python -m examples.make_doc_images            # a few seconds on two cores

Trains two small models briefly on Fashion-MNIST (the embedded subset when the full set
is not installed): a softmax linear classifier (weight templates, loss and accuracy
curves) and a small conv net (graph, first-layer filters, misclassified images,
confusion matrix). Seeds are fixed; pictures are small enough to commit.
"""
import argparse
import pathlib

import numpy as np

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor
from autograd.viz import draw_graph
from nn import plots
from nn.data import FASHION_MNIST_CLASSES, load_fashion_mnist_or_subset

OUT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "images"
SHORT = [c.split("/")[0].replace("Ankle boot", "Boot") for c in FASHION_MNIST_CLASSES]


def accuracy(model, X, y, batch=500):
    with ag.no_grad():
        pred = np.concatenate([model(Tensor(X[i:i + batch])).data.argmax(1)
                               for i in range(0, len(X), batch)])
    return float((pred == y).mean()), pred


def train(model, X, y, Xval, yval, epochs, lr, batch=100, seed=0):
    """Plain Adam loop; returns the history dict that nn.plots.plot_history reads."""
    rng = np.random.default_rng(seed)
    opt = nn.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "train_acc": [], "val_acc": []}
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for i in range(0, len(X), batch):
            idx = order[i:i + batch]
            loss = F.cross_entropy(model(Tensor(X[idx])), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            history["loss"].append(loss.item())
        history["train_acc"].append(accuracy(model, X[:1000], y[:1000])[0])
        history["val_acc"].append(accuracy(model, Xval, yval)[0])
    return history


def conv_net():
    return nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 14 * 14, 32), nn.ReLU(), nn.Linear(32, 10))


def main(out=OUT):
    out.mkdir(parents=True, exist_ok=True)
    np.random.seed(0)
    nn.init.manual_seed(0)
    X, y, source = load_fashion_mnist_or_subset(split="train")
    Xt, yt, _ = load_fashion_mnist_or_subset(split="test")
    print(source)
    rng = np.random.default_rng(0)
    keep = rng.permutation(len(X))[:5000]
    X, y = X[keep], y[keep]
    Xt, yt = Xt[:1000], yt[:1000]

    # The graphs: a tiny expression and one step of the conv net, after backward.
    w = Tensor([1.5, -0.5], requires_grad=True)
    b = Tensor(0.1, requires_grad=True)
    tiny = ((w * Tensor([2.0, 3.0])).sum() + b).relu()
    tiny.backward()
    draw_graph(tiny, params={"w": w, "b": b}, show_grads=True).render(
        out / "graph_tiny", format="svg", cleanup=True)
    net = conv_net()
    loss = F.cross_entropy(net(Tensor(X[:16])), y[:16])
    loss.backward()
    g = draw_graph(loss, model=net, show_grads=True)
    g.render(out / "graph_convnet", format="svg", cleanup=True)

    # Linear softmax classifier: templates and training curves.
    linear = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    history = train(linear, X, y, Xt, yt, epochs=5, lr=5e-3)
    plots.plot_history(history, path=out / "history.png", figsize=(9, 3.4), dpi=80)
    plots.plot_weight_templates(linear[1].weight, (28, 28), class_names=SHORT,
                                path=out / "weight_templates.png", figsize=(10, 1.7), dpi=80)

    # Conv net: filters, mistakes and confusion matrix on the test subset.
    net = conv_net()
    train(net, X, y, Xt, yt, epochs=2, lr=2e-3)
    acc, pred = accuracy(net, Xt, yt)
    print(f"conv net test accuracy {acc:.3f}")
    plots.plot_conv_filters(net[0].weight, path=out / "conv_filters.png", figsize=(3.2, 1.9),
                            dpi=80, ncols=4)
    plots.plot_misclassified(Xt, yt, pred, class_names=SHORT, max_images=16,
                             path=out / "misclassified.png", figsize=(6, 6.4), dpi=80)
    plots.plot_confusion_matrix(yt, pred, class_names=SHORT, normalize=True,
                                path=out / "confusion_matrix.png", figsize=(7, 6), dpi=80)
    for path in sorted(out.iterdir()):
        print(f"{path.stat().st_size:>8}  {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    main(parser.parse_args().out)
