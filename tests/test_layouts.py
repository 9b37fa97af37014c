"""Odd but legal NumPy layouts into every op: big-endian, Fortran-ordered, read-only,
strided and negative-stride arrays give the values and gradients the same op gives on an
ordinary C-contiguous array, and no input is ever written to.

The ops are every PyTorch parity row of tests/ops (tests/parity_rows.py), each floating
input in turn given each layout. Tensor() keeps an array as it is (no copy), except a
non-native byte order, which it copies to native: no op computes in big-endian.
"""
import re

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from tests.parity_rows import parity_rows

ROWS = parity_rows()
BY_ID = {row.id: row for row in ROWS}
SWAPPED = ">" if np.little_endian else "<"


def big_endian(a):
    return a.astype(a.dtype.newbyteorder(SWAPPED))


def fortran(a):
    return np.asfortranarray(a)


def read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def strided(a):
    """A view of every other element of a larger array."""
    big = np.zeros(tuple(2 * n for n in a.shape), a.dtype)
    view = big[tuple(slice(None, None, 2) for _ in a.shape)]
    view[...] = a
    return view


def negative_strides(a):
    """A view walking a reversed copy backwards: every stride negative, the same values."""
    flipped = a[tuple(slice(None, None, -1) for _ in a.shape)].copy()
    return flipped[tuple(slice(None, None, -1) for _ in a.shape)]


LAYOUTS = {"big_endian": big_endian, "fortran": fortran, "read_only": read_only,
           "strided": strided, "negative_strides": negative_strides}


def run(row, arrays):
    """Forward and backward of a row on float64 arrays: (output, gradients)."""
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = row.ours(*tensors)
    out.backward(np.random.default_rng(0).standard_normal(out.shape))
    return out.data, [t.grad.data if t.grad is not None else None for t in tensors]


CASES = [(row.id, i) for row in ROWS for i in range(len(row.arrays))]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("row_id, which", CASES)
def test_every_op_gives_the_same_result_on_an_odd_layout(row_id, which, layout):
    row = BY_ID[row_id]
    expected_out, expected_grads = run(row, [a.copy() for a in row.arrays])
    odd = LAYOUTS[layout](row.arrays[which])
    before = odd.copy()
    arrays = list(row.arrays)
    arrays[which] = odd
    out, grads = run(row, arrays)
    np.testing.assert_array_equal(odd, before, err_msg="the input was written to")
    assert out.dtype == expected_out.dtype and out.dtype.isnative
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-14, err_msg="forward")
    for i, (grad, want) in enumerate(zip(grads, expected_grads)):
        if want is None:
            assert grad is None
            continue
        assert grad.dtype == want.dtype and grad.dtype.isnative
        np.testing.assert_allclose(grad, want, rtol=1e-12, atol=1e-14, err_msg=f"gradient {i}")


def test_the_collected_rows_cover_every_op_table():
    families = {row.id.split(".")[0] for row in ROWS}
    assert {"activation", "elementwise", "math", "reduce", "shape", "index", "scan", "sort",
            "linalg", "losses", "norm", "conv_family", "pool_family"} <= families
    assert len(ROWS) > 400


def test_tensor_of_a_big_endian_array_is_native_with_the_same_values():
    a = np.arange(6.0).reshape(2, 3)
    t = Tensor(big_endian(a), requires_grad=True)
    assert t.dtype == np.float64 and t.data.dtype.isnative
    np.testing.assert_array_equal(t.data, a)
    (t * t).sum().backward()
    assert t.grad.dtype == np.float64 and t.grad.data.dtype.isnative


def test_tensor_shares_a_read_only_array_and_in_place_ops_refuse_to_write_it():
    a = read_only(np.arange(4.0))
    t = Tensor(a)
    assert np.shares_memory(t.data, a)
    np.testing.assert_array_equal((t * 2).data, [0, 2, 4, 6])
    for name, change in [("add_", lambda: t.add_(1)), ("+=", lambda: t.__iadd__(1)),
                         ("setitem", lambda: t.__setitem__(0, 5.0))]:
        with pytest.raises(ValueError, match=re.escape(name) + ": the tensor's data is a read-only"):
            change()
    np.testing.assert_array_equal(a, [0, 1, 2, 3])
    assert t._version.value == 0


def test_an_ordinary_array_is_shared_not_copied():
    a = np.asfortranarray(np.ones((2, 3)))
    assert np.shares_memory(Tensor(a).data, a) and np.shares_memory(ag.as_tensor(a).data, a)
