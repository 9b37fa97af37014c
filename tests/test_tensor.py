"""Tensor construction, dtype rules and the small API users see."""
import re

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


@pytest.mark.parametrize("data", [[1, 2, 3], [1.0, 2.0], 3, 2.5, True, [[1, 2], [3, 4]]])
def test_lists_and_scalars_become_float32(data):
    assert Tensor(data).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int32, np.bool_])
def test_numpy_arrays_keep_their_dtype_and_memory(dtype):
    array = np.ones(3, dtype=dtype)
    t = Tensor(array)
    assert t.dtype == dtype
    assert t.data is array


def test_explicit_dtype():
    assert Tensor([1, 2], dtype=np.int64).dtype == np.int64
    assert Tensor(np.ones(2), dtype=np.float32).dtype == np.float32


def test_requires_grad_on_an_integer_tensor_is_an_error():
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients; got dtype int64"):
        Tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="got dtype int64"):
        Tensor(np.arange(3)).requires_grad_()


def test_object_arrays_are_refused():
    with pytest.raises(TypeError, match="Tensor data must be numeric"):
        Tensor(np.array([object()]))


def test_float32_is_never_promoted_and_float32_leaves_get_float32_grads():
    x = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    y = ((x * np.float64(2.0) + np.ones(3)) @ np.ones((3, 2)) / 3.0).exp().mean()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_properties():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and t.dtype == np.float64 and t.numel() == 6 and len(t) == 2
    assert t.numpy() is t.data
    assert t.T.shape == (3, 2)
    assert Tensor([4.0]).item() == 4.0 and float(Tensor(2.5)) == 2.5 and int(Tensor(3.0)) == 3
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_truth_value_follows_the_data():
    assert not Tensor([0.0]) and Tensor(1.0)
    with pytest.raises(RuntimeError, match="with more than one value is ambiguous"):
        bool(Tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="with no values is ambiguous"):
        bool(Tensor(np.zeros(0)))


def test_repr_shows_the_producing_op():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert repr(x) == "Tensor([1., 2.], dtype=float64, requires_grad=True)"
    assert repr(x * 2).endswith("grad_fn=<Mul>)")
    assert repr(x.sum()) == "Tensor(3., dtype=float64, grad_fn=<Sum>)"
    assert repr(Tensor([1.0])) == "Tensor([1.], dtype=float32)"


def test_comparisons_return_bool_tensors_outside_the_graph():
    t = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    for result, expected in [(t < 2, [True, False, False]), (t <= 2, [True, True, False]),
                             (t > 2, [False, False, True]), (t >= 2, [False, True, True]),
                             (t == 2, [False, True, False]), (t != Tensor(np.array([1.0, 0.0, 3.0])),
                                                              [False, True, False])]:
        assert isinstance(result, Tensor) and result.dtype == np.bool_ and not result.requires_grad
        np.testing.assert_array_equal(result.data, expected)
    assert len({t, t}) == 1  # still hashable by identity


def test_numpy_on_the_left_defers_to_the_tensor():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, Tensor) and y.requires_grad


def test_leaf_flags():
    x = Tensor(np.ones(2), requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.grad_fn is None
    assert not y.is_leaf and y.grad_fn.name == "Mul"
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf tensors"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="can't retain_grad on a tensor that has requires_grad=False"):
        Tensor([1.0]).retain_grad()


def test_in_place_helpers_under_no_grad():
    w = Tensor(np.ones(3), requires_grad=True)
    with ag.no_grad():
        w.mul_(2).add_(1)
        assert w.data.tolist() == [3.0, 3.0, 3.0]
        w.copy_(np.arange(3.0))
        w /= 2
        assert w.data.tolist() == [0.0, 0.5, 1.0]
        w.fill_(7).zero_()
    assert w._version.value == 6 and not w.data.any()


def test_iteration_and_indexing_give_tensors():
    rows = list(Tensor(np.arange(6.0).reshape(3, 2)))
    assert len(rows) == 3 and isinstance(rows[0], Tensor)


@pytest.mark.parametrize("data", [np.array(["a", "b"]), np.array([b"x"]),
                                  np.array(["2020-01-01"], dtype="datetime64[D]"),
                                  np.array([1, "a"], dtype=object)])
def test_non_numeric_data_is_refused_naming_the_dtype(data):
    with pytest.raises(TypeError, match=rf"Tensor data must be numeric.*dtype {re.escape(str(data.dtype))}"):
        Tensor(data)
