"""Numerical gradients by central differences; `gradcheck` and `gradgradcheck` against backward.

For an output y = f(x_1, ..., x_k), gradcheck compares the analytic gradient of the
scalar L = sum(y * r), for a fixed random r, with the numerical one

    dL/dx[i] ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)

for every element i of every floating input, all in float64. gradgradcheck does the
same for the first derivatives themselves: it gradchecks the function
(x, v) -> d/dx sum(f(x) * v), computed by a backward with create_graph=True, so its
analytic gradient is a second derivative of f taken through the backward graph.
"""
from .backend import xp
from .engine import grad
from .grad_mode import enable_grad, no_grad
from .ops.shape import concatenate
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree."""


def _as_float64_inputs(inputs):
    """Fresh float64 leaves for floating inputs (requiring grad); other inputs unchanged."""
    converted = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            converted.append(Tensor(x.data.astype(xp.float64, order="C"), requires_grad=True))
        elif isinstance(x, xp.ndarray) and x.dtype.kind == "f":
            converted.append(Tensor(x.astype(xp.float64, order="C"), requires_grad=True))
        else:
            converted.append(x)
    return converted


def _scalar(value):
    return float(value.data.sum() if isinstance(value, Tensor) else xp.sum(value))


def numerical_grad(fn, *inputs, eps=1e-6):
    """d fn(*inputs).sum() / d input, by central differences, for each floating Tensor input.

    `fn` is called with the given inputs, whose data are perturbed in place and restored.
    Returns a list with one float64 array per input (None for non-floating inputs).
    """
    grads = []
    with no_grad():
        for x in inputs:
            if not (isinstance(x, Tensor) and x.dtype.kind == "f"):
                grads.append(None)
                continue
            flat = x.data.reshape(-1)  # a view: writing it perturbs x
            if x.data.size and not xp.shares_memory(flat, x.data):
                raise ValueError("numerical_grad: input data must be contiguous")
            grad = xp.zeros(x.data.size, dtype=xp.float64)
            for i in range(flat.size):
                original = flat[i]
                flat[i] = original + eps
                up = _scalar(fn(*inputs))
                flat[i] = original - eps
                down = _scalar(fn(*inputs))
                flat[i] = original
                grad[i] = (up - down) / (2 * eps)
            grads.append(grad.reshape(x.shape))
    return grads


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check fn's backward against central differences in float64; return True or raise.

    Floating inputs (Tensors or arrays) are copied to float64 leaves that require grad.
    On failure, GradcheckError names the input, the worst element's index, both values
    and the errors.
    """
    inputs = _as_float64_inputs(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no floating-point input to check")
    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    projection = xp.random.default_rng(seed).standard_normal(out.shape)

    def projected(*args):
        return fn(*args) * projection

    if out.requires_grad:
        (out * projection).sum().backward()
    numeric = numerical_grad(projected, *inputs, eps=eps)
    for i in checked:
        x = inputs[i]
        analytic = x.grad.data if x.grad is not None else xp.zeros_like(x.data)
        _compare(i, x.shape, analytic, numeric[i], atol, rtol)
    return True


def gradgradcheck(fn, *inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check fn's second derivatives (through its backward graph) against central differences.

    Runs `gradcheck` on (inputs..., v) -> the gradients of sum(fn(inputs) * v) with
    respect to the floating inputs, flattened and joined. `grad_outputs` is v (default:
    random normal, seeded). A failure names the input of that function: the inputs in
    order, then v last.
    """
    inputs = _as_float64_inputs(inputs)
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise ValueError("gradgradcheck: no floating-point input to check")
    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradgradcheck: fn must return a Tensor, got {type(out).__name__}")
    if grad_outputs is None:
        grad_outputs = xp.random.default_rng(seed + 1).standard_normal(out.shape)
    if isinstance(grad_outputs, Tensor):
        grad_outputs = grad_outputs.data
    v = Tensor(xp.asarray(grad_outputs, dtype=xp.float64), requires_grad=True)
    if v.shape != out.shape:
        raise ValueError(f"gradgradcheck: grad_outputs has shape {v.shape}, fn's output {out.shape}")

    def first_derivatives(*args):
        *xs, v = args
        with enable_grad():  # numerical_grad calls this under no_grad; the inputs require grad
            y = fn(*xs)
            wrt = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
            if not y.requires_grad:
                return Tensor(xp.zeros(sum(x.numel() for x in wrt)))
            grads = grad(y, wrt, grad_outputs=v, create_graph=True, allow_unused=True)
            flat = [(g if g is not None else Tensor(xp.zeros(x.shape))).reshape(-1) for g, x in zip(grads, wrt)]
            return flat[0] if len(flat) == 1 else concatenate(flat)

    return gradcheck(first_derivatives, *inputs, v, eps=eps, atol=atol, rtol=rtol, seed=seed)


def _compare(index, shape, analytic, numeric, atol, rtol):
    error = xp.abs(analytic - numeric)
    bad = ~(error <= atol + rtol * xp.abs(numeric))  # nan anywhere is a failure
    if not bad.any():
        return
    worst = xp.unravel_index(xp.argmax(xp.where(bad, error, -1)), shape) if shape else ()
    a, n = analytic[worst], numeric[worst]
    raise GradcheckError(
        f"gradcheck failed for input {index} (shape {shape}): {int(bad.sum())} of {bad.size} "
        f"elements out of tolerance; worst at index {tuple(int(k) for k in worst)}: analytic {a:.6g}, "
        f"numerical {n:.6g}, abs error {abs(a - n):.3g}, rel error {abs(a - n) / max(abs(n), 1e-300):.3g} "
        f"(atol {atol:g}, rtol {rtol:g})")
