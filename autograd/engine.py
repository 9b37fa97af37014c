"""Reverse-mode traversal: order the graph once, then run each node's backward rule once.

1. `topological_order` lists the nodes reachable from the roots, every node before the
   nodes that produced its inputs (an iterative depth-first search: no recursion limit).
2. Walking that list, each node receives the sum of the gradients of all its consumers
   (they all come earlier in the list), runs its rule, and passes one gradient to each
   input, reduced to the input's shape by `unbroadcast`.
3. Leaves add what they receive into `.grad` (a leaf with hooks first has its
   contributions summed and its hooks run on the sum; for `autograd.grad` the sums are
   returned instead); saved arrays are released.

First order (create_graph=False) runs the rules with grad mode off on arrays: no graph
is built. With create_graph=True the rules run with grad mode on, on Tensors, so the
gradients are themselves differentiable (see `autograd.function`).
"""
import contextlib
import gc
import sys
import threading

from . import anomaly
from .backend import errstate, xp
from .function import Function, graph_clock
from .grad_mode import _mode
from .tensor import Tensor

# Accumulating into `.grad` is one read-modify-write per leaf: two threads running
# backward into shared parameters take turns there, so no contribution is lost.
_accumulate_lock = threading.Lock()


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector for a block (nested blocks: the outermost decides).

    Graphs hold no reference cycles (nodes point only to their inputs), so the collector
    has nothing of ours to free; left on during backward, it rescans every live node as
    gradients are allocated (1.5-2x slower on a 100,000-op chain, docs/benchmarks.md).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# While a big graph is being built (many nodes recorded since the last backward), the
# collector would scan every new node again and again for nothing: graphs have no cycles,
# so reference counting frees them. Measured on a 65,000-op scalar graph: full collections
# doubled its step, and young ones still took 15% of its forward. So, from the collector's
# own callback (nothing on the hot path), its thresholds are relaxed until the end of the
# next backward: a young collection once per YOUNG_COLLECTION_SPACING allocations (net of
# frees, so a forward of a few hundred thousand nodes triggers none) and a full one at most
# once per FULL_COLLECTION_SPACING young ones. Collection still happens, so cyclic garbage
# of the user's waits at most that many allocations; the user's thresholds come back then.
BIG_GRAPH = 10_000
YOUNG_COLLECTION_SPACING = 1_000_000
FULL_COLLECTION_SPACING = 100
_clock_at_backward = [0]
_user_threshold = [None]          # the thresholds to restore, while relaxed


def _on_collection(phase, info):
    if phase != "start":
        return
    building = next(graph_clock) - _clock_at_backward[0] > BIG_GRAPH
    if building and _user_threshold[0] is None:
        _user_threshold[0] = threshold = gc.get_threshold()
        if len(threshold) == 3 and threshold[0] > 0:   # 0: the user turned automatic collection off
            gc.set_threshold(max(threshold[0], YOUNG_COLLECTION_SPACING), threshold[1],
                             max(threshold[2], FULL_COLLECTION_SPACING))
    elif not building:
        _restore_thresholds()


def _restore_thresholds():
    if _user_threshold[0] is not None:
        gc.set_threshold(*_user_threshold[0])
        _user_threshold[0] = None


gc.callbacks.append(_on_collection)


def topological_order(roots):
    """Nodes reachable from `roots` (one node or several), consumers first.

    Each node precedes all of its inputs' nodes.
    """
    if isinstance(roots, Function):
        roots = (roots,)
    order = []
    visited = set()
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
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

    If y = broadcast(x), then dL/dx = sum of dL/dy over the broadcast axes. Works on
    arrays and on Tensors (a differentiable sum and reshape).
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


