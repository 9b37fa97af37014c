"""Draw the computational graph behind a tensor with graphviz, and step through its backward.

    import autograd as ag
    from autograd import viz

    with viz.record():                       # keep every node's value and gradient
        loss = F.cross_entropy(model(x), y)
        loss.backward()
    g = ag.draw_graph(loss, model=model, show_values=True)
    g.render("graph", format="svg")          # writes graph.svg only; g.source is the DOT text
    viz.animate_backward(loss, "backward.gif", model=model)

Three views of one graph:
  forward (default)  data flows top to bottom, leaves first, the root last. Boxes:
      op         blue, rounded: the op's name, its parameters (stride, padding, ...), its
                 output shape (and, with show_values, its value and gradient)
      parameter  orange: the parameter's dotted name and shape (and gradient)
      leaf       green: a tensor the user made with requires_grad=True
      constant   small, grey, dashed: a Tensor input that needs no gradient (data, labels)
      root       red, double border: its name, its op, or "loss" for a loss op's output
  circuit=True   CS231n's circuit diagram for small scalar graphs: ops as circles, every
                 wire labelled with its forward value (green, above) and gradient (red, below)
  view='backward'  the gradient-flow graph as torchviz draws it: one backward node per op,
                 AccumulateGrad into each leaf, edges carrying the gradient's shape

Values. Nodes keep no outputs (memory), so values exist only for graphs built inside
`with record():`, which keeps each output tensor (and asks backward to keep its
gradient) until the next `record()` starts, `forget()` is called, or the `Recording` the
with statement gave is dropped (whichever is last).

Module boxes. A module's `__call__` opens a `scope(module)`; every node created while it
is open remembers the innermost open scope (a `Scope`, one per call) the moment it is
created. So extra forward passes, `no_grad` passes and repeated calls can't move nodes
between boxes: a module called twice gets one box per call, numbered "call 1", "call 2".

This module knows nothing about `nn`: it only calls `named_parameters()` and
`named_modules()` on what it is given as `model=`.
"""
import html
import io
import itertools
import numbers
import threading
import weakref

import graphviz
import numpy as np

from .function import Function, record_hooks
from .tensor import Tensor

OP = dict(shape="box", style="rounded,filled", fillcolor="#dbe8f7", color="#3b6ea5")
PARAM = dict(shape="box", style="filled", fillcolor="#fde3c0", color="#c26d00")
LEAF = dict(shape="box", style="filled", fillcolor="#d9f0d3", color="#3a8a3a")
CONST = dict(shape="box", style="dashed,filled", fillcolor="#f2f2f2", color="#9a9a9a",
             fontcolor="#555555", fontsize="9", height="0.25")
ROOT = dict(shape="box", style="filled,bold", fillcolor="#f7d4d2", color="#b22222", peripheries="2")
NOTE = dict(shape="note", style="filled", fillcolor="#fff8c4", color="#a08c00", fontcolor="#5a4d00")
GROUP = dict(shape="box3d", style="filled", fillcolor="#e4dcf5", color="#5b4b8a")
BACKWARD = dict(shape="box", style="filled", fillcolor="#e8e8e8", color="#555555")
ACCUMULATE = dict(shape="box", style="filled", fillcolor="#cfe3ff", color="#2b5797")
CIRCLE = dict(shape="circle", style="filled", fillcolor="#ffffff", color="#333333", fontsize="14",
              width="0.45", fixedsize="true")
TEXT = dict(shape="plaintext", fontsize="14")
CURRENT = "#ffd54f"                         # the node being processed in a step-through frame
CLUSTER_FILLS = ("#f7f7f7", "#ececec", "#e2e2e2")
VALUE_COLOR, GRAD_COLOR, HIDDEN_COLOR = "#1a7f37", "#c62828", "#ffffff"
RANKDIRS = ("TB", "LR", "BT", "RL")
VIEWS = ("forward", "backward")

