"""Conv1d, Conv2d (groups, dilation, padding='same', padding_mode) and ConvTranspose2d
against torch.nn with identical weights: outputs, input and parameter gradients."""
import inspect

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-5)}
HAS_PAD_MODES = "mode" in inspect.signature(getattr(F, "pad", lambda: None)).parameters

# name: (constructor arguments, input shape)
LAYERS = {
    "Conv2d": (dict(in_channels=3, out_channels=4, kernel_size=3), (2, 3, 6, 6)),
    "Conv2d-groups-dilation-stride": (dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=2,
                                           dilation=(1, 2), groups=2, padding=1), (2, 4, 7, 7)),
    "Conv2d-same-no-bias": (dict(in_channels=2, out_channels=3, kernel_size=4, padding="same", bias=False),
                            (1, 2, 5, 5)),
    "Conv1d": (dict(in_channels=3, out_channels=2, kernel_size=3, stride=2, padding=1), (2, 3, 8)),
    "Conv1d-groups-same": (dict(in_channels=4, out_channels=4, kernel_size=2, groups=4, padding="same",
                                dilation=2), (2, 4, 7)),
    "ConvTranspose2d": (dict(in_channels=3, out_channels=2, kernel_size=3, stride=2, padding=1,
                             output_padding=1), (2, 3, 4, 4)),
    "ConvTranspose2d-groups": (dict(in_channels=4, out_channels=6, kernel_size=2, groups=2, dilation=2),
                               (1, 4, 3, 3)),
}
PADDING_MODES = {
    f"Conv2d-{mode}": (dict(in_channels=2, out_channels=3, kernel_size=3, padding=(1, 2), padding_mode=mode),
                       (2, 2, 5, 6)) for mode in ("reflect", "replicate", "circular")}
PADDING_MODES["Conv1d-reflect-same"] = (dict(in_channels=2, out_channels=2, kernel_size=4, padding="same",
                                             padding_mode="reflect"), (2, 2, 7))


def check(name, args, shape, dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    cls = name.split("-")[0]
    ours, theirs = getattr(nn, cls)(**args, dtype=dtype), getattr(torch.nn, cls)(**args)
    theirs = theirs.to(getattr(torch, np.dtype(dtype).name))
    for pname, p in theirs.named_parameters():
        assert tuple(p.shape) == getattr(ours, pname).shape
        p.data = torch.tensor(getattr(ours, pname).data.copy())
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(ox), theirs(tx)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOL[dtype])
    g = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(g)
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL[dtype])
    for pname, p in theirs.named_parameters():
        np.testing.assert_allclose(getattr(ours, pname).grad.data, p.grad.numpy(), **TOL[dtype])


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_torch(name, dtype):
    check(name, *LAYERS[name], dtype)


@pytest.mark.skipif(not HAS_PAD_MODES, reason="padding_mode needs F.pad with modes (the issue9-ops branch)")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", PADDING_MODES)
def test_padding_modes_match_torch(name, dtype):
    check(name, *PADDING_MODES[name], dtype)


def test_initialisation_bounds_follow_torch():
    """kaiming_uniform(a=sqrt(5)): |w| <= 1/sqrt(fan_in), fan_in = in/groups * k (dim 1 of the weight)."""
    conv = nn.Conv2d(8, 4, 3, groups=4)
    assert np.abs(conv.weight.data).max() <= 1 / np.sqrt(2 * 9)
    transposed = nn.ConvTranspose2d(4, 6, 2)
    assert transposed.weight.shape == (4, 6, 2, 2) and np.abs(transposed.bias.data).max() <= 1 / np.sqrt(6 * 4)


@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError,
     r"Conv2d: in_channels \(3\) and out_channels \(4\) must be divisible by groups \(2\)"),
    (lambda: nn.Conv2d(2, 4, 3, stride=2, padding="same"), ValueError,
     r"Conv2d: padding='same' is not supported for strided convolutions"),
    (lambda: nn.Conv2d(2, 4, 3, padding_mode="mirror"), ValueError, r"Conv2d: padding_mode must be one of"),
    (lambda: nn.ConvTranspose2d(2, 4, 3, padding_mode="reflect"), ValueError,
     r"ConvTranspose2d: padding_mode must be one of \('zeros',\)"),
    (lambda: nn.Conv1d(2, 4, (3, 2)), TypeError, r"Conv1d: kernel_size must be an int or a 1-tuple"),
])
def test_constructor_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_forward_names_the_shapes():
    with pytest.raises(ValueError, match=r"conv2d: input has 2 channels but weight \(4, 3, 3, 3\) expects 3"):
        nn.Conv2d(3, 4, 3)(Tensor(np.zeros((1, 2, 5, 5), np.float32)))