# ----- public entry points ------------------------------------------------------------


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) . grad_tensors into the `.grad` of the leaves.

    As `torch.autograd.backward`: `tensors` is a Tensor or a sequence of them, each
    with its gradient in `grad_tensors` (None allowed for one-element tensors);
    `inputs` limits accumulation to the given tensors (leaves or not).
    """
    outputs, grads = _outputs_and_grads(tensors, grad_tensors, "backward")
    targets = None if inputs is None else _as_tensors(inputs, "backward", "inputs")
    if targets is not None and not targets:
        raise RuntimeError("backward: inputs must be a non-empty sequence of tensors (or None)")
    captured = _run(outputs, grads, retain_graph, create_graph, targets)
    if targets is None:
        return
    for t in targets:
        g = captured.get(id(t))
        if g is not None:
            _accumulate(t, g, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """d(outputs)/d(inputs) . grad_outputs, as a tuple with one Tensor per input; `.grad` is untouched.

    As `torch.autograd.grad`. An input that the outputs don't depend on is an error, or
    None with allow_unused=True. With create_graph=True the results carry a graph.
    """
    outputs, grads = _outputs_and_grads(outputs, grad_outputs, "grad")
    targets = _as_tensors(inputs, "grad", "inputs")
    if not targets:
        raise RuntimeError("grad: inputs must be a non-empty sequence of tensors")
    for i, t in enumerate(targets):
        if not t._requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    captured = _run(outputs, grads, retain_graph, create_graph, targets)
    result = []
    for i, t in enumerate(targets):
        g = captured.get(id(t))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) was not used in the graph of the outputs; "
                    "pass allow_unused=True to get None for it")
            result.append(None)
        else:
            result.append(g if isinstance(g, Tensor) else Tensor._make(g))
    return tuple(result)


# ----- the walk -------------------------------------------------------------------------


def _run(outputs, grads, retain_graph, create_graph, targets):
    """Propagate `grads` from `outputs`. Without targets, leaves accumulate into `.grad`;
    with targets, returns {id(target): gradient} and touches no `.grad`."""
    if retain_graph is None:
        retain_graph = create_graph
    previous = _mode.enabled
    _mode.enabled = bool(create_graph)
    try:
        # As PyTorch, backward does not warn: 0 * inf and 1 / 0 give nan and inf silently
        # (anomaly mode reports them), so a rule can mask them afterwards (Pow's limits).
        with gc_paused(), errstate(divide="ignore", invalid="ignore", over="ignore"):
            grads = [_as_gradient(g, create_graph) for g in grads]
            return _walk(outputs, grads, retain_graph, create_graph, targets)
    finally:
        _mode.enabled = previous
        _clock_at_backward[0] = next(graph_clock)
        _restore_thresholds()


def _walk(outputs, grads, retain_graph, create_graph, targets):
    pending = {}                 # node -> gradient of its output, summed over consumers
    leaves = {}                  # id(leaf) -> [leaf, summed gradient, owned], for hooks and grad()
    for t, g in zip(outputs, grads):
        if t._node is None:
            _add_leaf(leaves, t, g)
        else:
            previous = pending.get(t._node)
            pending[t._node] = g if previous is None else previous + g
    order = topological_order(list(pending))
    wanted_nodes = {} if targets is None else {t._node: t for t in targets if t._node is not None}
    needed = None if targets is None else _nodes_leading_to(order, targets, wanted_nodes)
    captured = {}
    checking = anomaly.is_enabled()
    for node in order:
        g = pending.pop(node, None)
        if g is None:
            continue
        if node._hooks:
            g = _run_hooks(node._hooks, g, create_graph)
        if needed is not None:
            if node in wanted_nodes:
                captured[id(wanted_nodes[node])] = g
            if node not in needed:
                continue
        results = (anomaly.checked_gradients(node, g, _input_gradients) if checking
                   else _input_gradients(node, g))
        for parent, g_in in results:
            if isinstance(parent, Function):
                previous = pending.get(parent)
                pending[parent] = g_in if previous is None else previous + g_in
            elif targets is None and not parent._hooks:
                _accumulate(parent, g_in, create_graph, from_walk=True)   # at once, while hot in cache
            else:
                _add_leaf(leaves, parent, g_in)           # summed first: hooks see the sum
        if not retain_graph:
            node._saved = None
    for leaf, g, _ in leaves.values():
        hooks = leaf._hooks
        if hooks:
            g = _run_hooks(hooks, g, create_graph)
        if targets is None:
            _accumulate(leaf, g, create_graph)
        else:
            captured[id(leaf)] = g
    return captured


def _nodes_leading_to(order, targets, wanted_nodes):
    """The nodes whose rule must run for gradients of `targets` (producers before consumers)."""
    leaf_ids = {id(t) for t in targets if t._node is None}
    needed = set()
    for node in reversed(order):  # producers first: a node's parents are decided before it
        if node in wanted_nodes or any(
                (p in needed) if isinstance(p, Function) else (p is not None and id(p) in leaf_ids)
                for p in node.parents):
            needed.add(node)
    return needed


def _add_leaf(leaves, leaf, g):
    """Sum a leaf's contributions: the first as it is, then into a fresh array owned by the sum."""
    entry = leaves.get(id(leaf))
    if entry is None:
        leaves[id(leaf)] = [leaf, g, False]
    elif entry[2] and type(g) is xp.ndarray:
        entry[1] += g           # first order: our own array, safe to add in place
    else:
        entry[1] = entry[1] + g
        entry[2] = True


