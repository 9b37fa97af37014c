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
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=2, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.8, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, eps=1e-6, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1, maximize=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.1), maximize=True)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, amsgrad=True)),
    ("Adam", dict(lr=1e-2, amsgrad=True, maximize=True, weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=1e-2, betas=(0.8, 0.9), weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=1e-2, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=1e-2, betas=(0.5, 0.8), weight_decay=0.1)),      # rho_t > 5 from step 2
    ("RAdam", dict(lr=1e-2, betas=(0.5, 0.8), weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]
OPTIMIZERS = sorted({name for name, _ in CONFIGS})
TOLERANCE = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=1e-5, atol=1e-6)}


@pytest.fixture
def torch_dtype(request):
    """torch keeps scalar state (ASGD's eta and mu, NAdam's mu_product) in its default dtype:
    float64 runs compare with it set to float64, as dyngrad keeps them in the parameter's."""
    def use(dtype):
        torch.set_default_dtype(torch.float64 if dtype == np.float64 else torch.float32)
    yield use
    torch.set_default_dtype(torch.float32)


def make_params(dtype):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape).astype(dtype) for shape in [(3, 4), (4,), (2, 1, 3)]]


def run_both(name, ours, theirs, steps, dtype, kwargs=None, groups=None, between=None):
    """Step dyngrad's and torch's optimizer on the same gradients, comparing after each step.
    ``groups`` maps a parameter list to parameter-group dicts; ``between(step, opt)`` runs
    before each step on both optimizers."""
    kwargs = kwargs or {}
    split = groups or (lambda ps: ps)
    opt = getattr(nn.optim, name)(split(ours), **kwargs)
    topt = getattr(torch.optim, name)(split(theirs), **kwargs)
    rng = np.random.default_rng(1)
    for step in range(steps):
        if between:
            between(step, opt)
            between(step, topt)
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
                                       err_msg=f"{name}: parameter {i} after step {step}")
    return opt, topt


def pairs(dtype):
    arrays = make_params(dtype)
    return ([nn.Parameter(a.copy()) for a in arrays],
            [torch.tensor(a.copy(), requires_grad=True) for a in arrays])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_steps_match_torch(name, kwargs, dtype, torch_dtype):
    torch_dtype(dtype)
    run_both(name, *pairs(dtype), 8, dtype, kwargs)


# Per-group options: the second group overrides lr and one option of each optimizer.
GROUP_OPTIONS = {"SGD": dict(momentum=0.5, nesterov=True), "ASGD": dict(lambd=0.01),
                 "RMSprop": dict(centered=True), "Adagrad": dict(lr_decay=0.2), "Adadelta": dict(rho=0.5),
                 "Rprop": dict(etas=(0.4, 1.1)), "Adam": dict(amsgrad=True), "AdamW": dict(weight_decay=0.5),
                 "Adamax": dict(betas=(0.5, 0.9)), "NAdam": dict(momentum_decay=0.01),
                 "RAdam": dict(betas=(0.5, 0.8))}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_parameter_groups_and_lr_changes_between_steps_match_torch(name, dtype, torch_dtype):
    torch_dtype(dtype)
    options = GROUP_OPTIONS[name]

    def groups(ps):
        return [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.02, "weight_decay": 0.05, **options}]

    def between(step, opt):
        if step == 3:
            opt.param_groups[0]["lr"] *= 0.5        # what a user (or a scheduler) does
        if step == 5:
            opt.param_groups[1]["weight_decay"] = 0.0

    kwargs = dict(lr=0.01, momentum=0.9) if name == "SGD" else dict(lr=0.01)
    run_both(name, *pairs(dtype), 8, dtype, kwargs, groups, between)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_add_param_group_mid_run_matches_torch(name, torch_dtype):
    torch_dtype(np.float64)
    ours, theirs = pairs(np.float64)
    extra = {"lr": 0.03, **GROUP_OPTIONS[name]}

    def groups(ps):
        return ps[:2]

    def between(step, opt):
        if step == 2:
            opt.add_param_group({"params": [(ours if isinstance(opt, nn.optim.Optimizer) else theirs)[2]],
                                 **extra})

    opt, topt = run_both(name, ours, theirs, 6, np.float64, dict(lr=0.01), groups, between)
    assert len(opt.param_groups) == 2
    assert {k: v for k, v in opt.param_groups[1].items() if k != "params"}.items() <= \
        {k: v for k, v in topt.param_groups[1].items() if k != "params"}.items()


