"""draw_graph: exact DOT of a tiny graph, SVGs rendered by the real `dot`, truncation, errors."""
import shutil
import time

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from autograd.function import Function, graph_clock
from autograd.viz import GraphvizNotFound, draw_graph, op_params

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="graphviz `dot` binary not installed")


def svg(graph):
    return graph.pipe(format="svg").decode()


def f32(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# A stand-in for nn.Module with only what draw_graph relies on (named_parameters,
# named_modules, and `_call_range` from graph_clock around forward), so these tests do
# not depend on the nn package. test_real_nn_model below uses the real one when present.
class Mod:
    def __init__(self, **members):
        self.params = {k: v for k, v in members.items() if isinstance(v, Tensor)}
        self.children = {k: v for k, v in members.items() if isinstance(v, Mod)}

    def named_parameters(self, prefix=""):
        yield from ((prefix + k, v) for k, v in self.params.items())
        for k, child in self.children.items():
            yield from child.named_parameters(f"{prefix}{k}.")

    def named_modules(self, prefix=""):
        yield prefix, self
        for k, child in self.children.items():
            yield from child.named_modules(f"{prefix}.{k}" if prefix else k)

    def __call__(self, x):
        start = next(graph_clock)
        out = self.forward(x)
        self._call_range = (start, next(graph_clock))
        return out


class Lin(Mod):
    def __init__(self, n_in, n_out):
        super().__init__(weight=Tensor(f32(n_out, n_in) * 0.1, requires_grad=True),
                         bias=Tensor(np.zeros(n_out, np.float32), requires_grad=True))

    def forward(self, x):
        return ag.linear(x, self.params["weight"], self.params["bias"])


class Act(Mod):
    def forward(self, x):
        return x.relu()


class Seq(Mod):
    def __init__(self, *layers):
        super().__init__(**{str(i): m for i, m in enumerate(layers)})

    def forward(self, x):
        for layer in self.children.values():
            x = layer(x)
        return x


class Net(Mod):
    def forward(self, x):
        return self.children["head"](self.children["body"](x))


def mlp_loss():
    model = Net(body=Seq(Lin(6, 8), Act()), head=Lin(8, 3))
    out = model(Tensor(f32(4, 6)))
    loss = ((out - Tensor(np.ones((4, 3), np.float32))) ** 2).mean()
    return model, loss


def test_tiny_graph_dot_is_exact():
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * Tensor([3.0, 4.0])).sum()
    source = draw_graph(loss, params={"w": w}).source
    op = 'shape="box" style="rounded,filled" fillcolor="#dbe8f7" color="#3b6ea5"'
    assert source.splitlines() == [
        "digraph dyngrad {",
        "\tgraph [fontname=Helvetica fontsize=11 nodesep=0.25 rankdir=TB ranksep=0.3]",
        '\tnode [fontname=Helvetica fontsize=11 margin="0.12,0.05"]',
        '\tedge [arrowsize=0.6 color="#666666"]',
        f'\top0 [{op} label=<<B>Sum</B><BR/><FONT POINT-SIZE="9">axes 0</FONT>'
        '<BR/><FONT POINT-SIZE="9">scalar</FONT>>]',
        f'\top1 [{op} label=<<B>Mul</B><BR/><FONT POINT-SIZE="9">(2,)</FONT>>]',
        '\tt0 [shape="box" style="filled" fillcolor="#fde3c0" color="#c26d00" '
        'label=<<B>w</B><BR/><FONT POINT-SIZE="9">(2,)</FONT>>]',
        '\tc0 [shape="box" style="dashed,filled" fillcolor="#f2f2f2" color="#9a9a9a" '
        'fontcolor="#555555" fontsize="9" height="0.25" '
        'label=<input<BR/><FONT POINT-SIZE="9">(2,)</FONT>>]',
        '\troot [shape="box" style="filled,bold" fillcolor="#f7d4d2" color="#b22222" '
        'peripheries="2" label=<<B>loss = 11</B>>]',
        "\top1 -> op0 [weight=4]",
        "\tt0 -> op1",
        "\tc0 -> op1",
        "\top0 -> root [weight=4]",
        "}",
    ]


@needs_dot
def test_svg_has_ops_params_clusters_and_root():
    model, loss = mlp_loss()
    text = svg(draw_graph(loss, model=model))
    for label in ("Linear", "ReLU", "Sub", "Pow", "Mean", "loss = "):
        assert f">{label}" in text
    for name in ("body.0.weight", "body.0.bias", "head.weight", "head.bias"):
        assert f">{name}<" in text
    for cluster in ("body (Seq)", "body.0 (Lin)", "body.1 (Act)", "head (Lin)", ">Net<"):
        assert cluster in text
    assert text.count('class="cluster"') == 5
    assert ">(4, 8)<" in text and ">(8, 6)<" in text      # shapes of activations and weights


def test_clusters_nest_like_the_modules():
    model, loss = mlp_loss()
    src = draw_graph(loss, model=model).source
    outer, body, layer = (src.index(s) for s in ('label="Net"', 'label="body (Seq)"',
                                                 'label="body.0 (Lin)"'))
    assert outer < body < layer
    assert src.count("subgraph cluster_") == 5
    # the loss ops were not called inside the model: they come after the outer cluster closes
    assert src.rindex("<B>Mean</B>") < src.index("subgraph cluster_")