def _run_hooks(hooks, g, create_graph):
    """Call each hook with the gradient as a Tensor; a non-None return replaces it."""
    for hook in list(hooks.values()):
        result = hook(g if create_graph else Tensor._make(g))
        if result is not None:
            replacement = _as_gradient(result, create_graph)
            if replacement.shape != g.shape:
                raise RuntimeError(f"hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape "
                                   f"{replacement.shape}; expected {g.shape}")
            g = replacement
    return g


def _input_gradients(node, grad):
    """Run `node`'s backward rule; check and unbroadcast what it returns.

    Returns a list of (parent, gradient) for the inputs that require grad. At first order
    a gradient is an array or a NumPy scalar (what 0-d arithmetic returns: it has the
    shape, dtype and methods of a 0-d array, so it flows on as one).
    """
    if node._versions:
        node.check_versions()
    if node._saved is None:
        node.saved_tensors  # raises the clear "backward through the graph a second time" error
    grads = type(node).backward(node, grad)
    if type(grads) is not tuple:
        if isinstance(grads, list):
            raise TypeError(f"{node.name}.backward returned a list; return a tuple with one gradient "
                            f"(or None) per input of forward ({len(node.parents)})")
        grads = (grads,)
    parents = node.parents
    if len(grads) != len(parents):
        raise RuntimeError(f"{node.name}.backward returned {len(grads)} gradients "
                           f"for {len(parents)} inputs")
    create_graph = _mode.enabled
    results = []
    for i, parent in enumerate(parents):
        if parent is None:
            continue
        g = grads[i]
        if g is None:
            raise RuntimeError(f"{node.name}.backward returned no gradient for input {i}, "
                               "which requires grad")
        if create_graph or (type(g) is not xp.ndarray and not isinstance(g, xp.generic)):
            try:
                g = _as_gradient(g, create_graph)
            except TypeError as error:
                raise TypeError(f"{node.name}.backward: gradient for input {i}: {error}") from None
        shape = node.input_shapes[i]
        if g.shape != shape:
            g = unbroadcast(g, shape)
            if g.shape != shape:
                raise RuntimeError(f"{node.name}.backward returned a gradient of shape {g.shape} "
                                   f"for input {i} of shape {shape}")
        dtype = node.input_dtypes[i]
        if g.dtype != dtype:
            if g.dtype.kind not in "fc":
                raise TypeError(f"{node.name}.backward: gradient for input {i}: expected a floating-point "
                                f"gradient, got dtype {g.dtype}")
            # As PyTorch: a gradient has its input's dtype, so float32 stays float32 even
            # when a rule met a float64 constant.
            g = g.astype(dtype)
        results.append((parent, g))
    return results


def _as_gradient(g, create_graph):
    """A rule's or hook's result as the engine's gradient type: an array, or a Tensor under create_graph."""
    if create_graph:
        if not isinstance(g, Tensor):
            g = Tensor._make(_floating_array(g))
        elif g.dtype.kind not in "fc":
            raise TypeError(f"expected a floating-point gradient, got dtype {g.dtype}")
        return g
    if isinstance(g, Tensor):
        g = g.data
    return _floating_array(g)


