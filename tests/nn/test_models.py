"""nn.models: the CS231n sanity check (overfit 50 examples) and parity with PyTorch."""
import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.data import load_fashion_mnist_subset
from nn.models import (BatchNormConvNet, FullyConnectedNet, LinearSVM, SoftmaxClassifier,
                       ThreeLayerConvNet, TwoLayerNet)

IMAGE = (1, 12, 12)  # small images keep the tests fast
D = 144


def small_models(reg=0.0):
    """One small instance of each model, as (name, factory) pairs."""
    return [
        ("softmax", lambda: SoftmaxClassifier(D, 10, weight_scale=1e-2, reg=reg)),
        ("svm", lambda: LinearSVM(D, 10, weight_scale=1e-2, reg=reg)),
        ("two_layer", lambda: TwoLayerNet(D, 32, 10, weight_scale=1e-1, reg=reg)),
        ("fc", lambda: FullyConnectedNet([32, 32, 32], D, 10, reg=reg, weight_scale=1e-1,
                                         normalization="batchnorm")),
        ("fc_dropout", lambda: FullyConnectedNet([32, 32], D, 10, dropout=0.1, reg=reg,
                                                 weight_scale=1e-1)),
        ("convnet", lambda: ThreeLayerConvNet(IMAGE, num_filters=4, filter_size=3, hidden_dim=32,
                                              num_classes=10, weight_scale=1e-1, reg=reg)),
        ("bn_convnet", lambda: BatchNormConvNet(IMAGE, num_filters=4, hidden_dim=16, reg=reg)),
    ]


@pytest.fixture(scope="module")
def fifty_images():
    """50 Fashion-MNIST images (the embedded subset), cropped to 12x12 and normalised."""
    X, y = load_fashion_mnist_subset("train")
    rows = np.random.default_rng(0).choice(len(X), 50, replace=False)
    X = X[rows][:, :, 8:20, 8:20]
    X = (X - X.mean()) / X.std()
    return X.astype(np.float32), y[rows]


@pytest.mark.parametrize("name,make", small_models(), ids=[n for n, _ in small_models()])
def test_overfits_fifty_examples(name, make, fifty_images):
    X, y = fifty_images
    nn.manual_seed(0)
    model = make()
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    xb = Tensor(X)
    for _ in range(150):
        loss = model.loss(model(xb), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    accuracy = np.mean(model(xb).data.argmax(axis=1) == y)
    assert accuracy == 1.0, f"{name} reached only {accuracy:.2f} on 50 examples (loss {loss.item():.3f})"


def test_scores_shape_and_image_input_flattened():
    nn.manual_seed(0)
    x = Tensor(np.random.default_rng(0).standard_normal((5, *IMAGE)).astype(np.float32))
    for name, make in small_models():
        assert make()(x).shape == (5, 10), name


def test_regularization_covers_weights_not_biases():
    nn.manual_seed(0)
    model = FullyConnectedNet([8], 6, 3, normalization="batchnorm", reg=0.3, weight_scale=1.0)
    for p in model.parameters():
        p.data[...] = 1.0
    # weights 8*6 + 3*8 = 72 ones; biases and batch-norm gamma/beta are not regularised
    assert model.regularization().item() == pytest.approx(0.5 * 0.3 * 72)
    assert SoftmaxClassifier(4, 2, reg=0.0).regularization().item() == 0.0


def test_weight_scale_and_zero_bias():
    nn.manual_seed(0)
    model = TwoLayerNet(400, 300, 10, weight_scale=1e-3)
    w = model.regularized_weights()[0].data
    assert w.dtype == np.float32
    assert abs(w.std() - 1e-3) < 1e-4
    assert all(np.all(m.bias.data == 0) for m in model.modules() if isinstance(m, nn.Linear))


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="normalization"):
        FullyConnectedNet([4], 4, 2, normalization="layernorm")
    with pytest.raises(ValueError, match="dropout"):
        FullyConnectedNet([4], 4, 2, dropout=1.0)
    with pytest.raises(ValueError, match="BatchNormConvNet: filter_size must be odd"):
        BatchNormConvNet((1, 8, 8), filter_size=4)
    with pytest.raises(ValueError, match="BatchNormConvNet: dropout"):
        BatchNormConvNet((1, 8, 8), dropout=1.0)


