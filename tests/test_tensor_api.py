"""The Tensor API of issue 9 (sizes, conversions, copies, in-place forms, comparisons,
Python number protocols), checked against PyTorch where it has the same name."""
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd import Tensor, no_grad
from autograd.testing import assert_gradients_match, assert_matches_torch, assert_second_gradients_match, tensors

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


def torch_dtype(torch, dtype):
    return getattr(torch, np.dtype(dtype).name if np.dtype(dtype) != np.bool_ else "bool")


# ----- sizes --------------------------------------------------------------------------


def test_size_numel_dim_as_torch():
    torch = pytest.importorskip("torch", reason=TORCH)
    x = np.zeros((2, 3, 4))
    ours, theirs = Tensor(x), torch.tensor(x)
    assert ours.size() == theirs.size() == (2, 3, 4) and isinstance(ours.size(), ag.Size)
    assert [ours.size(d) for d in (0, 1, -1)] == [theirs.size(d) for d in (0, 1, -1)]
    assert ours.numel() == theirs.numel() == ag.numel(ours) == ours.size().numel() == 24
    assert ours.dim() == theirs.dim() == 3 and ours.shape == (2, 3, 4)
    assert ours.element_size() == theirs.element_size() == 8
    assert ag.Size([2, 3]) == (2, 3) and repr(ag.Size([2, 3])) == "autograd.Size([2, 3])"
    with pytest.raises(ValueError, match="size: axis 3 is out of range"):
        ours.size(3)


# ----- Python numbers, item, tolist, numpy ----------------------------------------------

SCALAR_CASES = [("one element", [2.5]), ("0-d", 3.75), ("two elements", [1.0, 2.0]), ("empty", [])]


@pytest.mark.parametrize("name, data", SCALAR_CASES)
def test_python_number_protocols_as_torch(name, data):
    torch = pytest.importorskip("torch", reason=TORCH)
    ours, theirs = ag.tensor(data), torch.tensor(data)
    for convert in (bool, int, float, lambda t: t.item()):
        try:
            expected = convert(theirs)
        except (RuntimeError, ValueError) as error:
            with pytest.raises(type(error)):
                convert(ours)
        else:
            assert convert(ours) == expected and type(convert(ours)) is type(expected)
    assert ours.tolist() == theirs.tolist()


def test_numpy_refuses_a_tensor_that_requires_grad_as_torch():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        x.numpy()
    assert x.detach().numpy() is x.data and x.numpy(force=True) is x.data and x.data is not None
    assert Tensor([1.0]).numpy() is not None


# ----- conversions ----------------------------------------------------------------------

CONVERSIONS = {
    "float": lambda t, m: t.float(), "double": lambda t, m: t.double(), "half": lambda t, m: t.half(),
    "long": lambda t, m: t.long(), "int": lambda t, m: t.int(), "bool": lambda t, m: t.bool(),
    "to dtype": lambda t, m: t.to(m.float64), "to device": lambda t, m: t.to("cpu"),
    "to device and dtype": lambda t, m: t.to("cpu", m.int64), "to keywords": lambda t, m: t.to(dtype=m.float16),
    "to other": lambda t, m: t.to(m.zeros(1, dtype=m.int32)),
    "type dtype": lambda t, m: t.type(m.float64), "type name": lambda t, m: t.type("torch.IntTensor"),
}