# Node attributes that describe the op's inputs rather than its parameters.
_HIDDEN = {"input_shape", "input_dtype", "sizes", "count"}
_SHORT = {"kernel_size": "kernel", "padding": "pad", "negative_slope": "slope", "pad_width": "pad"}
# Ops whose scalar output is a loss (an op may also say so with a class attribute is_loss).
LOSS_OPS = {"CrossEntropy", "MulticlassHinge", "NLLLoss", "MSELoss", "BinaryCrossEntropy"}
# What a circuit diagram writes inside an op's circle.
SYMBOLS = {"Add": "+", "Sub": "\u2212", "Mul": "\u00d7", "Div": "\u00f7", "Neg": "\u2212x",
           "Pow": "x\u207f", "Exp": "exp", "Log": "log", "Tanh": "tanh", "Sigmoid": "\u03c3",
           "ReLU": "max0", "Relu": "max0", "Sum": "\u03a3", "Mean": "mean", "Maximum": "max",
           "Minimum": "min", "Sqrt": "\u221a", "Abs": "|x|", "MatMul": "@", "Matmul": "@"}
SMALL = 6                                   # tensors up to this size are shown in full


# ============================================================== recording at node creation

class _State(threading.local):
    def __init__(self):
        self.scopes = []                    # the open Scopes of this thread, innermost last
        self.recordings = []                # the active Recordings of this thread


_state = _State()
_scope_numbers = itertools.count()


class Scope:
    """One call of `owner` (an nn.Module, or anything else) during which nodes were made."""

    __slots__ = ("owner", "parent", "number")

    def __init__(self, owner, parent, number):
        self.owner, self.parent, self.number = owner, parent, number

    def chain(self):
        """This scope and its enclosing scopes, outermost first."""
        out, s = [], self
        while s is not None:
            out.append(s)
            s = s.parent
        return out[::-1]

    def __repr__(self):
        return f"<Scope {type(self.owner).__name__} #{self.number}>"


def enter_scope(owner):
    """Open a scope: nodes created until `exit_scope()` belong to this call of `owner`."""
    scopes = _state.scopes
    scopes.append(Scope(owner, scopes[-1] if scopes else None, next(_scope_numbers)))


def exit_scope():
    _state.scopes.pop()


class Recording:
    """The output tensors of the nodes created inside one `record()` block (by node)."""

    def __init__(self):
        self.outputs = {}

    def __len__(self):
        return len(self.outputs)

    def clear(self):
        self.outputs.clear()


_recordings = weakref.WeakSet()             # every Recording still alive
_last = [None]                              # the most recent one, kept after its block ends


class record:
    """Keep the value and, after backward, the gradient of every node created inside.

        with viz.record():
            f = (x + y) * z
            f.backward()
        viz.draw_graph(f, show_values=True)

    Returns a `Recording` from `__enter__`; it (the latest one) stays alive until the next
    `record()` starts or `forget()` is called. Recordings nest; grad mode is unchanged.
    """

    def __enter__(self):
        self.recording = Recording()
        _last[0] = self.recording
        _recordings.add(self.recording)
        _state.recordings.append(self.recording)
        return self.recording

    def __exit__(self, *exc):
        _state.recordings.remove(self.recording)
        return False


def forget():
    """Drop the values the latest `record()` kept (recordings you hold stay)."""
    _last[0] = None


def _on_node(node, out):
    scopes = _state.scopes
    if scopes:
        node._viz_scope = scopes[-1]
    if _state.recordings:
        for recording in _state.recordings:
            recording.outputs[node] = out
        out.retain_grad()


record_hooks.append(_on_node)


def topological_order(node):
    """The engine's order (root first), looked up at call time: `autograd.topological_order`
    is the public name, wherever the engine keeps it."""
    from . import topological_order as order
    return order(node)


def _recorded(node):
    """The output tensor of `node` if a live recording kept it, else None."""
    for recording in list(_recordings):
        out = recording.outputs.get(node)
        if out is not None:
            return out
    return None


# ============================================================== rendering

class GraphvizNotFound(RuntimeError):
    """The graphviz `dot` binary is not installed or not on PATH."""


_INSTALL = ("rendering needs the graphviz `dot` binary, which was not found on PATH. Install "
            "graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
            "(macOS), `conda install graphviz`, or see https://graphviz.org/download/. The DOT "
            "text is still available as `.source`.")


