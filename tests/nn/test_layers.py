"""Layers against torch.nn with identical weights: forward, input and parameter gradients,
in float64 and float32; BatchNorm running statistics; Dropout; Sequential; validation."""
from collections import OrderedDict

import numpy as np
import pytest

import nn
from autograd import Tensor

torch = pytest.importorskip("torch", reason="torch is the oracle for layer parity tests")

TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-4, atol=2e-5)}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}

# (our layer factory, torch layer factory, input shape)
CASES = {
    "linear": (lambda d: nn.Linear(5, 3, dtype=d), lambda: torch.nn.Linear(5, 3), (4, 5)),
    "linear_nobias": (lambda d: nn.Linear(5, 3, bias=False, dtype=d),
                      lambda: torch.nn.Linear(5, 3, bias=False), (2, 4, 5)),
    "conv": (lambda d: nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=d),
             lambda: torch.nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 7, 6)),
    "conv_rect_nobias": (lambda d: nn.Conv2d(3, 2, (2, 3), bias=False, dtype=d),
                         lambda: torch.nn.Conv2d(3, 2, (2, 3), bias=False), (1, 3, 5, 5)),
    "maxpool": (lambda d: nn.MaxPool2d(2), lambda: torch.nn.MaxPool2d(2), (2, 3, 6, 5)),
    "maxpool_stride": (lambda d: nn.MaxPool2d(3, stride=2), lambda: torch.nn.MaxPool2d(3, stride=2),
                       (1, 2, 7, 7)),
    "avgpool": (lambda d: nn.AvgPool2d(2), lambda: torch.nn.AvgPool2d(2), (2, 3, 6, 4)),
    "relu": (lambda d: nn.ReLU(), lambda: torch.nn.ReLU(), (3, 4)),
    "leaky_relu": (lambda d: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2), (3, 4)),
    "sigmoid": (lambda d: nn.Sigmoid(), lambda: torch.nn.Sigmoid(), (3, 4)),
    "tanh": (lambda d: nn.Tanh(), lambda: torch.nn.Tanh(), (3, 4)),
    "flatten": (lambda d: nn.Flatten(), lambda: torch.nn.Flatten(), (2, 3, 4, 5)),
    "flatten_range": (lambda d: nn.Flatten(0, 2), lambda: torch.nn.Flatten(0, 2), (2, 3, 4, 5)),
    "identity": (lambda d: nn.Identity(), lambda: torch.nn.Identity(), (2, 3)),
    "batchnorm1d": (lambda d: nn.BatchNorm1d(4, dtype=d), lambda: torch.nn.BatchNorm1d(4), (6, 4)),
    "batchnorm1d_3d": (lambda d: nn.BatchNorm1d(3, momentum=0.3, dtype=d),
                       lambda: torch.nn.BatchNorm1d(3, momentum=0.3), (4, 3, 5)),
    "batchnorm2d": (lambda d: nn.BatchNorm2d(3, dtype=d), lambda: torch.nn.BatchNorm2d(3), (4, 3, 5, 5)),
    "sequential": (lambda d: nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, dtype=d), nn.BatchNorm2d(2, dtype=d),
                                           nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3, dtype=d)),
                   lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.BatchNorm2d(2),
                                               torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                                               torch.nn.Linear(8, 3)),
                   (3, 1, 4, 4)),
}


def copy_into_torch(ours, theirs, dtype):
    """Give the torch module our weights (and random affine parameters, so they matter)."""
    rng = np.random.default_rng(1)
    theirs.to(TORCH_DTYPE[dtype])
    for name, param in ours.named_parameters():
        param.data[...] = rng.standard_normal(param.shape)
    state = {k: torch.from_numpy(v) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state, strict=True)       # also checks our names match torch's


def run_both(ours, theirs, x, training=True):
    ours.train(training)
    theirs.train(training)
    tx = torch.tensor(x, requires_grad=True)
    mine = Tensor(x.copy(), requires_grad=True)
    out, tout = ours(mine), theirs(tx)
    upstream = np.random.default_rng(2).standard_normal(out.shape).astype(x.dtype)
    out.backward(upstream)
    tout.backward(torch.from_numpy(upstream))
    return mine, out, tx, tout


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", sorted(CASES))
def test_forward_and_gradients_match_torch(case, dtype):
    make_ours, make_torch, shape = CASES[case]
    ours, theirs = make_ours(dtype), make_torch()
    copy_into_torch(ours, theirs, dtype)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    mine, out, tx, tout = run_both(ours, theirs, x)
    tol = TOLERANCE[dtype]
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **tol)
    np.testing.assert_allclose(mine.grad, tx.grad.numpy(), **tol)
    tparams = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert param.grad.dtype == dtype
        np.testing.assert_allclose(param.grad, tparams[name].grad.numpy(), **tol, err_msg=name)
    tstate = theirs.state_dict()
    for name, value in ours.state_dict().items():       # running statistics after one step
        np.testing.assert_allclose(value, tstate[name].numpy(), **tol, err_msg=name)


