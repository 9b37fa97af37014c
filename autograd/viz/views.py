"""The circuit (CS231n) and backward (torchviz) views of a `_Layout`."""
import html

from ..function import Function
from .labels import (ACCUMULATE, BACKWARD, CIRCLE, CURRENT, GRAD_COLOR, HIDDEN_COLOR, LEAF, NOTE,
                     PARAM, ROOT, SYMBOLS, TEXT, VALUE_COLOR, _grad_of, _html, _root_title,
                     _shape, _tensor_lines, describe)


# ============================================================== circuit view

def _circuit(g, L, step=None):
    """CS231n's circuit: leaves as names, ops as circles, wires with value over gradient.

    step: (nodes done, node now running) for a step-through frame: the running op is
    highlighted and a wire's gradient shows once every consumer of its value has run.
    """
    done, current = step if step is not None else (None, None)
    g.graph_attr.update(ranksep="0.6", nodesep="0.5")
    ids, seen, consumers = {}, {}, {}
    for i, n in enumerate(L.kept):
        ids[n] = f"op{i}"
        style = dict(CIRCLE, fillcolor=CURRENT) if n is current else CIRCLE
        g.node(ids[n], SYMBOLS.get(n.name, n.name), **style)
        for parent in n.parents:
            if parent is not None:
                key = parent if isinstance(parent, Function) else id(parent)
                consumers.setdefault(key, []).append(n)

    def wire(src, dst, tensor, key):
        value = describe(tensor.data) if tensor is not None else "?"
        grad = _grad_of(tensor) if tensor is not None else None
        grad = "" if grad is None else describe(grad)
        known = done is None or all(c in done for c in consumers.get(key, ()))
        label = "<" + "<BR/>".join(
            f'<FONT COLOR="{color}">{html.escape(part)}</FONT>'
            for text, color in ((value, VALUE_COLOR), (grad, GRAD_COLOR if known else HIDDEN_COLOR))
            for part in text.split("\n")) + ">"
        g.edge(src, dst, label=label, fontsize="11", arrowsize="0.5")

    for n in L.kept:
        for k, (parent, shape) in enumerate(zip(n.parents, n.input_shapes)):
            if isinstance(parent, Function):
                if parent in ids:
                    wire(ids[parent], ids[n], L.outputs.get(parent), parent)
            elif parent is not None:
                if id(parent) not in seen:
                    seen[id(parent)] = f"t{len(seen)}"
                    g.node(seen[id(parent)], L.leaf_names.get(id(parent), "leaf"), **TEXT)
                wire(seen[id(parent)], ids[n], parent, id(parent))
            elif shape is not None:
                ident = f"c{k}_{ids[n]}"
                g.node(ident, "input", **dict(TEXT, fontcolor="#777777", fontsize="11"))
                g.edge(ident, ids[n], arrowsize="0.5", color="#aaaaaa")
    title = _root_title(L).split(" = ")[0] if L.node is not None else "leaf"
    g.node("root", title, **TEXT)
    if L.kept:
        out = L.outputs.get(L.node)
        wire(ids[L.kept[0]], "root", out if out is not None else L.root, None)


# ============================================================== backward view

def _backward_view(g, L, show_shapes, show_values, show_grads):
    """torchviz's picture: backward nodes, AccumulateGrad into leaves, gradient shapes on edges."""
    ids = {n: f"op{i}" for i, n in enumerate(L.kept)}
    seed = "1" if L.root.numel() == 1 else _shape(L.root.shape)
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
