"""Draw the computational graph behind a tensor with graphviz.

    import autograd as ag
    g = ag.draw_graph(loss, model=model, show_grads=True)
    g.render("graph", format="svg")        # needs the `dot` binary; g.source is the DOT text

Data flows top to bottom (rankdir='TB'): leaves first, the root last. Four kinds of boxes:
  op          blue, rounded: the op's name, its parameters (stride, padding, ...), its
              output shape
  parameter   orange: the parameter's dotted name and shape (and gradient norm)
  leaf        green: a tensor the user made with requires_grad=True, not a parameter
  constant    small, grey, dashed: a Tensor input that needs no gradient (data, labels)
and the root, red with a double border ("loss = 2.3026" when it is a scalar).
With `model=`, the nodes a sub-module created sit in a cluster labelled
`name (ClassName)`: `nn.Module.__call__` records `module._call_range` from
`autograd.function.graph_clock`, and each node's `sequence` comes from the same clock.

This module knows nothing about `nn`: it only calls `named_parameters()` and
`named_modules()` on what it is given.
"""
import html

import graphviz

from .engine import topological_order
from .function import Function

OP = dict(shape="box", style="rounded,filled", fillcolor="#dbe8f7", color="#3b6ea5")
PARAM = dict(shape="box", style="filled", fillcolor="#fde3c0", color="#c26d00")
LEAF = dict(shape="box", style="filled", fillcolor="#d9f0d3", color="#3a8a3a")
CONST = dict(shape="box", style="dashed,filled", fillcolor="#f2f2f2", color="#9a9a9a",
             fontcolor="#555555", fontsize="9", height="0.25")
ROOT = dict(shape="box", style="filled,bold", fillcolor="#f7d4d2", color="#b22222", peripheries="2")
NOTE = dict(shape="note", style="filled", fillcolor="#fff8c4", color="#a08c00", fontcolor="#5a4d00")
CLUSTER_FILLS = ("#f7f7f7", "#ececec", "#e2e2e2")

# Node attributes that describe the op's inputs rather than its parameters.
_HIDDEN = {"input_shape", "input_dtype", "sizes", "count"}
_SHORT = {"kernel_size": "kernel", "padding": "pad", "negative_slope": "slope", "pad_width": "pad"}


class GraphvizNotFound(RuntimeError):
    """The graphviz `dot` binary is not installed or not on PATH."""


_INSTALL = ("rendering needs the graphviz `dot` binary, which was not found on PATH. Install "
            "graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
            "(macOS), `conda install graphviz`, or see https://graphviz.org/download/. The DOT "
            "text is still available as `.source`.")


class Graph(graphviz.Digraph):
    """A `graphviz.Digraph` whose rendering says how to install graphviz when `dot` is missing."""

    def _run(self, method, *args, **kwargs):
        try:
            return getattr(super(), method)(*args, **kwargs)
        except graphviz.ExecutableNotFound as err:
            raise GraphvizNotFound(_INSTALL) from err

    def render(self, *args, **kwargs):
        return self._run("render", *args, **kwargs)

    def pipe(self, *args, **kwargs):
        return self._run("pipe", *args, **kwargs)


def _shape(shape):
    return "scalar" if shape == () else str(tuple(shape))


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


def _html(title, *lines, bold=True):
    head = f"<B>{html.escape(title)}</B>" if bold else html.escape(title)
    body = "".join(f'<BR/><FONT POINT-SIZE="9">{html.escape(x)}</FONT>' for x in lines if x)
    return f"<{head}{body}>"


def _named(source):
    if source is None:
        return []
    if hasattr(source, "named_parameters"):
        source = source.named_parameters()
    return list(source.items()) if isinstance(source, dict) else list(source)


def _tensor_lines(t, show_shapes, show_dtypes, show_grads):
    lines = [_shape(t.shape) if show_shapes else "", str(t.dtype) if show_dtypes else ""]
    if show_grads and getattr(t, "grad", None) is not None:
        lines.append(f"grad norm {float((t.grad.astype('float64') ** 2).sum()) ** 0.5:.3g}")
    return lines


def _modules(model):
    """(name, module, (start, end)) of each module that recorded a call, outermost first."""
    found = []
    for name, module in model.named_modules():
        rng = getattr(module, "_call_range", None)
        if rng is not None:
            found.append((name, module, tuple(rng)))
    found.sort(key=lambda m: (m[2][0], -m[2][1]))
    return found


def _innermost(modules, seq):
    """Index of the innermost module whose call range holds `seq` (ranges nest: last wins)."""
    found = None
    for i, (_, _, (start, end)) in enumerate(modules):
        if start <= seq <= end:
            found = i
    return found


