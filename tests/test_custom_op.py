"""The worked example of docs/adding_an_op.md, kept here so that the page never rots.

Keep this file and the page in step: the page quotes it.
"""
import numpy as np
from hypothesis import given

from autograd import Function, Tensor
from autograd.backend import xp
from autograd.testing import assert_gradients_match, assert_matches_torch, assert_second_gradients_match, tensors


class Softplus(Function):
    """y = log(1 + e^x);  dL/dx = g * sigmoid(x).

    Computed as max(x, 0) + log1p(e^-|x|), which never overflows.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 0.5 * (1 + xp.tanh(0.5 * x))  # sigmoid(x), without overflow


def softplus(x):
    return Softplus.apply(x)


@given(tensors(low=-10, high=10))
def test_softplus_gradient(x):
    assert_gradients_match(softplus, x)
    assert_second_gradients_match(softplus, x)


def test_softplus_forward_and_dtype():
    x = Tensor(np.array([-800.0, -1.0, 0.0, 1.0, 800.0], dtype=np.float32), requires_grad=True)
    y = softplus(x)
    assert y.dtype == np.float32 and y.grad_fn.name == "Softplus"
    np.testing.assert_allclose(y.data, [0.0, np.log1p(np.exp(-1.0)), np.log(2.0), 1 + np.log1p(np.exp(-1.0)), 800.0],
                               rtol=1e-6)


def test_softplus_matches_torch():
    import pytest
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch (CI installs torch==2.13.0)")
    assert_matches_torch(softplus, torch.nn.functional.softplus, np.linspace(-5, 5, 11))
