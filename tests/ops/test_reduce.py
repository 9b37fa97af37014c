"""Reductions: drawn shapes, axes (None, int, tuple, negative) and keepdims; max/min on distinct values."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor
from autograd.testing import (OpRow, assert_gradients_match, assert_matches_torch, assert_second_gradients_match,
                              distinct_values, op_tests, random_inputs, shapes)

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"
REDUCTIONS = {"sum": (ag.sum, np.sum), "mean": (ag.mean, np.mean), "amax": (ag.amax, np.max),
              "amin": (ag.amin, np.min), "prod": (ag.prod, np.prod)}


@st.composite
def axes(draw, ndim):
    """None, one axis (maybe negative) or a tuple of distinct axes."""
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim))
    return tuple(a - ndim if draw(st.booleans()) else a for a in chosen)


@pytest.mark.parametrize("name", REDUCTIONS)
@given(data=st.data(), shape=shapes(), keepdims=st.booleans())
def test_reduction_forward_and_gradcheck(name, data, shape, keepdims):
    fn, reference = REDUCTIONS[name]
    axis = data.draw(axes(len(shape)))
    x = data.draw(distinct_values(shape))  # no ties, so max/min have one winner
    if name == "prod" and x.size:
        x = 1 + 0.5 * x / np.abs(x).max()  # near 1: a product of many stays finite
    out = fn(Tensor(x), axis, keepdims)
    np.testing.assert_allclose(out.data, reference(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    assert_gradients_match(lambda t: fn(t, axis=axis, keepdims=keepdims), Tensor(x))
    assert_second_gradients_match(lambda t: fn(t, axis=axis, keepdims=keepdims), Tensor(x))


@pytest.mark.parametrize("name", REDUCTIONS)
def test_dim_and_keepdim_are_aliases(name):
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    method = getattr(x, name)
    np.testing.assert_array_equal(method(dim=1, keepdim=True).data, method(axis=1, keepdims=True).data)
    assert method(dim=(0, 2)).shape == (3,)
    assert method(-1, keepdim=True).shape == (2, 3, 1)


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_ties_share_the_gradient_evenly(name):
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), requires_grad=True)
    getattr(x, name)(axis=1).sum().backward()
    winner = [[0, 0.5, 0.5], [1 / 3] * 3] if name == "amax" else [[1, 0, 0], [1 / 3] * 3]
    np.testing.assert_allclose(x.grad, winner)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_reduction_matches_torch(name, dim, keepdim, dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    x = np.random.default_rng(4).permutation(24).reshape(2, 3, 4) / 7.0  # distinct
    ours = REDUCTIONS[name][0]

    def theirs(t):
        if dim is None:
            return getattr(torch, name)(t)
        if name == "prod":
            return torch.prod(t, dim=dim, keepdim=keepdim) if isinstance(dim, int) else \
                torch.prod(torch.prod(t, dim=dim[1], keepdim=keepdim), dim=dim[0], keepdim=keepdim)
        return getattr(torch, name)(t, dim=dim, keepdim=keepdim)
    assert_matches_torch(lambda t: ours(t, dim=dim, keepdim=keepdim), theirs, x, dtype=dtype)


def test_reduction_of_a_0d_tensor_over_axis_0_as_pytorch():
    assert Tensor(3.0).sum(0).item() == 3.0
    assert Tensor(3.0).mean(dim=-1).item() == 3.0


@pytest.mark.parametrize("axis, error, message", [
    (2, ValueError, "sum: axis 2 is out of range for a tensor of 2 dimensions"),
    (-3, ValueError, "sum: axis -3 is out of range"),
    ((0, 0), ValueError, r"sum: repeated axis in \(0, 0\)"),
    (1.5, TypeError, "sum: axis must be an int, got 1.5"),
])
def test_bad_axis(axis, error, message):
    with pytest.raises(error, match=message):
        Tensor(np.ones((2, 3))).sum(axis)


def test_max_over_an_empty_axis_is_an_error_but_other_axes_are_fine():
    with pytest.raises(ValueError, match=r"max: cannot reduce a zero-size axis of a tensor of shape \(0, 3\)"):
        Tensor(np.ones((0, 3))).max()
    assert Tensor(np.ones((0, 3))).amax(dim=1).shape == (0,)  # as PyTorch
    assert Tensor(np.ones((0, 3))).max(dim=1).values.shape == (0,)


def test_nan_wins_max_and_gets_the_gradient():
    x = Tensor([1.0, np.nan, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


def test_axis_and_dim_together_or_a_bool_axis_are_errors():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match="give axis or its alias dim, not both"):
        x.sum(axis=0, dim=1)
    with pytest.raises(TypeError, match="axis must be an int"):
        x.sum(axis=True)


def test_float32_stays_float32():
    x = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    for name in REDUCTIONS:
        out = getattr(x, name)(axis=0)
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == np.float32


# ----- PyTorch's reductions (issue 9 ops) ---------------------------------------------

def distinct(shape, seed):
    """Values 0.1 apart in a random order: no ties, so max/min/sort pick one element."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) - n / 2).reshape(shape) * 0.1 + 0.03


