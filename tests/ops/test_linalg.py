"""matmul (1-D, 2-D, batched with broadcasting) and linear: gradcheck, torch parity, shape errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor
from autograd.testing import (OpRow, assert_gradients_match, assert_matches_torch, assert_second_gradients_match,
                              op_tests, parity_test, random_inputs, tensors)

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


# ----- PyTorch's product names (issue 9 ops) -------------------------------------------

# name: (ours(*xs), torch(*ts), shapes)
PRODUCTS = {
    "mm": (ag.mm, lambda a, b: a.mm(b), [(2, 3), (3, 4)]),
    "bmm": (lambda a, b: a.bmm(b), lambda a, b: a.bmm(b), [(2, 2, 3), (2, 3, 4)]),
    "dot": (ag.dot, lambda a, b: a.dot(b), [(3,), (3,)]),
    "outer": (lambda a, b: a.outer(b), lambda a, b: a.outer(b), [(3,), (4,)]),
    "matmul_method": (lambda a, b: a.matmul(b), lambda a, b: a.matmul(b), [(2, 3), (3,)]),
}
EINSUM = {
    "matmul": ("ij,jk->ik", [(2, 3), (3, 4)]),
    "batched": ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    "implicit": ("ij,jk", [(2, 3), (3, 2)]),
    "trace": ("ii->", [(3, 3)]),
    "diagonal": ("ii->i", [(3, 3)]),
    "batch_diagonal": ("bii->bi", [(2, 3, 3)]),
    "sum_all": ("ij->", [(2, 3)]),
    "inner": ("i,i->", [(4,), (4,)]),
    "outer": ("i,j->ij", [(2,), (3,)]),
    "transpose": ("ij->ji", [(2, 3)]),
    "summed_only_in_one": ("ijk,ik->j", [(2, 3, 4), (2, 4)]),
    "three_operands": ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    "ellipsis": ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 2)]),
    "ellipsis_broadcast_rank": ("...ij,jk->...ik", [(2, 2, 3), (3, 2)]),
    "bilinear": ("bn,anm,bm->ba", [(2, 3), (2, 3, 4), (2, 4)]),
    "ellipsis_size_1_broadcasts": ("...ij,...jk->...ik", [(1, 2, 3), (3, 3, 2)]),
}


PRODUCT_ROWS = {name: OpRow(ours, theirs, random_inputs(*shapes_))
                for name, (ours, theirs, shapes_) in PRODUCTS.items()}
test_products_gradcheck_and_gradgradcheck, test_products_match_torch = op_tests(PRODUCT_ROWS, seed=15)


@pytest.mark.parametrize("name", EINSUM)
@given(seed=st.integers(0, 2**32 - 1))
def test_einsum_gradcheck_and_gradgradcheck(name, seed):
    equation, shapes_ = EINSUM[name]
    rng = np.random.default_rng(seed)
    inputs = [Tensor(rng.normal(size=s), requires_grad=True) for s in shapes_]
    np.testing.assert_allclose(ag.einsum(equation, *inputs).data, np.einsum(equation, *[t.data for t in inputs]))
    assert_gradients_match(lambda *ts: ag.einsum(equation, *ts), *inputs)
    assert_second_gradients_match(lambda *ts: ag.einsum(equation, *ts), *inputs)


def einsum_row(equation, shapes_):
    def theirs(*ts):
        import torch
        return torch.einsum(equation, *ts)
    return OpRow(lambda *ts: ag.einsum(equation, list(ts)), theirs, random_inputs(*shapes_))


# Only the parity half: the einsum gradient test above also checks the forward against NumPy.
test_einsum_matches_torch = parity_test({name: einsum_row(*EINSUM[name]) for name in EINSUM}, seed=16)


@pytest.mark.parametrize("call, error, message", [
    (lambda a: ag.mm(a, a[0]), ValueError, r"mm: mat2 must be a 2-D tensor, got \(3,\)"),
    (lambda a: ag.bmm(a, a), ValueError, "bmm: input must be a 3-D tensor"),
    (lambda a: ag.dot(a[0], a[0, :2]), ValueError, r"dot: 1-D tensors of different lengths \(3,\) and \(2,\)"),
    (lambda a: ag.outer(a, a[0]), ValueError, "outer: input must be a 1-D tensor"),
    (lambda a: ag.einsum("ij,jk->ik", a), ValueError, "einsum: equation 'ij,jk->ik' has 2 operands but 1"),
    (lambda a: ag.einsum("ijk->i", a), ValueError, r"einsum: subscripts 'ijk' do not fit operand 0 of shape \(2, 3\)"),
    (lambda a: ag.einsum("ij,ij->i", a, a.T), ValueError, "einsum: subscript 'i' has size 2 and 3"),
    (lambda a: ag.einsum("ij->ii", a), ValueError, "einsum: output subscripts 'ii'"),
    (lambda a: ag.einsum("ij,ij->ij", a, a.astype(np.float32)), TypeError, "einsum: operands have different dtypes"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_products_bad_input_messages(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))
