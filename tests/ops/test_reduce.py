"""Reductions: drawn shapes, axes (None, int, tuple, negative) and keepdims; max/min on distinct values."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor
from autograd.testing import assert_gradients_match, assert_matches_torch, assert_second_gradients_match, distinct_values, shapes

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"
REDUCTIONS = {"sum": (ag.sum, np.sum), "mean": (ag.mean, np.mean), "max": (ag.max, np.max),
              "min": (ag.min, np.min)}


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


@pytest.mark.parametrize("name", ["max", "min"])
def test_ties_share_the_gradient_evenly(name):
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), requires_grad=True)
    getattr(x, name)(axis=1).sum().backward()
    winner = [[0, 0.5, 0.5], [1 / 3] * 3] if name == "max" else [[1, 0, 0], [1 / 3] * 3]
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
        if name in ("max", "min"):
            return getattr(torch, "amax" if name == "max" else "amin")(t, dim=dim, keepdim=keepdim)
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
    assert Tensor(np.ones((0, 3))).max(axis=1).shape == (0,)  # as PyTorch


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
