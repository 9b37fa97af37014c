"""Optimizers step for step against torch.optim (float64 and float32); schedulers; state_dict."""
import numpy as np
import pytest

import nn
from autograd import Tensor

torch = pytest.importorskip("torch", reason="torch.optim is the oracle for optimizer parity")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.8, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, eps=1e-6)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, amsgrad=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.3, amsgrad=True)),
]
TOLERANCE = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=1e-5, atol=1e-6)}


def make_params(dtype):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape).astype(dtype) for shape in [(3, 4), (4,), (2, 1, 3)]]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_steps_match_torch(name, kwargs, dtype):
    arrays = make_params(dtype)
    ours = [nn.Parameter(a.copy()) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = getattr(nn.optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    rng = np.random.default_rng(1)
    for step in range(6):
        for p, tp in zip(ours, theirs):
            grad = rng.standard_normal(p.shape).astype(dtype)
            if step == 2 and p is ours[1]:          # a parameter without a gradient is skipped
                p.grad, tp.grad = None, None
                continue
            p.grad, tp.grad = Tensor(grad), torch.tensor(grad)
        opt.step()
        topt.step()
        for i, (p, tp) in enumerate(zip(ours, theirs)):
            assert p.dtype == dtype
            np.testing.assert_allclose(p.data, tp.detach().numpy(), **TOLERANCE[dtype],
                                       err_msg=f"parameter {i} after step {step}")


def test_training_a_model_reduces_loss_and_grads_are_from_engine():
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    x = Tensor(np.random.default_rng(0).standard_normal((32, 4)).astype(np.float32))
    y = np.random.default_rng(1).integers(0, 3, 32)
    losses = []
    for _ in range(30):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_step_bumps_versions_so_stale_graphs_raise():
    p = nn.Parameter(np.ones(3))
    out = (p * p).sum()
    p.grad = Tensor(np.ones(3))
    nn.optim.SGD([p], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.backward()


@pytest.mark.parametrize("factory, message", [
    (lambda ps: nn.optim.SGD(ps, lr=-1), "Invalid learning rate: -1"),
    (lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=-0.5), "Invalid momentum value"),
    (lambda ps: nn.optim.SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum > 0"),
    (lambda ps: nn.optim.Adam(ps, betas=(0.9, 1.0)), "Invalid beta parameters"),
    (lambda ps: nn.optim.Adam(ps, eps=-1), "Invalid epsilon value"),
    (lambda ps: nn.optim.AdamW(ps, weight_decay=-0.1), "Invalid weight_decay value"),
    (lambda ps: nn.optim.RMSprop(ps, alpha=-0.1), "Invalid alpha value"),
    (lambda ps: nn.optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda ps: nn.optim.SGD(ps + ps, lr=0.1), "more than one parameter group"),
])
def test_validation_messages(factory, message):
    with pytest.raises(ValueError, match=message):
        factory([nn.Parameter(np.ones(2))])


def test_non_leaf_and_single_tensor_rejected():
    p = nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="non-leaf"):
        nn.optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        nn.optim.SGD(p, lr=0.1)


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("RMSprop", dict(momentum=0.5)),
                                          ("Adam", dict(betas=(0.8, 0.9))), ("AdamW", {})])
def test_state_dict_roundtrip_continues_identically(name, kwargs, tmp_path):
    def run(opt, params, steps, seed):
        rng = np.random.default_rng(seed)
        for _ in range(steps):
            for p in params:
                p.grad = Tensor(rng.standard_normal(p.shape))
            opt.step()

    params = [nn.Parameter(a) for a in make_params(np.float64)]
    opt = getattr(nn.optim, name)(params, **kwargs)
    run(opt, params, 3, seed=0)
    nn.save({"optimizer": opt.state_dict()}, tmp_path / "opt.npz")
    clone_params = [nn.Parameter(p.data.copy()) for p in params]
    clone = getattr(nn.optim, name)(clone_params, lr=123.0)
    clone.load_state_dict(nn.load(tmp_path / "opt.npz")["optimizer"])
    assert clone.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    run(opt, params, 2, seed=1)
    run(clone, clone_params, 2, seed=1)
    for p, q in zip(params, clone_params):
        np.testing.assert_array_equal(p.data, q.data)


def test_load_state_dict_mismatch_errors():
    opt = nn.optim.Adam([nn.Parameter(np.ones(3))])
    opt.param_groups[0]["params"][0].grad = Tensor(np.ones(3))
    opt.step()
    other = nn.optim.Adam([nn.Parameter(np.ones(4))])
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 0 has shape \(3,\)"):
        other.load_state_dict(opt.state_dict())
    two = nn.optim.Adam([nn.Parameter(np.ones(3)), nn.Parameter(np.ones(3))])
    with pytest.raises(ValueError, match="group 0 has 2 parameters, the state has 1"):
        two.load_state_dict(opt.state_dict())
    with pytest.raises(KeyError, match="unexpected key 'bogus'"):
        opt.load_state_dict({"bogus": np.ones(1)})


def test_param_groups_have_their_own_lr():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = nn.optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad = b.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(b.data, 0.0)


@pytest.mark.parametrize("name, kwargs", [("ExponentialLR", dict(gamma=0.9)),
                                          ("StepLR", dict(step_size=3, gamma=0.5))])
def test_schedulers_match_torch(name, kwargs):
    opt = nn.optim.SGD([nn.Parameter(np.ones(2))], lr=0.1)
    topt = torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=0.1)
    sched = getattr(nn.optim.lr_scheduler, name)(opt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    for _ in range(10):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-15)
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-15)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()


