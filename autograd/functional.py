"""Derivatives of whole functions, as `torch.autograd.functional`: vjp, jvp, jacobian, hessian, vhp, hvp.

Each takes a Python function `func` of one or more Tensors and the point `inputs` at
which to differentiate it (a Tensor, or a tuple of Tensors passed as `func(*inputs)`),
and is built on `autograd.grad` alone. For f: x -> y with Jacobian J = dy/dx:

    vjp(f, x, v)   v^T J            (one backward)
    jvp(f, x, v)   J v              (two backwards: the double-vjp trick, below)
    jacobian(f, x) J, one backward per element of y, shape y.shape + x.shape
    hessian(f, x)  H = d^2 f / dx^2 for a one-element f, shape x.shape + x.shape
    vhp(f, x, v)   v^T H            (a backward through the gradient's graph)
    hvp(f, x, v)   H v              (the double-vjp trick applied to the gradient)

The double-vjp trick: a backward is linear in the gradient it receives, so
g(u) = J^T u (a vjp with u as a variable) is a linear function of u whose own vjp is
(dg/du)^T v = J v. jvp and hvp therefore need no forward mode: two backwards, the
first with create_graph=True so the second can run through it.

Return conventions are PyTorch's: results mirror the structure of what they are
derivatives of (a Tensor for a Tensor, a tuple for a tuple); vjp/jvp/vhp/hvp return
(func's output, product). Results carry no graph unless create_graph=True, in which
case they are differentiable with respect to `inputs` (and `v`). With strict=True,
an output, gradient or Hessian that does not depend on the inputs is an error instead
of silently becoming zeros.
"""
from .backend import xp
from .engine import grad as _grad
from .grad_mode import enable_grad
from .ops.shape import reshape, stack
from .tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

_STRATEGIES = ("reverse-mode", "forward-mode")


