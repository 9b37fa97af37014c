"""The engine's second generation: autograd.grad, create_graph, hooks, user-Function checks,
NumPy interop of Tensor gradients, per-thread modes and atomic accumulation."""
import sys
import threading

import numpy as np
import pytest

import autograd as ag
from autograd import Function, Tensor

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# ----- autograd.grad --------------------------------------------------------------------


def test_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    x, w = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    gx, gw = ag.grad((x * w).sum(), [x, w])
    np.testing.assert_array_equal(gx, w.data)
    np.testing.assert_array_equal(gw, x.data)
    assert isinstance(gx, Tensor) and x.grad is None and w.grad is None


def test_grad_of_an_unused_input_is_an_error_naming_it_or_none():
    x, unused = leaf([1.0]), leaf([2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(2,\)\) was not used.*allow_unused=True"):
        ag.grad((x * 2).sum(), [x, unused])
    gx, gu = ag.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None and gx.item() == 2.0


def test_grad_with_respect_to_a_non_leaf_and_grad_outputs():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = h * h
    (gh,) = ag.grad(y, [h], grad_outputs=np.array([1.0, 10.0]))
    np.testing.assert_allclose(gh, [2 * 3.0, 10 * 2 * 6.0])


def test_grad_rejects_inputs_that_do_not_require_grad_and_non_tensors():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="input 0 .* does not require grad"):
        ag.grad((x * 2).sum(), [Tensor([1.0])])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Tensor, got ndarray"):
        ag.grad((x * 2).sum(), [np.ones(1)])


def test_retain_graph_defaults_to_create_graph():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    ag.grad(y, [x], create_graph=True)
    ag.grad(y, [x])                         # the graph was retained by create_graph
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        ag.grad(y, [x])


def test_second_and_third_derivatives_of_elementwise_ops():
    x = leaf([-0.7, 0.3, 1.1])
    (g,) = ag.grad((x.tanh() ** 2).sum(), [x], create_graph=True)
    (h,) = ag.grad(g.sum(), [x], create_graph=True)
    (k,) = ag.grad(h.sum(), [x])
    t = np.tanh(x.data)
    np.testing.assert_allclose(g, 2 * t * (1 - t * t))
    np.testing.assert_allclose(h, 2 * (1 - t * t) * (1 - 3 * t * t))
    np.testing.assert_allclose(k, 2 * (12 * t ** 3 - 8 * t) * (1 - t * t))


def test_first_order_gradients_carry_no_graph_and_create_graph_ones_do():
    x = leaf([1.0, 2.0])
    (x ** 3).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None
    x.grad = None
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    x.grad.sum().backward(inputs=[x])       # d/dx sum(3 x^2) = 6 x, added to .grad (3 x^2)
    np.testing.assert_allclose(x.grad.data, 3 * x.data ** 2 + 6 * x.data)


def test_backward_inputs_limits_accumulation():
    x, w = leaf([1.0]), leaf([2.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.item() == 1.0


def test_backward_of_several_outputs_at_once():
    x = leaf([1.0, 2.0])
    ag.backward([(x * 2).sum(), (x * x).sum()])
    np.testing.assert_allclose(x.grad, 2 + 2 * x.data)


def test_gradient_penalty_matches_torch():
    torch = pytest.importorskip("torch", reason=TORCH)
    rng = np.random.default_rng(0)
    x, w1, w2 = rng.standard_normal((5, 3)), rng.standard_normal((4, 3)), rng.standard_normal((1, 4))
    ours = [Tensor(a, requires_grad=True) for a in (x, w1, w2)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w1, w2)]
    for lib, (xi, a, b), lin in ((ag, ours, ag.linear), (torch, theirs, torch.nn.functional.linear)):
        out = lin(lin(xi, a).tanh(), b).sum()
        (gx,) = lib.autograd.grad(out, [xi], create_graph=True) if lib is torch else ag.grad(out, [xi], create_graph=True)
        penalty = ((((gx * gx).sum(1)) ** 0.5 - 1) ** 2).mean()
        (out + 10 * penalty).backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----- hooks ----------------------------------------------------------------------------


def test_hooks_see_and_replace_gradients_like_torch():
    torch = pytest.importorskip("torch", reason=TORCH)
    values = [0.5, -1.5, 2.0]
    results = {}
    for name, make in (("ours", lambda: leaf(values)), ("torch", lambda: torch.tensor(values, requires_grad=True))):
        x = make()
        seen = []
        x.register_hook(lambda g: seen.append(np.array(g.tolist())) or g * 2)      # leaf: replaces
        h = x * x
        handle = h.register_hook(lambda g: g + 1)                         # non-leaf: replaces
        h.register_hook(lambda g: seen.append(np.array(g.tolist())))               # sees the replacement
        h.sum().backward(retain_graph=True)
        handle.remove()
        h.sum().backward()
        results[name] = (np.array(x.grad.tolist()), seen)
    np.testing.assert_allclose(results["ours"][0], results["torch"][0])
    for a, b in zip(results["ours"][1], results["torch"][1]):
        np.testing.assert_allclose(a, b)


def test_hook_on_a_tensor_without_grad_and_a_bad_replacement_are_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        Tensor([1.0]).register_hook(lambda g: g)
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: Tensor(np.ones(3)))
    with pytest.raises(RuntimeError, match=r"returned a gradient of shape \(3,\); expected \(2,\)"):
        (x * 2).sum().backward()