class Graph(graphviz.Digraph):
    """A `graphviz.Digraph` that writes only the file asked for and says how to install
    graphviz when `dot` is missing. Displays inline in Jupyter (as SVG)."""

    def _run(self, method, *args, **kwargs):
        try:
            return getattr(super(), method)(*args, **kwargs)
        except graphviz.ExecutableNotFound as err:
            raise GraphvizNotFound(_INSTALL) from err

    def render(self, filename=None, directory=None, view=False, cleanup=True, format=None,
               **kwargs):
        """Write `filename.<format>` (e.g. graph.svg) and return its path.

        Unlike graphviz's default, the DOT source file is removed (cleanup=True); write it
        with `save("graph.dot")` when you want it.
        """
        return self._run("render", filename, directory=directory, view=view, cleanup=cleanup,
                         format=format, **kwargs)

    def pipe(self, *args, **kwargs):
        return self._run("pipe", *args, **kwargs)


def _shape(shape):
    return "scalar" if shape == () else str(tuple(shape))


def _number(v):
    return f"{float(v) + 0.0:.4g}"          # + 0.0: no "-0"


def describe(array):
    """A short text for an array: in full (4 significant digits) when small, else a two-line
    summary ('mean .. std ..' and 'min .. max ..')."""
    a = np.asarray(array)
    if a.dtype.kind not in "fiub":
        return str(a.dtype)
    if a.size == 1:
        return _number(a.reshape(()))
    if a.size <= SMALL:
        return np.array2string(a.astype(np.float64), separator=", ",
                               formatter={"float_kind": _number}, max_line_width=200)
    a = a.astype(np.float64)
    return (f"mean {_number(a.mean())} std {_number(a.std())}\n"
            f"min {_number(a.min())} max {_number(a.max())}")


def _grad_of(t):
    g = getattr(t, "grad", None)
    return None if g is None else np.asarray(g.data if isinstance(g, Tensor) else g)


def _value(v):
    """A short text for an op parameter, or None when it is not worth showing."""
    if isinstance(v, bool):
        return "" if v else None
    if isinstance(v, slice):
        text = ":".join("" if x is None else str(x) for x in (v.start, v.stop))
        return text if v.step is None else f"{text}:{v.step}"
    if isinstance(v, (int, float, str)):
        return f"{v:.4g}" if isinstance(v, float) else str(v)
    if isinstance(v, (tuple, list)) and v:
        parts = [_value(x) for x in v]
        if any(p is None for p in parts):
            return None
        if len(v) == 2 and parts[0] == parts[1] and all(isinstance(x, int) for x in v):
            return parts[0]                     # stride (2, 2) -> 2
        return ",".join(parts)
    return None


def op_params(node):
    """The op's plain attributes (stride, padding, axis, ...) as short 'name value' strings."""
    out = []
    for key, v in sorted(vars(node).items()) if hasattr(node, "__dict__") else ():
        if key.startswith("_") or key in _HIDDEN:
            continue
        text = _value(v)
        if key == "kernel_size" and isinstance(v, tuple):
            text = "\u00d7".join(map(str, v))     # kernel 7x7
        if text is not None and len(text) <= 24:
            out.append((_SHORT.get(key, key) + " " + text).strip())
    return out


def is_loss(node):
    """True for a node whose op computes a loss (CrossEntropy, MulticlassHinge, ...)."""
    return bool(getattr(type(node), "is_loss", False)) or node.name in LOSS_OPS


# A label is a title and lines; a line is (text, kind), kind one of "", "value", "grad".
def _html(title, lines, hidden=(), bold=True, background=HIDDEN_COLOR):
    """An HTML label; lines whose kind is in `hidden` are drawn in the background colour
    (present, so the layout does not change between step-through frames, but invisible)."""
    head = f"<B>{html.escape(title)}</B>" if bold else html.escape(title)
    body = []
    for text, kind in lines:
        if not text:
            continue
        color = {"value": VALUE_COLOR, "grad": GRAD_COLOR}.get(kind)
        if kind in hidden:
            color = background
        font = f' COLOR="{color}"' if color else ""
        for part in text.split("\n"):
            body.append(f'<BR/><FONT POINT-SIZE="9"{font}>{html.escape(part)}</FONT>')
    return f"<{head}{''.join(body)}>"


def _quote(v):
    v = str(v)
    if v.startswith("<") and v.endswith(">"):
        return v
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node_line(ident, label, style, **extra):
    attrs = dict(style, label=label, **extra)
    return ident + " [" + " ".join(f"{k}={_quote(v)}" for k, v in attrs.items()) + "]"