# ----- public functions -------------------------------------------------------------


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T J): the vector-Jacobian product at `inputs`.

    `v` has the structure and shapes of func's output; it may be None only when func
    returns a single one-element Tensor. The product has the structure of `inputs`.
    """
    with enable_grad():
        inputs_is_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True, fn="vjp")
        outputs_is_tuple, outputs = _as_tuple(func(*inputs), "outputs of func", "vjp")
        _check_outputs_differentiable(outputs, strict, "vjp")
        if v is None:
            if len(outputs) != 1 or outputs[0].numel() != 1:
                raise RuntimeError("vjp: v can be None only when func returns a single Tensor with one element; "
                                   f"func returned {_describe(outputs, outputs_is_tuple)}: pass v")
        else:
            v = _prepare(_as_tuple(v, "v", "vjp")[1], create_graph, need_graph=False)
            _check_v(v, outputs, outputs_is_tuple, "vjp", "func's output")
        grads = _grads_or_none(outputs, inputs, v, create_graph)
        product = _zeros_where_missing(grads, inputs, strict, create_graph, "vjp",
                                       "the output of func is independent of input {i}")
    return _finish(outputs, outputs_is_tuple, create_graph), _finish(product, inputs_is_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), J v): the Jacobian-vector product at `inputs`, by the double-vjp trick.

    `v` has the structure and shapes of `inputs`; it may be None only for a single
    one-element input. The product has the structure of func's output.
    """
    with enable_grad():
        inputs_is_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True, fn="jvp")
        v = _vector_for_inputs(v, inputs, inputs_is_tuple, create_graph, "jvp")
        outputs_is_tuple, outputs = _as_tuple(func(*inputs), "outputs of func", "jvp")
        _check_outputs_differentiable(outputs, strict, "jvp")
        # u's value never reaches the result (a backward is linear in u); zeros keep it finite.
        u = tuple(Tensor(xp.zeros_like(out.data), requires_grad=True) for out in outputs)
        transposed = _grads_or_none(outputs, inputs, u, create_graph=True)  # J^T u, as a graph in u
        if strict:
            for i, g in enumerate(transposed):
                if g is None:
                    raise RuntimeError(f"jvp (strict=True): the output of func is independent of input {i}")
                if not g.requires_grad:
                    raise RuntimeError(f"jvp (strict=True): the gradient with respect to input {i} is "
                                       "independent of func's inputs")
        grads = _grads_or_none(transposed, u, v, create_graph)
        product = _zeros_where_missing(grads, outputs, strict, create_graph, "jvp",
                                       "output {i} of func does not depend on the inputs through the "
                                       "double-vjp trick")
    return _finish(outputs, outputs_is_tuple, create_graph), _finish(product, outputs_is_tuple, create_graph)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of func at `inputs`: entry [i][j] has shape outputs[i].shape + inputs[j].shape.

    A single Tensor input and output give a Tensor; a tuple on either side gives a tuple
    over it (outputs outer, inputs inner), as PyTorch. dyngrad has no vmap, so
    `vectorize` only changes which argument checks apply; "reverse-mode" computes one
    row per output element by backward, "forward-mode" one column per input element by
    the double-vjp trick (as PyTorch, without create_graph or strict).
    """
    if strategy not in _STRATEGIES:
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}")
    if strategy == "forward-mode" and create_graph:
        raise NotImplementedError("jacobian: create_graph=True and strategy='forward-mode' are not supported "
                                  "together; use strategy='reverse-mode'")
    if strict and (vectorize or strategy == "forward-mode"):
        raise RuntimeError("jacobian: strict=True is not supported together with "
                           + ("vectorize=True" if vectorize else "strategy='forward-mode'")
                           + "; set strict=False")
    with enable_grad():
        inputs_is_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True, fn="jacobian")
        outputs_is_tuple, outputs = _as_tuple(func(*inputs), "outputs of func", "jacobian")
        _check_outputs_differentiable(outputs, strict, "jacobian")
        if strategy == "forward-mode":
            blocks = _jacobian_by_columns(outputs, inputs)
        else:
            blocks = tuple(_jacobian_rows(i, out, inputs, create_graph, strict) for i, out in enumerate(outputs))
    blocks = tuple(_finish(row, inputs_is_tuple, create_graph) for row in blocks)
    return blocks if outputs_is_tuple else blocks[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a one-element func at `inputs`: entry [i][j] has shape inputs[i].shape + inputs[j].shape.

    A single Tensor input gives a Tensor; a tuple gives a tuple of tuples. Computed as
    the Jacobian of the gradient (`outer_jacobian_strategy` picks how, see `jacobian`).
    """
    inputs_is_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    _check_floating(inputs, "hessian")
    if outer_jacobian_strategy not in _STRATEGIES:
        raise ValueError("hessian: outer_jacobian_strategy must be 'reverse-mode' or 'forward-mode', "
                         f"got {outer_jacobian_strategy!r}")

    def scalar_func(*args):
        out = func(*args)
        is_tuple, outs = _as_tuple(out, "outputs of func", "hessian")
        _check_outputs_differentiable(outs, strict, "hessian")
        _check_single_element(outs, is_tuple, "hessian")
        return reshape(out, ())

    def gradient(*args):
        grads = jacobian(scalar_func, args, create_graph=True)
        if strict:
            _check_gradient_depends_on_inputs(grads, "hessian")
        return grads

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    if not inputs_is_tuple:
        return result[0][0]
    return result


def _gradient_and_vector(func, inputs, v, create_graph, strict, fn):
    """What vhp and hvp share: checked inputs and v, func's one-element output, and its
    gradient with respect to the inputs as a graph (to be differentiated once more)."""
    inputs_is_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    inputs = _prepare(inputs, create_graph, need_graph=True, fn=fn)
    v = _vector_for_inputs(v, inputs, inputs_is_tuple, create_graph, fn)
    outputs_is_tuple, outputs = _as_tuple(func(*inputs), "outputs of func", fn)
    _check_outputs_differentiable(outputs, strict, fn)
    _check_single_element(outputs, outputs_is_tuple, fn)
    gradient = _grads_or_none(outputs, inputs, None, create_graph=True)
    if strict:
        _check_gradient_depends_on_inputs(gradient, fn)
    return inputs_is_tuple, inputs, v, outputs_is_tuple, outputs, gradient


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T H) for a one-element func: a backward through the gradient's graph.

    `v` has the structure and shapes of `inputs` (None only for one one-element input);
    so does the product.
    """
    with enable_grad():
        inputs_is_tuple, inputs, v, outputs_is_tuple, outputs, gradient = _gradient_and_vector(
            func, inputs, v, create_graph, strict, "vhp")
        grads = _grads_or_none(gradient, inputs, v, create_graph)
        product = _zeros_where_missing(grads, inputs, strict, create_graph, "vhp",
                                       "the gradient of func is independent of input {i}")
    return _finish(outputs, outputs_is_tuple, create_graph), _finish(product, inputs_is_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), H v) for a one-element func, by the double-vjp trick on the gradient.

    `v` has the structure and shapes of `inputs` (None only for one one-element input);
    so does the product. Equal to vhp for a twice continuously differentiable func.
    """
    with enable_grad():
        inputs_is_tuple, inputs, v, outputs_is_tuple, outputs, gradient = _gradient_and_vector(
            func, inputs, v, create_graph, strict, "hvp")
        u = tuple(Tensor(xp.zeros_like(x.data), requires_grad=True) for x in inputs)
        transposed = _grads_or_none(gradient, inputs, u, create_graph=True)  # H^T u, as a graph in u
        grads = _grads_or_none(transposed, u, v, create_graph)
        product = _zeros_where_missing(grads, inputs, strict, create_graph, "hvp",
                                       "the Hessian of func is independent of entry {i} of v")
    return _finish(outputs, outputs_is_tuple, create_graph), _finish(product, inputs_is_tuple, create_graph)


