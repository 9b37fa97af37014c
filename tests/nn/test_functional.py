"""nn.functional: the names PyTorch users expect, compositions checked against torch and gradcheck."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor

torch = pytest.importorskip("torch", reason="torch is the oracle for functional parity tests")
TF = torch.nn.functional

EXPECTED_NAMES = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "cross_entropy",
                  "multiclass_hinge_loss", "multi_margin_loss", "conv2d", "max_pool2d", "avg_pool2d",
                  "linear", "dropout", "batch_norm", "flatten", "mse_loss"]


def test_all_names_exist():
    missing = [name for name in EXPECTED_NAMES if not callable(getattr(F, name, None))]
    assert not missing


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (3, 3, 2, 4)])
def test_batch_norm_matches_torch_and_gradcheck(shape, training):
    x = rand(*shape)
    channels = shape[1]
    weight, bias = rand(channels, seed=1), rand(channels, seed=2)
    rm, rv = rand(channels, seed=3), np.abs(rand(channels, seed=4)) + 0.5
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
    tout = TF.batch_norm(tx, t_rm, t_rv, tw, tb, training=training, momentum=0.2, eps=1e-3)
    ours_x, ours_w, ours_b = (Tensor(a.copy(), requires_grad=True) for a in (x, weight, bias))
    out = F.batch_norm(ours_x, rm, rv, ours_w, ours_b, training=training, momentum=0.2, eps=1e-3)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rm, t_rm.numpy(), rtol=1e-12)      # updated in place
    np.testing.assert_allclose(rv, t_rv.numpy(), rtol=1e-12)
    upstream = rand(*shape, seed=5)
    out.backward(upstream)
    tout.backward(torch.tensor(upstream))
    for ours, theirs in ((ours_x, tx), (ours_w, tw), (ours_b, tb)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-9, atol=1e-11)
    fixed_rm, fixed_rv = rm.copy(), rv.copy()
    ag.gradcheck(lambda a, w, b: F.batch_norm(a, fixed_rm.copy(), fixed_rv.copy(), w, b, training=training),
                 x, weight, bias)


def test_batch_norm_float32_stays_float32():
    x = Tensor(rand(4, 3).astype(np.float32), requires_grad=True)
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    out = F.batch_norm(x, rm, rv, training=True)
    assert out.dtype == np.float32 and rm.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        F.batch_norm(Tensor(rand(4, 3)), np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="needed when not training"):
        F.batch_norm(Tensor(rand(4, 3)), None, None, training=False)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(reduction):
    a, b = rand(3, 4), rand(3, 4, seed=1)
    x = Tensor(a, requires_grad=True)
    out = F.mse_loss(x, b, reduction=reduction)
    tx = torch.tensor(a, requires_grad=True)
    tout = TF.mse_loss(tx, torch.tensor(b), reduction=reduction)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.mse_loss(x, b, reduction="avg")
    with pytest.raises(ValueError, match="target shape"):
        F.mse_loss(x, b[:2])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multi_margin_loss_is_torchs(reduction):
    scores, target = rand(5, 4), np.array([0, 3, 1, 1, 2])
    x = Tensor(scores, requires_grad=True)
    tx = torch.tensor(scores, requires_grad=True)
    out = F.multi_margin_loss(x, target, reduction=reduction)
    tout = TF.multi_margin_loss(tx, torch.tensor(target), reduction=reduction)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    svm = F.multiclass_hinge_loss(Tensor(scores), target, reduction=reduction)
    np.testing.assert_allclose(svm.data, out.data * 4, rtol=1e-12)   # CS231n's SVM loss: no /C


def test_reexported_ops_match_torch():
    x = rand(2, 3, 6, 6)
    w, b = rand(4, 3, 3, 3, seed=1), rand(4, seed=2)
    tx = torch.tensor(x)
    np.testing.assert_allclose(F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride=2, padding=1).data,
                               TF.conv2d(tx, torch.tensor(w), torch.tensor(b), stride=2, padding=1).numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(F.max_pool2d(Tensor(x), 2).data, TF.max_pool2d(tx, 2).numpy())
    np.testing.assert_allclose(F.avg_pool2d(Tensor(x), 3, 1).data, TF.avg_pool2d(tx, 3, 1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(F.flatten(Tensor(x), 1).data, torch.flatten(tx, 1).numpy())
    np.testing.assert_allclose(F.leaky_relu(Tensor(x), 0.1).data, TF.leaky_relu(tx, 0.1).numpy())
    np.testing.assert_allclose(F.softmax(Tensor(x), dim=1).data, TF.softmax(tx, dim=1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(Tensor(x), axis=-1).data, TF.log_softmax(tx, -1).numpy(),
                               rtol=1e-12)
    m = rand(5, 3)
    np.testing.assert_allclose(F.linear(Tensor(m), Tensor(w[:2, :, 0, 0])).data,
                               TF.linear(torch.tensor(m), torch.tensor(w[:2, :, 0, 0])).numpy(), rtol=1e-12)


def test_dropout_functional():
    x = Tensor(np.ones((50, 40), dtype=np.float32), requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    nn.manual_seed(1)
    y = F.dropout(x, 0.25)
    assert y.dtype == np.float32 and set(np.unique(y.data)) <= {0.0, np.float32(1 / 0.75)}
    with pytest.raises(ValueError, match=r"dropout: probability p must be in \[0, 1\), got 1"):
        F.dropout(x, 1)