def test_bn_convnet_blocks_double_the_filters_and_halve_the_size():
    model = BatchNormConvNet((3, 12, 12), num_filters=4, filter_size=5, convs_per_block=2,
                             hidden_dim=7, dropout=0.5)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [c.weight.shape for c in convs] == [(4, 3, 5, 5), (4, 4, 5, 5), (8, 4, 5, 5),
                                               (8, 8, 5, 5)]
    assert all(c.bias is None for c in convs)          # the batch norm's shift is the bias
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 4
    assert sum(isinstance(m, nn.Dropout) for m in model.modules()) == 1
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)][0]
    assert linear.weight.shape == (7, 8 * 3 * 3)


def test_convnet_preserves_size_before_pool():
    model = ThreeLayerConvNet((3, 8, 8), num_filters=2, filter_size=5, hidden_dim=4)
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)][0]
    assert linear.weight.shape == (4, 2 * 4 * 4)


# ---------------------------------------------------------------------------- PyTorch parity

torch = pytest.importorskip("torch", reason="PyTorch is the reference for the parity tests "
                                            "(pip install torch==2.13.0, or `make torch`)")
tnn = torch.nn


def torch_twin(model):
    """The PyTorch Sequential with the same layers and the same weights as model.layers."""
    layers = []
    for module in model.layers:
        if isinstance(module, nn.Linear):
            layer = tnn.Linear(*module.weight.shape[::-1])
        elif isinstance(module, nn.Conv2d):
            layer = tnn.Conv2d(module.weight.shape[1], module.weight.shape[0],
                               module.weight.shape[2], padding=module.padding,
                               bias=module.bias is not None)
        elif isinstance(module, nn.BatchNorm1d):
            layer = tnn.BatchNorm1d(module.weight.shape[0])
        elif isinstance(module, nn.BatchNorm2d):
            layer = tnn.BatchNorm2d(module.weight.shape[0])
        elif isinstance(module, nn.ReLU):
            layer = tnn.ReLU()
        elif isinstance(module, nn.MaxPool2d):
            layer = tnn.MaxPool2d(2)
        elif isinstance(module, nn.Flatten):
            layer = tnn.Flatten()
        else:
            raise AssertionError(f"no twin for {module!r}")
        layers.append(layer)
    twin = tnn.Sequential(*layers)
    twin.load_state_dict({k.removeprefix("layers."): torch.from_numpy(v.copy())
                          for k, v in model.state_dict().items()}, strict=False)
    return twin


def torch_loss(model, twin, scores, y):
    y = torch.from_numpy(y)
    if isinstance(model, LinearSVM):
        # torch's multi_margin_loss divides each example's sum by the number of classes
        data_loss = torch.nn.functional.multi_margin_loss(scores, y) * scores.shape[1]
    else:
        data_loss = torch.nn.functional.cross_entropy(scores, y)
    weights = [m.weight for m in twin if isinstance(m, (tnn.Linear, tnn.Conv2d))]
    return data_loss + 0.5 * model.reg * sum((w * w).sum() for w in weights)


PARITY = [(n, m) for n, m in small_models(reg=0.05) if n != "fc_dropout"]


@pytest.mark.parametrize("name,make", PARITY, ids=[n for n, _ in PARITY])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_loss_and_gradients_match_pytorch(name, make, training):
    nn.manual_seed(1)
    model = make()
    twin = torch_twin(model)
    # non-trivial batch-norm statistics and affine parameters, loaded into both models
    state = model.state_dict()
    for key in [k for k in state if k.endswith("running_mean")]:
        state[key][...] = 0.1
    for key in [k for k in state if k.endswith("running_var")]:
        state[key][...] = 2.0
    model.load_state_dict(state)
    twin.load_state_dict({k.removeprefix("layers."): torch.from_numpy(v.copy())
                          for k, v in state.items()}, strict=False)
    model.train(training)
    twin.train(training)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((8, *IMAGE)).astype(np.float32)
    y = rng.integers(0, 10, 8)

    loss = model.loss(model(Tensor(X)), y)
    loss.backward()
    t_loss = torch_loss(model, twin, twin(torch.from_numpy(X)), y)
    t_loss.backward()

    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-5, abs=1e-6)
    t_grads = {"layers." + k: p.grad.numpy() for k, p in twin.named_parameters()}
    for key, param in model.named_parameters():
        np.testing.assert_allclose(param.grad, t_grads[key], rtol=1e-4, atol=1e-6, err_msg=key)
