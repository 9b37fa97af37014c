"""Devices on the stand-in CUDA device (autograd/standin.py): moving tensors and models,
the boundary rules, and a training step of the conv net that makes no transfer or sync.

These run on every machine: the stand-in is NumPy under CuPy's rules. On a GPU machine
`DYNGRAD_TEST_CUDA=cupy` runs the same tests on CuPy (benchmarks/gpu_check.sh), except the
transfer count, which only the stand-in can count.
"""
import os

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import backend, standin
from nn.models import FullyConnectedNet, ThreeLayerConvNet
from nn.train import fit

pytestmark = pytest.mark.device
ON_STANDIN = os.environ.get("DYNGRAD_TEST_CUDA", "standin") == "standin"


@pytest.fixture(autouse=True)
def cuda():
    previous = backend.use_cuda_backend(os.environ.get("DYNGRAD_TEST_CUDA", "standin"))
    yield
    backend.use_cuda_backend(previous)


def test_tensors_move_and_the_gradient_flows_back():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.to("cuda")
    assert y.device == ag.device("cuda", 0) and y.is_cuda and x.device == ag.device("cpu")
    (y * y).sum().backward()
    assert x.grad.device == ag.device("cpu")
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    assert y.cpu().device == ag.device("cpu") and x.cuda().device == ag.device("cuda:0")
    assert x.cuda(1).device == ag.device("cuda:1")
    moved = x.type("torch.cuda.FloatTensor")
    assert moved.device == ag.device("cuda:0") and moved.type() == "torch.cuda.FloatTensor"


def test_creation_functions_take_device():
    for make in (lambda d: ag.zeros(2, 3, device=d), lambda d: ag.randn(4, device=d),
                 lambda d: ag.arange(5, device=d), lambda d: ag.tensor([[1, 2]], device=d),
                 lambda d: ag.full((2,), 7.0, device=d), lambda d: ag.eye(3, device=d)):
        t = make("cuda")
        assert t.device == ag.device("cuda:0")
        np.testing.assert_array_equal(t.numpy(), make("cpu").numpy()) if t.dtype.kind != "f" or \
            t.numel() != 4 else None
    base = ag.ones(2, device="cuda")
    assert ag.zeros_like(base).device == base.device and base.new_zeros(3).device == base.device


def test_host_boundaries_are_explicit():
    t = ag.tensor([1.5, 2.5], device="cuda")
    assert isinstance(t.numpy(), np.ndarray) and t.tolist() == [1.5, 2.5] and t[0].item() == 1.5
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        np.asarray(t)
    assert "device='cuda:0'" in repr(t)


@pytest.mark.parametrize("make", [
    lambda a, b: a + b, lambda a, b: ag.matmul(a, b.T), lambda a, b: ag.where(a > 0, a, b),
    lambda a, b: ag.cat([a, b]),
])
def test_inputs_on_two_devices_are_an_error_naming_the_op_and_both(make):
    a, b = ag.ones(2, 2, device="cuda"), ag.ones(2, 2)
    with pytest.raises(RuntimeError, match=r"expected all tensors to be on the same device.*cuda:0 and cpu|"
                                           r"cpu and cuda:0"):
        make(a, b)


@pytest.mark.skipif(not ON_STANDIN, reason="the stand-in's own rules")
def test_the_standin_enforces_cupys_rules():
    a = backend.to_device(np.arange(3.0), "cuda")
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(a)
    with pytest.raises(TypeError, match="Unsupported type"):
        np.add(a, np.ones(3))
    with pytest.raises(TypeError, match="has no function numpy.insert"):
        np.insert(a, 0, 1.0)  # NumPy has it, CuPy 14 does not
    with pytest.raises(ValueError, match="two devices, cuda:0 and cuda:1"):
        a + backend.to_device(np.arange(3.0), "cuda:1")
    assert isinstance(np.sum(a), standin.ndarray) and np.sum(a).ndim == 0  # 0-d, as CuPy


def _training_step(model, optimizer, device, seed):
    """step(): one training step of ``model`` on a fixed seeded batch of six 8x8 images."""
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal((6, 1, 8, 8)).astype(np.float32), device=device)
    y = ag.tensor(rng.integers(0, 10, 6), device=device)

    def step():
        optimizer.zero_grad()
        loss = model.loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def _conv_setup(device, seed=0):
    ag.manual_seed(seed)
    model = ThreeLayerConvNet(input_dim=(1, 8, 8), num_filters=4, filter_size=3, hidden_dim=16,
                              weight_scale=1e-1).to(device)
    return model, _training_step(model, nn.optim.Adam(model.parameters(), lr=1e-2), device, seed)


def _batchnorm_setup(device, seed=0, dropout=0):
    """A fully connected net with batch norm (running statistics updated on the device), SGD momentum."""
    ag.manual_seed(seed)
    model = FullyConnectedNet([16, 16], input_dim=(1, 8, 8), normalization="batchnorm",
                              dropout=dropout).to(device)
    optimizer = nn.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9, nesterov=True)
    return model, _training_step(model, optimizer, device, seed)


def _dropout_setup(device, seed=0):
    """The batch-norm net with dropout: its masks are drawn on the device (backend.uniform)."""
    return _batchnorm_setup(device, seed, dropout=0.3)


@pytest.mark.skipif(not ON_STANDIN, reason="only the stand-in counts transfers")
@pytest.mark.parametrize("setup", [_conv_setup, _batchnorm_setup, _dropout_setup],
                         ids=["convnet_adam", "batchnorm_sgd", "dropout"])