@pytest.mark.parametrize("layer", ["1d", "2d"])
def test_batchnorm_running_stats_over_steps_and_eval(layer):
    if layer == "1d":
        ours, theirs, shape = nn.BatchNorm1d(3, dtype=np.float64), torch.nn.BatchNorm1d(3), (5, 3)
    else:
        ours, theirs, shape = nn.BatchNorm2d(3, dtype=np.float64), torch.nn.BatchNorm2d(3), (4, 3, 2, 3)
    copy_into_torch(ours, theirs, np.float64)
    rng = np.random.default_rng(3)
    for _ in range(4):
        run_both(ours, theirs, rng.standard_normal(shape) * 3 + 1)
    assert int(ours.num_batches_tracked) == 4
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(value, theirs.state_dict()[name].numpy(), rtol=1e-12, err_msg=name)
    x = rng.standard_normal(shape)
    mine, out, tx, tout = run_both(ours, theirs, x, training=False)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(mine.grad, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12)
    assert int(ours.num_batches_tracked) == 4              # eval leaves the statistics alone


def test_batchnorm_cumulative_average_and_no_tracking():
    ours, theirs = nn.BatchNorm1d(2, momentum=None, dtype=np.float64), torch.nn.BatchNorm1d(2, momentum=None)
    copy_into_torch(ours, theirs, np.float64)
    rng = np.random.default_rng(4)
    for _ in range(3):
        run_both(ours, theirs, rng.standard_normal((4, 2)))
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    plain = nn.BatchNorm1d(2, affine=False, track_running_stats=False, dtype=np.float64)
    assert list(plain.state_dict()) == [] and list(plain.parameters()) == []
    x = rng.standard_normal((4, 2))
    np.testing.assert_allclose(plain.eval()(Tensor(x)).data,
                               torch.nn.BatchNorm1d(2, affine=False, track_running_stats=False).double().eval()(
                                   torch.from_numpy(x)).numpy(), rtol=1e-12)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(Tensor(np.ones((1, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="BatchNorm2d: expected a 4-D input, got shape"):
        nn.BatchNorm2d(3)(Tensor(np.ones((2, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm1d(3, momentum=2)


def test_dropout_statistics_scaling_and_eval_identity():
    nn.manual_seed(0)
    drop = nn.Dropout(0.3)
    x = Tensor(np.ones((200, 500), dtype=np.float32), requires_grad=True)
    y = drop(x)
    zeros = (y.data == 0).mean()
    assert abs(zeros - 0.3) < 0.01
    np.testing.assert_allclose(y.data[y.data != 0], 1 / 0.7, rtol=1e-6)
    assert abs(y.data.mean() - 1) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)         # d/dx of x * mask is the mask
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x


def test_dropout_seeded_runs_are_reproducible():
    x = Tensor(np.ones((10, 10), dtype=np.float32))
    nn.manual_seed(7)
    first = nn.Dropout(0.5)(x).data
    nn.manual_seed(7)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x).data, first)
    assert not np.array_equal(nn.Dropout(0.5)(x).data, first)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, "0.5", True])
def test_dropout_validates_p(p):
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        nn.Dropout(p)


def test_seeded_construction_is_reproducible():
    def build():
        nn.manual_seed(123)
        return nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(4, 3)).state_dict()

    a, b = build(), build()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["1.weight"], nn.Linear(4, 3).weight.data)


def test_default_init_bounds_and_shapes():
    lin = nn.Linear(400, 30)
    assert lin.weight.shape == (30, 400) and lin.weight.dtype == np.float32
    bound = 1 / np.sqrt(400)                 # kaiming_uniform(a=sqrt(5)) gives 1/sqrt(fan_in) too
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.weight.data).max() > 0.9 * bound
    assert np.abs(lin.bias.data).max() <= bound
    conv = nn.Conv2d(3, 8, 5)
    assert conv.weight.shape == (8, 3, 5, 5) and conv.bias.shape == (8,)
    assert np.abs(conv.weight.data).max() <= 1 / np.sqrt(75)


