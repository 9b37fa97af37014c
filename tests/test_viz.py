"""draw_graph: exact DOT of a tiny graph, SVGs rendered by the real `dot`, truncation, errors."""
import html
import shutil
import time

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from autograd.function import Function
from autograd.viz import GraphvizNotFound, draw_graph, enter_scope, exit_scope, op_params

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="graphviz `dot` binary not installed")


def svg(graph):
    """The SVG text with entities decoded (dot writes a minus sign as &#45;)."""
    return html.unescape(graph.pipe(format="svg").decode())


def f32(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# A stand-in for nn.Module with only what draw_graph relies on (named_parameters,
# named_modules, and a viz scope around forward), so these tests do not depend on the nn
# package. tests/test_viz_teaching.py uses the real one.
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
        enter_scope(self)
        try:
            return self.forward(x)
        finally:
            exit_scope()


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
        'peripheries="2" label=<<B>Sum = 11</B>>]',
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
    for label in ("Linear", "ReLU", "Sub", "Pow", "Mean", "Mean = "):
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
    assert '">grad ' not in draw_graph(loss, model=model, show_grads=True).source
    loss.backward()                                # saved arrays freed; structure stays
    g = draw_graph(loss, model=model, show_grads=True, show_dtypes=True)
    w = model.children["head"].params["weight"]
    text = svg(g)
    grad = np.asarray(w.grad)
    assert f"grad mean {grad.mean():.4g} std {grad.std():.4g}" in text
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
    assert "<B>Mul</B>" in draw_graph(w * 2).source.split("root [")[1]
    only = draw_graph(w, params={"w": w}, show_grads=True).source
    assert "<B>w</B>" in only and "->" not in only
    assert 'rankdir=LR' in draw_graph(w * 2, rankdir="LR").source


def test_real_nn_model():
    import nn
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    loss = ((model(Tensor(f32(4, 6))) - 1.0) ** 2).mean()
    src = draw_graph(loss, model=model).source
    for text in ('"0 (Linear)"', '"1 (ReLU)"', '"2 (Linear)"', "<B>0.weight</B>", "<B>2.bias</B>"):
        assert text in src


@needs_dot
def test_real_conv_net_svg():
    import nn
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
    grad = np.asarray(model[0].weight.grad, dtype=np.float64)
    assert f"min {grad.min():.4g} max {grad.max():.4g}" in text


def test_max_nodes_zero_draws_only_the_root_and_the_note():
    x = Tensor(f32(3), requires_grad=True)
    g = draw_graph((x * 2).sum(), max_nodes=0)
    assert "op0" not in g.source
    assert "2 more op nodes not shown (max_nodes=0)" in g.source


# ---------------------------------------------------------------- values, names, teaching views
from autograd import no_grad, viz  # noqa: E402
from autograd.viz.recording import _recorded as recorded  # noqa: E402


def cs231n_circuit():
    """f = (x + y) * z at x=-2, y=5, z=-4 (CS231n's backprop notes), built and backpropagated
    under viz.record()."""
    with viz.record():
        x = Tensor(-2.0, requires_grad=True)
        y = Tensor(5.0, requires_grad=True)
        z = Tensor(-4.0, requires_grad=True)
        q = x + y
        f = q * z
        f.backward()
    return dict(x=x, y=y, z=z, q=q, f=f)


def label_of(source, text):
    """The DOT line of the node whose label contains `text`."""
    return next(line for line in source.splitlines() if text in line and "label=" in line)


def test_circuit_shows_every_wire_value_over_its_signed_gradient():
    t = cs231n_circuit()
    src = draw_graph(t["f"], names=t, circuit=True).source
    assert "rankdir=LR" in src

    def wire(value, grad):
        return (f'<FONT COLOR="#1a7f37">{value}</FONT><BR/><FONT COLOR="#c62828">{grad}</FONT>')
    # x and y carry -2 and 5 with gradient dz = -4; z carries -4 with gradient q = 3;
    # q = 3 with gradient -4; the output -12 with gradient 1.
    for value, grad in (("-2", "-4"), ("5", "-4"), ("-4", "3"), ("3", "-4"), ("-12", "1")):
        assert wire(value, grad) in src, (value, grad)
    assert 'label="+"' in src and 'label="×"' in src and "label=f " in src


def test_show_values_labels_every_node_with_value_and_gradient():
    t = cs231n_circuit()
    src = draw_graph(t["f"], names=t, show_values=True).source
    q = label_of(src, "<B>q (Add)</B>")
    assert '#1a7f37">3</FONT>' in q and '#c62828">grad -4</FONT>' in q
    assert "retains_grad" not in src            # record()'s bookkeeping is no op parameter
    x = label_of(src, "<B>x</B>")
    assert '#1a7f37">-2</FONT>' in x and "grad -4" in x
    assert "<B>f = -12</B>" in src                      # named, not "loss": f is no loss op


def test_show_values_without_a_recording_says_what_to_do():
    x = Tensor(2.0, requires_grad=True)
    y = (x * 3).tanh()
    with pytest.raises(RuntimeError, match=r"with autograd\.viz\.record\(\):"):
        draw_graph(y, show_values=True)
    with pytest.raises(RuntimeError, match="no gradients were recorded"):
        with viz.record():
            z = (x * 3).tanh()
        viz.backward_frames(z)


def test_values_are_kept_only_for_graphs_built_while_recording():
    x = Tensor([1.0, 2.0], requires_grad=True)
    before = (x * 2).sum()
    with viz.record() as rec:
        inside = (x * 2).sum()
    after = (x * 2).sum()
    assert len(rec) == 2 and recorded(inside.grad_fn) is inside
    assert recorded(before.grad_fn) is None and recorded(after.grad_fn) is None
    viz.forget()
    assert recorded(inside.grad_fn) is inside      # held by `rec`
    del rec
    import gc
    gc.collect()
    assert recorded(inside.grad_fn) is None


def test_leaf_gradients_are_signed_and_small_tensors_shown_in_full():
    w = Tensor(2.0, requires_grad=True)
    v = Tensor([1.0, -2.0, 0.5], requires_grad=True)
    out = (w * -0.75 + (v * v).sum())
    out.backward()
    src = draw_graph(out, names={"w": w, "v": v}, show_grads=True).source
    assert "grad -0.75" in label_of(src, "<B>w</B>")
    assert "grad [2, -4, 1]" in label_of(src, "<B>v</B>")
    big = viz.describe(np.arange(10.0))
    assert big == "mean 4.5 std 2.872\nmin 0 max 9"


def test_root_is_called_a_loss_only_when_it_is_one():
    x = Tensor([[0.5, -1.0]], requires_grad=True)
    neuron = (x.sum() * 0.8).tanh()
    assert "<B>Tanh = -0.3799</B>" in draw_graph(neuron).source
    assert "<B>o = -0.3799</B>" in draw_graph(neuron, names={"o": neuron}).source
    ce = ag.cross_entropy(x, np.array([1]))
    assert "<B>loss = " in draw_graph(ce).source


def test_params_with_a_non_leaf_labels_its_node():
    w = Tensor(f32(3), requires_grad=True)
    h = w * 2
    src = draw_graph(h.sum(), params={"w": w, "h": h}).source
    assert "<B>h (Mul)</B>" in src and "<B>w</B>" in src


@pytest.mark.parametrize("call,error,message", [
    (lambda: draw_graph([1.0]), TypeError, "root must be a Tensor"),
    (lambda: draw_graph(np.ones(2)), TypeError, "got ndarray"),
    (lambda: draw_graph(Tensor(1.0), rankdir="XY"), ValueError, "rankdir must be one of TB, LR"),
    (lambda: draw_graph(Tensor(1.0), view="sideways"), ValueError, "view must be 'forward' or"),
    (lambda: draw_graph(Tensor(1.0), names=["x"]), TypeError, "names must be a mapping"),
    (lambda: draw_graph(Tensor(1.0), model=Mod(), collapse=1.5), TypeError,
     "collapse takes module classes"),
    (lambda: draw_graph(Tensor(1.0), collapse=1), ValueError, "collapse= needs model="),
    (lambda: draw_graph(Tensor(1.0), circuit=True, view="backward"), ValueError,
     "circuit=True draws the forward graph"),
    (lambda: Tensor(1.0).draw(params={"w": 3}), TypeError, "params 'w' is a int, not a Tensor"),
])
def test_bad_input_is_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def conv_net():
    import nn
    relu = nn.ReLU()                                  # one module used twice
    return nn.Sequential(nn.Conv2d(1, 3, kernel_size=3, padding=1), relu, nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(3 * 4 * 4, 6), relu, nn.Linear(6, 4))


def clusters(source):
    """label -> the op names drawn directly in that cluster."""
    import re
    found, stack = {}, []
    for line in source.splitlines():
        s = line.strip()
        if s.startswith("subgraph cluster_"):
            stack.append(None)
        elif s.startswith("label=") and stack and stack[-1] is None:
            stack[-1] = re.match(r'label="([^"]*)"', s).group(1)
            found[stack[-1]] = []
        elif s == "}" and stack:
            stack.pop()
        elif stack and s.startswith(("op", "g")) and "<B>" in s:
            found[stack[-1]].append(re.search(r"<B>([^<]*)</B>", s).group(1))
    return found


def test_one_box_per_layer_call_after_extra_and_no_grad_passes():
    import nn.functional as F
    model = conv_net()
    x = Tensor(f32(2, 1, 8, 8))
    loss = F.cross_entropy(model(x), np.array([0, 3]))
    loss.backward()
    first = clusters(draw_graph(loss, model=model).source)
    with no_grad():                                   # an accuracy check
        model(x)
    model(x)                                          # and another graph
    F.cross_entropy(model(x), np.array([1, 1])).backward()
    assert clusters(draw_graph(loss, model=model).source) == first
    assert first == {"Sequential": [], "0 (Conv2d)": ["Conv2d"], "1 (ReLU) call 1": ["ReLU"],
                     "2 (MaxPool2d)": ["MaxPool2d"], "3 (Flatten)": ["Reshape"],
                     "4 (Linear)": ["Linear"], "1 (ReLU) call 2": ["ReLU"],
                     "6 (Linear)": ["Linear"]}


def test_collapse_by_class_name_and_depth():
    import nn
    model = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    out = model(Tensor(f32(3, 5))).sum()
    full = draw_graph(out, model=model).source
    assert full.count("[shape=\"box\" style=\"rounded,filled\"") > 8   # batch norm's primitives
    for spec in (nn.BatchNorm1d, "BatchNorm1d", "1", ["1"]):
        src = draw_graph(out, model=model, collapse=spec).source
        assert "<B>1 (BatchNorm1d)</B>" in src and 'shape="box3d"' in src, spec
        assert clusters(src)["Sequential"] == ["1 (BatchNorm1d)"]
        assert "<B>1.weight</B>" in src and "<B>1.bias</B>" in src      # still its inputs
    layers = draw_graph(out, model=model, collapse=1).source
    assert layers.count('shape="box3d"') == 4
    assert layers.count("subgraph cluster_") == 1    # only the Sequential's box is left


def test_backward_view_draws_the_gradient_flow():
    t = cs231n_circuit()
    src = draw_graph(t["f"], names=t, view="backward", show_values=True).source
    assert src.count("AccumulateGrad") == 3
    assert "<B>MulBackward</B>" in src and "<B>AddBackward</B>" in src
    # gradient flows from the root to the ops to the leaves
    lines = [line.strip() for line in src.splitlines() if "->" in line]
    assert lines[0].startswith("root -> op0") and any(line.startswith("op0 -> op1") for line in lines)
    assert "grad -4" in label_of(src, "<B>x</B>")
    w = Tensor(f32(2, 3), requires_grad=True)
    shapes = draw_graph((w @ Tensor(f32(3, 4))).sum(), view="backward").source
    assert "label=\"(2, 4)\"" in shapes and "label=\"(2, 3)\"" in shapes


def test_backward_frames_highlight_each_node_in_order():
    t = cs231n_circuit()
    frames = viz.backward_frames(t["f"], names=t)
    assert len(frames) == 3                          # Mul, Add, then everything
    first, second, last = (f.source for f in frames)
    assert "#ffd54f" in label_of(first, "f (Mul)") and "#ffd54f" in label_of(second, "q (Add)")
    assert "#ffd54f" not in last
    # after Mul ran: z's and q's gradients are known, x's is not yet (drawn in white)
    assert '#c62828">grad 3' in label_of(first, "<B>z</B>")
    assert '#d9f0d3">grad -4' in label_of(first, "<B>x</B>")       # leaf's own fill: hidden
    assert '#c62828">grad -4' in label_of(second, "<B>x</B>")


@needs_dot
def test_animated_gif_has_one_frame_per_node_and_one_size(tmp_path):
    from PIL import Image
    import nn.functional as F

    model = conv_net()
    with viz.record():
        loss = F.cross_entropy(model(Tensor(f32(2, 1, 8, 8))), np.array([0, 3]))
        loss.backward()
    path = tmp_path / "backward.gif"
    count = viz.animate_backward(loss, path, model=model, duration=100, dpi=40)
    image = Image.open(path)
    nodes = len(ag.topological_order(loss.grad_fn))
    assert count == image.n_frames == nodes + 1
    sizes = set()
    for k in range(image.n_frames):
        image.seek(k)
        sizes.add(image.size)
    assert len(sizes) == 1 and min(sizes.pop()) > 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backward.gif"]


@needs_dot
def test_render_writes_only_the_file_asked_for(tmp_path):
    t = cs231n_circuit()
    g = draw_graph(t["f"], names=t, circuit=True)
    path = g.render(tmp_path / "graph", format="svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"] and path.endswith("graph.svg")
    g.render(tmp_path / "graph", format="png")
    g.save(tmp_path / "graph.dot")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.dot", "graph.png", "graph.svg"]
    assert (tmp_path / "graph.dot").read_text() == g.source


@needs_dot
def test_jupyter_displays_the_graph_inline_as_svg():
    t = cs231n_circuit()
    bundle = draw_graph(t["f"], names=t, circuit=True)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_the_hook_is_installed_only_while_a_scope_or_recording_is_open():
    from autograd.function import record_hooks
    from autograd.viz.recording import _on_node
    import nn

    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append(_on_node in record_hooks)
            return x * 2

    assert _on_node not in record_hooks
    Probe()(Tensor(f32(2), requires_grad=True))
    with viz.record():
        assert _on_node in record_hooks
    assert seen == [True] and _on_node not in record_hooks


def test_the_circuit_steps_through_backward_too():
    t = cs231n_circuit()
    first, second, last = (f.source for f in viz.backward_frames(t["f"], names=t, circuit=True))
    assert "#ffd54f" in label_of(first, 'label="×"') and "#ffd54f" not in last
    assert "#ffd54f" in label_of(second, 'label="+"')
    # after × ran: z's wire (-4) shows its gradient 3; x's wire (-2) hides its -4 in white
    assert '#1a7f37">-4</FONT><BR/><FONT COLOR="#c62828">3<' in first
    assert '#1a7f37">-2</FONT><BR/><FONT COLOR="#ffffff">-4<' in first
    assert '#1a7f37">-2</FONT><BR/><FONT COLOR="#c62828">-4<' in second
    with pytest.raises(ValueError, match="leave out view="):
        viz.backward_frames(t["f"], view="backward")
