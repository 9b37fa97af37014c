"""Activations (autograd/ops/activation.py): one table drives gradcheck, gradgradcheck and
PyTorch parity (values and gradients, float32 and float64) for each op and argument set.

Piecewise ops see values at least 0.1 away from their kinks (`KINKS`), where the numerical
derivative would straddle two pieces.
"""
import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from autograd import Tensor
from autograd.testing import OpRow, assert_matches_torch, op_tests, shapes

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


def torch_f(name, **params):
    def call(t):
        import torch
        return getattr(torch.nn.functional, name)(t, **params)
    return call


# id: (ours, torch, params, kinks)
ACTIVATIONS = {
    "gelu": ("gelu", {}, ()),
    "gelu_tanh": ("gelu", dict(approximate="tanh"), ()),
    "silu": ("silu", {}, ()),
    "softplus": ("softplus", {}, ()),
    "softplus_beta_threshold": ("softplus", dict(beta=2.0, threshold=3.0), (1.5,)),
    "elu": ("elu", {}, (0,)),
    "elu_alpha": ("elu", dict(alpha=0.5), (0,)),
    "selu": ("selu", {}, (0,)),
    "celu": ("celu", dict(alpha=1.5), (0,)),
    "mish": ("mish", {}, ()),
    "hardswish": ("hardswish", {}, (-3, 3)),
    "hardsigmoid": ("hardsigmoid", {}, (-3, 3)),
    "hardtanh": ("hardtanh", {}, (-1, 1)),
    "hardtanh_bounds": ("hardtanh", dict(min_val=-2.0, max_val=0.5), (-2, 0.5)),
    "relu6": ("relu6", {}, (0, 6)),
    "logsigmoid": ("logsigmoid", {}, ()),
    "softsign": ("softsign", {}, (0,)),
    "tanhshrink": ("tanhshrink", {}, ()),
    "relu": ("relu", {}, (0,)),
    "leaky_relu": ("leaky_relu", dict(negative_slope=0.2), (0,)),
    "sigmoid": ("sigmoid", {}, ()),
    "tanh": ("tanh", {}, ()),
    "softmin": ("softmin", dict(dim=-1), ()),
    "softmax": ("softmax", dict(dim=-1), ()),
    "log_softmax": ("log_softmax", dict(dim=-1), ()),
}


def ours(case):
    name, params, _ = ACTIVATIONS[case]
    return lambda t: getattr(F, name)(t, **params)


def values(case, seed, shape, low=-7.0, high=7.0):
    x = np.random.default_rng(seed).uniform(low, high, shape)
    for kink in ACTIVATIONS[case][2]:
        near = np.abs(x - kink) < 0.1
        x = np.where(near, kink + 0.2 * np.sign(x - kink + 1e-9), x)
    return x


def torch_hardsigmoid(t):
    """PyTorch's kernel multiplies by the float32 1/6 also in float64 (3e-8 off); we use 1/6,
    so float64 is compared with the formula."""
    import torch
    return (t + 3).clamp(0, 6) / 6 if t.dtype == torch.float64 else torch.nn.functional.hardsigmoid(t)


def row(case):
    name, params, _ = ACTIVATIONS[case]
    theirs = torch_hardsigmoid if case == "hardsigmoid" else torch_f(name, **params)
    return OpRow(ours(case), theirs, lambda rng, shape: [values(case, rng, shape)])


test_gradcheck_and_gradgradcheck, test_matches_torch = op_tests(
    {case: row(case) for case in ACTIVATIONS}, seed=8, draws=dict(shape=shapes(min_dims=1, max_dims=3)),
    fixed=dict(shape=(4, 5)))


def test_hardsigmoid_float64_gradient_is_torchs_up_to_its_float32_sixth():
    torch = pytest.importorskip("torch", reason=TORCH)
    x = Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
    F.hardsigmoid(x).sum().backward()
    t = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.hardsigmoid(t).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 1 / 6)
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-7)