# ============================================================== the graph, once

def _check(root, rankdir, view, names, params):
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: root must be a Tensor (the output whose graph to draw), "
                        f"got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if view not in VIEWS:
        raise ValueError(f"draw_graph: view must be 'forward' or 'backward', got {view!r}")
    if names is not None and not hasattr(names, "items"):
        raise TypeError("draw_graph: names must be a mapping of name -> Tensor (e.g. locals()), "
                        f"got {type(names).__name__}")


def _named(source):
    if source is None:
        return []
    if hasattr(source, "named_parameters"):
        source = source.named_parameters()
    return list(source.items()) if isinstance(source, dict) else list(source)


def _names(params, model, names):
    """id(tensor) -> label for parameters, and node -> label for named non-leaf tensors."""
    leaf_names, node_names, param_ids = {}, {}, set()
    pairs = [(k, v, True) for k, v in _named(params if params is not None else model)]
    pairs += [(k, v, False) for k, v in (names or {}).items()
              if isinstance(v, Tensor) and isinstance(k, str) and not k.startswith("_")]
    for name, t, is_param in pairs:
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph: params {name!r} is a {type(t).__name__}, not a Tensor")
        # A non-leaf in params labels the node that produced it, as names= does.
        if t.grad_fn is not None:
            node_names.setdefault(t.grad_fn, name)
        elif id(t) not in leaf_names:
            leaf_names[id(t)] = name
            if is_param:
                param_ids.add(id(t))
    return leaf_names, node_names, param_ids


def _collapse_test(collapse, module_names):
    """A predicate scope -> bool from collapse= (classes, names, a depth, or a list of those)."""
    if collapse is None:
        return lambda scope: False
    items = collapse if isinstance(collapse, (list, tuple, set, frozenset)) else [collapse]
    for item in items:
        if not (isinstance(item, (type, str)) or isinstance(item, numbers.Integral)):
            raise TypeError("draw_graph: collapse takes module classes, module or class names, "
                            f"or a depth (int), got {type(item).__name__}")
    types = tuple(i for i in items if isinstance(i, type))
    strings = {i for i in items if isinstance(i, str)}
    depths = [int(i) for i in items if isinstance(i, numbers.Integral) and not isinstance(i, bool)]

    def test(scope):
        owner = scope.owner
        depth = len(scope.chain()) - 1
        return (bool(types) and isinstance(owner, types)
                or type(owner).__name__ in strings or module_names.get(id(owner)) in strings
                or any(depth >= d for d in depths))
    return test


class _Layout:
    """Everything the three views share: the nodes kept, their groups, labels and edges."""

    def __init__(self, root, params, model, names, max_nodes, collapse, need_values):
        self.root, self.node = root, root.grad_fn
        self.leaf_names, self.node_names, self.param_ids = _names(params, model, names)
        self.root_name = (names or {}) and next(
            (k for k, v in names.items() if v is root and not k.startswith("_")), None)
        self.module_names = ({id(m): n for n, m in model.named_modules()}
                             if model is not None else {})
        order = topological_order(self.node) if isinstance(self.node, Function) else []
        self.order = order
        self.kept = order[:max_nodes]
        self.left_out = len(order) - len(self.kept)
        self.boxes = model is not None
        self.outputs = {n: _recorded(n) for n in self.kept}
        if need_values and self.kept and not any(v is not None for v in self.outputs.values()):
            raise RuntimeError(
                "show_values: no values were recorded for this graph (nodes keep no outputs, to "
                "save memory). Build it inside `with autograd.viz.record():` and call "
                "backward() for the gradients, then draw it.")
        collapsed = _collapse_test(collapse, self.module_names)
        # group[n]: the outermost collapsed scope that made n, or None (drawn as itself)
        self.group = {}
        for n in self.kept:
            scope = getattr(n, "_viz_scope", None) if self.boxes else None
            self.group[n] = next((s for s in scope.chain() if collapsed(s)), None) if scope else None

    def scope_of(self, n):
        """The scope whose box holds op node n (for a collapsed group: the group's parent)."""
        if not self.boxes:
            return None
        g = self.group.get(n)
        return g.parent if g is not None else getattr(n, "_viz_scope", None)

    def call_labels(self, scopes):
        """'name (Class)', with 'call k' when the same module made several of these scopes."""
        by_owner = {}
        for s in sorted(scopes, key=lambda s: s.number):
            by_owner.setdefault(id(s.owner), []).append(s)
        labels = {}
        for calls in by_owner.values():
            for k, s in enumerate(calls, 1):
                name = self.module_names.get(id(s.owner))
                label = f"{name} ({type(s.owner).__name__})" if name else type(s.owner).__name__
                labels[s] = label + (f" call {k}" if len(calls) > 1 else "")
        return labels