def draw_graph(root, params=None, model=None, show_shapes=True, show_dtypes=False,
               show_grads=False, rankdir="TB", max_nodes=300):
    """The graph that produced `root`, as a `graphviz.Digraph` (see the module docstring).

    params: a dict or iterable of (name, Tensor), or anything with `named_parameters()`,
        used to label parameter leaves; defaults to `model.named_parameters()`.
    model: groups each sub-module's nodes in a labelled cluster (needs `named_modules()`).
    show_shapes / show_dtypes: print each tensor's shape / dtype.
    show_grads: add each leaf's gradient norm (after `backward()`).
    rankdir: 'TB' (top to bottom), 'LR', 'BT' or 'RL'.
    max_nodes: draw at most this many op nodes (those nearest the root); a note says how
        many were left out.
    """
    names = {id(t): n for n, t in _named(params if params is not None else model)}
    modules = _modules(model) if model is not None else []
    g = Graph("dyngrad", graph_attr=dict(rankdir=rankdir, nodesep="0.25", ranksep="0.3",
                                         fontname="Helvetica", fontsize="11"),
              node_attr=dict(fontname="Helvetica", fontsize="11", margin="0.12,0.05"),
              edge_attr=dict(color="#666666", arrowsize="0.6"))
    bodies = [[] for _ in modules]              # DOT lines of each module's cluster
    top = []                                    # DOT lines outside every cluster

    def emit(where, line):
        (top if where is None else bodies[where]).append(line)

    def node_line(ident, label, style):
        attrs = dict(style, label=label)
        return ident + " [" + " ".join(f"{k}={_quote(v)}" for k, v in attrs.items()) + "]"

    edges = []
    seen_leaves = {}

    def leaf(t):
        key = id(t)
        if key not in seen_leaves:
            ident = f"t{len(seen_leaves)}"
            seen_leaves[key] = ident
            name = names.get(key)
            lines = _tensor_lines(t, show_shapes, show_dtypes, show_grads)
            owner = name.rpartition(".")[0] if name is not None else None
            where = next((i for i, m in enumerate(modules) if m[0] == owner), None)
            emit(where, node_line(ident, _html(name if name else "leaf", *lines),
                                  PARAM if name is not None else LEAF))
        return seen_leaves[key]

    node = root._node
    order = topological_order(node) if isinstance(node, Function) else []
    kept = order[:max_nodes]
    ids = {n: f"op{i}" for i, n in enumerate(kept)}
    left_out = len(order) - len(kept)
    consts = 0
    for n in kept:
        lines = [", ".join(op_params(n))]
        out = [_shape(n.out_shape) if show_shapes else "", str(n.out_dtype) if show_dtypes else ""]
        label = _html(n.name, *lines, " ".join(x for x in out if x))
        emit(_innermost(modules, n.sequence) if modules else None, node_line(ids[n], label, OP))
        for parent, shape in zip(n.parents, n.input_shapes):
            if isinstance(parent, Function):
                src = ids.get(parent, "truncated")
            elif parent is not None:
                src = leaf(parent)
            elif shape is not None:
                src = f"c{consts}"
                consts += 1
                top.append(node_line(src, _html("input", _shape(shape) if show_shapes else "",
                                                bold=False), CONST))
            else:
                continue
            edges.append((src, ids[n], isinstance(parent, Function)))
    if left_out:
        top.append(node_line("truncated", f"\u2026 {left_out} more op nodes not shown "
                             f"(max_nodes={max_nodes})", NOTE))
        g.attr(label=f"truncated: {len(kept)} of {len(order)} op nodes drawn", labelloc="b")
    lines = _tensor_lines(root, show_shapes and root.ndim > 0, show_dtypes,
                          show_grads and node is None)
    if root.size == 1:
        title = f"loss = {float(root.data.reshape(())) + 0.0:.4g}"   # + 0.0: no "-0"
    else:
        title = names.get(id(root), "output")
    top.append(node_line("root", _html(title, *lines), ROOT))
    if node is not None and kept:
        edges.append(("op0", "root", True))
    g.body.extend(f"\t{line}\n" for line in top)
    _add_clusters(g, modules, bodies)
    # Edges after all nodes so that every node is declared inside its cluster first.
    # Op-to-op edges weigh more: the main data path stays straight, leaves hang beside it.
    g.body.extend(f"\t{a} -> {b}{' [weight=4]' if main else ''}\n" for a, b, main in edges)
    return g


def _add_clusters(g, modules, bodies):
    """Nest the module clusters (a module inside the smallest range that contains it)."""
    def parent_of(i):
        (s, e), found = modules[i][2], None
        for j in range(i):
            if modules[j][2][0] <= s and e <= modules[j][2][1]:
                found = j
        return found

    parents = [parent_of(i) for i in range(len(modules))]
    children = {i: [j for j, p in enumerate(parents) if p == i] for i in range(len(modules))}

    def has_nodes(i):
        return bool(bodies[i]) or any(has_nodes(j) for j in children[i])

    def lines(i, depth):
        name, module, _ = modules[i]
        label = f"{name} ({type(module).__name__})" if name else type(module).__name__
        out = [f"subgraph cluster_{i} {{",
               f"\tlabel={_quote(label)} labeljust=l style=\"rounded,filled\" "
               f"fillcolor=\"{CLUSTER_FILLS[depth % len(CLUSTER_FILLS)]}\" color=\"#b0b0b0\" "
               f"fontsize=10 fontcolor=\"#444444\""]
        out += ["\t" + x for x in bodies[i]]
        for j in children[i]:
            if has_nodes(j):
                out += ["\t" + x for x in lines(j, depth + 1)]
        return out + ["}"]

    for i, p in enumerate(parents):
        if p is None and has_nodes(i):
            g.body.extend(f"\t{line}\n" for line in lines(i, 0))


def _quote(v):
    v = str(v)
    if v.startswith("<") and v.endswith(">"):
        return v
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


__all__ = ["draw_graph", "GraphvizNotFound", "Graph"]
