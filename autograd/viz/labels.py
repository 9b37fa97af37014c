"""Styles, the Graph class, and the text of labels: values, gradients, op parameters."""
import html

import graphviz
import numpy as np

from ..tensor import Tensor


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
_HIDDEN = {"input_shape", "input_dtype", "sizes", "count", "retains_grad"}
_SHORT = {"kernel_size": "kernel", "padding": "pad", "negative_slope": "slope", "pad_width": "pad"}
# Ops whose scalar output is a loss (an op may also say so with a class attribute is_loss).
LOSS_OPS = {"CrossEntropy", "MulticlassHinge", "NLLLoss", "MSELoss", "BinaryCrossEntropy"}
# What a circuit diagram writes inside an op's circle.
SYMBOLS = {"Add": "+", "Sub": "\u2212", "Mul": "\u00d7", "Div": "\u00f7", "Neg": "\u2212x",
           "Pow": "x\u207f", "Exp": "exp", "Log": "log", "Tanh": "tanh", "Sigmoid": "\u03c3",
           "ReLU": "max0", "Relu": "max0", "Sum": "\u03a3", "Mean": "mean", "Maximum": "max",
           "Minimum": "min", "Sqrt": "\u221a", "Abs": "|x|", "MatMul": "@", "Matmul": "@"}
SMALL = 6                                   # tensors up to this size are shown in full


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

def _tensor_lines(t, show_shapes, show_dtypes, grad, value=None):
    lines = [(_shape(t.shape) if show_shapes else "", ""), (str(t.dtype) if show_dtypes else "", "")]
    if value is not None:
        lines.append((describe(value), "value"))
    if grad is not None:
        lines.append(("grad " + describe(grad), "grad"))
    return lines


def _value_lines(out, show_values):
    if not show_values or out is None:
        return []
    lines = [(describe(out.data), "value")]
    grad = _grad_of(out)
    if grad is not None:
        lines.append(("grad " + describe(grad), "grad"))
    return lines


def _root_title(L):
    root, node = L.root, L.node
    if L.root_name:
        title = L.root_name
    elif node in L.node_names:
        title = L.node_names[node]
    elif root.numel() == 1 and is_loss(node):
        title = "loss"
    else:
        title = node.name
    if root.numel() == 1:
        title += f" = {_number(root.data.reshape(()))}"
    return title
