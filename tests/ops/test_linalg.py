"""matmul (1-D, 2-D, batched with broadcasting) and linear: gradcheck, torch parity, shape errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor
from autograd.testing import assert_gradients_match, assert_matches_torch, assert_second_gradients_match, tensors

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


@st.composite
def matmul_shapes(draw):
    """Shapes (a, b) that matmul accepts: 1-D vectors, matrices, broadcast batch axes."""
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batch_a, batch_b = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)).input_shapes
    a = (k,) if draw(st.booleans()) else batch_a + (n, k)
    b = (k,) if draw(st.booleans()) else batch_b + (k, m)
    return a, b


@given(data=st.data(), shapes_ab=matmul_shapes())
def test_matmul_forward_and_gradcheck(data, shapes_ab):
    a, b = (data.draw(tensors(shape=s)) for s in shapes_ab)
    np.testing.assert_allclose((a @ b).data, a.data @ b.data, rtol=1e-12)
    assert_gradients_match(ag.matmul, a, b)
    assert_second_gradients_match(ag.matmul, a, b)


@given(data=st.data(), batch=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
       features=st.integers(1, 4), out=st.integers(1, 4), with_bias=st.booleans())
def test_linear_forward_and_gradcheck(data, batch, features, out, with_bias):
    x = data.draw(tensors(shape=batch + (features,)))
    w = data.draw(tensors(shape=(out, features)))
    b = data.draw(tensors(shape=(out,))) if with_bias else None
    expected = x.data @ w.data.T + (b.data if with_bias else 0)
    np.testing.assert_allclose(ag.linear(x, w, b).data, expected, rtol=1e-12, atol=1e-12)
    inputs = (x, w, b) if with_bias else (x, w)
    assert_gradients_match(lambda *t: ag.linear(*t), *inputs)
    assert_second_gradients_match(lambda *t: ag.linear(*t), *inputs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape_a, shape_b", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                                              ((2, 3), (3, 4)), ((5, 1, 2, 3), (4, 3, 2))])
def test_matmul_matches_torch(shape_a, shape_b, dtype):
    pytest.importorskip("torch", reason=TORCH)
    rng = np.random.default_rng(6)
    assert_matches_torch(ag.matmul, lambda a, b: a @ b, rng.normal(size=shape_a), rng.normal(size=shape_b),
                         dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_linear_matches_torch(dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    rng = np.random.default_rng(7)
    assert_matches_torch(ag.linear, torch.nn.functional.linear, rng.normal(size=(8, 5)),
                         rng.normal(size=(3, 5)), rng.normal(size=3), dtype=dtype)


@pytest.mark.parametrize("shape_a, shape_b, message", [
    ((2, 3), (4, 5), r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned: 3 .* != 4"),
    ((3,), (4,), r"matmul: shapes \(3,\) and \(4,\) are not aligned"),
    ((2, 2, 3), (3, 3, 4), r"matmul: batch dimensions of \(2, 2, 3\) and \(3, 3, 4\) do not broadcast"),
    ((), (3,), r"matmul: both operands need at least one dimension; got shapes \(\) and \(3,\)"),
])
def test_matmul_shape_errors_name_both_shapes(shape_a, shape_b, message):
    with pytest.raises(ValueError, match=message):
        Tensor(np.ones(shape_a)) @ Tensor(np.ones(shape_b))


def test_matmul_dtype_mismatch():
    with pytest.raises(TypeError, match="matmul: dtype mismatch float32 vs float64"):
        Tensor(np.ones((2, 2), np.float32)) @ Tensor(np.ones((2, 2)))


@pytest.mark.parametrize("x, w, b, error, message", [
    ((4, 3), (2, 5), None, ValueError, r"linear: input of shape \(4, 3\) has 3 features but weight of shape \(2, 5\) expects 5"),
    ((4, 3), (3,), None, ValueError, r"linear: weight must be 2-D \(out_features, in_features\), got shape \(3,\)"),
    ((4, 3), (2, 3), (3,), ValueError, r"linear: bias of shape \(3,\) does not match weight of shape \(2, 3\)"),
])
def test_linear_shape_errors(x, w, b, error, message):
    with pytest.raises(error, match=message):
        ag.linear(Tensor(np.ones(x)), Tensor(np.ones(w)), None if b is None else Tensor(np.ones(b)))


def test_linear_dtype_mismatch():
    with pytest.raises(TypeError, match="linear: input dtype float32 does not match weight dtype float64"):
        ag.linear(Tensor(np.ones((2, 3), np.float32)), Tensor(np.ones((4, 3))))