def test_retain_grad_accumulates_and_works_with_create_graph():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward(create_graph=True)
    np.testing.assert_allclose(h.grad.data, 2 * h.data)
    assert h.grad.requires_grad


# ----- user Functions: errors at the moment, naming the op ---------------------------------


class Returns(Function):
    @staticmethod
    def forward(ctx, x, value):
        ctx.value = value
        return value(x)

    @staticmethod
    def backward(ctx, grad):
        return ctx.value(grad), None


@pytest.mark.parametrize("value, message", [
    (lambda x: None, "Returns.forward must return an array, got NoneType"),
    (lambda x: Tensor(x), "Returns.forward returned a Tensor"),
    (lambda x: (x > 0).astype(np.int64), "Returns.forward returned an array of dtype int64"),
])
def test_bad_forward_results_are_errors_naming_the_op(value, message):
    with pytest.raises(TypeError, match=message):
        Returns.apply(leaf([1.0, 2.0]), value)


class BadBackward(Function):
    @staticmethod
    def forward(ctx, x, result):
        ctx.result = result
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return ctx.result(grad)


@pytest.mark.parametrize("result, error, message", [
    (lambda g: [g, None], TypeError, "BadBackward.backward returned a list"),
    (lambda g: (g, None, None), RuntimeError, "returned 3 gradients for 2 inputs"),
    (lambda g: (np.ones(5), None), RuntimeError, r"gradient of shape \(5,\) for input 0 of shape \(2,\)"),
    (lambda g: (np.ones(2, dtype=np.int64), None), TypeError, "input 0: expected a floating-point gradient"),
    (lambda g: ([1.0, 2.0], None), TypeError, "input 0: expected an array or Tensor, got list"),
    (lambda g: (None, None), RuntimeError, "returned no gradient for input 0"),
])
def test_bad_backward_results_are_errors_naming_the_op(result, error, message):
    with pytest.raises(error, match=message):
        BadBackward.apply(leaf([1.0, 2.0]), result).sum().backward()


# ----- Tensor flags and NumPy interop of gradients -----------------------------------------


def test_requires_grad_on_a_non_float_tensor_raises_and_0d_iteration_raises():
    t = Tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        t.requires_grad = True
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(Tensor(1.0))
    rows = list(leaf([[1.0, 2.0], [3.0, 4.0]]))
    assert len(rows) == 2 and rows[1].grad_fn is not None


def test_grad_is_a_tensor_and_numpy_interop_works_both_ways():
    w = leaf([3.0, 4.0])
    (w * w).sum().backward()
    assert isinstance(w.grad, Tensor) and w.grad.dtype == w.dtype
    np.testing.assert_array_equal(np.asarray(w.grad), [6.0, 8.0])
    assert isinstance(np.ones(2) * w, Tensor) and (np.ones(2) * w).grad_fn is not None
    assert isinstance(w * np.ones(2), Tensor)
    with ag.no_grad():
        assert w.grad.norm().item() == 10.0
        w.data -= 0.5 * w.grad                 # in place on the array
    np.testing.assert_array_equal(w.data, [0.0, 0.0])
    w.grad.zero_()
    assert not np.asarray(w.grad).any()


def test_assigning_a_grad_checks_type_and_shape():
    w = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match="Tensor or None but got ndarray"):
        w.grad = np.ones(2)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        w.grad = Tensor(np.ones(3))


def test_numpy_functions_with_an_op_stay_in_the_graph_and_others_refuse_to_drop_it():
    x = leaf([0.5, 2.0])
    y = np.where(x.data > 1, np.exp(x), x * 0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, np.exp(2.0)])
    with pytest.raises(TypeError, match="numpy.sin has no dyngrad op"):
        np.sin(x)
    with ag.no_grad():
        np.testing.assert_allclose(np.sin(x), np.sin(x.data))


# ----- threads ------------------------------------------------------------------------


def test_two_threads_backward_into_one_leaf_lose_no_contribution():
    x = Tensor(np.zeros(200_000), requires_grad=True)
    calls, threads = 100, 4
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to expose a race
    try:
        def work():
            for _ in range(calls):
                (x * 1.0).sum().backward()
        workers = [threading.Thread(target=work) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=60)
    finally:
        sys.setswitchinterval(old)
    np.testing.assert_array_equal(x.grad, calls * threads)


def test_no_grad_on_a_generator_function_covers_each_step_of_its_body():
    @ag.no_grad()
    def steps():
        for _ in range(2):
            yield ag.is_grad_enabled()
        return "done"

    generator = steps()
    assert next(generator) is False and ag.is_grad_enabled()    # the caller keeps its mode
    assert next(generator) is False
    with pytest.raises(StopIteration) as stop:
        next(generator)
    assert stop.value.value == "done"


def test_grad_mode_and_anomaly_mode_are_per_thread():
    seen = {}
    ready, done = threading.Event(), threading.Event()

    def other():
        ready.wait(timeout=10)
        seen["grad"] = ag.is_grad_enabled()
        seen["anomaly"] = ag.anomaly.is_enabled()
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with ag.no_grad(), ag.detect_anomaly():
        ready.set()
        done.wait(timeout=10)
    thread.join(timeout=10)
    assert seen == {"grad": True, "anomaly": False}
