"""LayerNorm, GroupNorm, InstanceNorm1d/2d, BatchNorm options, Embedding and the dropout
variants against torch.nn: identical weights, same outputs, input and parameter gradients."""
import numpy as np
import pytest

import nn
from autograd import Tensor

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-5)}

# name: (constructor arguments, input shape); the same arguments build torch.nn's layer
LAYERS = {
    "LayerNorm": ((4,), (3, 2, 4)),
    "LayerNorm-2-axes-no-bias": (dict(normalized_shape=(2, 4), bias=False), (3, 2, 4)),
    "LayerNorm-no-affine": (dict(normalized_shape=4, elementwise_affine=False), (3, 4)),
    "GroupNorm": ((2, 4), (3, 4, 5)),
    "GroupNorm-no-affine-4d": (dict(num_groups=1, num_channels=3, affine=False), (2, 3, 2, 2)),
    "InstanceNorm1d": ((3,), (2, 3, 5)),
    "InstanceNorm1d-unbatched-affine": (dict(num_features=3, affine=True), (3, 5)),
    "InstanceNorm2d-tracked": (dict(num_features=2, affine=True, track_running_stats=True), (2, 2, 3, 3)),
    "BatchNorm1d-no-affine": (dict(num_features=3, affine=False), (6, 3)),
    "BatchNorm2d-untracked": (dict(num_features=2, track_running_stats=False), (3, 2, 2, 2)),
    "BatchNorm2d-momentum-None": (dict(num_features=2, momentum=None), (3, 2, 2, 2)),
}


def build(torch, name, dtype):
    args, shape = LAYERS[name]
    cls = name.split("-")[0]
    make = (lambda m, **kw: m(**args, **kw)) if isinstance(args, dict) else (lambda m, **kw: m(*args, **kw))
    ours, theirs = make(getattr(nn, cls), dtype=dtype), make(getattr(torch.nn, cls))
    theirs = theirs.to(getattr(torch, np.dtype(dtype).name))
    rng = np.random.default_rng(0)
    for pname, p in theirs.named_parameters():
        value = rng.uniform(0.5, 1.5, tuple(p.shape)).astype(dtype)
        p.data = torch.tensor(value)
        getattr(ours, pname).data = value.copy()
    return ours, theirs, shape


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_torch(name, train, dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    ours, theirs, shape = build(torch, name, dtype)
    rng = np.random.default_rng(1)
    for _ in range(2):                                  # twice: running statistics move in between
        ours.train(train)
        theirs.train(train)
        x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
        ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = ours(ox), theirs(tx)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOL[dtype])
        g = rng.standard_normal(out.shape).astype(dtype)
        out.backward(g)
        expected.backward(torch.tensor(g))
        np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL[dtype])
        for pname, p in theirs.named_parameters():
            np.testing.assert_allclose(getattr(ours, pname).grad.data, p.grad.numpy(), **TOL[dtype])
            getattr(ours, pname).grad = None
            p.grad = None
        for bname, b in theirs.named_buffers():
            np.testing.assert_allclose(np.asarray(getattr(ours, bname)), b.numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_matches_torch(padding_idx, dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    ours = nn.Embedding(5, 3, padding_idx=padding_idx, dtype=dtype)
    theirs = torch.nn.Embedding(5, 3, padding_idx=padding_idx).to(getattr(torch, np.dtype(dtype).name))
    theirs.weight.data = torch.tensor(ours.weight.data.copy())
    idx = np.array([[0, 1, 1], [4, 1, 2]])
    out, expected = ours(idx), theirs(torch.tensor(idx))
    np.testing.assert_allclose(out.data, expected.detach().numpy())
    g = np.random.default_rng(0).standard_normal(out.shape).astype(dtype)
    out.backward(g)
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), **TOL[dtype])


def test_embedding_initialisation_and_from_pretrained():
    layer = nn.Embedding(4, 2, padding_idx=-1)
    assert layer.padding_idx == 3 and not layer.weight.data[3].any() and layer.weight.data[:3].all()
    frozen = nn.Embedding.from_pretrained(np.eye(3, dtype=np.float32))
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(np.array([2])).data, [[0, 0, 1]])


@pytest.mark.parametrize("layer, shape, kept_shape", [
    (nn.Dropout1d(0.5), (8, 16, 5), (8, 16, 1)),
    (nn.Dropout1d(0.5), (16, 5), (16, 1)),
    (nn.Dropout2d(0.5), (8, 16, 3, 3), (8, 16, 1, 1)),
    (nn.Dropout2d(0.5), (16, 3, 3), (16, 1, 1)),
])
def test_channel_dropout_zeroes_whole_channels(layer, shape, kept_shape):
    nn.manual_seed(0)
    x = Tensor(np.ones(shape), requires_grad=True)
    out = layer(x)
    values = out.data.reshape(kept_shape[:-1] + (-1,))
    assert ((values == 0).all(axis=-1) | (values == 2).all(axis=-1)).all()
    assert 0 < (values[..., 0] == 0).mean() < 1
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, out.data)            # d(x * mask / (1-p))/dx = mask / (1-p)
    layer.eval()
    assert layer(x) is x


def test_alpha_dropout_keeps_zero_mean_and_unit_variance():
    nn.manual_seed(0)
    layer = nn.AlphaDropout(0.2)
    x = Tensor(np.random.default_rng(0).standard_normal(200_000))
    out = layer(x).data
    assert abs(out.mean()) < 0.01 and abs(out.std() - 1) < 0.01
    _, counts = np.unique(out, return_counts=True)
    assert counts.max() / out.size == pytest.approx(0.2, abs=0.01)      # the dropped elements share one value
    layer.eval()
    assert layer(x) is x


@pytest.mark.parametrize("make, input_shape, message", [
    (lambda: nn.GroupNorm(2, 4), (3, 5, 2), r"GroupNorm\(2, 4\): expected input with 4 channels"),
    (lambda: nn.InstanceNorm2d(3), (3, 2, 4), None),
    (lambda: nn.InstanceNorm2d(3), (2, 3), r"InstanceNorm2d: expected a 3-D \(unbatched\) or 4-D input"),
    (lambda: nn.LayerNorm(4), (3, 5), r"layer_norm: input of shape \(3, 5\) does not end with normalized_shape"),
    (lambda: nn.Dropout2d(), (3, 4), r"dropout2d: expected a 3-D \(unbatched\) or 4-D input, got shape \(3, 4\)"),
])
def test_layers_name_themselves_and_the_shapes(make, input_shape, message):
    layer = make()
    if message is None:                                   # a valid unbatched input
        assert layer(Tensor(np.random.default_rng(0).standard_normal(input_shape))).shape == input_shape
        return
    with pytest.raises(ValueError, match=message):
        layer(Tensor(np.zeros(input_shape)))


def test_constructor_errors():
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(5\) must be divisible by num_groups \(2\)"):
        nn.GroupNorm(2, 5)
    with pytest.raises(ValueError, match=r"Embedding: padding_idx must be an int in \[-3, 3\), got 3"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(ValueError, match=r"Dropout2d: probability p must be in \[0, 1\), got 1"):
        nn.Dropout2d(1)


def test_alpha_dropout_gradient_is_the_scale_where_kept():
    import nn.functional as F
    nn.manual_seed(1)
    x = Tensor(np.zeros(1000), requires_grad=True)
    F.alpha_dropout(x, 0.3, training=True).sum().backward()
    a = ((1 - 0.3) * (1 + 0.3 * 1.7580993408473766 ** 2)) ** -0.5
    np.testing.assert_allclose(np.unique(x.grad.data), [0, a])