def with_zeros(count):
    def values(shape, seed):
        x = np.random.default_rng(seed).uniform(0.5, 1.5, shape)
        x.reshape(-1)[:count] = 0.0
        return x
    return values


def normal(shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


# name: (ours(x), torch(t), shape, values(shape, seed))
TORCH_REDUCTIONS = {
    "max_dim_values": (lambda x: x.max(1).values, lambda t: t.max(1).values, (3, 4), distinct),
    "max_dim_keepdim": (lambda x: ag.max(x, dim=0, keepdim=True)[0], lambda t: t.max(0, keepdim=True)[0], (3, 4),
                        distinct),
    "min_dim_values": (lambda x: x.min(-1)[0], lambda t: t.min(-1)[0], (2, 3, 4), distinct),
    "max_all": (lambda x: x.max(), lambda t: t.max(), (3, 4), distinct),
    "max_elementwise": (lambda x: ag.max(x, x.flip(0)), lambda t: t.max(t.flip(0)), (3, 4), distinct),
    "min_elementwise": (lambda x: x.min(x * -1.5), lambda t: t.min(t * -1.5), (3, 4), distinct),
    "amax_dims": (lambda x: x.amax((0, 2)), lambda t: t.amax((0, 2)), (2, 3, 4), distinct),
    "sum_dtype": (lambda x: x.sum(1, dtype=x.dtype), lambda t: t.sum(1, dtype=t.dtype), (3, 4), normal),
    "mean_dtype": (lambda x: ag.mean(x, dim=0, dtype=x.dtype), lambda t: t.mean(0, dtype=t.dtype), (3, 4), normal),
    "prod": (lambda x: x.prod(1), lambda t: t.prod(1), (3, 4), normal),
    "prod_all": (lambda x: x.prod(), lambda t: t.prod(), (2, 3), normal),
    "prod_one_zero": (lambda x: x.prod(), lambda t: t.prod(), (2, 3), with_zeros(1)),
    "prod_two_zeros": (lambda x: x.prod(0), lambda t: t.prod(0), (3, 2), with_zeros(3)),
    "var": (lambda x: x.var(), lambda t: t.var(), (3, 4), normal),
    "var_dim_unbiased": (lambda x: x.var(1, False, True), lambda t: t.var(1, False, True), (3, 4), normal),
    "var_correction": (lambda x: ag.var(x, (0, 2), correction=2), lambda t: _torch().var(t, (0, 2), correction=2),
                       (2, 3, 4), normal),
    "std": (lambda x: x.std(0), lambda t: t.std(0), (3, 4), normal),
    "std_correction_0": (lambda x: x.std(-1, correction=0, keepdim=True),
                         lambda t: t.std(-1, correction=0, keepdim=True), (3, 4), normal),
    "var_mean": (lambda x: ag.stack(ag.var_mean(x, 1)), lambda t: _torch().stack(_torch().var_mean(t, 1)), (3, 4),
                 normal),
    "std_mean": (lambda x: ag.stack(ag.std_mean(x, 0, correction=0)),
                 lambda t: _torch().stack(_torch().std_mean(t, 0, correction=0)), (3, 4), normal),
    "logsumexp": (lambda x: x.logsumexp(1), lambda t: t.logsumexp(1), (3, 4), normal),
    "logsumexp_keepdim": (lambda x: ag.logsumexp(x * 300, (0, 1), keepdim=True),
                          lambda t: _torch().logsumexp(t * 300, (0, 1), keepdim=True), (2, 3), normal),
    "norm": (lambda x: x.norm(), lambda t: t.norm(), (3, 4), normal),
    "norm_p1_dim": (lambda x: x.norm(1, 1), lambda t: t.norm(1, 1), (3, 4), normal),
    "norm_p3_keepdim": (lambda x: ag.norm(x, 3, 0, keepdim=True), lambda t: _torch().norm(t, 3, 0, keepdim=True),
                        (3, 4), normal),
    "norm_p_half": (lambda x: x.norm(0.5, (0, 1)), lambda t: t.norm(0.5, (0, 1)), (3, 4), normal),
    "norm_inf": (lambda x: x.norm(float("inf"), 1), lambda t: t.norm(float("inf"), 1), (3, 4), distinct),
    "norm_minus_inf": (lambda x: x.norm(-float("inf")), lambda t: t.norm(-float("inf")), (3, 4), distinct),
    "norm_fro_dims": (lambda x: x.norm("fro", (1, 2)), lambda t: t.norm("fro", (1, 2)), (2, 3, 4), normal),
}


def _torch():
    return pytest.importorskip("torch", reason=TORCH)


TORCH_ROWS = {name: OpRow(ours, theirs, random_inputs(shape, values=values))
              for name, (ours, theirs, shape, values) in TORCH_REDUCTIONS.items()}
test_torch_reductions_gradcheck_and_gradgradcheck, test_torch_reductions_match_torch = op_tests(TORCH_ROWS, seed=10)


# name: (ours(x), torch(t)) giving integer or bool results (no gradient), compared exactly
INDEXES = {
    "max_indices": (lambda x: x.max(1).indices, lambda t: t.max(1).indices),
    "min_indices_keepdim": (lambda x: x.min(0, keepdim=True)[1], lambda t: t.min(0, keepdim=True)[1]),
    "argmax": (lambda x: x.argmax(), lambda t: t.argmax()),
    "argmax_dim": (lambda x: ag.argmax(x, 1), lambda t: _torch().argmax(t, 1)),
    "argmin_keepdim": (lambda x: x.argmin(0, keepdim=True), lambda t: t.argmin(0, keepdim=True)),
    "all": (lambda x: (x.abs() > 0.3).all(), lambda t: (t.abs() > 0.3).all()),
    "any_dim": (lambda x: ag.any(x > 1.0, 1), lambda t: _torch().any(t > 1.0, 1)),
    "all_keepdim": (lambda x: ag.all(x > -1.0, 0, keepdim=True), lambda t: _torch().all(t > -1.0, 0, keepdim=True)),
    "count_nonzero": (lambda x: ag.count_nonzero(x.relu()), lambda t: _torch().count_nonzero(t.relu())),
    "count_nonzero_dim": (lambda x: x.relu().count_nonzero(1), lambda t: t.relu().count_nonzero(1)),
}


def _as_tensor(value):
    return value if isinstance(value, Tensor) else Tensor(value)


@pytest.mark.parametrize("name", INDEXES)
def test_indices_and_logical_reductions_match_torch(name):
    torch = _torch()
    ours, theirs = INDEXES[name]
    x = np.random.default_rng(11).permutation(12).reshape(3, 4) / 4.0 - 1.4
    got, want = _as_tensor(ours(Tensor(x))), theirs(torch.tensor(x))
    assert got.dtype == want.numpy().dtype and got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.data, want.numpy())


