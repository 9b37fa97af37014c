"""Reverse-mode traversal: order the graph once, then run each node's backward rule once.

1. `topological_order` lists the nodes reachable from the root, every node before the
   nodes that produced its inputs (an iterative depth-first search: no recursion limit).
2. Walking that list, each node receives the sum of the gradients of all its consumers
   (they all come earlier in the list), runs its rule, and passes one gradient to each
   input, reduced to the input's shape by `unbroadcast`.
3. Leaf tensors that require grad accumulate into `.grad`; saved arrays are released.
"""
import gc

from .backend import xp
from .function import Function
from .tensor import Tensor


def topological_order(root):
    """Nodes reachable from `root`, root first; each node precedes all of its inputs' nodes."""
    order = []
    visited = {root}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if isinstance(parent, Function) and parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    order.reverse()
    return order


def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, to get back `shape`.

    If y = broadcast(x), then dL/dx = sum of dL/dy over the broadcast axes.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        return grad
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if extra:
        grad = grad.reshape(grad.shape[extra:])
    return grad


def _input_gradients(node, grad):
    """Run `node`'s backward rule; check and unbroadcast what it returns."""
    node.check_versions()
    node.saved_tensors  # raises a clear error if the graph was already freed
    grads = type(node).backward(node, grad)
    if type(grads) is not tuple:
        grads = (grads,)
    if len(grads) != len(node.parents):
        raise RuntimeError(f"{node.name}.backward returned {len(grads)} gradients "
                           f"for {len(node.parents)} inputs")
    for i, (parent, shape, g) in enumerate(zip(node.parents, node.input_shapes, grads)):
        if parent is None:
            continue
        if g is None:
            raise RuntimeError(f"{node.name}.backward returned no gradient for input {i}, "
                               "which requires grad")
        if type(g) is not xp.ndarray:
            g = xp.asarray(g)  # NumPy returns scalars, not 0-d arrays, from 0-d arithmetic
        g = unbroadcast(g, shape)
        if g.shape != shape:
            raise RuntimeError(f"{node.name}.backward returned a gradient of shape {g.shape} "
                               f"for input {i} of shape {shape}")
        dtype = node.input_dtypes[i]
        if g.dtype != dtype:
            # As PyTorch: a gradient has its input's dtype, so float32 stays float32 even
            # when a rule met a float64 constant.
            g = g.astype(dtype)
        yield parent, g


def _check_root_grad(tensor, grad):
    if grad is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; this tensor has shape "
                f"{tensor.shape}: pass backward(grad) with an array of that shape")
        return xp.ones_like(tensor.data)
    grad = xp.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=tensor.dtype)
    if grad.shape != tensor.shape:
        raise RuntimeError(f"backward: grad has shape {grad.shape} but the tensor has shape {tensor.shape}")
    return grad


def backward(tensor, grad=None, retain_graph=False):
    """Accumulate d(tensor)/d(leaf) . grad into the `.grad` of every leaf that requires grad."""
    if not tensor.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad and has no grad_fn "
                           "(did you build it under no_grad(), or from inputs without requires_grad?)")
    grad = _check_root_grad(tensor, grad)
    root = tensor._node
    if root is None:
        _accumulate(tensor, grad)
        return
    # Graphs hold no reference cycles, so the cyclic garbage collector has nothing to
    # free here; paused, it stops rescanning every live node as gradients are allocated
    # (about 1.5-2x faster backward on a 100,000-op chain, docs/benchmarks.md).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _run_backward(root, grad, retain_graph)
    finally:
        if collecting:
            gc.enable()


def _run_backward(root, grad, retain_graph):
    pending = {root: grad}
    for node in topological_order(root):
        g = pending.pop(node)
        if node._retained is not None:
            _store_retained(node, g)
        for parent, g_in in _input_gradients(node, g):
            if isinstance(parent, Function):
                previous = pending.get(parent)
                pending[parent] = g_in if previous is None else previous + g_in
            else:
                _accumulate(parent, g_in)
        if not retain_graph:
            node._saved = None


def _accumulate(leaf, g):
    """Add `g` into a leaf's `.grad`.

    The first gradient a leaf gets is copied: the array a rule returned may also be
    pending for another node (Add hands the same array to both inputs), be a view of
    the incoming gradient, or be a saved array, and `.grad` later accumulates in place.
    """
    if leaf.grad is not None:
        leaf.grad += g
    else:
        leaf.grad = xp.array(g, dtype=leaf.dtype, copy=True)


def _store_retained(node, g):
    tensor = node._retained()
    if tensor is None:
        return
    tensor.grad = g.copy() if tensor.grad is None else tensor.grad + g