def _tensor_lines(t, show_shapes, show_dtypes, grad, value=None):
    lines = [(_shape(t.shape) if show_shapes else "", ""), (str(t.dtype) if show_dtypes else "", "")]
    if value is not None:
        lines.append((describe(value), "value"))
    if grad is not None:
        lines.append(("grad " + describe(grad), "grad"))
    return lines


def draw_graph(root, params=None, model=None, names=None, show_shapes=True, show_dtypes=False,
               show_grads=False, show_values=False, circuit=False, view="forward",
               collapse=None, rankdir=None, max_nodes=300, _step=None):
    """The graph that produced `root`, as a `graphviz.Digraph` (see the module docstring).

    params: a dict or iterable of (name, Tensor), or anything with `named_parameters()`,
        used to label parameter leaves; defaults to `model.named_parameters()`.
    model: groups each module call's nodes in a labelled box (needs `named_modules()`).
    names: a mapping name -> Tensor (e.g. `locals()`) labelling leaves and intermediate
        tensors with your variable names.
    show_shapes / show_dtypes: print each tensor's shape / dtype.
    show_grads: add each leaf's (signed) gradient, after `backward()`.
    show_values: every node's forward value and, after backward, its gradient; needs a
        graph built inside `with autograd.viz.record():`.
    circuit: CS231n's circuit diagram (implies show_values; best for small scalar graphs).
    view: 'forward', or 'backward' for the gradient-flow graph.
    collapse: module classes, names (dotted, or class names) or a depth; each matching
        module call is drawn as one node (needs `model=`).
    rankdir: 'TB' (top to bottom; the default), 'LR' (the circuit's default), 'BT' or 'RL'.
    max_nodes: draw at most this many op nodes (those nearest the root); a note says how
        many were left out.
    """
    if rankdir is None:
        rankdir = "LR" if circuit else "TB"
    _check(root, rankdir, view, names, params)
    show_values = show_values or circuit
    layout = _Layout(root, params, model, names, max_nodes, collapse, show_values)
    g = Graph("dyngrad", graph_attr=dict(rankdir=rankdir, nodesep="0.25", ranksep="0.3",
                                         fontname="Helvetica", fontsize="11"),
              node_attr=dict(fontname="Helvetica", fontsize="11", margin="0.12,0.05"),
              edge_attr=dict(color="#666666", arrowsize="0.6"))
    if circuit:
        _circuit(g, layout)
    elif view == "backward":
        _backward_view(g, layout, show_shapes, show_values, show_grads)
    else:
        _forward_view(g, layout, show_shapes, show_dtypes, show_grads, show_values, _step)
    return g


# ============================================================== forward view

