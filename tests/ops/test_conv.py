"""conv2d: gradients against central differences, forward/backward parity with PyTorch,
input validation and dtype preservation."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd as ag
from autograd import Tensor
from autograd.testing import conv2d_params
from autograd.ops.conv import conv2d



def make_inputs(p, dtype=np.float64):
    """x, weight and (if p["bias"]) bias for conv settings p, from the seed p["seed"]."""
    rng = np.random.default_rng(p["seed"])
    x = rng.standard_normal((p["N"], p["C"], p["H"], p["W"])).astype(dtype)
    w = rng.standard_normal((p["out_channels"], p["C"], *p["kernel_size"])).astype(dtype)
    b = rng.standard_normal(p["out_channels"]).astype(dtype) if p["bias"] else None
    return x, w, b


conv_cases = st.builds(lambda p, bias, seed: dict(p, bias=bias, seed=seed),
                       conv2d_params(), st.booleans(), st.integers(0, 2**32 - 1))


def run_ours(x, w, b, stride, padding, grad_out=None):
    tensors = [Tensor(a.copy(), requires_grad=True) if a is not None else None for a in (x, w, b)]
    y = conv2d(*tensors, stride=stride, padding=padding)
    if grad_out is not None:
        y.backward(grad_out)
    return y, tensors


@given(conv_cases)
def test_gradients_match_central_differences(p):
    x, w, b = make_inputs(p)

    def fn(x, w, b=None):
        return conv2d(x, w, b, stride=p["stride"], padding=p["padding"])

    assert ag.gradcheck(fn, *[a for a in (x, w, b) if a is not None], rtol=1e-5, atol=1e-7)
    assert ag.gradgradcheck(fn, *[a for a in (x, w, b) if a is not None], rtol=1e-5, atol=1e-7)


@given(conv_cases)
def test_matches_torch_float64(p):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it (make torch)")
    check_torch_parity(torch, p, np.float64, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 3), (2, 1), ((2, 1), (0, 2))])
def test_matches_torch_float32(stride, padding):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it (make torch)")
    p = dict(N=4, C=3, out_channels=5, H=12, W=11, kernel_size=(5, 3), stride=stride, padding=padding, bias=True, seed=7)
    check_torch_parity(torch, p, np.float32, rtol=1e-4, atol=1e-4)


def check_torch_parity(torch, p, dtype, rtol, atol):
    x, w, b = make_inputs(p, dtype)
    y, tensors = run_ours(x, w, b, p["stride"], p["padding"])
    grad_out = np.random.default_rng(p["seed"] + 1).standard_normal(y.shape).astype(dtype)
    y.backward(grad_out)
    ref = [torch.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    y_ref = torch.nn.functional.conv2d(*ref, stride=p["stride"], padding=p["padding"])
    y_ref.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(y.data, y_ref.detach().numpy(), rtol=rtol, atol=atol)
    for t, r in zip(tensors, ref):
        if t is not None:
            assert t.grad.dtype == dtype
            np.testing.assert_allclose(t.grad, r.grad.numpy(), rtol=rtol, atol=atol)


def test_float32_stays_float32():
    x, w, b = make_inputs(dict(N=2, C=1, out_channels=4, H=6, W=6, kernel_size=(3, 3), bias=True, seed=0), np.float32)
    y, tensors = run_ours(x, w, b, stride=1, padding=1)
    y.backward(np.ones(y.shape, np.float32))
    assert y.data.dtype == np.float32 and y.shape == (2, 4, 6, 6)
    assert all(t.grad.dtype == np.float32 for t in tensors)


def test_input_without_grad_gets_none_and_weight_grad_still_right():
    x, w, _ = make_inputs(dict(N=2, C=2, out_channels=3, H=5, W=5, kernel_size=(3, 3), bias=False, seed=3))
    xt, wt = Tensor(x), Tensor(w, requires_grad=True)
    y = conv2d(xt, wt, padding=1)
    y.backward(np.ones(y.shape))
    assert xt.grad is None
    # d sum(y) / dw[f, c, p, q] = sum of the padded input under that kernel offset
    xpad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    expected = np.stack([xpad[:, :, p:p + 5, q:q + 5].sum(axis=(0, 2, 3))
                         for p in range(3) for q in range(3)], axis=-1).reshape(2, 3, 3)
    np.testing.assert_allclose(wt.grad, np.broadcast_to(expected, (3, 2, 3, 3)))


X = np.zeros((2, 3, 8, 8))
Wt = np.zeros((4, 3, 3, 3))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(input=np.zeros((8, 8)), weight=Wt), ValueError, r"input must be 4-D .*got shape \(8, 8\)"),
    (dict(input=X, weight=np.zeros((4, 3, 3))), ValueError, r"weight must be 4-D .*got shape \(4, 3, 3\)"),
    (dict(input=X, weight=np.zeros((32, 1, 7, 7))), ValueError,
     r"input has 3 channels but weight \(32, 1, 7, 7\) expects 1"),
    (dict(input=X, weight=Wt, bias=np.zeros(3)), ValueError, r"bias must have shape \(4,\).*got \(3,\)"),
    (dict(input=X, weight=np.zeros((4, 3, 9, 3))), ValueError, r"kernel \(9, 3\) is larger than the padded input \(8, 8\)"),
    (dict(input=X, weight=Wt, stride=0), ValueError, r"stride must be positive, got 0"),
    (dict(input=X, weight=Wt, stride=(1, -2)), ValueError, r"stride must be positive"),
    (dict(input=X, weight=Wt, padding=-1), ValueError, r"padding must be non-negative, got -1"),
    (dict(input=X, weight=Wt, stride=1.5), TypeError, r"stride must be an int or a pair of ints, got 1.5"),
    (dict(input=X, weight=Wt, padding=(1, 2, 3)), TypeError, r"padding must be an int or a pair of ints"),
    (dict(input=X.astype(np.float32), weight=Wt), TypeError, r"dtypes must match, got input float32, weight float64"),
    (dict(input=X.astype(np.int64), weight=Wt), TypeError, r"input must be a floating-point array, got dtype int64"),
])
def test_bad_input_raises_clear_error(kwargs, error, message):
    with pytest.raises(error, match=message):
        conv2d(**kwargs)