@pytest.mark.parametrize("name", CONVERSIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_conversions_match_torch(name, dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    x = np.array([[-1.5, 0.0, 2.7], [3.0, -0.2, 1.0]]).astype(dtype)
    ours = CONVERSIONS[name](Tensor(x.copy()), ag)
    theirs = CONVERSIONS[name](torch.tensor(x.copy()), torch)
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.type() == theirs.type()


def test_to_returns_self_when_nothing_changes_and_keeps_float_conversions_in_the_graph():
    x = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    assert x.to("cpu") is x and x.float() is x and x.to(ag.float32) is x and x.cpu() is x
    assert x.to(ag.float32, copy=True) is not x
    y = x.double()
    assert y.dtype == ag.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == ag.float32 and x.grad.tolist() == [2.0, 4.0]
    labels = x.long()                                   # as torch: allowed, outside the graph
    assert labels.dtype == ag.int64 and not labels.requires_grad
    assert x.device == ag.device("cpu") and not x.is_cuda and x.is_floating_point()
    assert not labels.is_floating_point() and ag.is_tensor(x) and not ag.is_tensor(x.data)
    for convert in (lambda: x.to("cuda"), lambda: x.cuda(), lambda: x.type("torch.cuda.FloatTensor")):
        if ag.cuda.is_available():   # tests/test_devices.py covers the moves
            break
        with pytest.raises(RuntimeError, match="is not available: no CUDA device"):
            convert()


# ----- clone and contiguous -------------------------------------------------------------


@given(x=tensors())
def test_clone_gradients(x):
    assert_gradients_match(lambda t: t.clone() * t, x)
    assert_second_gradients_match(lambda t: t.clone() * t, x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clone_and_contiguous_match_torch(dtype):
    pytest.importorskip("torch", reason=TORCH)
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert_matches_torch(lambda t: t.clone() * 2, lambda t: t.clone() * 2, x, dtype=dtype)
    assert_matches_torch(lambda t: t.T.contiguous() * t.T, lambda t: t.T.contiguous() * t.T, x, dtype=dtype)


def test_clone_owns_its_data_and_contiguous_copies_only_when_needed():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    c = x.clone()
    assert not np.shares_memory(c.data, x.data) and c.grad_fn.name == "Clone"
    assert ag.clone(x).grad_fn is not None
    assert x.contiguous() is x and x.is_contiguous()
    t = x.T
    assert not t.is_contiguous() and t.contiguous().is_contiguous() and t.contiguous().grad_fn.name == "Clone"


def test_new_factories_keep_the_dtype():
    x = Tensor(np.zeros(2, np.float64))
    assert x.new_zeros(2, 3).dtype == ag.float64 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(2).tolist() == [1.0, 1.0] and x.new_full((2,), 3).dtype == ag.float64
    assert x.new_tensor([1, 2]).dtype == ag.float64 and x.new_empty(4).shape == (4,)
    assert x.new_zeros(1, dtype=ag.int64).dtype == ag.int64


# ----- in place -------------------------------------------------------------------------

IN_PLACE = {
    "add_": lambda t, o: t.add_(o), "add_ alpha": lambda t, o: t.add_(o, alpha=-0.5),
    "sub_": lambda t, o: t.sub_(o), "sub_ alpha": lambda t, o: t.sub_(o, alpha=2),
    "mul_": lambda t, o: t.mul_(o), "div_": lambda t, o: t.div_(o), "add_ scalar": lambda t, o: t.add_(2.5),
    "pow_": lambda t, o: t.abs_().pow_(1.5), "pow_ tensor": lambda t, o: t.abs_().pow_(o.abs()),
    "neg_": lambda t, o: t.neg_(), "abs_": lambda t, o: t.abs_(), "sqrt_": lambda t, o: t.abs_().sqrt_(),
    "exp_": lambda t, o: t.exp_(), "log_": lambda t, o: t.abs_().log_(),
    "clamp_": lambda t, o: t.clamp_(-0.5, 0.5), "clamp_ min": lambda t, o: t.clamp_(min=0),
    "clip_": lambda t, o: t.clip_(max=0.1),
    "addcmul_": lambda t, o: t.addcmul_(o, o, value=0.5), "addcdiv_": lambda t, o: t.addcdiv_(o, o + 3, value=2),
    "lerp_": lambda t, o: t.lerp_(o, 0.3), "zero_": lambda t, o: t.zero_(), "fill_": lambda t, o: t.fill_(1.25),
    "copy_": lambda t, o: t.copy_(o),
}


@pytest.mark.parametrize("name", IN_PLACE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_in_place_forms_match_torch_and_bump_the_version(name, dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    rng = np.random.default_rng(1)
    x, other = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    ours, theirs = Tensor(x.copy()), torch.tensor(x.copy())
    view = ours.detach()
    before = ours._version.value
    assert IN_PLACE[name](ours, Tensor(other.copy())) is ours
    IN_PLACE[name](theirs, torch.tensor(other.copy()))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6 if dtype == np.float32 else 1e-12)
    assert ours.dtype == dtype and ours._version.value > before and view._version.value == ours._version.value


def test_in_place_on_a_saved_tensor_is_detected_and_on_a_leaf_refused():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="add_: in-place operation on a leaf tensor that requires grad"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="normal_: in-place operation on a leaf tensor"):
        w.normal_()
    with no_grad():
        w.mul_(2).clamp_(max=3.0)
    assert w.tolist() == [2.0, 3.0]
    h = Tensor([1.0, 2.0])
    y = (w * h).sum()
    h.mul_(3)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()
    with pytest.raises(ValueError, match="clamp_: at least one of min and max"):
        h.clamp_()


def test_normal_and_uniform_fill_reproducibly():
    ag.manual_seed(0)
    a = Tensor(np.zeros(10_000, np.float32)).normal_(2.0, 0.5)
    assert a.dtype == ag.float32 and abs(a.data.mean() - 2) < 0.02 and abs(a.data.std() - 0.5) < 0.02
    ag.manual_seed(0)
    np.testing.assert_array_equal(Tensor(np.zeros(10_000, np.float32)).normal_(2.0, 0.5).data, a.data)
    u = Tensor(np.zeros(10_000)).uniform_(-1, 3, generator=ag.Generator().manual_seed(2))
    assert u.data.min() >= -1 and u.data.max() < 3 and abs(u.data.mean() - 1) < 0.05
    again = Tensor(np.zeros(10_000)).uniform_(-1, 3, generator=ag.Generator().manual_seed(2))
    np.testing.assert_array_equal(again.data, u.data)
    with pytest.raises(ValueError, match="uniform_: expects a"):
        u.uniform_(1, 0)
    with pytest.raises(ValueError, match="normal_: std must be non-negative"):
        u.normal_(0, -1)


# ----- comparisons ----------------------------------------------------------------------

COMPARISONS = {
    "==": lambda a, b, m: a == b, "!=": lambda a, b, m: a != b, "<": lambda a, b, m: a < b,
    "<=": lambda a, b, m: a <= b, ">": lambda a, b, m: a > b, ">=": lambda a, b, m: a >= b,
    "== scalar": lambda a, b, m: a == 0.5, "> scalar reflected": lambda a, b, m: 0.0 < a,
    "eq": lambda a, b, m: a.eq(b), "ne": lambda a, b, m: m.ne(a, b), "lt": lambda a, b, m: m.lt(a, b),
    "le": lambda a, b, m: a.le(b), "gt": lambda a, b, m: m.gt(a, b), "ge": lambda a, b, m: a.ge(b),
    "isclose": lambda a, b, m: m.isclose(a, b, rtol=0.1, atol=0.2),
    "isclose equal_nan": lambda a, b, m: m.isclose(a, a, equal_nan=True),
    "isnan": lambda a, b, m: m.isnan(a), "isinf": lambda a, b, m: a.isinf(),
    "isfinite": lambda a, b, m: m.isfinite(a),
    "logical_and": lambda a, b, m: m.logical_and(a, b), "logical_or": lambda a, b, m: a.logical_or(b),
    "logical_xor": lambda a, b, m: m.logical_xor(a, b), "logical_not": lambda a, b, m: m.logical_not(a),
    "&": lambda a, b, m: (a > 0) & (b > 0), "|": lambda a, b, m: (a > 0) | (b < 0),
    "^": lambda a, b, m: (a > 0) ^ (b > 0), "~": lambda a, b, m: ~(a > 0),
    "& int": lambda a, b, m: (a > 0).long() & 3, "~ int": lambda a, b, m: ~(b > 0).int(),
    "broadcast": lambda a, b, m: a[:, :1] < b[:1],
}


@pytest.mark.parametrize("name", COMPARISONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_comparisons_match_torch_and_stay_out_of_the_graph(name, dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    a = np.array([[0.5, -1.0, np.nan, np.inf], [0.0, 2.0, -np.inf, 0.3]], dtype)
    b = np.array([[0.5, 1.0, 1.0, np.inf], [0.1, 2.5, 3.0, -0.3]], dtype)
    ours = COMPARISONS[name](Tensor(a, requires_grad=True), Tensor(b), ag)
    theirs = COMPARISONS[name](torch.tensor(a, requires_grad=True), torch.tensor(b), torch)
    assert isinstance(ours, Tensor) and not ours.requires_grad and ours.is_leaf
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_accuracy_idiom_and_python_bool_results():
    torch = pytest.importorskip("torch", reason=TORCH)
    scores = np.random.default_rng(0).standard_normal((8, 3))
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    for m, s, y in ((ag, Tensor(scores, requires_grad=True), ag.tensor(labels)),
                    (torch, torch.tensor(scores, requires_grad=True), torch.tensor(labels))):
        pred = m.tensor(s.detach().numpy().argmax(1))
        accuracy = (pred == y).float().mean().item()
        correct = (pred == y).sum().item()
        if m is ag:
            ours = (accuracy, correct)
        else:
            assert ours == (accuracy, correct)
    a = Tensor([1.0, 2.0])
    assert ag.allclose(a, a + 1e-9) is True and ag.equal(a, Tensor([1.0, 2.0])) is True
    assert not ag.equal(a, Tensor([1.0])) and not ag.allclose(a, a + 1)
    assert (a == None) is False and (a != "x") is True           # noqa: E711, as torch
    with pytest.raises(TypeError):
        a < "x"
    with pytest.raises(TypeError, match="bitwise_and: only integer and bool tensors are supported"):
        a & a
    with pytest.raises(ValueError, match=r"eq: shapes \(2,\) and \(3,\) do not broadcast"):
        a == Tensor([1.0, 2.0, 3.0])


def test_numpy_non_differentiable_ufuncs_give_tensors_outside_the_graph():
    t = Tensor([1.0, -2.0, 0.0], requires_grad=True)
    for result in (np.greater(t, 0), np.array([0.0, 0.0, 0.0]) < t, np.isfinite(t), np.logical_not(t)):
        assert isinstance(result, Tensor) and not result.requires_grad
    assert np.greater(t, 0).tolist() == [True, False, False]
    out = np.zeros(3, bool)
    assert np.greater(t, 0, out=out) is out                    # out= still writes into the array
    close = np.isclose(t, [1.0, -2.1, 0.0])
    assert isinstance(close, Tensor) and close.tolist() == [True, False, True]
    assert np.allclose(t, t.data) is True and np.allclose([1.0, -2.0, 1.0], t) is False