def test_sequential_indexing_iteration_append():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and seq[1] is list(seq)[1]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    assert head(Tensor(np.ones((1, 2), dtype=np.float32))).shape == (1, 3)
    seq.append(nn.Sigmoid())
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    del seq[1]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear", "Sigmoid"]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    seq[2] = nn.Tanh()
    assert isinstance(seq[2], nn.Tanh)
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert "fc.weight" in named.state_dict() and named[1] is named.act


def test_layer_validation_messages():
    with pytest.raises(ValueError, match="Linear: in_features must be a positive int, got 0"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="Conv2d: kernel_size"):
        nn.Conv2d(1, 2, 0)
    with pytest.raises(TypeError, match=r"Conv2d: kernel_size must be an int or a pair of ints, "
                                        r"got \(3, 3, 3\)"):
        nn.Conv2d(1, 2, (3, 3, 3))
    with pytest.raises(TypeError, match="Conv2d: stride must be an int or a pair"):
        nn.Conv2d(1, 2, 3, stride=[1, 1, 1])
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4\): expected input with 4 channels "
                                         r"\(axis 1\), got shape \(2, 3\)"):
        nn.BatchNorm1d(4)(Tensor(np.zeros((2, 3), np.float32)))
    assert nn.Dropout(np.float32(0.5)).p == 0.5
    assert not isinstance(nn.MSELoss(), nn.CrossEntropyLoss)
    assert not isinstance(nn.AvgPool2d(2), nn.MaxPool2d)
    with pytest.raises(ValueError, match="linear: input of shape"):
        nn.Linear(3, 2)(Tensor(np.ones((2, 4), dtype=np.float32)))
    with pytest.raises(TypeError, match="floating point"):
        nn.Linear(2, 2, dtype=np.int32)


def test_loss_modules():
    logits = Tensor(np.random.default_rng(0).standard_normal((4, 3)))
    target = np.array([0, 2, 1, 1])
    expected = torch.nn.CrossEntropyLoss()(torch.from_numpy(logits.data), torch.from_numpy(target))
    np.testing.assert_allclose(nn.CrossEntropyLoss()(logits, target).item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(nn.MSELoss(reduction="sum")(logits, np.zeros((4, 3))).item(),
                               (logits.data ** 2).sum(), rtol=1e-12)


@pytest.mark.parametrize("module_dtype", [np.float32, np.float16], ids=["float32-module", "float16-module"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batchnorm_float16_input_matches_torch(module_dtype, training):
    """Statistics in float32 as PyTorch's: a variance of 300**2 overflows float16's 65504."""
    x = (np.random.default_rng(0).standard_normal((16, 3, 4, 4)) * 300).astype(np.float16)
    ours = nn.BatchNorm2d(3, dtype=module_dtype)
    theirs = torch.nn.BatchNorm2d(3)
    if module_dtype == np.float16:
        theirs = theirs.half()
    ours.train(training)
    theirs.train(training)
    if not training:                       # running statistics that need float32 to hold
        for module in (ours, theirs):
            module.running_var[...] = 6e4       # near float16's limit
            module.running_mean[...] = 50
    xt = Tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    out, tout = ours(xt), theirs(tx)
    assert out.dtype == np.float16 and tout.dtype == torch.float16
    grad = np.random.default_rng(1).standard_normal(out.shape).astype(np.float16)
    out.backward(grad)
    tout.backward(torch.tensor(grad))
    np.testing.assert_allclose(out.data.astype(np.float32), tout.detach().float().numpy(),
                               rtol=1e-2, atol=1e-2)
    assert np.isfinite(xt.grad.data).all()
    np.testing.assert_allclose(np.asarray(xt.grad, np.float32), tx.grad.float().numpy(),
                               rtol=2e-2, atol=1e-3)
    for name in ("weight", "bias"):
        ours_grad = np.asarray(getattr(ours, name).grad, np.float32)
        np.testing.assert_allclose(ours_grad, getattr(theirs, name).grad.float().numpy(),
                                   rtol=2e-2, atol=2e-2)
    assert ours.running_var.dtype == module_dtype
    np.testing.assert_allclose(ours.running_var.astype(np.float32), theirs.running_var.float().numpy(),
                               rtol=1e-2)
