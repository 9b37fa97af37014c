"""nn.utils: clipping and parameter vectors, against torch.nn.utils."""
import math

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn import utils


def params_with_grads(dtype=np.float32, seed=0, scale=3.0, shapes=((3, 4), (4,), (2, 2, 2))):
    rng = np.random.default_rng(seed)
    params = []
    for shape in shapes:
        p = nn.Parameter(rng.normal(size=shape).astype(dtype))
        p.grad = Tensor((scale * rng.normal(size=shape)).astype(dtype))
        params.append(p)
    return params


def torch_twins(params):
    torch = pytest.importorskip("torch", reason="torch gives the reference clipping")
    twins = []
    for p in params:
        t = torch.nn.Parameter(torch.from_numpy(p.data.copy()))
        t.grad = torch.from_numpy(p.grad.data.copy())
        twins.append(t)
    return torch, twins


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (0.5, 1.0), (100.0, 2.0), (0.3, math.inf),
                                                 (0.7, "inf"), (2.0, 3.0), (1.0, 0.5)])
def test_clip_grad_norm_matches_torch(dtype, max_norm, norm_type):
    params = params_with_grads(dtype)
    torch, twins = torch_twins(params)
    total = utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(twins, max_norm, norm_type=norm_type)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    assert isinstance(total, Tensor) and total.dtype == dtype
    np.testing.assert_allclose(total.item(), expected.item(), rtol=rtol)
    for p, t in zip(params, twins):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=rtol, atol=1e-7)


def test_clip_grad_norm_in_place_on_the_same_grad_tensors_and_skips_missing_grads():
    params = params_with_grads()
    params.append(nn.Parameter(np.zeros(3, np.float32)))       # no grad: ignored
    grads = [p.grad for p in params[:3]]
    versions = [g._version.value for g in grads]
    total = utils.clip_grad_norm_(iter(params), 1.0, foreach=True)
    assert all(p.grad is g for p, g in zip(params, grads))
    assert all(g._version.value == v + 1 for g, v in zip(grads, versions))
    np.testing.assert_allclose(utils.get_total_norm([p.grad for p in params[:3]]).item(), 1.0, rtol=1e-5)
    assert total.item() > 1.0 and params[3].grad is None
    assert utils.clip_grad_norm_([], 1.0).item() == 0.0
    assert utils.clip_grad_norm_(params[0], 1e9).item() > 0          # a single Tensor


def test_clip_grad_norm_nonfinite():
    params = params_with_grads()
    params[0].grad.data[0, 0] = np.nan
    torch, twins = torch_twins(params)
    with pytest.raises(RuntimeError, match="non-finite, so it cannot be clipped"):
        utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(twins, 1.0, error_if_nonfinite=True)
    assert math.isnan(utils.clip_grad_norm_(params, 1.0).item())


def test_clip_grad_value_matches_torch():
    params = params_with_grads(np.float64)
    torch, twins = torch_twins(params)
    assert utils.clip_grad_value_(params, 0.5) is None
    torch.nn.utils.clip_grad_value_(twins, 0.5)
    for p, t in zip(params, twins):
        np.testing.assert_array_equal(p.grad.data, t.grad.numpy())


def test_parameters_to_vector_and_back_match_torch_and_keep_the_parameter_objects():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    torch = pytest.importorskip("torch", reason="torch gives the reference layout")
    twin = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    vec = utils.parameters_to_vector(model.parameters())
    np.testing.assert_array_equal(vec.data, torch.nn.utils.parameters_to_vector(twin.parameters()).detach().numpy())
    vec.sum().backward()                         # in the graph, as torch's
    assert all(np.all(p.grad.data == 1) for p in model.parameters())
    weight = model[0].weight
    utils.vector_to_parameters(Tensor(np.arange(vec.shape[0], dtype=np.float32)), model.parameters())
    assert model[0].weight is weight
    np.testing.assert_array_equal(weight.data, np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(model[1].bias.data, [10.0])


@pytest.mark.parametrize("action, error, message", [
    (lambda p: utils.clip_grad_norm_(p, "1"), TypeError, "clip_grad_norm_: max_norm must be a number, got str"),
    (lambda p: utils.clip_grad_norm_(p, 1.0, norm_type="two"), TypeError, "norm_type must be a number"),
    (lambda p: utils.clip_grad_norm_([np.zeros(2)], 1.0), TypeError, "parameter 0 is a ndarray, not a Tensor"),
    (lambda p: utils.clip_grad_norm_(3, 1.0), TypeError, "parameters must be a Tensor or an iterable"),
    (lambda p: utils.clip_grad_value_(p, None), TypeError, "clip_value must be a number, got NoneType"),
    (lambda p: utils.vector_to_parameters(np.zeros(3), p), TypeError, "expected vec to be a Tensor"),
    (lambda p: utils.vector_to_parameters(Tensor(np.zeros(3)), p), ValueError,
     "vec has 3 elements but the parameters have 24"),
    (lambda p: utils.parameters_to_vector([]), ValueError, "no parameters"),
])
def test_errors_name_the_function_and_argument(action, error, message):
    with pytest.raises(error, match=message):
        action(params_with_grads())