# ----- the Jacobian's pieces ----------------------------------------------------------


def _jacobian_rows(i, out, inputs, create_graph, strict):
    """d outputs[i] / d inputs[j] for every j, one backward per element of outputs[i]."""
    rows = [[] for _ in inputs]
    if out.requires_grad:
        basis = xp.zeros(out.numel(), dtype=out.dtype)
        for k in range(out.numel()):
            basis[k] = 1
            grads = _grad(out, inputs, grad_outputs=basis.reshape(out.shape).copy(), retain_graph=True,
                          create_graph=create_graph, allow_unused=True)
            basis[k] = 0
            for j, g in enumerate(grads):
                rows[j].append(g)
    blocks = []
    for j, x in enumerate(inputs):
        if not rows[j] or any(g is None for g in rows[j]):
            if strict:
                raise RuntimeError(f"jacobian (strict=True): output {i} of func is independent of input {j}")
            blocks.append(Tensor(xp.zeros(out.shape + x.shape, dtype=x.dtype)))
            continue
        if strict and create_graph and not all(g.requires_grad for g in rows[j]):
            raise RuntimeError(f"jacobian (strict=True, create_graph=True): the Jacobian of output {i} with "
                               f"respect to input {j} is independent of the inputs")
        blocks.append(reshape(stack(rows[j]), out.shape + x.shape))
    return tuple(blocks)


def _jacobian_by_columns(outputs, inputs):
    """The Jacobian one column (one input element) at a time: J e_k by the double-vjp trick."""
    wanted = [out for out in outputs if out.requires_grad]
    u = tuple(Tensor(xp.zeros_like(out.data), requires_grad=True) for out in wanted)
    transposed = _grads_or_none(tuple(wanted), inputs, u, create_graph=True) if wanted else (None,) * len(inputs)
    blocks = [[None] * len(inputs) for _ in outputs]
    for j, (g, x) in enumerate(zip(transposed, inputs)):
        columns = [[] for _ in outputs]
        if g is not None and g.requires_grad:
            basis = xp.zeros(x.numel(), dtype=x.dtype)
            for k in range(x.numel()):
                basis[k] = 1
                per_u = _grad(g, u, grad_outputs=basis.reshape(x.shape).copy(), retain_graph=True,
                              allow_unused=True)
                basis[k] = 0
                per_u = iter(per_u)
                for i, out in enumerate(outputs):
                    column = next(per_u) if out.requires_grad else None
                    columns[i].append(column.data if column is not None else xp.zeros(out.shape, dtype=out.dtype))
        for i, out in enumerate(outputs):
            if columns[i]:
                block = xp.stack(columns[i], axis=-1).reshape(out.shape + x.shape)
            else:
                block = xp.zeros(out.shape + x.shape, dtype=x.dtype)
            blocks[i][j] = Tensor(block)
    return tuple(tuple(row) for row in blocks)


# ----- argument handling --------------------------------------------------------------


def _as_tuple(value, what, fn):
    """(was it a tuple, the Tensors as a tuple); anything but a Tensor or a tuple of them is a TypeError."""
    if isinstance(value, tuple):
        for i, item in enumerate(value):
            if not isinstance(item, Tensor):
                raise TypeError(f"{fn}: the {what} must be a Tensor or a tuple of Tensors, but entry {i} is "
                                f"a {type(item).__name__}" + _hint(item))
        return True, value
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}: the {what} must be a Tensor or a tuple of Tensors, got a "
                        f"{type(value).__name__}" + _hint(value))
    return False, (value,)


def _hint(value):
    if isinstance(value, list):
        return " (use a tuple)"
    if isinstance(value, xp.ndarray):
        return " (wrap an array as Tensor(array))"
    return ""