def lbfgs_loss(params):
    """A smooth non-quadratic loss written with operators both libraries share."""
    x, y, z = params
    return ((x - 1) ** 2).sum() + (x ** 4).sum() * 0.1 + ((y * 2 + 1) ** 2).sum() + ((z * z - 0.5) ** 2).sum()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", [dict(), dict(lr=0.5, history_size=3, max_iter=5),
                                    dict(line_search_fn="strong_wolfe"),
                                    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=4, max_eval=6)],
                         ids=["default", "short-history", "strong-wolfe", "strong-wolfe-short"])
def test_lbfgs_with_a_closure_matches_torch(kwargs, dtype, torch_dtype):
    torch_dtype(dtype)
    ours, theirs = pairs(dtype)
    opt, topt = nn.optim.LBFGS(ours, **kwargs), torch.optim.LBFGS(theirs, **kwargs)

    def make_closure(optimizer, params):
        def closure():
            optimizer.zero_grad()
            loss = lbfgs_loss(params)
            loss.backward()
            return loss
        return closure

    tolerance = dict(rtol=1e-9, atol=1e-11) if dtype == np.float64 else dict(rtol=2e-3, atol=2e-4)
    for step in range(3):
        loss, tloss = opt.step(make_closure(opt, ours)), topt.step(make_closure(topt, theirs))
        np.testing.assert_allclose(float(loss), float(tloss.detach()), **tolerance)
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), **tolerance, err_msg=f"step {step}")
        state, tstate = opt.state[ours[0]], topt.state[theirs[0]]
        if dtype == np.float64:
            assert (state["func_evals"], state["n_iter"]) == (tstate["func_evals"], tstate["n_iter"])


def test_lbfgs_state_dict_roundtrip_and_checks(tmp_path):
    params = [nn.Parameter(a) for a in make_params(np.float64)]
    opt = nn.optim.LBFGS(params, history_size=4, max_iter=3, line_search_fn="strong_wolfe")

    def closure_for(optimizer, ps):
        def closure():
            optimizer.zero_grad()
            loss = lbfgs_loss(ps)
            loss.backward()
            return loss
        return closure

    opt.step(closure_for(opt, params))
    nn.save({"optimizer": opt.state_dict()}, tmp_path / "lbfgs.npz")
    clone_params = [nn.Parameter(p.data.copy()) for p in params]
    clone = nn.optim.LBFGS(clone_params, history_size=4, max_iter=3, line_search_fn="strong_wolfe")
    clone.load_state_dict(nn.load(tmp_path / "lbfgs.npz")["optimizer"])
    assert clone.param_groups[0]["line_search_fn"] == "strong_wolfe"
    opt.step(closure_for(opt, params))
    clone.step(closure_for(clone, clone_params))
    for p, q in zip(params, clone_params):
        np.testing.assert_array_equal(p.data, q.data)
    plain = nn.optim.LBFGS([nn.Parameter(np.ones(3)), nn.Parameter(np.ones(2)), nn.Parameter(np.ones(1))])
    assert nn.optim.LBFGS([nn.Parameter(np.ones(3))]).state_dict()["param_groups.0.line_search_fn"] == ""
    with pytest.raises(ValueError, match="LBFGS.load_state_dict: state 'd' has shape"):
        plain.load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        plain.add_param_group({"params": [nn.Parameter(np.ones(2))]})
    with pytest.raises(TypeError, match="LBFGS.step: closure must be a callable"):
        plain.step()


