"""Matrix products: matmul (NumPy semantics, batched and 1-D), the fused affine `linear`,
PyTorch's mm, bmm, dot, outer, and einsum."""
from ..backend import array_module, xp
from ..function import Function
from ..tensor import Tensor
from .elementwise import operands
from .validation import tensor_argument


class MatMul(Function):
    """Y = A @ B;  dL/dA = G @ B^T,  dL/dB = A^T @ G.

    1-D operands act as a row (A) or a column (B) vector; batch axes broadcast, and the
    engine sums the gradients over them.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a             # (..., n, k)
        b2 = b[:, None] if b.ndim == 1 else b             # (..., k, m)
        g2 = grad
        if b.ndim == 1:                                   # the column first: for vec @ vec,
            g2 = xp.expand_dims(g2, -1)                   # g is 0-d and has no axis -2 yet
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)                   # (..., n, m)
        grad_a = grad_b = None
        if need_a:
            grad_a = g2 @ xp.swapaxes(b2, -1, -2)         # (..., n, k)
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]
        if need_b:
            grad_b = xp.swapaxes(a2, -1, -2) @ g2         # (..., k, m)
            if b.ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b


class Linear(Function):
    """Y = X W^T + b, X (..., in), W (out, in), b (out,).

    dL/dX = G W,  dL/dW = G^T X (over all batch rows),  dL/db = sum of G over batch rows.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        g2 = grad.reshape(-1, grad.shape[-1])             # (rows, out)
        grad_x = grad @ weight if need_x else None        # (..., in)
        grad_w = g2.T @ x.reshape(-1, x.shape[-1]) if need_w else None   # (out, in)
        grad_b = g2.sum(axis=0) if need_b else None       # (out,)
        return grad_x, grad_w, grad_b


def matmul(a, b):
    a, b = operands(a, b, "matmul")
    shape_a, shape_b = xp.shape(a.data if isinstance(a, Tensor) else a), \
        xp.shape(b.data if isinstance(b, Tensor) else b)
    if not shape_a or not shape_b:
        raise ValueError(f"matmul: both operands need at least one dimension; got shapes {shape_a} and {shape_b}")
    inner_a = shape_a[-1]
    inner_b = shape_b[0] if len(shape_b) == 1 else shape_b[-2]
    if inner_a != inner_b:
        raise ValueError(f"matmul: shapes {shape_a} and {shape_b} are not aligned: "
                         f"{inner_a} (last dim of the first) != {inner_b} "
                         f"({'only' if len(shape_b) == 1 else 'second-to-last'} dim of the second)")
    try:
        xp.broadcast_shapes(shape_a[:-2], shape_b[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of {shape_a} and {shape_b} do not broadcast") from None
    return MatMul.apply(a, b)


def linear(x, weight, bias=None):
    """y = x @ weight.T + bias, as torch.nn.functional.linear."""
    x = tensor_argument(x)          # a list or an array: a Tensor (lists in the default dtype)
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features "
                         f"but weight of shape {weight.shape} expects {weight.shape[1]}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}; "
                         f"expected ({weight.shape[0]},)")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"linear: input dtype {x.dtype} does not match {name} dtype {t.dtype}")
    return Linear.apply(x, weight, bias)


# ----- PyTorch's product names (issue 9 ops) -------------------------------------------


def _check_ndim(op, ndims, *tensors):
    for name, t, ndim in zip(("input", "mat2" if op in ("mm", "bmm") else "other"), tensors, ndims):
        if not isinstance(t, Tensor) or t.ndim != ndim:
            got = t.shape if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(f"{op}: {name} must be a {ndim}-D tensor, got {got}")


def mm(a, b):
    """The matrix product of two 2-D tensors (torch.mm: no broadcasting)."""
    _check_ndim("mm", (2, 2), a, b)
    return matmul(a, b)


def bmm(a, b):
    """Batched matrix products of (B, n, k) and (B, k, m) tensors (torch.bmm: no broadcasting)."""
    _check_ndim("bmm", (3, 3), a, b)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: batch sizes differ: {a.shape} and {b.shape}")
    return matmul(a, b)


def dot(a, b):
    """The inner product of two 1-D tensors of the same length (torch.dot)."""
    _check_ndim("dot", (1, 1), a, b)
    if a.shape != b.shape:
        raise ValueError(f"dot: 1-D tensors of different lengths {a.shape} and {b.shape}")
    return matmul(a, b)


def outer(a, b):
    """a_i b_j: the outer product of two 1-D tensors (torch.outer), a broadcast multiply."""
    _check_ndim("outer", (1, 1), a, b)
    return a.reshape(-1, 1) * b.reshape(1, -1)


