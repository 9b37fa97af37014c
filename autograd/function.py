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

Backward rules are differentiable. A rule is written with operators, array methods
that Tensors share (`reshape`, `sum`, `transpose`, ...), NumPy functions that Tensors
dispatch (`xp.exp`, `xp.where`, ...; see `autograd.interop`) and other ops' `apply`.
For a first-order backward the engine hands the rule arrays and runs it with grad mode
off: plain NumPy, no graph. With `create_graph=True` it hands the rule Tensors (the
incoming gradient, and each saved input or output rebuilt as a Tensor attached to the
graph) with grad mode on, so the same rule records the graph of the gradient.
"""
import itertools

from .backend import xp
from .grad_mode import _mode
from .hooks import RemovableHandle
from .tensor import Tensor

# Every recorded node gets the next number of this clock, so nodes are ordered by
# creation; the graph renderer uses it to order what it draws.
graph_clock = itertools.count()

# Called as hook(node, output) for each node recorded; viz.record, anomaly mode and
# module boxes use it. Empty by default, so recording costs one check.
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
                 "sequence", "_saved", "_ids", "_versions", "_hooks", "__dict__")

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
        """The arrays given to `save_for_backward` (a tuple).

        Inside a backward that records a graph (create_graph=True), each saved input or
        output comes back as a Tensor attached to the graph, so the rule's result can be
        differentiated again; other saved arrays (masks, indices) stay constants.
        """
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                f"{type(self).__name__}: trying to backward through the graph a second time "
                "(or directly access saved tensors after they have already been freed). "
                "Saved intermediate values of the graph are freed when you call .backward(). "
                "Specify retain_graph=True if you need to backward through the graph a second time.")
        if not _mode.enabled or not saved:
            return saved
        return tuple(self._rebuild(array) for array in saved)

    def _rebuild(self, array):
        """A saved array as a Tensor of the graph: an input's (its node's output), or this node's output.

        Other saved arrays (masks, indices, derived values) are constants.
        """
        if array is None or id(array) not in self._ids:
            return array
        position = self._ids.index(id(array))
        if position == 0:
            node = self
        else:
            node = self.parents[position - 1]
            if node is None:
                return array
            if isinstance(node, Tensor):  # a leaf: gradients must reach that very tensor
                return node
        t = Tensor._make(array)
        t._requires_grad = True
        t._node = node
        return t

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
                if record and arg._requires_grad:
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
        returned = cls.forward(ctx, *arrays, **params)
        if type(returned) is not xp.ndarray and not isinstance(returned, xp.generic):
            _check_forward_result(cls, returned)
        out = Tensor._make(returned)   # a NumPy scalar (from 0-d math) becomes a 0-d array
        if cls.is_view and tensors:
            out._version = tensors[0]._version
        if requires_grad:
            data = out.data
            if data.dtype.kind not in "fc":
                raise TypeError(f"{cls.__name__}.forward returned an array of dtype {data.dtype} for "
                                "inputs that require grad; a differentiable op returns floating point")
            ctx.parents = tuple(parents)
            ctx.input_shapes = tuple(shapes)
            ctx.input_dtypes = tuple(dtypes)
            ctx.out_shape = data.shape
            ctx.out_dtype = data.dtype
            ctx._hooks = None
            ctx.sequence = next(graph_clock)
            if ctx._saved:
                # Identities, resolved into roles only if a create_graph backward asks
                # (`_rebuild`): the saved arrays and the inputs are alive now, so equal
                # ids mean the same object.
                ctx._ids = (id(returned), *map(id, arrays))
                # Conservative in-place detection: when the op saved anything, any later
                # in-place change to one of its tensors (inputs or output) is an error.
                # One flat tuple (counter, value, counter, value, ...): the fewest objects.
                versions = []
                for t in tensors:
                    counter = t._version
                    versions += (counter, counter.value)
                counter = out._version        # a view's output shares its input's counter
                ctx._versions = (*versions, counter, counter.value)
            else:
                ctx._versions = ()
            out._requires_grad = True
            out._node = ctx
            if record_hooks:
                for hook in record_hooks:
                    hook(ctx, out)
        return out

    def check_versions(self):
        """Raise if a tensor this node saved was modified in place since the forward."""
        versions = self._versions
        for i in range(0, len(versions), 2):
            counter, value = versions[i], versions[i + 1]
            if counter.value != value:
                raise RuntimeError(
                    "one of the tensors needed for gradient computation has been modified by an "
                    f"in-place operation: a tensor saved by {self.name} is at version "
                    f"{counter.value}; expected version {value}. Use an out-of-place operation "
                    "instead (e.g. `x = x + 1` rather than `x += 1`).")

    def register_hook(self, hook):
        """Call hook(grad) with this node's output gradient in backward; it may return a replacement."""
        if self._hooks is None:
            self._hooks = {}
        return RemovableHandle(self._hooks, hook)

    def __repr__(self):
        return f"<{self.name}>"


def _check_forward_result(cls, result):
    """Raise the error for a forward result that is neither an array nor a NumPy scalar."""
    if isinstance(result, Tensor):
        raise TypeError(f"{cls.__name__}.forward returned a Tensor; forward works on arrays and must "
                        "return an array (use .data, or build the op from other ops without a Function)")
    raise TypeError(f"{cls.__name__}.forward must return an array, got {type(result).__name__}")


__all__ = ["Function"]
