"""softmax, log_softmax, cross_entropy and multiclass_hinge_loss: gradients against
central differences, PyTorch parity for every reduction, validation and dtypes."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd as ag
from autograd import Tensor
from autograd.ops.loss import cross_entropy, log_softmax, multiclass_hinge_loss, softmax

REDUCTIONS = ["mean", "sum", "none"]
TORCH_REASON = "PyTorch not installed: parity tests need it (make torch)"


@st.composite
def classification(draw):
    """(N, C) scores as distinct multiples of 0.3 and targets in [0, C).

    With margin 1.0, s_j - s_y + margin is then never within 0.1 of the hinge's kink,
    so central differences (eps 1e-6) see a smooth function."""
    N, C = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = (rng.permutation(N * C).reshape(N, C) - N * C / 2) * 0.3
    return scores, rng.integers(0, C, size=N)


@st.composite
def arrays_and_axis(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return rng.standard_normal(shape) * 3, axis


@pytest.mark.parametrize("fn", [softmax, log_softmax])
@given(case=arrays_and_axis())
def test_softmax_gradients_match_central_differences(fn, case):
    x, axis = case
    assert ag.gradcheck(lambda t: fn(t, axis), x, rtol=1e-5, atol=1e-7)
    assert ag.gradgradcheck(lambda t: fn(t, axis), x, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss", [cross_entropy, multiclass_hinge_loss])
@given(case=classification())
def test_loss_gradients_match_central_differences(loss, reduction, case):
    scores, target = case
    assert ag.gradcheck(lambda s: loss(s, target, reduction=reduction), scores, rtol=1e-5, atol=1e-7)
    assert ag.gradgradcheck(lambda s: loss(s, target, reduction=reduction), scores, rtol=1e-5, atol=1e-7)


def torch_hinge(torch, scores, target, margin, reduction):
    """CS231n SVM loss in torch: sum_{j != y} max(0, s_j - s_y + margin) (reference formula)."""
    correct = scores.gather(1, target[:, None])
    margins = torch.clamp(scores - correct + margin, min=0).scatter(1, target[:, None], 0.0)
    losses = margins.sum(dim=1)
    return {"mean": losses.mean, "sum": losses.sum, "none": lambda: losses}[reduction]()


def check_parity(torch, ours, reference, scores, target, dtype, rtol, atol):
    st_ = Tensor(scores.astype(dtype), requires_grad=True)
    y = ours(st_, target)
    grad_out = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    y.backward(grad_out)
    ref = torch.tensor(scores.astype(dtype), requires_grad=True)
    y_ref = reference(ref, torch.tensor(target))
    y_ref.backward(torch.tensor(grad_out))
    assert y.dtype == dtype and st_.grad.dtype == dtype
    np.testing.assert_allclose(y.data, y_ref.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(st_.grad, ref.grad.numpy(), rtol=rtol, atol=atol)


TOLERANCES = [(np.float64, 1e-12, 1e-12), (np.float32, 1e-5, 1e-6)]


@pytest.mark.parametrize("dtype, rtol, atol", TOLERANCES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_matches_torch(dtype, rtol, atol, reduction):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(0)
    scores, target = rng.standard_normal((16, 10)) * 5, rng.integers(0, 10, 16)
    scores[0] += 1000.0                                  # stays finite thanks to max subtraction
    check_parity(torch, lambda s, t: cross_entropy(s, t, reduction=reduction),
                 lambda s, t: torch.nn.functional.cross_entropy(s, t, reduction=reduction),
                 scores, target, dtype, rtol, atol)


@pytest.mark.parametrize("dtype, rtol, atol", TOLERANCES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5])
def test_hinge_matches_torch(dtype, rtol, atol, reduction, margin):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(0)
    scores, target = rng.standard_normal((16, 10)), rng.integers(0, 10, 16)
    check_parity(torch, lambda s, t: multiclass_hinge_loss(s, t, margin, reduction),
                 lambda s, t: torch_hinge(torch, s, t, margin, reduction),
                 scores, target, dtype, rtol, atol)


def test_hinge_is_multi_margin_loss_times_classes():
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(3)
    scores, target = rng.standard_normal((8, 5)), rng.integers(0, 5, 8)
    ours = multiclass_hinge_loss(Tensor(scores), target).item()
    ref = torch.nn.functional.multi_margin_loss(torch.tensor(scores), torch.tensor(target)).item() * 5
    assert ours == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("dtype, rtol, atol", TOLERANCES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_matches_torch(dtype, rtol, atol, name, axis):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    ours = {"softmax": softmax, "log_softmax": log_softmax}[name]
    x = np.random.default_rng(0).standard_normal((4, 5, 3)) * 4
    check_parity(torch, lambda s, t: ours(s, axis), lambda s, t: getattr(torch, name)(s, axis),
                 x, np.zeros(4, np.int64), dtype, rtol, atol)


def test_target_may_be_a_tensor_and_gets_no_gradient():
    scores = Tensor(np.zeros((3, 4), np.float32), requires_grad=True)
    target = Tensor(np.array([0, 3, 1]))
    loss = cross_entropy(scores, target)
    loss.backward()
    assert loss.item() == pytest.approx(np.log(4)) and target.grad is None
    assert scores.grad.dtype == np.float32


def test_softmax_accepts_dim_alias():
    x = np.random.default_rng(0).standard_normal((2, 3))
    np.testing.assert_allclose(softmax(Tensor(x), dim=0).data, softmax(Tensor(x), axis=0).data)


S = np.zeros((4, 3))
T = np.array([0, 1, 2, 0])


@pytest.mark.parametrize("loss", [cross_entropy, multiclass_hinge_loss])
@pytest.mark.parametrize("args, kwargs, error, message", [
    ((S, np.array([0, 1, 2])), {}, ValueError, r"target must have shape \(4,\) to match input \(4, 3\), got \(3,\)"),
    ((S, np.array([0, 1, 3, 0])), {}, ValueError, r"target value 3 is out of range \[0, 3\) at index 2"),
    ((S, np.array([0, -1, 2, 0])), {}, ValueError, r"target value -1 is out of range \[0, 3\) at index 1"),
    ((S, T), {"reduction": "avg"}, ValueError, r"reduction must be one of \('mean', 'sum', 'none'\), got 'avg'"),
    ((S.astype(np.int64), T), {}, TypeError, r"input must be a floating-point array, got dtype int64"),
])
def test_bad_input_raises_clear_error(loss, args, kwargs, error, message):
    with pytest.raises(error, match=rf"{loss.__name__}: {message}"):
        loss(*args, **kwargs)


@pytest.mark.parametrize("args, error, message", [
    ((np.zeros((4, 3, 2)), T), ValueError, r"input must be 2-D \(N, C\), got shape \(4, 3, 2\)"),
    ((S, T.astype(np.float64)), TypeError, r"target must hold integer class indices, got dtype float64"),
])
def test_hinge_bad_input_raises_clear_error(args, error, message):
    with pytest.raises(error, match=rf"multiclass_hinge_loss: {message}"):
        multiclass_hinge_loss(*args)


def test_hinge_rejects_non_numeric_margin():
    with pytest.raises(TypeError, match=r"multiclass_hinge_loss: margin must be a finite real number, got '1'"):
        multiclass_hinge_loss(S, T, margin="1")


@pytest.mark.parametrize("fn", [softmax, log_softmax])
def test_softmax_rejects_bad_axis(fn):
    with pytest.raises(ValueError, match=rf"{fn.__name__}: axis 2 is out of range for a tensor of 2 dimensions"):
        fn(S, 2)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_of_a_0d_tensor_as_torch(fn, dim):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    x = ag.Tensor(np.array(2.5), requires_grad=True)
    t = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    y, ty = getattr(ag, fn)(x, dim=dim), getattr(torch, fn)(t, dim=dim)
    assert y.shape == () and float(y.data) == ty.item()
    (y * 3).backward()
    (ty * 3).backward()
    assert float(x.grad.data) == t.grad.item()
    with pytest.raises(ValueError, match=f"{fn}: axis 1 is out of range"):
        getattr(ag, fn)(x, dim=1)