def _forward_view(g, L, show_shapes, show_dtypes, show_grads, show_values, step):
    done, current = step if step is not None else (None, None)
    shown_grads = show_grads or show_values
    top, bodies, edges = [], {}, []

    def emit(scope, line):
        (top if scope is None else bodies.setdefault(scope, [])).append(line)

    def hidden_unless(ready):
        return () if done is None or ready else ("grad",)

    ids, seen_leaves, consts = {}, {}, itertools.count()
    for i, n in enumerate(L.kept):
        grp = L.group[n]
        ids[n] = f"g{grp.number}" if grp is not None else f"op{i}"
    # In a step-through frame a gradient shows once every consumer of its tensor has run.
    consumers = {}
    for n in L.kept:
        for parent in n.parents:
            if parent is not None:
                key = parent if isinstance(parent, Function) else id(parent)
                consumers.setdefault(key, []).append(n)

    def ready(key):
        return done is not None and all(c in done for c in consumers.get(key, ()))

    def leaf(t, scope):
        key = id(t)
        if key not in seen_leaves:
            ident = seen_leaves[key] = f"t{len(seen_leaves)}"
            name = L.leaf_names.get(key)
            grad = _grad_of(t) if shown_grads else None
            lines = _tensor_lines(t, show_shapes, show_dtypes, grad,
                                  t.data if show_values else None)
            style = PARAM if key in L.param_ids else LEAF
            emit(scope, _node_line(ident, _html(name or "leaf", lines, hidden_unless(ready(key)),
                                                background=style["fillcolor"]), style))
        return seen_leaves[key]

    groups_drawn = {}
    for n in L.kept:
        grp = L.group[n]
        ident = ids[n]
        style = dict(OP)
        if current is not None and (n is current or (grp is not None and L.group.get(current) is grp)):
            style["fillcolor"] = CURRENT
        if grp is not None:
            # the group's output is the node the rest of the graph consumes: the first in order
            if grp not in groups_drawn:
                groups_drawn[grp] = n
                out = L.outputs.get(n)
                labels = L.call_labels([grp])
                lines = [(_shape(n.out_shape) if show_shapes else "", "")]
                lines += _value_lines(out, show_values)
                emit(L.scope_of(n), _node_line(ident, _html(labels[grp], lines,
                                                            hidden_unless(ready(n)),
                                                            background=GROUP["fillcolor"]),
                                               dict(GROUP, fillcolor=style["fillcolor"])
                                               if style["fillcolor"] == CURRENT else GROUP))
        else:
            title = n.name
            if n in L.node_names:
                title = f"{L.node_names[n]} ({n.name})"
            out = L.outputs.get(n)
            lines = [(", ".join(op_params(n)), "")]
            lines.append((" ".join(x for x in (_shape(n.out_shape) if show_shapes else "",
                                                str(n.out_dtype) if show_dtypes else "") if x), ""))
            lines += _value_lines(out, show_values)
            emit(L.scope_of(n), _node_line(ident, _html(title, lines, hidden_unless(ready(n)),
                                                        background=style["fillcolor"]), style))
        for parent, shape in zip(n.parents, n.input_shapes):
            if isinstance(parent, Function):
                src = ids.get(parent, "truncated")
            elif parent is not None:
                src = leaf(parent, _leaf_scope(L, parent, n))
            elif shape is not None:
                src = f"c{next(consts)}"
                top.append(_node_line(src, _html("input", [(_shape(shape) if show_shapes else "", "")],
                                                 bold=False), CONST))
            else:
                continue
            if src != ident:
                edges.append((src, ident, isinstance(parent, Function)))
    if L.left_out:
        top.append(_node_line("truncated", f"\u2026 {L.left_out} more op nodes not shown "
                              f"(max_nodes={len(L.kept)})", NOTE))
        g.attr(label=f"truncated: {len(L.kept)} of {len(L.order)} op nodes drawn", labelloc="b")
    root = L.root
    if L.node is None:
        # a leaf drawn on its own
        leaf(root, None)
        root_lines = None
    else:
        grad = _grad_of(L.outputs.get(L.node)) if show_values and L.outputs.get(L.node) is not None else None
        root_lines = _tensor_lines(root, show_shapes and root.ndim > 0, show_dtypes, grad)
        top.append(_node_line("root", _html(_root_title(L), root_lines), ROOT))
        if L.kept:
            edges.append((ids[L.kept[0]], "root", True))
    g.body.extend(f"\t{line}\n" for line in top)
    if L.boxes:
        _add_clusters(g, L, bodies)
    # Edges after all nodes so that every node is declared inside its cluster first.
    # Op-to-op edges weigh more: the main data path stays straight, leaves hang beside it.
    unique = list(dict.fromkeys(edges))
    g.body.extend(f"\t{a} -> {b}{' [weight=4]' if main else ''}\n" for a, b, main in unique)


def _value_lines(out, show_values):
    if not show_values or out is None:
        return []
    lines = [(describe(out.data), "value")]
    grad = _grad_of(out)
    if grad is not None:
        lines.append(("grad " + describe(grad), "grad"))
    return lines