def test_parameters_leaves_and_constants_look_different():
    w = Tensor(f32(3), requires_grad=True)
    x = Tensor(f32(3), requires_grad=True)
    src = draw_graph((w * x + Tensor(f32(3))).sum(), params=[("w", w)]).source
    assert '#fde3c0" color="#c26d00" label=<<B>w</B>' in src     # parameter: orange
    assert '#d9f0d3" color="#3a8a3a" label=<<B>leaf</B>' in src  # grad leaf: green
    assert 'style="dashed,filled" fillcolor="#f2f2f2"' in src    # constant: grey, dashed
    assert 'peripheries="2"' in src                              # root: double border


@needs_dot
def test_show_grads_after_backward_and_dtypes():
    model, loss = mlp_loss()
    assert "grad norm" not in draw_graph(loss, model=model, show_grads=True).source
    loss.backward()                                # saved arrays freed; structure stays
    g = draw_graph(loss, model=model, show_grads=True, show_dtypes=True)
    w = model.children["head"].params["weight"]
    text = svg(g)
    assert f"grad norm {np.linalg.norm(w.grad):.3g}" in text
    assert ">float32<" in text


def test_op_parameters_are_shown():
    class Conv(Function):
        @staticmethod
        def forward(ctx, x, stride=1, padding=0):
            ctx.stride, ctx.padding, ctx.kernel_size = (stride, stride), (padding, padding), (3, 5)
            ctx.input_shape, ctx._private = x.shape, 1
            return x * 2

    node = Conv.apply(Tensor(f32(2), requires_grad=True), stride=2, padding=1).grad_fn
    assert op_params(node) == ["kernel 3\u00d75", "pad 1", "stride 2"]
    slope = ag.leaky_relu(Tensor(f32(2), requires_grad=True), 0.1).grad_fn
    assert op_params(slope) == ["slope 0.1"]
    x = Tensor(f32(3, 4), requires_grad=True)
    assert op_params(x[1:, ::2].grad_fn) == ["index 1:,::2"]


@needs_dot
def test_truncation_is_visible_and_fast():
    x = Tensor(f32(2), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    start = time.perf_counter()
    g = draw_graph(y.sum(), max_nodes=40)
    text = svg(g)
    assert time.perf_counter() - start < 10
    assert "19961 more op nodes not shown (max_nodes=40)" in text
    assert "truncated: 40 of 20001 op nodes drawn" in text
    assert text.count('class="node"') == 40 + 2     # the ops kept, the note, the root


def test_missing_dot_gives_install_hint_and_keeps_source(tmp_path, monkeypatch):
    _, loss = mlp_loss()
    g = draw_graph(loss)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="apt-get install graphviz") as info:
        g.render(tmp_path / "graph", format="svg")
    assert "brew install graphviz" in str(info.value)
    assert isinstance(info.value, GraphvizNotFound)
    with pytest.raises(RuntimeError, match="graphviz"):
        g.pipe(format="png")
    assert g.source.startswith("digraph dyngrad {") and "<B>Mean</B>" in g.source


@needs_dot
def test_render_png_file(tmp_path):
    import matplotlib.image

    _, loss = mlp_loss()
    path = loss.draw(rankdir="LR").render(tmp_path / "graph", format="png", cleanup=True)
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[1] > image.shape[0] > 20   # LR: wider than tall


def test_roots_that_are_not_scalar_losses_or_not_ops():
    w = Tensor(f32(2, 2), requires_grad=True)
    assert "<B>output</B>" in draw_graph(w * 2).source
    only = draw_graph(w, params={"w": w}, show_grads=True).source
    assert "<B>w</B>" in only and "->" not in only
    assert 'rankdir=LR' in draw_graph(w * 2, rankdir="LR").source


def test_real_nn_model():
    nn = pytest.importorskip("nn")
    if not hasattr(nn, "Sequential"):
        pytest.skip("nn layers not merged on this branch yet")
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    loss = ((model(Tensor(f32(4, 6))) - 1.0) ** 2).mean()
    src = draw_graph(loss, model=model).source
    for text in ('"0 (Linear)"', '"1 (ReLU)"', '"2 (Linear)"', "<B>0.weight</B>", "<B>2.bias</B>"):
        assert text in src


@needs_dot
def test_real_conv_net_svg():
    nn = pytest.importorskip("nn")
    if not hasattr(nn, "Conv2d"):
        pytest.skip("nn layers not merged on this branch yet")
    import nn.functional as F

    model = nn.Sequential(nn.Conv2d(1, 4, kernel_size=3, stride=1, padding=1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 5))
    loss = F.cross_entropy(model(Tensor(f32(2, 1, 8, 8))), np.array([0, 3]))
    loss.backward()
    text = svg(draw_graph(loss, model=model, show_grads=True))
    assert ">Conv2d<" in text and "kernel 3×3, pad 1, stride 1" in text
    assert ">MaxPool2d<" in text and "kernel 2×2, stride 2" in text
    assert ">CrossEntropy<" in text and ">(2, 4, 8, 8)<" in text
    for cluster in ("0 (Conv2d)", "2 (MaxPool2d)", "4 (Linear)", ">Sequential<"):
        assert cluster in text
    assert f"grad norm {np.linalg.norm(model[0].weight.grad):.3g}" in text


def test_max_nodes_zero_draws_only_the_root_and_the_note():
    x = Tensor(f32(3), requires_grad=True)
    g = draw_graph((x * 2).sum(), max_nodes=0)
    assert "op0" not in g.source
    assert "2 more op nodes not shown (max_nodes=0)" in g.source
