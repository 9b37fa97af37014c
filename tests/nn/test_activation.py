"""Activation modules (nn/activation.py) against torch.nn's: outputs, gradients, reprs."""
import numpy as np
import pytest

import nn
from autograd import Tensor
from autograd.testing import assert_matches_torch

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"

# (module name, constructor arguments): the same call builds ours and torch's
MODULES = [
    ("GELU", {}), ("GELU", dict(approximate="tanh")), ("SiLU", {}), ("ELU", {}), ("ELU", dict(alpha=0.5)),
    ("ELU", dict(alpha=0.5, inplace=True)), ("SELU", {}), ("CELU", dict(alpha=2.0)), ("Mish", {}),
    ("Hardswish", {}), ("Hardsigmoid", {}), ("Hardtanh", {}), ("Hardtanh", dict(min_val=-2.0, max_val=0.5)),
    ("ReLU6", {}), ("ReLU6", dict(inplace=True)), ("LogSigmoid", {}), ("Softsign", {}), ("Softmin", dict(dim=1)),
    ("Tanhshrink", {}), ("Softplus", {}), ("Softplus", dict(beta=2.0, threshold=3.0)), ("Softmax", dict(dim=1)),
    ("Softmax", dict(dim=-1)), ("LogSoftmax", dict(dim=1)), ("Sigmoid", {}), ("Tanh", {}),
    ("LeakyReLU", dict(negative_slope=0.2)), ("ReLU", {}), ("PReLU", {}), ("PReLU", dict(num_parameters=3)),
    ("PReLU", dict(num_parameters=3, init=0.1)),
]
IDS = [f"{name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})" for name, kwargs in MODULES]


def inputs(dtype=np.float64):
    x = np.random.default_rng(0).uniform(-4, 4, (2, 3, 4))
    return np.where(np.abs(x - np.round(x)) < 0.05, x + 0.1, x).astype(dtype)  # off the kinks at integers


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", MODULES, ids=IDS)
def test_module_matches_torch(name, kwargs, dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    ours = getattr(nn, name)(**kwargs)
    theirs = getattr(torch.nn, name)(**kwargs).to(torch.float64 if dtype == np.float64 else torch.float32)
    if name == "Hardsigmoid" and dtype == np.float64:
        theirs = lambda t: (t + 3).clamp(0, 6) / 6  # noqa: E731  (PyTorch's float32 1/6; see test_activation)
    if kwargs.get("inplace"):
        module = theirs
        theirs = lambda t: module(t * 1)  # noqa: E731  (torch refuses in-place on a leaf)
    params = [p for _, p in ours.named_parameters()]
    for p in params:
        p.data = p.data.astype(dtype)
    assert_matches_torch(lambda x: ours(x), theirs, inputs(dtype), dtype=dtype)
    if params:  # the slope's gradient too
        ours.weight.grad = theirs.weight.grad = None
        x = Tensor(inputs(dtype))
        out = ours(x)
        grad = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
        out.backward(grad)
        tx = torch.tensor(inputs(dtype))
        theirs(tx).backward(torch.from_numpy(grad))
        tol = dict(rtol=1e-10) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-6)
        np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), **tol)
        assert ours.weight.grad.dtype == dtype


@pytest.mark.parametrize("name, kwargs", MODULES, ids=IDS)
def test_repr_is_torchs(name, kwargs):
    torch = pytest.importorskip("torch", reason=TORCH)
    assert repr(getattr(nn, name)(**kwargs)) == repr(getattr(torch.nn, name)(**kwargs))


def test_prelu_parameter_shape_dtype_and_state_dict():
    m = nn.PReLU(num_parameters=4, init=0.3)
    assert m.weight.shape == (4,) and m.weight.dtype == np.float32 and m.weight.requires_grad
    np.testing.assert_allclose(m.weight.data, 0.3)
    assert list(m.state_dict()) == ["weight"]
    assert nn.PReLU(dtype=np.float64).weight.dtype == np.float64


def test_prelu_refuses_a_bad_num_parameters():
    with pytest.raises(ValueError, match="PReLU: num_parameters must be a positive int, got 0"):
        nn.PReLU(0)


def test_gelu_refuses_an_unknown_approximation():
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh'"):
        nn.GELU("erf")


@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_softmax_without_dim_uses_torchs_legacy_choice(ndim):
    torch = pytest.importorskip("torch", reason=TORCH)
    x = np.random.default_rng(2).normal(size=(2, 3, 4, 5)[:ndim])
    with pytest.warns(UserWarning):
        expected = torch.nn.Softmax()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(nn.Softmax()(Tensor(x)).data, expected, rtol=1e-12)


def test_activations_build_a_model_that_trains():
    model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 8), nn.PReLU(8), nn.Linear(8, 3),
                          nn.LogSoftmax(dim=1))
    x = Tensor(np.random.default_rng(3).normal(size=(16, 4)).astype(np.float32))
    y = np.random.default_rng(4).integers(0, 3, 16)
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = -model(x)[np.arange(16), y].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] and model[3].weight.grad.dtype == np.float32
