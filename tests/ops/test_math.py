"""Elementwise math (autograd/ops/math.py): one table drives gradcheck, gradgradcheck, PyTorch
parity (values and gradients, float32 and float64), dtype keeping and NumPy dispatch.

Each row gives the interval its values come from: inside the domain, away from poles and
(for the rounding ops) away from the integers where they jump.
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor
from autograd.testing import (OpRow, assert_gradients_match, assert_matches_torch, assert_second_gradients_match,
                              broadcastable_shapes, op_tests, shapes)

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


def uniform(rng_or_draw, shape, low, high):
    return np.random.default_rng(rng_or_draw).uniform(low, high, shape)


def off_integers(values):
    """Values at least 0.1 from an integer (floor, ceil, round and trunc jump there)."""
    frac = values - np.floor(values)
    return np.floor(values) + np.clip(frac, 0.1, 0.9)


# name: (ours, torch name (a Tensor method) or function, low, high, params, numpy ufunc)
UNARY = {
    "sin": (ag.sin, "sin", -4, 4, {}, np.sin),
    "cos": (ag.cos, "cos", -4, 4, {}, np.cos),
    "tan": (ag.tan, "tan", -1.2, 1.2, {}, np.tan),
    "asin": (ag.asin, "asin", -0.9, 0.9, {}, np.arcsin),
    "acos": (ag.acos, "acos", -0.9, 0.9, {}, np.arccos),
    "atan": (ag.atan, "atan", -4, 4, {}, np.arctan),
    "sinh": (ag.sinh, "sinh", -3, 3, {}, np.sinh),
    "cosh": (ag.cosh, "cosh", -3, 3, {}, np.cosh),
    "asinh": (ag.asinh, "asinh", -4, 4, {}, np.arcsinh),
    "acosh": (ag.acosh, "acosh", 1.2, 5, {}, np.arccosh),
    "atanh": (ag.atanh, "atanh", -0.9, 0.9, {}, np.arctanh),
    "erf": (ag.erf, "erf", -3, 3, {}, None),
    "erfc": (ag.erfc, "erfc", -3, 3, {}, None),
    "exp2": (ag.exp2, "exp2", -3, 3, {}, np.exp2),
    "expm1": (ag.expm1, "expm1", -3, 3, {}, np.expm1),
    "log2": (ag.log2, "log2", 0.2, 5, {}, np.log2),
    "log10": (ag.log10, "log10", 0.2, 5, {}, np.log10),
    "log1p": (ag.log1p, "log1p", -0.8, 5, {}, np.log1p),
    "rsqrt": (ag.rsqrt, "rsqrt", 0.2, 5, {}, None),
    "reciprocal": (ag.reciprocal, "reciprocal", 0.3, 5, {}, np.reciprocal),
    "square": (ag.square, "square", -3, 3, {}, np.square),
    "sign": (ag.sign, "sign", -3, 3, {}, np.sign),
    "floor": (ag.floor, "floor", -3, 3, {}, np.floor),
    "ceil": (ag.ceil, "ceil", -3, 3, {}, np.ceil),
    "trunc": (ag.trunc, "trunc", -3, 3, {}, np.trunc),
    "round": (ag.round, "round", -3, 3, {}, np.rint),
    "round_decimals": (ag.round, "round", -3, 3, dict(decimals=1), None),
    "frac": (ag.frac, "frac", -3, 3, {}, None),
    "clamp_min": (ag.clamp_min, "clamp_min", -3, 3, dict(min=0.25), None),
    "clamp_max": (ag.clamp_max, "clamp_max", -3, 3, dict(max=0.25), None),
}
PIECEWISE = {"sign", "floor", "ceil", "trunc", "round", "round_decimals", "frac", "clamp_min", "clamp_max"}


def values_for(name, seed, shape):
    _, _, low, high, params, _ = UNARY[name]
    x = uniform(seed, shape, low, high)
    if name in PIECEWISE:
        x = off_integers(x) if name != "round_decimals" else off_integers(x * 10) / 10
        if name in ("sign", "clamp_min", "clamp_max"):
            x = np.where(np.abs(x - 0.25) < 0.1, x + 0.3, x)
    return x


def torch_unary(name):
    spec, params = UNARY[name][1], UNARY[name][4]
    return lambda t: getattr(t, spec)(**params)


def unary_row(name):
    fn, params = UNARY[name][0], UNARY[name][4]
    return OpRow(lambda t: fn(t, **params), torch_unary(name), lambda rng, shape: [values_for(name, rng, shape)])


test_unary_gradcheck_and_gradgradcheck, test_unary_matches_torch = op_tests(
    {name: unary_row(name) for name in UNARY}, seed=5, draws=dict(shape=shapes(max_dims=3)), fixed=dict(shape=(3, 4)))


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize("name", UNARY)
def test_unary_keeps_its_dtype(name, dtype):
    fn, params = UNARY[name][0], UNARY[name][4]
    x = Tensor(values_for(name, 6, (5,)).astype(dtype), requires_grad=True)
    out = fn(x, **params)
    assert out.dtype == dtype
    out.sum().backward()
    assert x.grad.dtype == dtype


@pytest.mark.parametrize("name", [n for n in UNARY if UNARY[n][5] is not None])
def test_numpy_ufuncs_dispatch_to_the_ops(name):
    fn, ufunc = UNARY[name][0], UNARY[name][5]
    x = Tensor(values_for(name, 7, (4,)), requires_grad=True)
    out = ufunc(x)
    assert isinstance(out, Tensor) and out.grad_fn is not None
    np.testing.assert_array_equal(out.data, fn(x).data)


def test_round_decimals_also_through_numpy():
    x = Tensor(np.array([1.234, -5.678]), requires_grad=True)
    np.testing.assert_array_equal(np.round(x, 1).data, [1.2, -5.7])
    assert np.round(x, 1).grad_fn.name == "Round"


# ----- erf to float64 precision ----------------------------------------------------------

ERF_POINTS = np.concatenate([np.linspace(-6, 6, 2401), np.geomspace(1e-300, 1, 60), -np.geomspace(1e-300, 1, 60),
                             np.linspace(6, 27, 200), [0.0, 0.5, 1.0, -1.0, 1 + 1e-15, 2.0]])


def ulps(actual, expected):
    finite = expected != 0
    return np.max(np.abs(actual[finite] - expected[finite]) / np.spacing(np.abs(expected[finite])))


def test_erf_is_within_a_few_ulp_of_math_erf():
    assert ulps(ag.erf(Tensor(ERF_POINTS)).data, np.array([math.erf(x) for x in ERF_POINTS])) <= 2


def test_erfc_keeps_relative_precision_in_the_tail():
    assert ulps(ag.erfc(Tensor(ERF_POINTS)).data, np.array([math.erfc(x) for x in ERF_POINTS])) <= 8
    assert ag.erfc(Tensor(10.0, dtype=np.float64)).item() == pytest.approx(2.088487583762545e-45, rel=1e-14)


def test_erf_float32_and_float16_match_torch():
    torch = pytest.importorskip("torch", reason=TORCH)
    for dtype, atol in ((np.float32, 2.5e-7), (np.float16, 1e-3)):
        x = ERF_POINTS[np.abs(ERF_POINTS) < 1e4].astype(dtype)
        for ours, theirs in ((ag.erf, torch.erf), (ag.erfc, torch.erfc)):
            expected = theirs(torch.from_numpy(x.astype(np.float32))).numpy()
            np.testing.assert_allclose(ours(Tensor(x)).data.astype(np.float32), expected, atol=atol, rtol=4e-6)


def test_erf_limits_and_nan():
    x = Tensor(np.array([np.inf, -np.inf, np.nan, 1e300]))
    np.testing.assert_array_equal(ag.erf(x).data, [1.0, -1.0, np.nan, 1.0])
    np.testing.assert_array_equal(ag.erfc(x).data, [0.0, 2.0, np.nan, 0.0])


@pytest.mark.parametrize("name", ["sin", "sigmoid", "erf", "exp2", "rsqrt", "reciprocal", "floor", "ceil", "trunc",
                                  "round", "sign", "square"])
def test_integer_inputs_give_torchs_dtype(name):
    """float32 (PyTorch's default dtype) for the float-valued ops; integers stay integers for
    floor, ceil, trunc, round, sign and square."""
    torch = pytest.importorskip("torch", reason=TORCH)
    x = np.array([1, 2, 3, 4]) if name == "rsqrt" else np.array([1, -2, 3, 4])
    out, expected = getattr(ag, name)(Tensor(x)), getattr(torch, name)(torch.from_numpy(x))
    assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-6)


# ----- binary ------------------------------------------------------------------------

def away_from_zero(values):
    return np.where(values < 0, values - 0.5, values + 0.5)


# name: (ours(a, b), torch(a, b), a values, b values)  values: (seed, shape) -> array
BINARY = {
    "atan2": (ag.atan2, lambda a, b: a.atan2(b), lambda s, sh: uniform(s, sh, -3, 3),
              lambda s, sh: away_from_zero(uniform(s + 1, sh, -3, 3))),
    "hypot": (ag.hypot, lambda a, b: a.hypot(b), lambda s, sh: away_from_zero(uniform(s, sh, -3, 3)),
              lambda s, sh: uniform(s + 1, sh, -3, 3)),
    "copysign": (ag.copysign, lambda a, b: a.copysign(b), lambda s, sh: away_from_zero(uniform(s, sh, -3, 3)),
                 lambda s, sh: away_from_zero(uniform(s + 1, sh, -3, 3))),
    "logaddexp": (ag.logaddexp, lambda a, b: a.logaddexp(b), lambda s, sh: uniform(s, sh, -5, 5),
                  lambda s, sh: uniform(s + 1, sh, -5, 5)),
    "lerp_scalar": (lambda a, b: ag.lerp(a, b, 0.3), lambda a, b: a.lerp(b, 0.3),
                    lambda s, sh: uniform(s, sh, -3, 3), lambda s, sh: uniform(s + 1, sh, -3, 3)),
    "pow": (ag.pow, lambda a, b: a.pow(b), lambda s, sh: uniform(s, sh, 0.5, 3),
            lambda s, sh: uniform(s + 1, sh, -2, 2)),
    "float_power": (ag.float_power, lambda a, b: a.float_power(b), lambda s, sh: uniform(s, sh, 0.5, 3),
                    lambda s, sh: uniform(s + 1, sh, -2, 2)),
    "clamp_min_tensor": (lambda x, low: ag.clamp(x, low), lambda x, low: x.clamp(low),
                         lambda s, sh: uniform(s, sh, -3, 3), lambda s, sh: uniform(s + 1, sh, -3, 3)),
    "clamp_max_tensor": (lambda x, high: ag.clamp(x, max=high), lambda x, high: x.clamp(max=high),
                         lambda s, sh: uniform(s, sh, -3, 3), lambda s, sh: uniform(s + 1, sh, -3, 3)),
}


@pytest.mark.parametrize("name", BINARY)
@given(seed=st.integers(0, 2**32 - 2), shapes_ab=broadcastable_shapes(2, max_dims=3))
def test_binary_gradcheck_and_gradgradcheck(name, seed, shapes_ab):
    fn, _, a_values, b_values = BINARY[name]
    a, b = a_values(seed, shapes_ab[0]), b_values(seed, shapes_ab[1])
    if name.startswith("clamp"):
        b = np.where(np.abs(np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape)) - a) < 0.05, b + 0.1, b)
        if b.shape != shapes_ab[1]:
            return  # the nudge broadcast b: draw again rather than reshape
    assert_gradients_match(fn, Tensor(a), Tensor(b))
    assert_second_gradients_match(fn, Tensor(a), Tensor(b))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_torch(name, dtype):
    pytest.importorskip("torch", reason=TORCH)
    fn, torch_fn, a_values, b_values = BINARY[name]
    a, b = a_values(3, (2, 1, 3)), b_values(3, (4, 1))
    if name == "float_power":  # float64 by definition: compare it, then its float32 gradients
        torch = pytest.importorskip("torch")
        ours = fn(Tensor(a.astype(dtype)), Tensor(b.astype(dtype)))
        assert ours.dtype == np.float64
        fn, torch_fn = (lambda x, y: ag.float_power(x, y).astype(dtype),
                        lambda x, y: torch.float_power(x, y).to(x.dtype))
    assert_matches_torch(fn, torch_fn, a, b, dtype=dtype)


def test_lerp_with_a_tensor_weight_matches_torch():
    pytest.importorskip("torch", reason=TORCH)
    rng = np.random.default_rng(4)
    for dtype in (np.float64, np.float32):
        assert_matches_torch(lambda a, b, w: ag.lerp(a, b, w), lambda a, b, w: a.lerp(b, w),
                             rng.normal(size=(3, 4)), rng.normal(size=(4,)), rng.uniform(size=(3, 1)), dtype=dtype)


def test_clamp_with_both_tensor_bounds_matches_torch_including_crossed_bounds():
    pytest.importorskip("torch", reason=TORCH)
    x = np.array([-2.0, -0.5, 0.2, 0.7, 3.0, 1.5])
    low = np.array([-1.0, -1.0, 0.5, -1.0, -1.0, 2.0])     # the last pair is crossed: low > high
    high = np.array([1.0, 1.0, 1.0, 0.5, 1.0, 1.0])
    for dtype in (np.float64, np.float32):
        assert_matches_torch(lambda x, lo, hi: ag.clamp(x, lo, hi), lambda x, lo, hi: x.clamp(lo, hi),
                             x, low, high, dtype=dtype)


def test_clamp_with_numbers_is_clip():
    x = Tensor([-2.0, 0.5, 3.0], requires_grad=True)
    y = x.clamp(-1, 1)
    assert y.grad_fn.name == "Clip"
    np.testing.assert_array_equal(y.data, [-1.0, 0.5, 1.0])


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp: at least one of min and max"):
        ag.clamp(Tensor([1.0]), None, None)


def test_binary_shape_mismatch_names_the_op():
    with pytest.raises(ValueError, match=r"atan2: .*\(3,\).*\(2,\)"):
        ag.atan2(Tensor(np.ones(3)), Tensor(np.ones(2)))


def test_float_dtype_mismatch_is_refused():
    with pytest.raises(TypeError, match="hypot: dtype mismatch float32 vs float64"):
        ag.hypot(Tensor(np.ones(2, np.float32)), Tensor(np.ones(2)))


def test_round_decimals_must_be_an_int():
    with pytest.raises(TypeError, match="round: decimals must be an int"):
        ag.round(Tensor([1.0]), 1.5)


# ----- third derivatives -----------------------------------------------------------

THIRD = {"sin": (ag.sin, "sin"), "erf": (ag.erf, "erf"), "tan": (ag.tan, "tan"),
         "rsqrt": (ag.rsqrt, "rsqrt"), "atan": (ag.atan, "atan")}


def nth_derivative(fn, x, order, grad):
    y = fn(x).sum()
    for _ in range(order):
        (y,) = grad(y, [x], create_graph=True)
        y = y.sum()
    return y


@pytest.mark.parametrize("name", THIRD)
def test_third_derivative_matches_torch(name):
    torch = pytest.importorskip("torch", reason=TORCH)
    fn, torch_name = THIRD[name]
    x = np.array([0.3, 0.7, 1.1])
    ours_x = Tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    ours = nth_derivative(fn, ours_x, 3, ag.grad)
    theirs = nth_derivative(lambda t: getattr(t, torch_name)(), theirs_x, 3,
                            lambda y, xs, create_graph: torch.autograd.grad(y, xs, create_graph=create_graph))
    (ours_4,) = ag.grad(ours, [ours_x])
    (theirs_4,) = torch.autograd.grad(theirs, [theirs_x])
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-10)
    np.testing.assert_allclose(ours_4.data, theirs_4.numpy(), rtol=1e-10)


# ----- NumPy dispatch and PyTorch's aliases ------------------------------------------

@pytest.mark.parametrize("ufunc, op", [(np.arctan2, ag.atan2), (np.hypot, ag.hypot), (np.copysign, ag.copysign),
                                       (np.logaddexp, ag.logaddexp), (np.float_power, ag.float_power)])
def test_numpy_binary_ufuncs_dispatch_to_the_ops(ufunc, op):
    a, b = Tensor(np.array([0.5, 1.5]), requires_grad=True), np.array([2.0, -0.75])
    out = ufunc(a, b)
    assert isinstance(out, Tensor) and out.grad_fn is not None
    np.testing.assert_array_equal(out.data, op(a, b).data)


@pytest.mark.parametrize("alias, name", [("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                                         ("arcsinh", "asinh"), ("arccosh", "acosh"), ("arctanh", "atanh"),
                                         ("arctan2", "atan2")])
def test_pytorch_aliases(alias, name):
    assert getattr(ag, alias) is getattr(ag, name)
    assert getattr(Tensor, alias) is getattr(Tensor, name)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize("name", [n for n in BINARY if n != "float_power"])
def test_binary_keeps_its_dtype(name, dtype):
    fn, _, a_values, b_values = BINARY[name]
    a = Tensor(a_values(11, (3,)).astype(dtype), requires_grad=True)
    b = Tensor(b_values(11, (3,)).astype(dtype), requires_grad=True)
    out = fn(a, b)
    assert out.dtype == dtype
    out.sum().backward()
    assert a.grad.dtype == dtype and b.grad.dtype == dtype


def test_float_power_of_float32_is_float64_with_float32_gradients():
    a = Tensor(np.array([1.5, 2.0], np.float32), requires_grad=True)
    out = ag.float_power(a, 2)
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32
    np.testing.assert_allclose(a.grad.data, [3.0, 4.0])
