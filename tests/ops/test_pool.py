"""max_pool2d / avg_pool2d: gradients against central differences, PyTorch parity on
tiled and overlapping windows (divisible or not), validation and dtype preservation."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd as ag
from autograd import Tensor
from autograd.testing import pool2d_params
from autograd.ops.pool import avg_pool2d, max_pool2d

POOLS = [max_pool2d, avg_pool2d]
TORCH_REASON = "PyTorch not installed: parity tests need it (make torch)"


def pool_cases():
    """Pool settings from autograd.testing; stride None (= kernel) half the time, which
    takes the reshape path of avg_pool2d."""
    return st.builds(lambda p, default, seed: dict(p, stride=None if default else p["stride"], seed=seed),
                     pool2d_params(), st.booleans(), st.integers(0, 2**32 - 1))


def distinct_values(p, dtype=np.float64):
    """A shuffled arange scaled to spacing 0.1: no ties, so the max is unambiguous and
    a central difference (eps 1e-6) never moves it."""
    rng = np.random.default_rng(p["seed"])
    shape = (p["N"], p["C"], p["H"], p["W"])
    return (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0).astype(dtype)


@pytest.mark.parametrize("pool", POOLS)
@given(p=pool_cases())
def test_gradients_match_central_differences(pool, p):
    x = distinct_values(p)
    assert ag.gradcheck(lambda t: pool(t, p["kernel_size"], p["stride"]), x, rtol=1e-5, atol=1e-7)
    assert ag.gradgradcheck(lambda t: pool(t, p["kernel_size"], p["stride"]), x, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("pool", POOLS)
@given(p=pool_cases())
def test_matches_torch_float64(pool, p):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    check_torch_parity(torch, pool, distinct_values(p), p["kernel_size"], p["stride"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("shape, kernel, stride", [
    ((4, 3, 8, 8), 2, None),            # tiled, divisible
    ((4, 3, 7, 9), 2, None),            # tiled, remainder dropped
    ((4, 3, 9, 9), 3, 2),               # overlapping windows
    ((2, 2, 10, 7), (3, 2), (1, 3)),    # rectangular, gaps between windows
])
def test_matches_torch_float32(pool, shape, kernel, stride):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    check_torch_parity(torch, pool, x, kernel, stride, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("stride", [None, 1])
def test_max_pool_ties_send_gradient_to_first_maximum_like_torch(stride):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    x = np.random.default_rng(1).integers(0, 2, size=(2, 2, 6, 6)).astype(np.float64)  # many ties (ReLU-like)
    check_torch_parity(torch, max_pool2d, x, 2, stride, rtol=0, atol=1e-12)  # sums may differ in order


def check_torch_parity(torch, pool, x, kernel, stride, rtol, atol):
    xt = Tensor(x.copy(), requires_grad=True)
    y = pool(xt, kernel, stride)
    grad_out = np.random.default_rng(2).standard_normal(y.shape).astype(x.dtype)
    y.backward(grad_out)
    ref = torch.tensor(x, requires_grad=True)
    y_ref = getattr(torch.nn.functional, pool.__name__)(ref, kernel, stride)
    y_ref.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(y.data, y_ref.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(xt.grad, ref.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("stride", [None, 1])
def test_float32_stays_float32(pool, stride):
    xt = Tensor(np.ones((2, 3, 6, 6), np.float32), requires_grad=True)
    y = pool(xt, 2, stride)
    y.backward(np.ones(y.shape, np.float32))
    assert y.data.dtype == np.float32 and xt.grad.dtype == np.float32


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("args, error, message", [
    ((np.zeros((8, 8)), 2), ValueError, r"input must be 4-D \(N, C, H, W\) or 3-D \(C, H, W\), got shape \(8, 8\)"),
    ((np.zeros((1, 1, 4, 8)), 5), ValueError, r"kernel \(5, 5\) is larger than the input \(4, 8\)"),
    ((np.zeros((1, 1, 4, 4)), 0), ValueError, r"kernel_size must be positive, got 0"),
    ((np.zeros((1, 1, 4, 4)), 2, (1, 0)), ValueError, r"stride must be positive, got \(1, 0\)"),
    ((np.zeros((1, 1, 4, 4)), 2.0), TypeError, r"kernel_size must be an int or a pair of ints, got 2.0"),
    ((np.zeros((1, 1, 4, 4), np.int32), 2), TypeError, r"input must be a floating-point array, got dtype int32"),
])
def test_bad_input_raises_clear_error(pool, args, error, message):
    with pytest.raises(error, match=rf"{pool.__name__}: {message}"):
        pool(*args)