def _floating_array(g):
    if type(g) is not xp.ndarray:
        if not isinstance(g, (xp.generic, float, int)) or isinstance(g, bool):
            raise TypeError(f"expected an array or Tensor, got {type(g).__name__}")
        g = xp.asarray(g)  # NumPy returns scalars, not 0-d arrays, from 0-d arithmetic
    if g.dtype.kind not in "fc":
        raise TypeError(f"expected a floating-point gradient, got dtype {g.dtype}")
    return g


# A gradient that the walk's loop hands to `_accumulate` is referenced from exactly this
# many places when nothing else holds it: its (parent, gradient) pair in the rule's
# results, the loop variable, `_accumulate`'s argument and getrefcount's own argument.
_UNSHARED_REFERENCES = 4


def _accumulate(leaf, g, create_graph, from_walk=False):
    """Add `g` into a leaf's `.grad` (a Tensor), atomically.

    First order: later gradients are added in place; the first becomes `.grad`. It is
    copied first unless the walk hands over an array that nothing else holds (not a view,
    not shared with another pending gradient, a saved array or a hook): a rule's fresh
    result, such as a weight gradient from its GEMM, then becomes `.grad` as it is
    (PyTorch steals such buffers too; for a linear layer it saves a copy of the weight).
    create_graph: `.grad` is the gradient Tensor itself, with its graph, and accumulation
    is out of place so that graph stays intact.
    """
    with _accumulate_lock:
        current = leaf._grad      # the slot behind `.grad`: g has the leaf's shape and dtype
        if create_graph:
            leaf._grad = g if current is None else current + g
        elif current is None:
            unshared = (from_walk and type(g) is xp.ndarray and g.base is None and g.flags.writeable
                        and sys.getrefcount(g) <= _UNSHARED_REFERENCES)
            leaf._grad = Tensor._make(g if unshared else xp.array(g, dtype=leaf.dtype, copy=True))
        elif current._requires_grad:  # a graph-carrying grad from a create_graph backward
            leaf._grad = Tensor._make(current.data + g)
        else:
            current.data += g


# ----- argument handling --------------------------------------------------------------


def _as_tensors(values, op, name):
    values = [values] if isinstance(values, Tensor) else list(values)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            raise TypeError(f"{op}: {name}[{i}] must be a Tensor, got {type(v).__name__}")
    return values


def _outputs_and_grads(tensors, grad_tensors, op):
    outputs = _as_tensors(tensors, op, "outputs")
    if not outputs:
        raise RuntimeError(f"{op}: no outputs to differentiate")
    if grad_tensors is None:
        grad_tensors = [None] * len(outputs)
    elif isinstance(grad_tensors, (Tensor, xp.ndarray)) or not isinstance(grad_tensors, (list, tuple)):
        grad_tensors = [grad_tensors]
    if len(grad_tensors) != len(outputs):
        raise RuntimeError(f"{op}: got {len(grad_tensors)} gradients for {len(outputs)} outputs")
    grads = []
    for i, (t, g) in enumerate(zip(outputs, grad_tensors)):
        if not t._requires_grad:
            raise RuntimeError(
                f"{op}: output {i} does not require grad and has no grad_fn (did you build it "
                "under no_grad(), or from inputs without requires_grad?)")
        grads.append(_root_grad(t, g, op))
    return outputs, grads


def _root_grad(tensor, grad, op):
    if grad is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"{op}: grad can be implicitly created only for scalar outputs; this tensor has shape "
                f"{tensor.shape}: pass a gradient of that shape")
        return xp.ones_like(tensor.data)
    if isinstance(grad, Tensor):
        if grad.shape != tensor.shape:
            raise RuntimeError(f"{op}: grad has shape {grad.shape} but the tensor has shape {tensor.shape}")
        # A gradient with a graph of its own stays a Tensor (create_graph differentiates through it).
        return grad.astype(tensor.dtype) if grad._requires_grad else xp.asarray(grad.data, dtype=tensor.dtype)
    grad = xp.asarray(grad, dtype=tensor.dtype)
    if grad.shape != tensor.shape:
        raise RuntimeError(f"{op}: grad has shape {grad.shape} but the tensor has shape {tensor.shape}")
    return grad
