"""float16 reductions against PyTorch: sums, counts and softmax past float16's range.

float16 holds at most 65504, so a count of 70,000 elements, a sum of 70,000 squares of
about 1 or of 70,000 exponentials is inf in float16. PyTorch accumulates half-precision
reductions in float32 and returns float16; so does dyngrad. Each row reduces over more
than 65,504 elements (or accumulates a product or a scan), and is compared, values and
gradients, with PyTorch on the same float16 numbers computed in float32 and rounded to
float16 (PyTorch's own float16 result is that, except where its half kernels round
intermediates: cosine_similarity's gradient is off by half its size there, ours is not).
The outputs and gradients must have PyTorch's float16 dtype.
"""
import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from autograd import Tensor

torch = pytest.importorskip("torch", reason="PyTorch parity needs torch (CI installs torch==2.13.0)")
TF = torch.nn.functional
N = 70_000      # > 65504: a float16 count, and most sums over it, are inf


def uniform(low, high, shape=(3, N)):
    return lambda rng: rng.uniform(low, high, shape)


def near_one(shape):
    return lambda rng: rng.uniform(0.999, 1.001, shape)


# name: (ours(x), torch(t), values(rng)); each reduces or accumulates along a long axis
# (the softmax rows' 70,000 exponentials of x - max x sum to more than 65504)
FLOAT16 = {
    "sum": (lambda x: x.sum(1), lambda t: t.sum(1), uniform(-1, 1)),
    "sum_all": (lambda x: x.sum(), lambda t: t.sum(), uniform(-1, 1, (N,))),
    "mean": (lambda x: x.mean(1), lambda t: t.mean(1), uniform(0.5, 1.5)),
    "mean_all": (lambda x: x.mean(), lambda t: t.mean(), uniform(0.5, 1.5)),
    "var": (lambda x: x.var(1), lambda t: t.var(1), uniform(299, 301)),
    "var_all_biased": (lambda x: ag.var(x, correction=0), lambda t: t.var(correction=0), uniform(-2, 2)),
    "std": (lambda x: x.std(1), lambda t: t.std(1), uniform(-2, 2)),
    "var_mean": (lambda x: ag.stack(ag.var_mean(x, 1)), lambda t: torch.stack(torch.var_mean(t, 1)),
                 uniform(-2, 2)),
    "std_mean": (lambda x: ag.stack(ag.std_mean(x, 1)), lambda t: torch.stack(torch.std_mean(t, 1)),
                 uniform(-2, 2)),
    "prod": (lambda x: x.prod(1), lambda t: t.prod(1), near_one((3, 3000))),
    "logsumexp": (lambda x: x.logsumexp(1), lambda t: t.logsumexp(1), uniform(2, 2.05)),
    "norm": (lambda x: x.norm(dim=1), lambda t: t.norm(dim=1), uniform(0.5, 1.5)),
    "norm_p1": (lambda x: x.norm(1, 1), lambda t: t.norm(1, 1), uniform(-0.1, 0.1)),
    "norm_p3": (lambda x: ag.norm(x, 3, 1), lambda t: torch.norm(t, 3, 1), uniform(0.5, 1.5)),
    "norm_inf": (lambda x: x.norm(float("inf"), 1), lambda t: t.norm(float("inf"), 1), uniform(-2, 2)),
    "softmax": (lambda x: ag.softmax(x, 1), lambda t: t.softmax(1), uniform(2, 2.05)),
    "log_softmax": (lambda x: ag.log_softmax(x, 1), lambda t: t.log_softmax(1), uniform(2, 2.05)),
    "softmin": (lambda x: F.softmin(x, 1), lambda t: TF.softmin(t, 1), uniform(-2.05, -2)),
    "cumsum": (lambda x: x.cumsum(1), lambda t: t.cumsum(1), uniform(-1, 1, (3, 5000))),
    "cumprod": (lambda x: x.cumprod(1), lambda t: t.cumprod(1), near_one((3, 3000))),
    "logcumsumexp": (lambda x: ag.logcumsumexp(x, 1), lambda t: t.logcumsumexp(1),
                     uniform(0.5, 1.5, (3, 3000))),
    "normalize": (lambda x: F.normalize(x, dim=1), lambda t: TF.normalize(t, dim=1), uniform(0.5, 1.5)),
    "cosine_similarity": (lambda x: F.cosine_similarity(x, x.flip(0), dim=1),
                          lambda t: TF.cosine_similarity(t, t.flip(0), dim=1), uniform(0.5, 1.5)),
    "cross_entropy": (lambda x: F.cross_entropy(x, np.array([0, 5, 7])),
                      lambda t: TF.cross_entropy(t, torch.tensor([0, 5, 7])), uniform(2, 2.05)),
    "mse_loss": (lambda x: F.mse_loss(x, x.flip(0).detach()), lambda t: TF.mse_loss(t, t.flip(0).detach()),
                 uniform(-2, 2)),
    "layer_norm": (lambda x: F.layer_norm(x, (N,)), lambda t: TF.layer_norm(t, (N,)), uniform(299, 301)),
    "avg_pool2d": (lambda x: F.avg_pool2d(x.reshape(1, 1, 3, N), (3, 2)),
                   lambda t: TF.avg_pool2d(t.reshape(1, 1, 3, N), (3, 2)), uniform(0.5, 1.5)),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x.reshape(1, 1, 3, N), 1),
                            lambda t: TF.adaptive_avg_pool2d(t.reshape(1, 1, 3, N), 1), uniform(0.5, 1.5)),
    "matmul": (lambda x: x @ x.T, lambda t: t @ t.T, uniform(-0.5, 0.5)),
}


def close(ours, expected, what):
    """Within 4 float16 roundings of the float32 result (2**-23: a float16 subnormal's step,
    where softmax and the gradients of 70,000-element means live)."""
    ours, expected = ours.astype(np.float64), expected.astype(np.float64)
    scale = np.abs(expected).max() if expected.size else 0.0
    np.testing.assert_allclose(ours, expected, rtol=4e-3, atol=2.0**-23 + 1e-3 * scale, err_msg=what)


@pytest.mark.parametrize("name", FLOAT16)
def test_float16_reductions_accumulate_in_float32_as_torch(name):
    ours_fn, torch_fn, values = FLOAT16[name]
    rng = np.random.default_rng(5)
    x = values(rng).astype(np.float16)
    ours = Tensor(x, requires_grad=True)
    half = torch.tensor(x, requires_grad=True)
    single = torch.tensor(x.astype(np.float32), requires_grad=True)
    out, out_half, out_single = ours_fn(ours), torch_fn(half), torch_fn(single)
    assert out.dtype == np.float16 and out_half.dtype == torch.float16
    grad = rng.standard_normal(out.shape).astype(np.float16)
    out.backward(grad)
    out_half.backward(torch.from_numpy(grad))
    out_single.backward(torch.from_numpy(grad.astype(np.float32)))
    assert ours.grad.dtype == np.float16 and half.grad.dtype == torch.float16
    close(out.data, out_single.detach().numpy().astype(np.float16), "forward")
    close(ours.grad.data, single.grad.numpy().astype(np.float16), "gradient")
    assert np.isfinite(out.data).all() and np.isfinite(ours.grad.data).all()
