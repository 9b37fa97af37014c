"""The graph walk: ordering, accumulation, freeing, grad mode, in-place detection, memory."""
import gc
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from autograd.engine import topological_order, unbroadcast
from autograd.function import Function


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_deep_chain_has_no_recursion_limit():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.sum().backward()
    assert x.grad[0] == 1.0


def test_fan_out_sums_every_use():
    x = leaf([2.0, 3.0])
    y = x
    for _ in range(50):
        y = y + x * x
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 1 + 50 * 2 * x.data)


def test_a_leaf_fed_twice_by_one_node_and_reused_later():
    # Add hands one array to the leaf and to a pending node; a later += on the leaf's
    # .grad must not change what that node still has to propagate.
    w = leaf([0.5, 1.0])
    c = np.array([3.0, 5.0])
    y = (w * 3.0).exp()
    ((w * y).sum() + ((w + y) * c).sum()).backward()
    e = np.exp(3 * w.data)
    np.testing.assert_allclose(w.grad, c * (1 + 3 * e) + e + 3 * e * w.data)


def test_topological_order_puts_consumers_first():
    x = leaf([1.0])
    a = x * 2
    b = a + x
    c = b * a
    order = topological_order(c.grad_fn)
    assert order[0] is c.grad_fn
    assert order.index(b.grad_fn) < order.index(a.grad_fn)
    assert len(order) == 3


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, 4 * x.data)


def test_second_backward_through_a_freed_graph_is_an_error():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_non_scalar_backward_needs_grad():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"implicitly created only for scalar outputs.*shape \(2,\)"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"grad has shape \(3,\) but the tensor has shape \(2,\)"):
        y.backward(np.ones(3))
    x = leaf([1.0, 2.0])
    (x * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 20.0])


def test_backward_of_something_that_needs_no_grad():
    with pytest.raises(RuntimeError, match="does not require grad and has no grad_fn"):
        (Tensor([1.0]) * 2).sum().backward()


def test_backward_on_a_leaf():
    x = leaf(3.0)
    x.backward()
    assert x.grad == 1.0


def test_no_grad_and_enable_grad_as_context_managers():
    x = leaf([1.0])
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2
        with ag.enable_grad():
            z = x * 2
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_and_enable_grad_as_decorators():
    @ag.no_grad()
    def double(t):
        return t * 2

    @ag.no_grad
    def triple(t):
        return t * 3

    @ag.enable_grad()
    def square(t):
        return t * t

    x = leaf([1.0])
    assert not double(x).requires_grad and not triple(x).requires_grad
    with ag.no_grad():
        assert square(x).requires_grad
    assert ag.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with ag.no_grad():
            1 / 0
    assert ag.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_data():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert d.is_leaf and not d.requires_grad
    y = (x * d).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad, d.data)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    other = x * 4
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad, 2 * h.data)
    assert other.grad is None


def test_in_place_change_of_a_saved_tensor_is_detected():
    x = leaf([1.0, 2.0])
    c = Tensor(np.array([3.0, 4.0]))
    y = (x * c).sum()
    c += 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*Mul is at version 1; expected version 0"):
        y.backward()


@pytest.mark.parametrize("view", [lambda t: t.reshape(-1), lambda t: t.transpose(0, 1), lambda t: t[0]],
                         ids=["reshape", "transpose", "getitem"])
def test_in_place_change_through_a_view_is_detected(view):
    x = leaf(np.ones((2, 2)))
    c = Tensor(np.ones((2, 2)))
    y = (x * c).sum()
    v = view(c)
    v *= 2
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_in_place_change_through_a_tensor_wrapping_the_same_data_is_detected():
    x = leaf([1.0, 2.0])
    c = Tensor(np.array([3.0, 4.0]))
    y = (x * c).sum()
    alias = Tensor(c)  # no copy: same data, same version counter
    alias += 1
    with pytest.raises(RuntimeError, match="Mul is at version 1"):
        y.backward()


def test_in_place_change_of_a_saved_output_is_detected():
    x = leaf([1.0, 2.0])
    y = x.exp()
    loss = y.sum()
    with ag.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="Exp is at version 1"):
        loss.backward()


def test_in_place_on_a_tensor_requiring_grad_is_refused_outside_no_grad():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match=r"\+=: in-place operation on a leaf tensor that requires grad"):
        x += 1
    with pytest.raises(RuntimeError, match="zero_: in-place operation on a tensor that requires grad"):
        (x * 2).zero_()
    with ag.no_grad():
        x -= 1  # what optimizers do
    assert x.data[0] == 0.0


def test_in_place_ops_that_were_not_saved_are_fine():
    x = leaf([1.0, 2.0])
    c = Tensor(np.array([3.0, 4.0]))
    y = (x + c).sum()  # Add saves nothing
    c += 1
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_loss_kept_after_backward_keeps_no_activations_or_batch_alive():
    gc.disable()
    try:
        w = leaf(np.random.default_rng(0).normal(size=(4, 3)))
        batch = Tensor(np.random.default_rng(1).normal(size=(8, 4)))
        hidden = (batch @ w).relu()
        loss = (hidden * hidden).mean()
        refs = [weakref.ref(batch.data), weakref.ref(hidden.data), weakref.ref(batch), weakref.ref(hidden)]
        del batch, hidden
        loss.backward()
        assert all(r() is None for r in refs), "backward must release saved arrays, without gc"
        assert loss.grad_fn.parents  # the structure stays, for drawing
        assert w.grad.shape == (4, 3)
    finally:
        gc.enable()