def _leaf_scope(L, leaf, consumer):
    """A parameter sits in the box of the module that owns it (when that call is drawn)."""
    if not L.boxes:
        return None
    name = L.leaf_names.get(id(leaf))
    scope = L.scope_of(consumer)
    if name is None or scope is None:
        return None
    owner = name.rpartition(".")[0]
    for s in reversed(scope.chain()):
        if L.module_names.get(id(s.owner)) == owner:
            return s
    return scope


def _root_title(L):
    root, node = L.root, L.node
    if L.root_name:
        title = L.root_name
    elif node in L.node_names:
        title = L.node_names[node]
    elif root.size == 1 and is_loss(node):
        title = "loss"
    else:
        title = node.name
    if root.size == 1:
        title += f" = {_number(root.data.reshape(()))}"
    return title


def _add_clusters(g, L, bodies):
    """One box per module call, nested as the calls were."""
    scopes = set()
    for s in list(bodies):
        scopes.update(s.chain())
    labels = L.call_labels(scopes)
    children = {}
    tops = []
    for s in sorted(scopes, key=lambda s: s.number):
        (children.setdefault(s.parent, []) if s.parent in scopes else tops).append(s)

    def lines(s, depth):
        out = [f"subgraph cluster_{s.number} {{",
               f"\tlabel={_quote(labels[s])} labeljust=l style=\"rounded,filled\" "
               f"fillcolor=\"{CLUSTER_FILLS[depth % len(CLUSTER_FILLS)]}\" color=\"#b0b0b0\" "
               f"fontsize=10 fontcolor=\"#444444\""]
        out += ["\t" + x for x in bodies.get(s, [])]
        for c in children.get(s, []):
            out += ["\t" + x for x in lines(c, depth + 1)]
        return out + ["}"]

    for s in tops:
        g.body.extend(f"\t{line}\n" for line in lines(s, 0))


# ============================================================== circuit view

def _circuit(g, L):
    """CS231n's circuit: leaves as names, ops as circles, wires with value over gradient."""
    g.graph_attr.update(ranksep="0.6", nodesep="0.5")
    ids, seen = {}, {}
    for i, n in enumerate(L.kept):
        ids[n] = f"op{i}"
        g.node(ids[n], SYMBOLS.get(n.name, n.name), **CIRCLE)

    def wire(src, dst, tensor):
        value = describe(tensor.data) if tensor is not None else "?"
        grad = _grad_of(tensor) if tensor is not None else None
        grad = "" if grad is None else describe(grad)
        label = "<" + "<BR/>".join(
            f'<FONT COLOR="{color}">{html.escape(part)}</FONT>'
            for text, color in ((value, VALUE_COLOR), (grad, GRAD_COLOR))
            for part in text.split("\n")) + ">"
        g.edge(src, dst, label=label, fontsize="11", arrowsize="0.5")

    for n in L.kept:
        for k, (parent, shape) in enumerate(zip(n.parents, n.input_shapes)):
            if isinstance(parent, Function):
                if parent in ids:
                    wire(ids[parent], ids[n], L.outputs.get(parent))
            elif parent is not None:
                if id(parent) not in seen:
                    seen[id(parent)] = f"t{len(seen)}"
                    g.node(seen[id(parent)], L.leaf_names.get(id(parent), "leaf"), **TEXT)
                wire(seen[id(parent)], ids[n], parent)
            elif shape is not None:
                ident = f"c{k}_{ids[n]}"
                g.node(ident, "input", **dict(TEXT, fontcolor="#777777", fontsize="11"))
                g.edge(ident, ids[n], arrowsize="0.5", color="#aaaaaa")
    title = _root_title(L).split(" = ")[0] if L.node is not None else "leaf"
    g.node("root", title, **TEXT)
    if L.kept:
        out = L.outputs.get(L.node)
        wire(ids[L.kept[0]], "root", out if out is not None else L.root)


# ============================================================== backward view