def _prepare(tensors, create_graph, need_graph, fn=None):
    """New Tensor objects to differentiate at, so that func's arguments are told apart from
    the same tensors captured by func. With create_graph a tensor that requires grad stays
    connected to its graph (an identity view), so results can be differentiated back to it;
    otherwise it is cut off (and made to require grad when `need_graph`)."""
    prepared = []
    for t in tensors:
        if create_graph and t.requires_grad:
            prepared.append(reshape(t, t.shape))
        else:
            t = t.detach()
            if need_graph:
                _check_floating(tensors, fn)
                t.requires_grad_(True)
            prepared.append(t)
    return tuple(prepared)


def _check_floating(inputs, fn):
    for i, t in enumerate(inputs):
        if t.dtype.kind != "f":
            where = f"inputs[{i}]" if len(inputs) > 1 else "inputs"
            raise TypeError(f"{fn}: {where} has dtype {t.dtype}; only floating-point tensors can be differentiated")


def _vector_for_inputs(v, inputs, inputs_is_tuple, create_graph, fn):
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(f"{fn}: v can be None only when inputs is a single Tensor with one element; "
                               f"inputs is {_describe(inputs, inputs_is_tuple)}: pass v")
        return None
    v = _prepare(_as_tuple(v, "v", fn)[1], create_graph, need_graph=False)
    _check_v(v, inputs, inputs_is_tuple, fn, "inputs")
    return v


def _check_v(v, refs, refs_is_tuple, fn, what):
    if len(v) != len(refs):
        if refs_is_tuple:
            raise RuntimeError(f"{fn}: v has {len(v)} entries but {what} has {len(refs)}: give one per entry")
        raise RuntimeError(f"{fn}: v must be a single Tensor (or a 1-tuple), as {what} is; got {len(v)} entries")
    for i, (a, b) in enumerate(zip(v, refs)):
        if a.shape != b.shape:
            where = f"v[{i}]" if refs_is_tuple else "v"
            target = f"{what}[{i}]" if refs_is_tuple else what
            raise RuntimeError(f"{fn}: {where} has shape {a.shape} but {target} has shape {b.shape}")


def _describe(tensors, is_tuple):
    shapes = ", ".join(str(t.shape) for t in tensors)
    return f"a tuple of shapes ({shapes})" if is_tuple else f"a Tensor of shape {shapes}"


def _check_single_element(outputs, outputs_is_tuple, fn):
    if outputs_is_tuple:
        raise RuntimeError(f"{fn}: func must return a single Tensor, not a tuple")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"{fn}: func must return a Tensor with a single element; got shape {outputs[0].shape}")


def _check_outputs_differentiable(outputs, strict, fn):
    if not strict:
        return
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"{fn} (strict=True): output {i} of func does not require grad: it was not computed "
                               "differentiably from the inputs")


def _check_gradient_depends_on_inputs(grads, fn):
    for i, g in enumerate(grads):
        if g is None:
            raise RuntimeError(f"{fn} (strict=True): the output of func is independent of input {i}")
        if not g.requires_grad:
            raise RuntimeError(f"{fn} (strict=True): the gradient of func with respect to input {i} is independent "
                               "of the inputs (func is linear in it), so its Hessian is identically zero")


# ----- calling the engine ---------------------------------------------------------------


def _grads_or_none(outputs, inputs, grad_outputs, create_graph):
    """autograd.grad over the outputs that require grad: None per input when none does,
    and None for an input they don't depend on."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(out, g) for out, g in zip(outputs, grad_outputs) if out is not None and out.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gouts = zip(*pairs)
    return _grad(list(outs), list(inputs), grad_outputs=list(gouts), create_graph=create_graph, allow_unused=True)


def _zeros_where_missing(grads, refs, strict, create_graph, fn, independent):
    """Zeros shaped like refs[i] for each missing gradient (an error under strict)."""
    filled = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn} (strict=True): " + independent.format(i=i))
            g = Tensor(xp.zeros_like(refs[i].data))
        elif strict and create_graph and not g.requires_grad:
            raise RuntimeError(f"{fn} (strict=True, create_graph=True): entry {i} of the result is independent of "
                               "the inputs, so it cannot be differentiated further")
        filled.append(g)
    return tuple(filled)


def _finish(tensors, is_tuple, create_graph):
    """Cut results from the graph unless create_graph; unpack a 1-tuple that stood for a Tensor."""
    if not create_graph:
        tensors = tuple(t.detach() for t in tensors)
    return tensors if is_tuple else tensors[0]