def test_max_with_dim_is_a_named_tuple_and_its_gradient_goes_to_the_index():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]), requires_grad=True)
    result = x.max(1)
    values, indices = result
    assert type(result).__name__ == "max" and result.values is values and result.indices is indices
    np.testing.assert_array_equal(indices.data, [1, 0])  # the first maximum, as torch on the CPU
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 0], [1, 0, 0]])
    _, prediction = Tensor(np.array([[0.1, 0.9], [0.8, 0.2]])).max(1)
    np.testing.assert_array_equal(prediction.data, [1, 0])  # the PyTorch idiom, no silent values


def test_dtype_argument_converts_first_as_torch():
    torch = _torch()
    x = np.arange(6).reshape(2, 3)
    for name in ("sum", "mean", "prod"):
        got = getattr(Tensor(x), name)(1, dtype=np.float64)
        want = getattr(torch.tensor(x), name)(1, dtype=torch.float64)
        assert got.dtype == np.float64
        np.testing.assert_allclose(got.data, want.numpy())
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    w.sum(dtype=np.float64).backward()
    assert w.grad.dtype == np.float32


def test_norm_at_zero_has_zero_gradient_as_torch():
    for p in (2, 3, 0.5):
        x = Tensor(np.zeros(3), requires_grad=True)
        x.norm(p).backward()
        np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])
    x = Tensor(np.array([0.0, 2.0, 0.0]), requires_grad=True)
    x.norm(0).backward()
    assert x.norm(0).item() == 1.0 and not x.grad.data.any()