class Einsum(Function):
    """y = einsum(subscripts, x_1, ..., x_k);  dL/dx_i = einsum(g, the other x_j -> x_i's subscripts).

    A letter only x_i has (summed in the forward) comes back by broadcasting; a letter x_i
    repeats (a diagonal, 'ii') comes back on the diagonal, through an identity matrix in
    the gradient's einsum. The rules are einsums again, so they differentiate again.
    """

    @staticmethod
    def forward(ctx, *operands, inputs, output):
        ctx.inputs, ctx.output = inputs, output
        ctx.save_for_backward(*operands)
        return xp.einsum(f"{','.join(inputs)}->{output}", *operands)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        return tuple(_einsum_grad(grad, operands, ctx.inputs, ctx.output, i) if need else None
                     for i, need in enumerate(ctx.needs_input_grad))


def _einsum_grad(grad, operands, inputs, output, i):
    target = inputs[i]
    available = set(output).union(*(s for j, s in enumerate(inputs) if j != i))
    terms = [output] + [s for j, s in enumerate(inputs) if j != i]
    arrays = [grad] + [t for j, t in enumerate(operands) if j != i]
    # Each repeated occurrence of a letter gets a fresh letter tied to the first by an identity.
    seen, letters = set(), []
    spare = iter(sorted(set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") - set("".join(inputs) + output)))
    for position, letter in enumerate(target):
        if letter in seen:
            fresh = next(spare)
            terms.append(letter + fresh)
            arrays.append(array_module(operands[i]).eye(operands[i].shape[position], dtype=operands[i].dtype))
            letters.append(fresh)
        else:
            seen.add(letter)
            letters.append(letter)
    available.update(l for l in target if target.count(l) > 1)
    kept = "".join(l for l in letters if l in available or l not in target)
    shape = operands[i].shape
    reduced = xp.einsum(f"{','.join(terms)}->{kept}", *arrays)
    missing = [p for p, l in enumerate(letters) if l not in kept]
    if not missing:
        return reduced
    reduced = xp.expand_dims(reduced, tuple(missing))
    return xp.broadcast_to(reduced, shape)


def _parse_einsum(equation, shapes):
    """'ij,jk->ik' (or implicit 'ij,jk'; '...' expanded to letters) as input and output subscripts."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: equation {equation!r} has {len(inputs)} operands but {len(shapes)} were given")
    unused = iter(sorted(set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") - set(equation)))
    broadcast = max((len(shape) - len(s.replace("...", "")) for s, shape in zip(inputs, shapes) if "..." in s),
                    default=0)
    ellipsis = "".join(next(unused) for _ in range(broadcast))
    for k, (s, shape) in enumerate(zip(inputs, shapes)):
        if "..." in s:
            own = len(shape) - len(s.replace("...", ""))
            s = s.replace("...", ellipsis[broadcast - own:] if own else "")
        if not s.isalpha() and s or len(s) != len(shape):
            raise ValueError(f"einsum: subscripts {inputs[k]!r} do not fit operand {k} of shape {shape}")
        inputs[k] = s
    if arrow:
        output = rhs.replace("...", ellipsis)
    else:
        letters = "".join(inputs)
        output = ellipsis + "".join(sorted(l for l in set(letters) if letters.count(l) == 1 and l not in ellipsis))
    if len(set(output)) != len(output) or not set(output) <= set("".join(inputs)):
        raise ValueError(f"einsum: output subscripts {output!r} of {equation!r} repeat a letter or use one "
                         "no operand has")
    return inputs, output


def einsum(equation, *operands):
    """Einstein summation, as torch.einsum (operands as arguments or one list)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in operands)
    inputs, output = _parse_einsum(equation, [t.shape for t in operands])
    sizes = {}
    for s, t in zip(inputs, operands):
        for letter, n in zip(s, t.shape):
            known = sizes.setdefault(letter, n)
            if known == 1 or n == 1:  # a size-1 dim broadcasts (the engine sums its gradient back)
                sizes[letter] = max(known, n)
            elif known != n:
                raise ValueError(f"einsum: subscript {letter!r} has size {sizes[letter]} and {n} in "
                                 f"{equation!r} (shapes {[t.shape for t in operands]})")
    dtypes = {t.dtype for t in operands}
    if len(dtypes) > 1:
        raise TypeError(f"einsum: operands have different dtypes {sorted(map(str, dtypes))}")
    return Einsum.apply(*operands, inputs=tuple(inputs), output=output)