def test_scheduler_state_dict_roundtrip():
    from nn.optim.lr_scheduler import StepLR
    opt = nn.optim.SGD([nn.Parameter(np.ones(2))], lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(3):
        sched.step()
    state = sched.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    opt2 = nn.optim.SGD([nn.Parameter(np.ones(2))], lr=1.0)
    restored = StepLR(opt2, step_size=5, gamma=0.5)
    restored.load_state_dict(state)
    opt2.load_state_dict(opt.state_dict())
    sched.step()
    restored.step()
    assert restored.get_last_lr() == sched.get_last_lr() == pytest.approx([0.01])
    with pytest.raises(KeyError, match="expected keys"):
        restored.load_state_dict({"last_epoch": np.array(1)})
    with pytest.raises(ValueError, match="gamma must be positive"):
        nn.optim.ExponentialLR(opt, gamma=0)


def test_load_state_dict_keeps_float_state_of_a_0d_parameter_as_arrays():
    p = nn.Parameter(np.array(1.0, dtype=np.float32))
    opt = nn.optim.Adam([p], lr=0.1)
    p.grad = Tensor(np.array(0.5, dtype=np.float32))
    opt.step()
    q = nn.Parameter(p.data.copy())
    restored = nn.optim.Adam([q], lr=0.1)
    restored.load_state_dict(opt.state_dict())
    state = restored.state[q]
    assert type(state["step"]) is int and state["step"] == 1
    for name in ("exp_avg", "exp_avg_sq"):
        assert isinstance(state[name], np.ndarray) and state[name].dtype == np.float32
    q.grad = Tensor(np.array(0.5, dtype=np.float32))
    p.grad = Tensor(np.array(0.5, dtype=np.float32))
    restored.step()
    opt.step()
    assert q.data == p.data
    sgd = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    sgd.step()
    sgd2 = nn.optim.SGD([q], lr=0.1, momentum=0.9)
    sgd2.load_state_dict(sgd.state_dict())
    assert isinstance(sgd2.state[q]["momentum_buffer"], np.ndarray)


def test_load_state_dict_from_another_optimizer_type_is_refused():
    params = [nn.Parameter(np.ones(2))]
    adam = nn.optim.Adam(params, lr=0.1)
    sgd = nn.optim.SGD(params, lr=0.1)
    before = dict(sgd.param_groups[0])
    with pytest.raises(ValueError, match=r"hyperparameters .*'betas'.* this optimizer has .*'nesterov'"
                                         r".*another optimizer type"):
        sgd.load_state_dict(adam.state_dict())
    assert sgd.param_groups[0] == before


def test_optimizer_argument_mistakes_get_clear_messages():
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"got a Linear; pass model.parameters\(\)"):
        nn.optim.SGD(model, lr=0.1)
    with pytest.raises(TypeError, match="lr must be a number, got str '0.1'"):
        nn.optim.Adam(model.parameters(), lr="0.1")


@pytest.mark.parametrize("factory, message", [
    (lambda ps: nn.optim.Adam(ps, betas=0.9), r"Adam: betas must be a pair of numbers .* got float 0\.9"),
    (lambda ps: nn.optim.Adam(ps, betas=(0.9, "0.99")), "Adam: betas must be a number, got str '0.99'"),
    (lambda ps: nn.optim.Adam(ps, betas="ab"), "Adam: betas must be a pair of numbers"),
    (lambda ps: nn.optim.RMSprop(ps, alpha="x"), "RMSprop: alpha must be a number, got str 'x'"),
    (lambda ps: nn.optim.RMSprop(ps, centered="yes"), "RMSprop: centered must be True or False"),
    (lambda ps: nn.optim.SGD(ps, lr=0.1, momentum="0.9", nesterov=True),
     "SGD: momentum must be a number, got str '0.9'"),
    (lambda ps: nn.optim.SGD(ps, lr=True), "SGD: lr must be a number, got bool True"),
    (lambda ps: nn.optim.Adam(ps, amsgrad=1), "Adam: amsgrad must be True or False, got int 1"),
    (lambda ps: nn.optim.StepLR(nn.optim.SGD(ps, lr=0.1), step_size=True),
     "StepLR: step_size must be an int, got bool True"),
    (lambda ps: nn.optim.StepLR(nn.optim.SGD(ps, lr=0.1), step_size=2.0),
     "StepLR: step_size must be an int, got float 2.0"),
    (lambda ps: nn.optim.StepLR(nn.optim.SGD(ps, lr=0.1), step_size=1, gamma="0.5"),
     "StepLR: gamma must be a number, got str '0.5'"),
    (lambda ps: nn.optim.ExponentialLR(nn.optim.SGD(ps, lr=0.1), gamma="0.9"),
     "ExponentialLR: gamma must be a number, got str '0.9'"),
    (lambda ps: nn.optim.ExponentialLR(nn.optim.SGD(ps, lr=0.1), gamma=0.9, last_epoch=0.5),
     "ExponentialLR: last_epoch must be an int"),
    (lambda ps: nn.optim.SGD([{"params": ps[:1]}, ps[1]], lr=0.1),
     "SGD: params mixes parameter-group dicts and Tensors"),
    (lambda ps: nn.optim.SGD([ps[0], {"params": ps[1:]}], lr=0.1),
     "SGD: params mixes parameter-group dicts and Tensors"),
], ids=["betas-float", "beta-str", "betas-str", "alpha-str", "centered-str", "momentum-str",
        "lr-bool", "amsgrad-int", "step_size-bool", "step_size-float", "steplr-gamma-str",
        "gamma-str", "last_epoch-float", "mixed-dict-first", "mixed-tensor-first"])
def test_wrongly_typed_hyperparameters_are_type_errors_naming_the_argument(factory, message):
    params = [nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))]
    with pytest.raises(TypeError, match=message):
        factory(params)