@pytest.mark.parametrize("case", ACTIVATIONS)
def test_matches_torch_far_out(case):
    """Large |x| (overflow of e^x, the softplus threshold, the saturated tails)."""
    pytest.importorskip("torch", reason=TORCH)
    name, params, _ = ACTIVATIONS[case]
    x = np.array([[-200.0, -60.0, -25.0, 25.0, 60.0, 200.0]])
    for dtype in (np.float64, np.float32):
        assert_matches_torch(ours(case), torch_f(name, **params), x, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize("case", ACTIVATIONS)
def test_keeps_its_dtype(case, dtype):
    x = Tensor(values(case, 9, (6,), -4, 4).astype(dtype), requires_grad=True)
    out = ours(case)(x)
    assert out.dtype == dtype
    out.sum().backward()
    assert x.grad.dtype == dtype


@pytest.mark.parametrize("case", ["gelu", "silu", "softplus", "mish", "logsigmoid", "selu"])
def test_third_derivative_matches_torch(case):
    torch = pytest.importorskip("torch", reason=TORCH)
    name, params, _ = ACTIVATIONS[case]
    x = np.array([-1.3, -0.4, 0.6, 1.7])
    ours_x, theirs_x = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(case)(ours_x).sum(), torch_f(name, **params)(theirs_x).sum()
    for _ in range(3):
        (g_ours,) = ag.grad(y_ours, [ours_x], create_graph=True)
        (g_theirs,) = torch.autograd.grad(y_theirs, [theirs_x], create_graph=True)
        np.testing.assert_allclose(g_ours.data, g_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
        y_ours, y_theirs = g_ours.sum(), g_theirs.sum()


# ----- prelu ------------------------------------------------------------------------

PRELU = {"per_channel_4d": ((2, 3, 4, 2), 3), "shared_4d": ((2, 3, 2, 2), 1), "per_channel_2d": ((5, 4), 4),
         "1d": ((6,), 1), "per_channel_3d": ((2, 3, 5), 3)}


def prelu_inputs(shape, channels):
    def inputs(rng):
        x = rng.uniform(-3, 3, shape)
        return [np.where(np.abs(x) < 0.1, 0.3, x), rng.uniform(-0.5, 0.5, channels)]
    return inputs


def torch_prelu(x, w):
    import torch
    return torch.nn.functional.prelu(x, w)


test_prelu_gradcheck_and_gradgradcheck, test_prelu_matches_torch = op_tests(
    {case: OpRow(F.prelu, torch_prelu, prelu_inputs(*PRELU[case])) for case in PRELU}, seed=10)


def test_prelu_weight_must_fit_the_channels():
    with pytest.raises(ValueError, match=r"prelu: weight has 4 parameters but input of shape \(2, 3\) has 3"):
        F.prelu(Tensor(np.ones((2, 3))), Tensor(np.ones(4)))
    with pytest.raises(ValueError, match=r"prelu: weight must be 1-D"):
        F.prelu(Tensor(np.ones((2, 3))), Tensor(np.ones((3, 1))))


# ----- names and bad input ------------------------------------------------------------

def test_top_level_names_and_tensor_method():
    x = Tensor(np.array([-1.0, 0.5]))
    for name in ["gelu", "silu", "softplus", "elu", "selu", "celu", "mish", "hardswish", "hardsigmoid",
                 "hardtanh", "relu6", "logsigmoid", "softsign", "tanhshrink"]:
        np.testing.assert_array_equal(getattr(ag, name)(x).data, getattr(F, name)(x).data)
    np.testing.assert_array_equal(x.prelu(Tensor(np.array([0.25]))).data, [-0.25, 0.5])


def test_bad_arguments_name_the_op():
    x = Tensor([1.0])
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(x, approximate="fast")
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(2.0\) must not be greater than max_val \(1.0\)"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(ValueError, match="celu: alpha must be nonzero"):
        F.celu(x, 0.0)
    with pytest.raises(TypeError, match="elu: alpha must be a real number"):
        F.elu(x, "1")
    with pytest.raises(TypeError, match="softmin: dim must be given"):
        F.softmin(x)


def test_softplus_threshold_switches_to_the_identity():
    x = Tensor(np.array([10.0, 30.0]), requires_grad=True)
    y = F.softplus(x)
    assert y.data[1] == 30.0
    y.sum().backward()
    assert x.grad.data[1] == 1.0


def test_the_graph_node_carries_the_parameters():
    x = Tensor(np.ones(2), requires_grad=True)
    node = F.softplus(x, beta=2.0, threshold=5.0).grad_fn
    assert (node.name, node.beta, node.threshold) == ("Softplus", 2.0, 5.0)
    assert F.hardtanh(x, -2.0, 3.0).grad_fn.max_val == 3.0
    assert ag.round(x, 2).grad_fn.decimals == 2
