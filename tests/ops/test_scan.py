"""Scans (cumsum, cumprod, cummax, cummin, logcumsumexp): gradcheck and gradgradcheck in float64
on hypothesis-drawn values, PyTorch parity of values, indices and gradients in float32/float64."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor
from autograd.testing import OpRow, assert_gradients_match, gradient_test, parity_test, random_inputs, shapes

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


def normal(shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


def distinct(shape, seed):
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) - n / 2).reshape(shape) * 0.1 + 0.03


def with_zeros(shape, seed):
    x = np.random.default_rng(seed).uniform(0.5, 1.5, shape)
    x[..., 1] = 0.0
    x.reshape(-1)[-1] = 0.0
    return x


# name: (ours(x), torch(t), shape, values(shape, seed))
CASES = {
    "cumsum": (lambda x: x.cumsum(1), lambda t: t.cumsum(1), (3, 4), normal),
    "cumsum_first": (lambda x: ag.cumsum(x, 0), lambda t: t.cumsum(0), (3, 2, 2), normal),
    "cumsum_dtype": (lambda x: ag.cumsum(x, -1, dtype=x.dtype), lambda t: t.cumsum(-1, dtype=t.dtype), (2, 3), normal),
    "cumprod": (lambda x: x.cumprod(1), lambda t: t.cumprod(1), (3, 4), normal),
    "cumprod_zeros": (lambda x: ag.cumprod(x, -1), lambda t: t.cumprod(-1), (2, 4), with_zeros),
    "cumprod_zeros_dim0": (lambda x: x.cumprod(0), lambda t: t.cumprod(0), (4, 2), with_zeros),
    "cummax": (lambda x: x.cummax(1).values, lambda t: t.cummax(1).values, (3, 4), distinct),
    "cummin": (lambda x: ag.cummin(x, 0)[0], lambda t: t.cummin(0)[0], (3, 4), distinct),
    "logcumsumexp": (lambda x: x.logcumsumexp(1), lambda t: t.logcumsumexp(1), (3, 4), normal),
    "logcumsumexp_large": (lambda x: ag.logcumsumexp(x * 100, 0), lambda t: t.mul(100).logcumsumexp(0), (4, 2),
                           normal),
}


def _torch():
    return pytest.importorskip("torch", reason=TORCH)


ROWS = {name: OpRow(ours, theirs, random_inputs(shape, values=values)) for name, (ours, theirs, shape, values) in
        CASES.items()}
# logcumsumexp_large's parity inputs are large on purpose (x * 100 would overflow exp); its
# central differences are taken at a hundredth of them, where they stay accurate.
GRADIENT_ROWS = dict(ROWS, logcumsumexp_large=ROWS["logcumsumexp_large"]._replace(
    inputs=lambda rng: [normal((4, 2), rng) / 100]))
test_gradcheck_and_gradgradcheck = gradient_test(GRADIENT_ROWS)
test_matches_torch = parity_test(ROWS, seed=12)


@given(shape=shapes(min_dims=1, max_dims=3), data=st.data())
def test_drawn_cumsum_and_cumprod_against_numpy(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(data.draw(st.integers(0, 99))).uniform(0.5, 1.5, shape)
    np.testing.assert_allclose(ag.cumsum(Tensor(x), dim).data, np.cumsum(x, dim))
    np.testing.assert_allclose(ag.cumprod(Tensor(x), dim).data, np.cumprod(x, dim))
    assert_gradients_match(lambda t: ag.cumprod(t, dim), Tensor(x, requires_grad=True))


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("values", [[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], [[1.0, np.nan, 3.0], [np.nan, 0.0, np.nan]]],
                         ids=["ties", "nan"])
def test_running_indices_match_torch(name, values):
    torch = _torch()
    got = getattr(Tensor(np.array(values)), name)(1)
    want = getattr(torch.tensor(values, dtype=torch.float64), name)(1)
    assert type(got).__name__ == name
    np.testing.assert_array_equal(got.indices.data, want.indices.numpy())  # the last winner, as torch
    np.testing.assert_array_equal(got.values.data, want.values.numpy())


def test_bad_input_messages():
    with pytest.raises(TypeError, match="cumsum: dim is required"):
        ag.cumsum(Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="cumprod: axis 2 is out of range"):
        Tensor(np.ones((2, 3))).cumprod(2)