@pytest.mark.parametrize("p", [0, 0.5, 1, 1.5, 2, 3, float("inf")])
@pytest.mark.parametrize("values", [[0.0, 1.0, -2.0], [0.0, 0.0, 0.0]], ids=["some_zeros", "all_zeros"])
def test_norm_subgradients_at_zero_match_torch(p, values):
    _torch()
    assert_matches_torch(lambda t: t.norm(p), lambda t: t.norm(p), np.array(values))


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.max((0, 1)), TypeError, r"max: dim must be one int .* use amax\(x, dim=\(0, 1\)\)"),
    (lambda x: x.min(dim=0, axis=1), TypeError, "min: give axis or its alias dim, not both"),
    (lambda x: x.max(dim=1)[0].max(dim=2), ValueError, "max: axis 2 is out of range"),
    (lambda x: Tensor(np.ones((0, 2))).argmax(), ValueError, "argmax: cannot reduce an empty tensor"),
    (lambda x: x.var(unbiased=True, correction=0), TypeError, "var: give unbiased or correction, not both"),
    (lambda x: x.norm("nuc"), ValueError, "norm: p must be a number >= 0, inf, -inf or 'fro', got 'nuc'"),
    (lambda x: x.norm(-1), ValueError, "norm: p must be"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_torch_reductions_bad_input_messages(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))


def test_the_pytorch_accuracy_idioms_work_on_tensors_and_on_their_arrays():
    scores = Tensor(np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5]]), requires_grad=True)
    labels = np.array([1, 0, 1])
    _, predicted = ag.max(scores.data, 1)          # CS231n / blitz: torch.max(outputs.data, 1)
    assert (predicted.data == labels).sum() == 2
    np.testing.assert_array_equal(scores.argmax(dim=1, keepdim=True).data, [[1], [0], [2]])  # MNIST example
    np.testing.assert_array_equal(ag.topk(scores.data, 2).indices.data, [[1, 0], [0, 1], [2, 1]])
