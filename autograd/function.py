"""The op base class. Each call of an op creates one graph node: an instance of its class.

An op is a `Function` subclass with two static methods side by side::

    class Exp(Function):
        '''y = e^x;  dL/dx = dL/dy * y'''
        @staticmethod
        def forward(ctx, x):
            y = xp.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

`Exp.apply(t)` unwraps Tensor arguments to arrays, runs `forward`, and, when grad mode
is on and an input requires grad, keeps the instance (`ctx`) as the output's node.
`ctx` is the node: it points to its inputs' nodes (or to leaf tensors), never to its
output, so graphs hold no reference cycles. It keeps only the arrays passed to
`save_for_backward` (released after backward unless `retain_graph=True`) and small
plain attributes such as `ctx.stride`.
"""
import itertools

from .grad_mode import _mode
from .tensor import Tensor

# Every recorded node gets the next number of this clock, so nodes are ordered by
# creation; `nn.Module.__call__` reads it before and after forward, which lets the graph
# renderer group the nodes a module created.
graph_clock = itertools.count()

# Called as hook(node, output) for each node recorded; viz.record, anomaly mode and module boxes use it
record_hooks = []


class Function:
    """Base class of every op; an instance is one node of the computational graph.

    Attributes a node carries after `apply`:
      parents           one entry per positional argument of `forward`: the input's node,
                        the input tensor itself when it is a leaf that requires grad, or None
      input_shapes      the shape of each positional Tensor input (None for the others)
      input_dtypes      the dtype of each positional Tensor input (None for the others)
      needs_input_grad  one bool per positional argument
      out_shape, out_dtype  what the op produced (used to draw the graph)
      sequence          the value of `graph_clock` when the node was recorded
    """

    __slots__ = ("parents", "input_shapes", "input_dtypes", "needs_input_grad", "out_shape", "out_dtype",
                 "sequence", "_saved", "_versions", "_retained", "__dict__")

    # View ops (reshape, transpose, ...) return arrays that share memory with their
    # input; their outputs then share the input's version counter, so an in-place
    # change through either is seen by every backward rule that saved one of them.
    is_view = False

    @staticmethod
    def forward(ctx, *args, **params):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    def save_for_backward(self, *arrays):
        """Keep arrays for `backward`; they are released once backward has used them."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        """The arrays given to `save_for_backward` (a tuple)."""
        if self._saved is None:
            raise RuntimeError(
                f"{type(self).__name__}: trying to backward through the graph a second time "
                "(or directly access saved tensors after they have already been freed). "
                "Saved intermediate values of the graph are freed when you call .backward(). "
                "Specify retain_graph=True if you need to backward through the graph a second time.")
        return self._saved

    @property
    def name(self):
        return type(self).__name__

    @classmethod
    def apply(cls, *args, **params):
        """Run the op on `args` (Tensors or constants) and record it when grad mode is on."""
        ctx = object.__new__(cls)
        ctx._saved = ()
        record = _mode.enabled
        arrays = []
        parents = []
        needs = []
        tensors = []
        shapes = []
        dtypes = []
        requires_grad = False
        for arg in args:
            if isinstance(arg, Tensor):
                data = arg.data
                arrays.append(data)
                tensors.append(arg)
                shapes.append(data.shape)
                dtypes.append(data.dtype)
                if record and arg.requires_grad:
                    requires_grad = True
                    needs.append(True)
                    node = arg._node
                    parents.append(arg if node is None else node)
                    continue
            else:
                arrays.append(arg)
                shapes.append(None)
                dtypes.append(None)
            needs.append(False)
            parents.append(None)
        ctx.needs_input_grad = tuple(needs)
        out = Tensor._make(cls.forward(ctx, *arrays, **params))
        if cls.is_view and tensors:
            out._version = tensors[0]._version
        if requires_grad:
            ctx.parents = tuple(parents)
            ctx.input_shapes = tuple(shapes)
            ctx.input_dtypes = tuple(dtypes)
            ctx.out_shape = out.data.shape
            ctx.out_dtype = out.data.dtype
            ctx._retained = None
            ctx.sequence = next(graph_clock)
            # Conservative in-place detection: when the op saved anything, any later
            # in-place change to one of its tensors (inputs or output) is an error.
            ctx._versions = (tuple((t._version, t._version.value) for t in tensors)
                             + ((out._version, out._version.value),)) if ctx._saved else ()
            out.requires_grad = True
            out._node = ctx
            for hook in record_hooks:
                hook(ctx, out)
        return out

    def check_versions(self):
        """Raise if a tensor this node saved was modified in place since the forward."""
        for counter, value in self._versions:
            if counter.value != value:
                raise RuntimeError(
                    "one of the tensors needed for gradient computation has been modified by an "
                    f"in-place operation: a tensor saved by {self.name} is at version "
                    f"{counter.value}; expected version {value}. Use an out-of-place operation "
                    "instead (e.g. `x = x + 1` rather than `x += 1`).")

    def __repr__(self):
        return f"<{self.name}>"


__all__ = ["Function"]
