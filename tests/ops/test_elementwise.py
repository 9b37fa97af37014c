"""Elementwise ops: one table drives forward-vs-NumPy, gradcheck and PyTorch parity.

Kinks are avoided by construction: |x|, relu and clip see `distinct_values` (never 0,
never on a clip bound), log/sqrt see values shifted into [0.1, 5], maximum/minimum see
operands drawn together as one set of distinct values (no ties).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor
from autograd.testing import (assert_gradients_match, assert_matches_torch, assert_second_gradients_match,
                              broadcastable_shapes,
                              distinct_values, shapes)

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"
GAP = 0.1


def uniform(low, high):
    def draw_values(draw, shape):
        return draw(st.builds(lambda seed: np.random.default_rng(seed).uniform(low, high, shape),
                              st.integers(0, 2**32 - 1)))
    return draw_values


def distinct(draw, shape):
    return draw(distinct_values(shape, gap=GAP))


def clip_bounds(draw):
    low = draw(st.integers(-20, 5))
    return dict(min=low * GAP, max=(low + draw(st.integers(0, 20))) * GAP)


# name: (ours(x, **p), numpy(x, **p), torch(t, **p), values(draw, shape), params(draw))
UNARY = {
    "exp": (ag.exp, np.exp, "exp", uniform(-3, 3), None),
    "log": (ag.log, np.log, "log", uniform(0.1, 5), None),
    "sqrt": (ag.sqrt, np.sqrt, "sqrt", uniform(0.1, 5), None),
    "abs": (ag.abs, np.abs, "abs", distinct, None),
    "neg": (ag.neg, np.negative, "neg", uniform(-5, 5), None),
    "relu": (ag.relu, lambda x: np.maximum(x, 0), "relu", distinct, None),
    "leaky_relu": (ag.leaky_relu, lambda x, negative_slope: np.where(x > 0, x, negative_slope * x),
                   lambda t, negative_slope: __import__("torch").nn.functional.leaky_relu(t, negative_slope),
                   distinct, lambda draw: dict(negative_slope=draw(st.floats(0.0, 0.5)))),
    "sigmoid": (ag.sigmoid, lambda x: 1 / (1 + np.exp(-x)), "sigmoid", uniform(-6, 6), None),
    "tanh": (ag.tanh, np.tanh, "tanh", uniform(-3, 3), None),
    "clip": (ag.clip, lambda x, min, max: np.clip(x, min, max),
             lambda t, min, max: t.clamp(min, max), distinct, clip_bounds),
}
UNARY_PARITY_PARAMS = {"leaky_relu": dict(negative_slope=0.2), "clip": dict(min=-0.35, max=0.45)}


def torch_unary(name, params):
    spec = UNARY[name][2]
    return (lambda t: getattr(t, spec)(**params)) if isinstance(spec, str) else (lambda t: spec(t, **params))


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data(), shape=shapes())
def test_unary_forward_matches_numpy_and_gradcheck(name, data, shape):
    fn, reference, _, values, params = UNARY[name]
    params = params(data.draw) if params else {}
    x = values(data.draw, shape)
    out = fn(Tensor(x), **params)
    np.testing.assert_allclose(out.data, reference(x, **params), rtol=1e-12, atol=1e-12)
    assert_gradients_match(lambda t: fn(t, **params), Tensor(x, requires_grad=True))
    assert_second_gradients_match(lambda t: fn(t, **params), Tensor(x, requires_grad=True))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_torch(name, dtype):
    pytest.importorskip("torch", reason=TORCH)
    fn, _, _, _, _ = UNARY[name]
    params = UNARY_PARITY_PARAMS.get(name, {})
    x = np.random.default_rng(1).uniform(-2, 2, (3, 4))
    if name in ("log", "sqrt"):
        x = np.abs(x) + 0.1
    else:
        x = x + 0.05 * (np.abs(x) < 0.05)  # away from the kink at 0
    assert_matches_torch(lambda t: fn(t, **params), torch_unary(name, params), x, dtype=dtype)


@pytest.mark.parametrize("name", UNARY)
def test_unary_keeps_float32(name):
    fn, _, _, _, _ = UNARY[name]
    params = UNARY_PARITY_PARAMS.get(name, {})
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    out = fn(x, **params)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


# ----- binary -----------------------------------------------------------------------

def nonzero(draw, shape):
    magnitude = uniform(0.5, 3)(draw, shape)
    return magnitude * np.where(uniform(0, 1)(draw, shape) < 0.5, -1.0, 1.0)


def distinct_pair(draw, shape_a, shape_b):
    """Two arrays whose values are all different from each other: no ties for max/min."""
    size_a = int(np.prod(shape_a))
    both = draw(distinct_values((size_a + int(np.prod(shape_b)),), gap=GAP))
    return both[:size_a].reshape(shape_a), both[size_a:].reshape(shape_b)


def independent(a_values, b_values):
    return lambda draw, sa, sb: (a_values(draw, sa), b_values(draw, sb))


BINARY = {
    "add": (ag.add, np.add, lambda a, b: a + b, independent(uniform(-5, 5), uniform(-5, 5))),
    "sub": (ag.sub, np.subtract, lambda a, b: a - b, independent(uniform(-5, 5), uniform(-5, 5))),
    "mul": (ag.mul, np.multiply, lambda a, b: a * b, independent(uniform(-5, 5), uniform(-5, 5))),
    "div": (ag.div, np.divide, lambda a, b: a / b, independent(uniform(-5, 5), nonzero)),
    "pow": (ag.pow, np.power, lambda a, b: a ** b, independent(uniform(0.5, 3), uniform(-2, 2))),
    "maximum": (ag.maximum, np.maximum, lambda a, b: a.maximum(b), distinct_pair),
    "minimum": (ag.minimum, np.minimum, lambda a, b: a.minimum(b), distinct_pair),
}
OPERATORS = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__", "pow": "__pow__"}


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data(), shapes_ab=broadcastable_shapes(2))
def test_binary_broadcasting_forward_and_gradcheck(name, data, shapes_ab):
    fn, reference, _, values = BINARY[name]
    a, b = values(data.draw, *shapes_ab)
    np.testing.assert_allclose(fn(Tensor(a), Tensor(b)).data, reference(a, b), rtol=1e-12)
    assert_gradients_match(fn, Tensor(a), Tensor(b))
    assert_second_gradients_match(fn, Tensor(a), Tensor(b))


@pytest.mark.parametrize("name", OPERATORS)
def test_operators_call_the_ops(name):
    a, b = Tensor([1.5, 2.0]), Tensor([0.5, 3.0])
    np.testing.assert_array_equal(getattr(a, OPERATORS[name])(b).data, BINARY[name][0](a, b).data)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_torch(name, dtype):
    pytest.importorskip("torch", reason=TORCH)
    fn, _, torch_fn, values = BINARY[name]
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.5, 2, (2, 1, 3)), rng.uniform(0.5, 2, (4, 1))
    if name in ("maximum", "minimum"):
        b = b + 0.01  # uniform draws never tie, but keep it explicit
    assert_matches_torch(fn, torch_fn, a, b, dtype=dtype)


@pytest.mark.parametrize("expression", [
    lambda x: x + 2.0, lambda x: 2.0 + x, lambda x: x - 2.0, lambda x: 2.0 - x, lambda x: x * 3,
    lambda x: 3 * x, lambda x: x / 4.0, lambda x: 4.0 / x, lambda x: x ** 2, lambda x: x ** 0.5,
    lambda x: 2 ** x, lambda x: -x, lambda x: np.float64(2.0) * x, lambda x: np.ones(3) - x,
], ids=["x+c", "c+x", "x-c", "c-x", "x*c", "c*x", "x/c", "c/x", "x**2", "x**0.5", "2**x", "-x",
        "np64*x", "array-x"])
def test_scalar_and_array_operands(expression):
    x = np.array([0.5, 1.25, 2.0])
    assert_gradients_match(expression, Tensor(x))
    assert_second_gradients_match(expression, Tensor(x))
    x32 = Tensor(x.astype(np.float32), requires_grad=True)
    out = expression(x32)
    assert out.dtype == np.float32, "a constant must never promote float32"
    out.sum().backward()
    assert x32.grad.dtype == np.float32


# ----- where and astype -------------------------------------------------------------

@given(data=st.data(), shapes_cab=broadcastable_shapes(3))
def test_where_forward_and_gradcheck(data, shapes_cab):
    shape_c, shape_a, shape_b = shapes_cab
    condition = data.draw(st.builds(lambda s: np.random.default_rng(s).random(shape_c) < 0.5,
                                    st.integers(0, 2**32 - 1)))
    a, b = uniform(-5, 5)(data.draw, shape_a), uniform(-5, 5)(data.draw, shape_b)
    np.testing.assert_array_equal(ag.where(condition, Tensor(a), Tensor(b)).data, np.where(condition, a, b))
    assert_gradients_match(lambda a, b: ag.where(condition, a, b), Tensor(a), Tensor(b))
    assert_second_gradients_match(lambda a, b: ag.where(condition, a, b), Tensor(a), Tensor(b))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_where_matches_torch(dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    condition = np.array([[True, False, True]])
    rng = np.random.default_rng(3)
    assert_matches_torch(lambda a, b: ag.where(condition, a, b),
                         lambda a, b: torch.where(torch.from_numpy(condition), a, b),
                         rng.normal(size=(2, 3)), rng.normal(size=(3,)), dtype=dtype)


@pytest.mark.parametrize("source, target", [(np.float64, np.float32), (np.float32, np.float64)])
def test_astype_gradient_comes_back_in_the_input_dtype(source, target):
    x = Tensor(np.array([1.0, -2.0, 3.0], dtype=source), requires_grad=True)
    y = x.astype(target)
    assert y.dtype == target and y.grad_fn.name == "Astype"
    (y * Tensor(np.array([1.0, 2.0, 3.0], dtype=target))).sum().backward()
    assert x.grad.dtype == source
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])


def test_astype_gradcheck_through_a_round_trip():
    assert_gradients_match(lambda x: (x.astype(np.float32) * 2).astype(np.float64),
                           Tensor(np.array([0.5, 1.0, 2.0])), eps=1e-2, rtol=1e-4)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_astype_matches_torch(dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    other = np.float32 if dtype == np.float64 else np.float64
    torch_other = torch.float32 if other == np.float32 else torch.float64
    assert_matches_torch(lambda x: x.astype(other).astype(dtype), lambda t: t.to(torch_other).to(t.dtype),
                         np.array([0.5, 1.0]), dtype=dtype)


# ----- bad input --------------------------------------------------------------------

def test_float_dtype_mismatch_names_both_dtypes():
    with pytest.raises(TypeError, match="mul: dtype mismatch float32 vs float64"):
        Tensor(np.ones(2, np.float32)) * Tensor(np.ones(2))


def test_broadcast_mismatch_names_the_op_and_the_shapes():
    with pytest.raises(ValueError, match=r"add: .*\(2,3\).*\(4,\)"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"maximum: .*\(3,\).*\(2,\)"):
        Tensor(np.ones(3)).maximum(Tensor(np.ones(2)))


def test_clip_needs_a_bound_in_order():
    with pytest.raises(ValueError, match="at least one of min and max"):
        ag.clip(Tensor([1.0]))
    with pytest.raises(ValueError, match=r"min \(2.0\) is greater than max \(1.0\)"):
        ag.clip(Tensor([1.0]), 2.0, 1.0)


def test_astype_to_int_of_a_tensor_requiring_grad_is_refused():
    with pytest.raises(TypeError, match="cannot convert a tensor that requires grad to int64"):
        Tensor([1.0], requires_grad=True).astype(np.int64)


def test_relu_of_infinities():
    np.testing.assert_array_equal(ag.relu(Tensor([-np.inf, np.inf])).data, [0.0, np.inf])


def test_sigmoid_keeps_precision_far_in_the_tails():
    x = Tensor(np.array([-20.0, -40.0, 30.0], np.float32), requires_grad=True)
    y = ag.sigmoid(x)
    np.testing.assert_allclose(y.data, 1 / (1 + np.exp(-x.data.astype(np.float64))), rtol=1e-6)
    ag.log(y).sum().backward()  # d log(sigmoid(x)) / dx = 1 - sigmoid(x): no nan
    np.testing.assert_allclose(x.grad, [1.0, 1.0, 0.0], atol=1e-6)


def test_pow_gradients_at_zero_are_the_limits_not_nan():
    x = Tensor([0.0, 2.0], requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])       # d x^0 / dx = 0, also at x = 0
    a, b = Tensor([0.0, 2.0], requires_grad=True), Tensor([2.0, 2.0], requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_allclose(b.grad, [0.0, 4 * np.log(2.0)])  # 0^b ln 0 -> 0 for b >= 0


def test_where_keeps_its_own_copy_of_the_condition():
    condition = np.array([True, False, True, False])
    x = Tensor(np.arange(4.0), requires_grad=True)
    y = ag.where(condition, x, 0.0)
    condition[:] = False
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0, 0.0])


@pytest.mark.parametrize("name", [n for n in UNARY if n != "clip"])
def test_unary_third_derivative_through_two_create_graph_backwards(name):
    """Second derivatives of the first derivative: the backward of a backward differentiates again."""
    fn = UNARY[name][0]
    x = np.random.default_rng(3).uniform(0.2, 2.0, 4)          # away from every kink

    def first_derivative(t):
        (g,) = ag.grad(fn(t).sum(), [t], create_graph=True)
        return g

    assert_second_gradients_match(first_derivative, Tensor(x))


def test_relu_passes_the_gradient_of_a_nan_input_as_torch():
    torch = pytest.importorskip("torch", reason=TORCH)
    values = [float("nan"), 1.0, -1.0, 0.0, -0.0]
    ours, theirs = Tensor(np.array(values), requires_grad=True), torch.tensor(values, requires_grad=True)
    ag.relu(ours).sum().backward()
    torch.relu(theirs).sum().backward()
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())
    np.testing.assert_array_equal(ag.relu(ours).data, torch.relu(theirs).detach().numpy())


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "leaky_relu"])
def test_integer_inputs_compute_in_float32_as_torch(name):
    torch = pytest.importorskip("torch", reason=TORCH)
    values = np.array([1, 2, 3])
    ours = getattr(ag, name)(Tensor(values))
    theirs = (torch.nn.functional.leaky_relu(torch.tensor(values).float()) if name == "leaky_relu"
              else getattr(torch, name)(torch.tensor(values)))
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)