def test_the_graph_has_no_reference_cycles():
    gc.disable()
    try:
        x = leaf([1.0, 2.0])
        y = ((x * 2).exp() + x).sum()
        node = weakref.ref(y.grad_fn)
        del y
        assert node() is None, "a graph must be freed by reference counting alone"
    finally:
        gc.enable()


@pytest.mark.parametrize("grad_shape, shape, expected", [
    ((2, 3), (2, 3), (2, 3)), ((4, 2, 3), (2, 3), (2, 3)), ((2, 3), (1, 3), (1, 3)),
    ((2, 3), (2, 1), (2, 1)), ((5, 2, 3), (1, 1), (1, 1)), ((2, 3), (), ()),
])
def test_unbroadcast_sums_to_the_input_shape(grad_shape, shape, expected):
    grad = np.ones(grad_shape)
    out = unbroadcast(grad, shape)
    assert out.shape == expected
    assert out.sum() == grad.sum()


def test_backward_rule_returning_a_wrong_shape_is_named():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad[:1]

    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(1,\) for input 0 of shape \(3,\)"):
        Bad.apply(leaf([1.0, 2.0, 3.0])).sum().backward()


def test_backward_rule_returning_too_few_gradients_is_named():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return (grad,)

    with pytest.raises(RuntimeError, match="Bad.backward returned 1 gradients for 2 inputs"):
        Bad.apply(leaf([1.0]), leaf([1.0])).sum().backward()


def test_float32_leaves_get_float32_grads_through_float64_constants():
    x = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    h = 2 ** x  # the rule multiplies by log(2), a float64
    h.retain_grad()
    h.sum().backward()
    assert x.grad.dtype == np.float32 and h.grad.dtype == np.float32


def test_a_failed_in_place_change_is_not_counted():
    w, a = leaf(np.ones(4)), Tensor(np.ones(4))
    y = (w * a).sum()
    with ag.no_grad(), pytest.raises(ValueError):
        a += np.ones(3)  # shape mismatch: nothing changed
    y.backward()
    np.testing.assert_array_equal(w.grad, np.ones(4))


def test_set_grad_enabled_as_a_plain_call_switches_at_once():
    try:
        ag.set_grad_enabled(False)
        assert not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def inside():
        return ag.is_grad_enabled()

    assert ag.is_grad_enabled()  # decorating does not switch the mode
    assert inside() is False and ag.is_grad_enabled()


# ----- the first gradient a leaf receives: copied when shared, taken over when not ----------


class _Fresh(Function):
    """y = 2x, whose backward returns a new array and notes its id (not a reference)."""
    returned_ids = []

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        g = 2 * grad
        _Fresh.returned_ids.append(id(g))
        return g


class _Stashed(Function):
    """y = 2x, whose backward also keeps the gradient it returns: it is shared."""
    stash = []

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        g = 2 * grad
        _Stashed.stash.append(g)
        return g


def test_a_fresh_unshared_gradient_becomes_grad_without_a_copy():
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    _Fresh.returned_ids.clear()
    _Fresh.apply(x).sum().backward()
    assert id(x.grad.data) == _Fresh.returned_ids[0]
    np.testing.assert_array_equal(x.grad.data, np.full((3, 4), 2.0))


def test_a_gradient_held_elsewhere_is_copied_before_it_becomes_grad():
    x = Tensor(np.ones(3), requires_grad=True)
    _Stashed.stash.clear()
    _Stashed.apply(x).sum().backward()
    x.grad.data += 100                       # later accumulation works in place on .grad
    np.testing.assert_array_equal(_Stashed.stash[0], np.full(3, 2.0))


def test_one_gradient_for_two_leaves_gives_each_its_own_grad():
    a, b = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    ((a + b) * 3.0).sum().backward()         # Add hands its (fresh) gradient to both leaves
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.zero_()
    np.testing.assert_array_equal(b.grad.data, np.full(3, 3.0))


def test_a_gradient_that_retain_grad_keeps_is_copied_for_the_leaf():
    a = Tensor(np.full(3, 2.0), requires_grad=True)
    b = Tensor(np.full(3, 5.0), requires_grad=True)
    y = a - b                                 # Sub hands its incoming gradient to a as it is
    y.retain_grad()
    y.sum().backward()
    a.grad.data += 1
    np.testing.assert_array_equal(y.grad.data, np.ones(3))


def test_the_collector_is_relaxed_while_a_big_graph_is_built_and_restored_by_backward():
    from autograd import engine
    before = gc.get_threshold()
    x = leaf(1.0)
    y = x
    for _ in range(engine.BIG_GRAPH + 5_000):   # thousands of tracked objects past BIG_GRAPH:
        y = y * 1.0                             # young collections happen, the callback relaxes
    assert gc.get_threshold()[0] >= engine.YOUNG_COLLECTION_SPACING
    y.backward()
    assert gc.get_threshold() == before
    np.testing.assert_allclose(x.grad.data, 1.0)
