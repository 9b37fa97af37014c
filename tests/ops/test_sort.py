"""sort, argsort, topk: gradcheck and gradgradcheck in float64 (values 0.1 apart: no ties),
PyTorch parity of values, indices and gradients in float32 and float64."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor
from autograd.testing import (OpRow, assert_gradients_match, assert_second_gradients_match, gradient_test, parity_test,
                              random_inputs, shapes)

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


def distinct(shape, seed):
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) - n / 2).reshape(shape) * 0.1 + 0.03


# name: (ours(x) -> (values, indices) or indices, torch(t), shape)
CASES = {
    "sort": (lambda x: x.sort(), lambda t: t.sort(), (3, 4)),
    "sort_dim0_descending": (lambda x: ag.sort(x, 0, descending=True), lambda t: t.sort(0, descending=True), (3, 4)),
    "sort_stable": (lambda x: x.sort(dim=1, stable=True), lambda t: t.sort(dim=1, stable=True), (2, 3, 4)),
    "topk": (lambda x: x.topk(2), lambda t: t.topk(2), (3, 4)),
    "topk_smallest_dim0": (lambda x: ag.topk(x, 3, dim=0, largest=False), lambda t: t.topk(3, dim=0, largest=False),
                           (4, 3)),
    "argsort": (lambda x: x.argsort(), lambda t: t.argsort(), (3, 4)),
    "argsort_descending": (lambda x: ag.argsort(x, 0, descending=True), lambda t: t.argsort(0, descending=True),
                           (3, 4)),
}
DIFFERENTIABLE = [name for name in CASES if not name.startswith("argsort")]


def _torch():
    return pytest.importorskip("torch", reason=TORCH)


def values_row(name, squared=False):
    """The row of CASES[name] on its values (squared: sorting is linear, so only the square
    of the values has second derivatives in x for gradgradcheck to compare)."""
    ours, theirs, shape = CASES[name]
    if squared:
        return OpRow(lambda t: ours(t).values * ours(t).values, None, random_inputs(shape, values=distinct))
    return OpRow(lambda t: ours(t).values, lambda t: theirs(t).values, random_inputs(shape, values=distinct))


test_gradcheck_and_gradgradcheck = gradient_test({name: values_row(name, squared=True) for name in DIFFERENTIABLE})
test_values_and_gradients_match_torch = parity_test({name: values_row(name) for name in DIFFERENTIABLE}, seed=13)


@pytest.mark.parametrize("name", CASES)
def test_indices_match_torch(name):
    torch = _torch()
    ours, theirs, shape = CASES[name]
    x = distinct(shape, 14)
    got, want = ours(Tensor(x)), theirs(torch.tensor(x))
    if not name.startswith("argsort"):
        assert type(got).__name__ == type(want).__name__
        got, want = got.indices, want.indices
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got.data, want.numpy())


@pytest.mark.parametrize("descending", [False, True])
def test_ties_keep_their_order_and_nan_sorts_as_the_largest_as_torch(descending):
    torch = _torch()
    x = np.array([2.0, np.nan, 1.0, 2.0, -np.inf, 1.0])
    got = Tensor(x).sort(descending=descending, stable=True)
    want = torch.tensor(x).sort(descending=descending, stable=True)
    np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
    np.testing.assert_array_equal(got.values.data, want.values.numpy())


def test_bad_input_messages():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"topk: k \(4\) must be an int in \[0, 3\]"):
        x.topk(4)
    with pytest.raises(ValueError, match="sort: axis 2 is out of range"):
        x.sort(2)


@given(shape=shapes(min_dims=1, max_dims=3), data=st.data())
def test_drawn_shapes_sort_topk_and_max_against_numpy(shape, data):
    x = Tensor(distinct(shape, data.draw(st.integers(0, 99))), requires_grad=True)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    k = data.draw(st.integers(0, shape[dim]))
    np.testing.assert_array_equal(x.sort(dim).values.data, np.sort(x.data, dim))
    np.testing.assert_array_equal(x.max(dim).indices.data, np.argmax(x.data, dim))
    for fn in (lambda t: t.sort(dim, descending=True).values, lambda t: t.topk(k, dim).values,
               lambda t: t.max(dim).values, lambda t: t.min(dim, keepdim=True).values):
        assert_gradients_match(fn, x)
        assert_second_gradients_match(lambda t: fn(t) ** 2, x)
