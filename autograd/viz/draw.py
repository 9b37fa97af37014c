"""`draw_graph`: what is drawn (the layout every view shares) and the forward view."""
import itertools
import numbers

from ..function import Function
from ..tensor import Tensor
from .labels import (CLUSTER_FILLS, CONST, CURRENT, GROUP, LEAF, NOTE, OP, PARAM, RANKDIRS, ROOT,
                     VIEWS, Graph, _grad_of, _html, _node_line, _quote, _root_title, _shape,
                     _tensor_lines, _value_lines, op_params)
from .recording import _recorded, topological_order
from .views import _backward_view, _circuit


def _check(root, rankdir, view, names, model, collapse, circuit):
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: root must be a Tensor (the output whose graph to draw), "
                        f"got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if view not in VIEWS:
        raise ValueError(f"draw_graph: view must be 'forward' or 'backward', got {view!r}")
    if collapse is not None and model is None:
        raise ValueError("draw_graph: collapse= needs model= (it collapses the model's module calls)")
    if circuit and view != "forward":
        raise ValueError("draw_graph: circuit=True draws the forward graph; leave out view=")
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
    _check(root, rankdir, view, names, model, collapse, circuit)
    show_values = show_values or circuit
    layout = _Layout(root, params, model, names, max_nodes, collapse, show_values)
    g = Graph("dyngrad", graph_attr=dict(rankdir=rankdir, nodesep="0.25", ranksep="0.3",
                                         fontname="Helvetica", fontsize="11"),
              node_attr=dict(fontname="Helvetica", fontsize="11", margin="0.12,0.05"),
              edge_attr=dict(color="#666666", arrowsize="0.6"))
    if circuit:
        _circuit(g, layout, _step)
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
