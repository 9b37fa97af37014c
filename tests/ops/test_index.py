"""Index ops (gather, scatter, scatter_add, index_select, masked_fill, tril/triu, diagonal, diag).

One table drives gradcheck and gradgradcheck (float64, hypothesis-drawn values) and PyTorch
parity of values and gradients (float32 and float64); index arguments are fixed per row.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor
from autograd.testing import (OpRow, assert_gradients_match, assert_second_gradients_match, random_inputs, op_tests,
                              tensors)

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


def _torch():
    return pytest.importorskip("torch", reason=TORCH)


def long(array):
    return _torch().tensor(np.asarray(array), dtype=_torch().int64)


GATHER = np.array([[0, 2, 2], [3, 1, 0]])                    # repeats: their gradients add up
SCATTER = np.array([[1, 0, 3], [0, 2, 1]])                   # distinct per column: no write order
ADD = np.array([[0, 0, 1], [2, 0, 0]])                       # repeats accumulate
SELECT = np.array([2, 0, 2])
MASK = np.array([[True, False, True, False, False]])         # broadcasts over rows

# name: (ours(x), torch(t), shape of x)
CASES = {
    "gather_dim1": (lambda x: x.gather(1, GATHER), lambda t: t.gather(1, long(GATHER)), (2, 4)),
    "gather_dim0": (lambda x: ag.gather(x, 0, GATHER[:, :2] % 2), lambda t: t.gather(0, long(GATHER[:, :2] % 2)),
                    (2, 3)),
    "scatter": (lambda x: x.scatter(0, SCATTER % 3, x[:2, :3] * 3),
                lambda t: t.scatter(0, long(SCATTER % 3), t[:2, :3] * 3), (3, 4)),
    "scatter_dim1": (lambda x: ag.scatter(x, 1, SCATTER, x[:, 1:] * 2), lambda t: t.scatter(1, long(SCATTER), t[:, 1:] * 2),
                     (2, 4)),
    "scatter_value": (lambda x: x.scatter(1, SCATTER, value=0.5), lambda t: t.scatter(1, long(SCATTER), 0.5),
                      (2, 4)),
    "scatter_add": (lambda x: x.scatter_add(1, ADD, x[:, :3] ** 2), lambda t: t.scatter_add(1, long(ADD), t[:, :3] ** 2),
                    (2, 4)),
    "index_select": (lambda x: x.index_select(1, SELECT), lambda t: t.index_select(1, long(SELECT)), (2, 4)),
    "index_select_0": (lambda x: ag.index_select(x, 0, SELECT % 2), lambda t: t.index_select(0, long(SELECT % 2)),
                       (2, 4)),
    "masked_fill": (lambda x: x.masked_fill(MASK, -1.5), lambda t: t.masked_fill(_torch().tensor(MASK), -1.5),
                    (3, 5)),
    "masked_fill_tensor": (lambda x: ag.masked_fill(x, MASK, x[0, 1]),
                           lambda t: t.masked_fill(_torch().tensor(MASK), t[0, 1]), (3, 5)),
    "tril": (lambda x: x.tril(), lambda t: t.tril(), (3, 4)),
    "tril_k": (lambda x: ag.tril(x, -1), lambda t: t.tril(-1), (2, 3, 4)),
    "triu": (lambda x: x.triu(1), lambda t: t.triu(1), (4, 3)),
    "diagonal": (lambda x: x.diagonal(), lambda t: t.diagonal(), (3, 4)),
    "diagonal_offset": (lambda x: ag.diagonal(x, 1, 0, 2), lambda t: t.diagonal(1, 0, 2), (3, 2, 4)),
    "diagonal_negative": (lambda x: x.diagonal(-1, -1, -2), lambda t: t.diagonal(-1, -1, -2), (2, 3, 4)),
    "diag_vector": (lambda x: ag.diag(x[0]), lambda t: _torch().diag(t[0]), (2, 3)),
    "diag_vector_k": (lambda x: x[1].diag(-2), lambda t: t[1].diag(-2), (2, 3)),
    "diag_matrix": (lambda x: x.diag(1), lambda t: t.diag(1), (3, 4)),
}


ROWS = {name: OpRow(ours, theirs, random_inputs(shape)) for name, (ours, theirs, shape) in CASES.items()}
test_gradcheck_and_gradgradcheck, test_matches_torch = op_tests(ROWS, seed=8)


def test_index_arguments_are_copied():
    index = GATHER.copy()
    x = Tensor(np.ones((2, 4)), requires_grad=True)
    y = x.gather(1, index)
    index[...] = 0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 0, 2, 0], [1, 1, 0, 1]])


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.gather(1, np.zeros((2, 3))), TypeError, "gather: index must be an integer tensor, got dtype float64"),
    (lambda x: x.gather(1, np.zeros(3, int)), ValueError, r"gather: index of shape \(3,\) must have as many dimensions"),
    (lambda x: x.gather(1, np.full((2, 1), 4)), IndexError, "gather: index out of range for dimension 1 of size 4"),
    (lambda x: x.gather(1, np.zeros((3, 1), int)), ValueError, r"gather: index of shape \(3, 1\) is larger than input"),
    (lambda x: x.scatter(1, np.zeros((2, 1), int)), TypeError, "scatter: give src or value"),
    (lambda x: x.scatter(1, np.zeros((2, 2), int), x[:1, :1]), ValueError, r"scatter: src of shape \(1, 1\)"),
    (lambda x: x.scatter_add(1, np.zeros((2, 2), int), x.astype(np.float32)), TypeError,
     "scatter_add: src dtype float32 does not match input dtype float64"),
    (lambda x: x.index_select(0, np.zeros((1, 1), int)), ValueError, "index_select: index must be 1-D"),
    (lambda x: x.index_select(1, [4]), IndexError, "index_select: index out of range for dimension 1 of size 4"),
    (lambda x: x.masked_fill(np.ones(4), 0.0), TypeError, "masked_fill: mask must be a bool tensor"),
    (lambda x: x.masked_fill(np.ones((3, 4), bool), 0.0), ValueError,
     r"masked_fill: mask of shape \(3, 4\) does not broadcast to input of shape \(2, 4\)"),
    (lambda x: x[0].tril(), ValueError, "tril: input must have at least 2 dimensions"),
    (lambda x: x.diagonal(0, 1, 1), ValueError, "diagonal: dim1 and dim2 are the same dimension"),
    (lambda x: ag.diag(x[None]), ValueError, r"diag: input must be 1-D or 2-D, got shape \(1, 2, 4\)"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_input_messages(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 4))))


@given(x=tensors(min_dims=1, max_dims=3), data=st.data())
def test_drawn_gather_and_index_select_against_numpy(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    shape = tuple(data.draw(st.integers(1, n)) if a != dim % x.ndim else data.draw(st.integers(1, 4))
                  for a, n in enumerate(x.shape))
    index = np.random.default_rng(data.draw(st.integers(0, 99))).integers(0, x.shape[dim], shape)
    check = (lambda fn, want: (np.testing.assert_array_equal(fn(Tensor(x.data)).data, want),
                               assert_gradients_match(fn, x), assert_second_gradients_match(fn, x)))
    sliced = x.data[tuple(slice(0, n) if a != dim % x.ndim else slice(None) for a, n in enumerate(shape))]
    check(lambda t: t.gather(dim, index), np.take_along_axis(sliced, index, dim))
    flat = index.reshape(-1)
    check(lambda t: t.index_select(dim, flat), np.take(x.data, flat, dim))
