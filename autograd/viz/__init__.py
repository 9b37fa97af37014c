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

This package knows nothing about `nn`: it only calls `named_parameters()` and
`named_modules()` on what it is given as `model=`. Its files:
  recording.py  scopes (module boxes) and record(), fed by autograd.function.record_hooks
  labels.py     styles, the Graph class, the text of values, gradients and op parameters
  draw.py       draw_graph: the layout every view shares, and the forward view
  views.py      the circuit and backward views
  animate.py    the step-through frames and the GIF
"""
from .animate import animate_backward, backward_frames
from .draw import draw_graph
from .labels import GraphvizNotFound, Graph, describe, is_loss, op_params
from .recording import Recording, Scope, enter_scope, exit_scope, forget, record

__all__ = ["draw_graph", "record", "forget", "Recording", "backward_frames", "animate_backward",
           "describe", "is_loss", "op_params", "enter_scope", "exit_scope", "Scope",
           "GraphvizNotFound", "Graph"]