def test_a_training_step_makes_no_transfer_or_sync(setup):
    model, step = setup("cuda")
    step()  # the first step creates the optimizer's state on the device
    standin.counts.update(upload=0, download=0, sync=0)
    for _ in range(2):
        loss = step()
    assert standin.counts == {"upload": 0, "download": 0, "sync": 0}
    assert np.isfinite(loss.item()) and standin.counts["sync"] == 1  # .item() is the one sync


@pytest.mark.parametrize("setup", [_conv_setup, _batchnorm_setup], ids=["convnet_adam", "batchnorm_sgd"])
def test_training_on_cuda_matches_the_cpu(setup):
    results = []
    for device in ("cpu", "cuda"):
        model, step = setup(device)
        losses = [step().item() for _ in range(3)]
        results.append((losses, model.state_dict()))
    (cpu_losses, cpu_state), (cuda_losses, cuda_state) = results
    np.testing.assert_allclose(cuda_losses, cpu_losses, rtol=1e-5)
    for name, value in cpu_state.items():
        assert type(cuda_state[name]) is np.ndarray  # state_dict gives host arrays
        np.testing.assert_allclose(cuda_state[name], value, rtol=1e-4, atol=1e-6)


def test_module_to_moves_parameters_and_buffers_and_load_state_dict_copies_from_the_host():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    state = model.state_dict()
    model.to("cuda")
    assert {p.device for p in model.parameters()} == {ag.device("cuda:0")}
    assert backend.device_of(model[1].running_mean) == ag.device("cuda:0")
    model.load_state_dict(state)
    assert backend.device_of(model[1].running_mean) == ag.device("cuda:0")
    model(ag.randn(4, 3, device="cuda")).sum().backward()
    assert model[0].weight.grad.device == ag.device("cuda:0")
    model.cpu()
    assert {p.device for p in model.parameters()} == {ag.device("cpu")}


@pytest.mark.parametrize("make", [
    lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: nn.optim.ASGD(ps, lr=0.1),
    lambda ps: nn.optim.NAdam(ps, lr=0.1), lambda ps: nn.optim.Adagrad(ps, lr=0.1),
    lambda ps: nn.optim.Rprop(ps, lr=0.1),
], ids=["sgd", "asgd", "nadam", "adagrad", "rprop"])
def test_optimizer_state_follows_the_parameters_and_saves_as_host_arrays(make):
    model = nn.Linear(3, 2)
    optimizer = make(model.parameters())
    x = ag.randn(4, 3)
    model(x).sum().backward()
    optimizer.step()                                    # state made on the CPU
    model.to("cuda")
    model(x.cuda()).sum().backward()
    optimizer.step()                                    # ... follows to the device
    assert all(backend.device_of(v) == ag.device("cuda:0") for state in optimizer.state.values()
               for v in state.values() if backend.is_array(v))
    saved = optimizer.state_dict()
    assert all(type(v) is np.ndarray for v in saved.values())
    again = make(model.parameters())
    again.load_state_dict(saved)
    assert all(backend.device_of(v) == ag.device("cuda:0") for state in again.state.values()
               for v in state.values() if backend.is_array(v))
    model(x.cuda()).sum().backward()
    again.step()


def test_fit_trains_on_the_device_and_the_loader_uploads_each_epochs_order_once():
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 1, 8, 8)).astype(np.float32), rng.integers(0, 10, 40)
    model = ThreeLayerConvNet(input_dim=(1, 8, 8), num_filters=4, filter_size=3, hidden_dim=16).to("cuda")
    history = fit(model, nn.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9), X, y, X[:10], y[:10],
                     epochs=2, batch_size=10, quiet=True, train_acc_samples=20)
    assert len(history["loss"]) == 8 and 0.0 <= history["val_acc"][-1] <= 1.0
    assert model.layers[0].weight.device == ag.device("cuda:0")
    if ON_STANDIN:
        loader = nn.data.DataLoader(nn.data.TensorDataset(ag.tensor(X), ag.tensor(y)), batch_size=10,
                                    shuffle=True, device="cuda")
        standin.counts.update(upload=0)
        batches = list(loader)
        assert standin.counts["upload"] == 1 and len(batches) == 4  # the epoch's order, once
        assert all(t.device == ag.device("cuda:0") for batch in batches for t in batch)


def test_dropout_and_clip_grad_norm_on_the_device():
    x = ag.randn(4, 6, device="cuda", requires_grad=True)
    nn.functional.dropout(x, 0.5).sum().backward()
    assert x.grad.device == ag.device("cuda:0")
    total = nn.utils.clip_grad_norm_([x], 0.1)
    assert total.device == ag.device("cuda:0") and float(np.linalg.norm(x.grad.numpy())) <= 0.1 + 1e-6


def test_cuda_module_api():
    assert ag.cuda.is_available() and ag.cuda.device_count() >= 1
    ag.cuda.synchronize()
    ag.cuda.manual_seed_all(0)


def test_dropout_masks_on_a_device_are_drawn_there_and_seeded_by_manual_seed():
    x = ag.ones(4, 50, device="cuda")
    masks = []
    for seed in (3, 3, 4):
        ag.manual_seed(seed)
        masks.append((nn.functional.dropout(x, 0.5) != 0).numpy())
    assert masks[0].tolist() == masks[1].tolist() != masks[2].tolist()
    assert 0.3 < masks[0].mean() < 0.7                     # p = 0.5 of the elements dropped
    ag.manual_seed(3)
    on_cpu = (nn.functional.dropout(ag.ones(4, 50), 0.5) != 0).numpy()
    ag.manual_seed(3)
    assert (nn.functional.dropout(ag.ones(4, 50), 0.5) != 0).numpy().tolist() == on_cpu.tolist()