def _backward_view(g, L, show_shapes, show_values, show_grads):
    """torchviz's picture: backward nodes, AccumulateGrad into leaves, gradient shapes on edges."""
    ids = {n: f"op{i}" for i, n in enumerate(L.kept)}
    seed = "1" if L.root.size == 1 else _shape(L.root.shape)
    g.node("root", _html(f"d{_root_title(L).split(' = ')[0]}/d{_root_title(L).split(' = ')[0]}",
                         [(f"seed gradient {seed}", "")]), **ROOT)
    leaves = {}
    for n in L.kept:
        lines = [(_shape(n.out_shape) if show_shapes else "", "")]
        out = L.outputs.get(n)
        if show_values and out is not None and _grad_of(out) is not None:
            lines.append(("grad " + describe(_grad_of(out)), "grad"))
        g.node(ids[n], _html(f"{n.name}Backward", lines), **BACKWARD)
    if L.kept:
        g.edge("root", ids[L.kept[0]], label=_shape(L.node.out_shape) if show_shapes else "",
               fontsize="9")
    for n in L.kept:
        for parent, shape in zip(n.parents, n.input_shapes):
            if parent is None:
                continue                        # a constant: no gradient flows there
            label = _shape(shape) if show_shapes else ""
            if isinstance(parent, Function):
                g.edge(ids[n], ids.get(parent, "truncated"), label=label, fontsize="9")
            else:
                key = id(parent)
                if key not in leaves:
                    acc = leaves[key] = f"acc{len(leaves)}"
                    g.node(acc, "AccumulateGrad", **ACCUMULATE)
                    name = L.leaf_names.get(key, "leaf")
                    grad = _grad_of(parent) if (show_grads or show_values) else None
                    g.node(f"{acc}_t", _html(name, _tensor_lines(parent, show_shapes, False, grad)),
                           **(PARAM if key in L.param_ids else LEAF))
                    g.edge(acc, f"{acc}_t", style="dashed", arrowhead="none")
                g.edge(ids[n], leaves[key], label=label, fontsize="9")
    if L.left_out:
        g.node("truncated", f"\u2026 {L.left_out} more backward nodes not shown", **NOTE)


# ============================================================== step through backward

def backward_frames(root, **kwargs):
    """One DOT graph per step of backward: frame k highlights the k-th node backward runs
    (in backward's order) and shows every gradient known once it ran (a tensor's gradient is
    known when all its consumers have run); a last frame shows them all.

    Needs a graph built, and `backward()` run, inside `with autograd.viz.record():`.
    Every frame has the same layout (a gradient not known yet is drawn in its box's
    background colour), so frames line up.
    kwargs go to `draw_graph` (model=, names=, ...).
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"backward_frames: root must be a Tensor, got {type(root).__name__}")
    if root.grad_fn is None:
        raise ValueError("backward_frames: root is a leaf; there is no backward to step through")
    order = topological_order(root.grad_fn)[:kwargs.get("max_nodes", 300)]
    if _grad_of(_recorded(order[0]) or root) is None:
        raise RuntimeError("backward_frames: no gradients were recorded; build the graph and call "
                           "backward() inside `with autograd.viz.record():`")
    frames = []
    for k, node in enumerate(order):
        frames.append(draw_graph(root, show_values=True, _step=(set(order[:k + 1]), node), **kwargs))
    frames.append(draw_graph(root, show_values=True, _step=(set(order), None), **kwargs))
    return frames


def animate_backward(root, path, duration=900, dpi=72, **kwargs):
    """Write backward as an animated GIF (one frame per node, see `backward_frames`).

    Returns the number of frames. Needs graphviz's `dot` and Pillow (matplotlib's dependency).
    """
    from PIL import Image

    frames = backward_frames(root, **kwargs)
    images = []
    for frame in frames:
        frame.attr(dpi=str(dpi), bgcolor="white")
        images.append(Image.open(io.BytesIO(frame.pipe(format="png"))).convert("RGB"))
    width = max(i.width for i in images)
    height = max(i.height for i in images)
    padded = []
    for image in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(image, (0, 0))
        padded.append(canvas)
    # the last frame (everything computed) stays up longer
    durations = [duration] * (len(padded) - 1) + [duration * 3]
    padded[0].save(path, save_all=True, append_images=padded[1:], duration=durations, loop=0,
                   optimize=False, disposal=1)
    return len(padded)


__all__ = ["draw_graph", "record", "forget", "Recording", "backward_frames", "animate_backward",
           "describe", "is_loss", "op_params", "enter_scope", "exit_scope", "Scope",
           "GraphvizNotFound", "Graph"]
