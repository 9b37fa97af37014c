"""Odd but legal inputs the op tables don't reach: zero-size axes into softmax and its
kin, Python numbers and lists into the unary math ops and linear (PyTorch or NumPy's
behaviour: an empty result; the default dtype, as Tensor() gives a number)."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor

torch = pytest.importorskip("torch", reason="PyTorch parity needs torch (CI installs torch==2.13.0)")


@pytest.mark.parametrize("shape, dim", [((2, 0), 1), ((0, 3), 0), ((0,), 0), ((2, 0, 3), -1)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_over_a_zero_size_axis_is_empty_as_torch(name, shape, dim):
    x = Tensor(np.zeros(shape), requires_grad=True)
    ours = getattr(F, name)(x, dim)
    theirs = getattr(torch.nn.functional, name)(torch.zeros(shape, dtype=torch.float64), dim)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float64
    ours.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "sin", "erf", "log1p"])
@pytest.mark.parametrize("value", [2.0, 3, [0.5, 2.0]])
def test_numbers_and_lists_into_unary_ops_are_in_the_default_dtype(name, value):
    fn = getattr(ag, name)
    ours = fn(value)
    expected = fn(Tensor(value))
    assert ours.dtype == np.float32 == expected.dtype
    np.testing.assert_array_equal(ours.data, expected.data)
    np.testing.assert_allclose(ours.data, getattr(torch, name)(torch.tensor(value, dtype=torch.float32)).numpy(),
                               rtol=1e-6)


def test_a_list_into_a_linear_layer_is_a_batch_of_the_default_dtype():
    layer = nn.Linear(2, 3)
    out = layer([[1.0, 2.0]])
    assert out.shape == (1, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.data, layer(Tensor(np.array([[1.0, 2.0]], np.float32))).data)