def test_closure_of_other_optimizers_is_evaluated_first_and_its_loss_returned():
    p = nn.Parameter(np.array([1.0, 2.0]))
    opt = nn.optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert float(opt.step(closure)) == 5.0
    np.testing.assert_allclose(p.data, [0.8, 1.6])
    assert opt.step() is None


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
    (lambda ps: nn.optim.SGD(ps, lr=-1), r"SGD: invalid lr: -1 \(must be >= 0\)"),
    (lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=-0.5), "SGD: invalid momentum: -0.5"),
    (lambda ps: nn.optim.SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum > 0"),
    (lambda ps: nn.optim.SGD(ps, momentum=0.9, dampening=0.1, nesterov=True), "zero dampening"),
    (lambda ps: nn.optim.Adam(ps, betas=(0.9, 1.0)), r"Adam: invalid betas\[1\]: 1.0 \(must be in \[0, 1\)\)"),
    (lambda ps: nn.optim.Adam(ps, eps=-1), "Adam: invalid eps: -1"),
    (lambda ps: nn.optim.AdamW(ps, weight_decay=-0.1), "AdamW: invalid weight_decay: -0.1"),
    (lambda ps: nn.optim.RMSprop(ps, alpha=-0.1), "RMSprop: invalid alpha: -0.1"),
    (lambda ps: nn.optim.Adagrad(ps, lr_decay=-1), "Adagrad: invalid lr_decay: -1"),
    (lambda ps: nn.optim.Adagrad(ps, initial_accumulator_value=-1), "invalid initial_accumulator_value: -1"),
    (lambda ps: nn.optim.Adadelta(ps, rho=1.5), r"Adadelta: invalid rho: 1.5 \(must be in \[0, 1\]\)"),
    (lambda ps: nn.optim.Adamax(ps, betas=(-0.1, 0.9)), r"Adamax: invalid betas\[0\]: -0.1"),
    (lambda ps: nn.optim.NAdam(ps, momentum_decay=-1), "NAdam: invalid momentum_decay: -1"),
    (lambda ps: nn.optim.RAdam(ps, lr=-0.1), "RAdam: invalid lr: -0.1"),
    (lambda ps: nn.optim.ASGD(ps, lambd=-1), "ASGD: invalid lambd: -1"),
    (lambda ps: nn.optim.Rprop(ps, etas=(0.5, 0.9)), r"Rprop: invalid etas: \(0.5, 0.9\) \(must be 0 < etas\[0\] < 1 < etas\[1\]\)"),
    (lambda ps: nn.optim.Rprop(ps, step_sizes=(1, 0.1)), "Rprop: invalid step_sizes"),
    (lambda ps: nn.optim.LBFGS(ps, max_iter=0), r"LBFGS: invalid max_iter: 0 \(must be > 0\)"),
    (lambda ps: nn.optim.LBFGS(ps, history_size=0), "LBFGS: invalid history_size: 0"),
    (lambda ps: nn.optim.LBFGS(ps, tolerance_grad=-1), "LBFGS: invalid tolerance_grad: -1"),
    (lambda ps: nn.optim.LBFGS(ps, line_search_fn="wolfe"), "LBFGS: invalid line_search_fn: 'wolfe'"),
    (lambda ps: nn.optim.LBFGS([{"params": ps[:1]}, {"params": ps[1:]}]), "per-parameter options"),
    (lambda ps: nn.optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": -2}], lr=0.1), "SGD: invalid lr: -2"),
    (lambda ps: nn.optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda ps: nn.optim.SGD(ps + ps, lr=0.1), "more than one parameter group"),
])
def test_validation_messages(factory, message):
    with pytest.raises(ValueError, match=message):
        factory([nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))])


def test_add_param_group_checks_before_adding():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = nn.optim.Adam([a], lr=0.1)
    with pytest.raises(ValueError, match=r"Adam: invalid betas\[0\]: 2"):
        opt.add_param_group({"params": [b], "betas": (2, 0.9)})
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([b])
    with pytest.raises(KeyError, match="has no 'params'"):
        opt.add_param_group({"lr": 0.1})
    assert len(opt.param_groups) == 1
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["betas"] == (0.9, 0.999)


def test_non_leaf_and_single_tensor_rejected():
    p = nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="non-leaf"):
        nn.optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        nn.optim.SGD(p, lr=0.1)


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("RMSprop", dict(momentum=0.5)),
                                          ("Adam", dict(betas=(0.8, 0.9))), ("AdamW", {}), *CONFIGS[5::2]])
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
    (lambda ps: nn.optim.Adam(ps, betas=0.9), r"Adam: betas must be a pair of numbers, got float 0\.9"),
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
