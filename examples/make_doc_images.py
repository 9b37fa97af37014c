"""Regenerate the pictures in docs/images/ that docs/visualizing.md shows.

    python -m examples.make_doc_images            # a few seconds on two cores

Draws the teaching graphs (the CS231n circuit, a tanh neuron with values and gradients,
its backward as a GIF, a conv net with one box per layer call, a collapsed batch norm, the
backward view), then trains two small models briefly on Fashion-MNIST (the embedded subset
when the full set is not installed): a softmax linear classifier (weight templates, loss
and accuracy curves) and a small conv net whose first layer starts near zero, so its
filters show what it learned (filters, misclassified images, confusion matrix). Seeds are
fixed; pictures are small enough to commit.
"""
import argparse
import pathlib

import numpy as np

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor
from autograd import viz
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


def draw_teaching_graphs(out, X, y):
    """The graphs of docs/visualizing.md, from the same code as its snippets."""
    with viz.record():
        x = Tensor(-2.0, requires_grad=True)
        y_ = Tensor(5.0, requires_grad=True)
        z = Tensor(-4.0, requires_grad=True)
        q = x + y_
        f = q * z
        f.backward()
    names = dict(x=x, y=y_, z=z, q=q, f=f)
    viz.draw_graph(f, names=names, circuit=True).render(out / "graph_circuit", format="svg")
    viz.animate_backward(f, out / "backward_circuit.gif", names=names, circuit=True, dpi=60,
                         duration=1200)

    with viz.record():
        x1, x2 = Tensor(2.0, requires_grad=True), Tensor(0.0, requires_grad=True)
        w1, w2 = Tensor(-3.0, requires_grad=True), Tensor(1.0, requires_grad=True)
        b = Tensor(6.8813735870195432, requires_grad=True)
        n = x1 * w1 + x2 * w2 + b
        o = n.tanh()
        o.backward()
    names = dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, n=n, o=o)
    viz.draw_graph(o, names=names, show_values=True, rankdir="LR").render(
        out / "graph_neuron", format="svg")
    viz.animate_backward(o, out / "backward.gif", names=names, rankdir="LR", dpi=60)

    relu = nn.ReLU()
    net = nn.Sequential(nn.Conv2d(1, 8, kernel_size=5, padding=2), relu, nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(8 * 14 * 14, 32), relu, nn.Linear(32, 10))
    loss = F.cross_entropy(net(Tensor(X[:16])), y[:16])
    loss.backward()
    with ag.no_grad():
        net(Tensor(X[:16]))                     # an extra pass: the boxes don't move
    viz.draw_graph(loss, model=net, show_grads=True).render(out / "graph_convnet", format="svg")

    bn = nn.Sequential(nn.Linear(20, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
    out_ = F.cross_entropy(bn(Tensor(np.ones((4, 20), np.float32))), np.array([0, 1, 2, 0]))
    out_.backward()
    viz.draw_graph(out_, model=bn, collapse=nn.BatchNorm1d).render(
        out / "graph_collapsed", format="svg")
    viz.draw_graph(out_, model=bn, view="backward", show_grads=True).render(
        out / "graph_backward", format="svg")


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

    draw_teaching_graphs(out, X, y)

    # Linear softmax classifier: templates and training curves.
    linear = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    history = train(linear, X, y, Xt, yt, epochs=5, lr=5e-3)
    plots.plot_history(history, path=out / "history.png", figsize=(9, 3.4), dpi=80)
    plots.plot_weight_templates(linear[1].weight, (28, 28), class_names=SHORT,
                                path=out / "weight_templates.png", figsize=(10, 1.7), dpi=80)

    # Conv net: filters, mistakes and confusion matrix on the test subset. The first layer
    # starts near zero (std 1e-3), so the filters are what training put there.
    net = conv_net()
    nn.init.normal_(net[0].weight, std=1e-3)
    initial = net[0].weight.data.copy()
    train(net, X, y, Xt, yt, epochs=2, lr=2e-3)
    acc, pred = accuracy(net, Xt, yt)
    corr = np.corrcoef(initial.ravel(), net[0].weight.data.ravel())[0, 1]
    print(f"conv net test accuracy {acc:.3f}; first layer's correlation with its init {corr:.2f}")
    plots.plot_conv_filters(net[0].weight, path=out / "conv_filters.png", figsize=(3.2, 2.1),
                            dpi=80, ncols=4, title=f"8 filters, 5\u00d75, after 2 epochs "
                                                   f"(corr. with init {corr:.2f})")
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
