"""Optimizers step for step against torch.optim (float64 and float32); schedulers; state_dict."""
import numpy as np
import pytest

import nn
from autograd import Tensor

torch = pytest.importorskip("torch", reason="torch.optim is the oracle for optimizer parity")
# torch warns when a scheduler steps before its optimizer; the schedule tests step no optimizer
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)`:UserWarning")

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

    tolerance = dict(rtol=1e-9, atol=1e-11) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
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


class Halving:
    """A picklable-style lr_lambda (an object, not a function)."""

    def __call__(self, epoch):
        return 0.5 ** (epoch // 4)


# One row per scheduler and argument set: a factory given the library's lr_scheduler module
# and an optimizer; the same factory builds dyngrad's and torch's.
SCHEDULERS = [
    ("StepLR", lambda m, o: m.StepLR(o, step_size=3, gamma=0.5)),
    ("MultiStepLR", lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 11], gamma=0.3)),
    ("ExponentialLR", lambda m, o: m.ExponentialLR(o, gamma=0.9)),
    ("ConstantLR", lambda m, o: m.ConstantLR(o)),
    ("ConstantLR-args", lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=7)),
    ("LinearLR", lambda m, o: m.LinearLR(o)),
    ("LinearLR-args", lambda m, o: m.LinearLR(o, start_factor=0.9, end_factor=0.1, total_iters=12)),
    ("PolynomialLR", lambda m, o: m.PolynomialLR(o, total_iters=12, power=2.0)),
    ("CosineAnnealingLR", lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=1e-3)),
    ("CosineAnnealingWarmRestarts", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=1e-4)),
    ("CosineAnnealingWarmRestarts-1", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5)),
    ("LambdaLR", lambda m, o: m.LambdaLR(o, lambda epoch: 1 / (1 + epoch))),
    ("LambdaLR-per-group", lambda m, o: m.LambdaLR(o, [lambda epoch: 0.9 ** epoch, Halving()])),
    ("MultiplicativeLR", lambda m, o: m.MultiplicativeLR(o, lambda epoch: 0.95)),
    ("OneCycleLR", lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=40)),
    ("OneCycleLR-args", lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 1.0], epochs=4, steps_per_epoch=10,
                                                   pct_start=0.25, anneal_strategy="linear", three_phase=True,
                                                   base_momentum=0.8, max_momentum=[0.9, 0.95])),
    ("OneCycleLR-no-momentum", lambda m, o: m.OneCycleLR(o, max_lr=0.3, total_steps=35, cycle_momentum=False,
                                                          div_factor=10, final_div_factor=100)),
    ("CyclicLR", lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR-triangular2", lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                                      step_size_down=5, mode="triangular2")),
    ("CyclicLR-exp_range", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.9,
                                                    base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR-scale_fn", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 0.8 ** x,
                                                   scale_mode="iterations", cycle_momentum=False)),
    ("SequentialLR", lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=4),
                                                     m.ExponentialLR(o, gamma=0.9)], milestones=[5])),
    ("SequentialLR-three", lambda m, o: m.SequentialLR(o, [m.ConstantLR(o, factor=0.5, total_iters=3),
                                                           m.CosineAnnealingLR(o, T_max=6),
                                                           m.StepLR(o, step_size=2, gamma=0.7)], milestones=[4, 12])),
    ("ChainedScheduler", lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.25, total_iters=6),
                                                          m.ExponentialLR(o, gamma=0.9)])),
    ("ChainedScheduler-optimizer", lambda m, o: m.ChainedScheduler([m.StepLR(o, 4, 0.5), m.MultiplicativeLR(
        o, lambda epoch: 0.99)], optimizer=o)),
]
STEPS = 30


def scheduler_pair(factory, optimizer_name="SGD"):
    def groups(ps):
        return [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.05}]
    kwargs = dict(lr=0.1, momentum=0.9) if optimizer_name == "SGD" else dict(lr=0.1)
    ours, theirs = pairs(np.float64)
    opt = getattr(nn.optim, optimizer_name)(groups(ours), **kwargs)
    topt = getattr(torch.optim, optimizer_name)(groups(theirs), **kwargs)
    return opt, topt, factory(nn.optim.lr_scheduler, opt), factory(torch.optim.lr_scheduler, topt)


def assert_same_schedule(opt, topt, sched, tsched, message):
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12, abs=1e-15), message
    for group, tgroup in zip(opt.param_groups, topt.param_groups):
        for key in ("lr", "momentum", "betas", "initial_lr", "max_lr", "min_lr"):
            if key in tgroup:
                assert group[key] == pytest.approx(tgroup[key], rel=1e-12, abs=1e-15), f"{message}: {key}"


@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name, factory", SCHEDULERS, ids=[name for name, _ in SCHEDULERS])
def test_scheduler_sequences_match_torch(name, factory, optimizer_name):
    opt, topt, sched, tsched = scheduler_pair(factory, optimizer_name)
    for step in range(STEPS):
        assert_same_schedule(opt, topt, sched, tsched, f"{name} at step {step}")
        if step == 17 and not name.startswith("OneCycleLR"):
            for o in (opt, topt):       # a manual change carries forward in the chainable forms
                o.param_groups[1]["lr"] *= 0.5
        sched.step()
        tsched.step()
    assert_same_schedule(opt, topt, sched, tsched, f"{name} at the end")


@pytest.mark.parametrize("name, factory", SCHEDULERS, ids=[name for name, _ in SCHEDULERS])
def test_scheduler_state_dict_roundtrips_through_nn_save(name, factory, tmp_path):
    opt, _, sched, _ = scheduler_pair(factory)
    for _ in range(7):
        sched.step()
    state = sched.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    nn.save({"optimizer": opt.state_dict(), "scheduler": state}, tmp_path / "ckpt.npz")
    opt2, _, restored, _ = scheduler_pair(factory)
    checkpoint = nn.load(tmp_path / "ckpt.npz")
    opt2.load_state_dict(checkpoint["optimizer"])
    restored.load_state_dict(checkpoint["scheduler"])
    for step in range(12):
        sched.step()
        restored.step()
        assert restored.get_last_lr() == sched.get_last_lr(), f"{name}, step {step} after loading"
    with pytest.raises(KeyError, match="expected keys"):
        restored.load_state_dict({"bogus": np.array(1)})


@pytest.mark.parametrize("metrics, kwargs", [
    ([5, 4, 4, 4, 4, 3.9999, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2], dict(patience=2)),
    ([1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4], dict(mode="max", patience=1, factor=0.5, cooldown=2)),
    ([5, 4.99, 4.98, 4.5, 4.5, 4.5, 4.5, 4.5, 4.4, 4.4, 4.4], dict(threshold=0.05, threshold_mode="abs",
                                                                   patience=0, min_lr=[0.02, 0.001])),
    ([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], dict(patience=0, factor=0.5, min_lr=0.01, eps=1e-3)),
], ids=["min-rel", "max-cooldown", "abs-min_lr-list", "floor-eps"])
def test_reduce_lr_on_plateau_matches_torch(metrics, kwargs, tmp_path):
    opt, topt, sched, tsched = scheduler_pair(lambda m, o: m.ReduceLROnPlateau(o, **kwargs))
    for i, metric in enumerate(metrics):
        sched.step(metric)
        tsched.step(metric)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12), f"epoch {i}"
        assert (sched.num_bad_epochs, sched.cooldown_counter) == (tsched.num_bad_epochs, tsched.cooldown_counter)
        if i == 5:
            nn.save({"s": sched.state_dict()}, tmp_path / "plateau.npz")
            opt2, _, copy, _ = scheduler_pair(lambda m, o: m.ReduceLROnPlateau(o, **kwargs))
            copy.load_state_dict(nn.load(tmp_path / "plateau.npz")["s"])
            assert copy.best == sched.best and copy.min_lrs == sched.min_lrs
    sched.step(Tensor(np.array(0.0)))            # a 0-d Tensor metric works


def test_closed_forms_match_torch_in_sequential_milestones():
    """SequentialLR restarts the next scheduler by its closed form: every closed form once."""
    for name in ("StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
                 "CosineAnnealingLR"):
        factory = dict(SCHEDULERS)[name]
        both = scheduler_pair(lambda m, o: m.SequentialLR(o, [m.ExponentialLR(o, 0.5), factory(m, o),
                                                              factory(m, o)], milestones=[3, 9]))
        for step in range(20):
            assert_same_schedule(*both, f"{name} in SequentialLR, step {step}")
            both[2].step()
            both[3].step()


def test_schedulers_resume_with_last_epoch():
    opt = nn.optim.SGD([nn.Parameter(np.ones(2))], lr=0.1)
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        nn.optim.lr_scheduler.StepLR(opt, 2, last_epoch=3)
    topt = torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=0.1)
    for o in (opt, topt):
        o.param_groups[0]["initial_lr"] = 0.1
    sched = nn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
    tsched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=10, last_epoch=4)
    for _ in range(5):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        sched.step()
        tsched.step()


def test_warm_restarts_with_fractional_epochs_match_torch():
    both = scheduler_pair(lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2))
    for epoch in np.arange(0, 20, 0.35):
        both[2].step(float(epoch))
        both[3].step(float(epoch))
        assert_same_schedule(*both, f"epoch {epoch}")


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


S = nn.optim.lr_scheduler


@pytest.mark.parametrize("factory, error, message", [
    (lambda o: S.StepLR(o, step_size=0), ValueError, r"StepLR: invalid step_size: 0 \(must be an int >= 1\)"),
    (lambda o: S.StepLR(o, step_size=2, gamma=0), ValueError, r"StepLR: invalid gamma: 0 \(must be > 0\)"),
    (lambda o: S.MultiStepLR(o, milestones=3), TypeError, "MultiStepLR: milestones must be a list of ints"),
    (lambda o: S.MultiStepLR(o, milestones=[2, 3.5]), TypeError, "MultiStepLR: milestones must be an int, got float"),
    (lambda o: S.ConstantLR(o, factor=1.5), ValueError, r"ConstantLR: invalid factor: 1.5 \(must be in \(0, 1\]\)"),
    (lambda o: S.ConstantLR(o, total_iters=-1), ValueError, "ConstantLR: invalid total_iters: -1"),
    (lambda o: S.LinearLR(o, start_factor=0), ValueError, "LinearLR: invalid start_factor: 0"),
    (lambda o: S.LinearLR(o, end_factor=2), ValueError, "LinearLR: invalid end_factor: 2"),
    (lambda o: S.LinearLR(o, total_iters=0), ValueError, "LinearLR: invalid total_iters: 0"),
    (lambda o: S.PolynomialLR(o, power=-1), ValueError, "PolynomialLR: invalid power: -1"),
    (lambda o: S.PolynomialLR(o, total_iters="5"), TypeError, "PolynomialLR: total_iters must be an int, got str"),
    (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError, "CosineAnnealingLR: invalid T_max: 0"),
    (lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min="0"), TypeError, "CosineAnnealingLR: eta_min must be a number"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "CosineAnnealingWarmRestarts: invalid T_0: 0"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5), TypeError, "T_mult must be an int, got float"),
    (lambda o: S.LambdaLR(o, lr_lambda=0.5), TypeError, "LambdaLR: lr_lambda must be a function, got float"),
    (lambda o: S.LambdaLR(o, lr_lambda=[abs, abs, abs]), ValueError, r"LambdaLR: expected 2 lr_lambdas \(one per group\), got 3"),
    (lambda o: S.MultiplicativeLR(o, lr_lambda="x"), TypeError, "MultiplicativeLR: lr_lambda must be a function"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0), ValueError, "OneCycleLR: pass either total_steps or both epochs"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError, "OneCycleLR: invalid total_steps: 0"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, epochs=2, steps_per_epoch=2.5), TypeError, "steps_per_epoch must be an int"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=9, pct_start=1.2), ValueError, "OneCycleLR: invalid pct_start: 1.2"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=9, anneal_strategy="exp"), ValueError, "invalid anneal_strategy: 'exp'"),
    (lambda o: S.OneCycleLR(o, max_lr=[1.0], total_steps=9), ValueError, "max_lr must have one value per parameter group"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=9, div_factor=0), ValueError, "OneCycleLR: invalid div_factor: 0"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=9, three_phase=1), TypeError, "three_phase must be True or False"),
    (lambda o: S.CyclicLR(o, 0.1, 1.0, step_size_up=0), ValueError, "CyclicLR: invalid step_size_up: 0"),
    (lambda o: S.CyclicLR(o, 0.1, 1.0, mode="saw"), ValueError, "CyclicLR: invalid mode: 'saw'"),
    (lambda o: S.CyclicLR(o, 0.1, 1.0, scale_mode="epochs"), ValueError, "CyclicLR: invalid scale_mode: 'epochs'"),
    (lambda o: S.CyclicLR(o, "0.1", 1.0), TypeError, "CyclicLR: base_lr must be a number, got str"),
    (lambda o: S.CyclicLR(o, 0.1, 1.0, base_momentum=-1), ValueError, "CyclicLR: invalid base_momentum: -1"),
    (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, r"ReduceLROnPlateau: invalid factor: 1.0 \(must be in \[0, 1\)\)"),
    (lambda o: S.ReduceLROnPlateau(o, mode="lowest"), ValueError, "ReduceLROnPlateau: invalid mode: 'lowest'"),
    (lambda o: S.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "invalid threshold_mode: 'pct'"),
    (lambda o: S.ReduceLROnPlateau(o, patience=2.5), TypeError, "ReduceLROnPlateau: patience must be an int"),
    (lambda o: S.ReduceLROnPlateau(o, cooldown=-1), ValueError, "ReduceLROnPlateau: invalid cooldown: -1"),
    (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "min_lr must have one value per parameter group"),
    (lambda o: S.SequentialLR(o, [], milestones=[]), ValueError, "SequentialLR: expects at least one scheduler"),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[]), ValueError,
     "expects one milestone fewer than schedulers"),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], milestones=[2]), ValueError,
     r"schedulers\[1\] is a ReduceLROnPlateau"),
    (lambda o: S.ChainedScheduler([S.StepLR(o, 2), "StepLR"]), TypeError, r"schedulers\[1\] is a str, not a scheduler"),
    (lambda o: S.ChainedScheduler([S.StepLR(o, 2), S.StepLR(nn.optim.SGD([nn.Parameter(np.ones(1))]), 2)]),
     ValueError, r"schedulers\[1\] \(StepLR\) belongs to another optimizer"),
    (lambda o: S.StepLR("sgd", 2), TypeError, "StepLR: str is not an Optimizer"),
    (lambda o: S.StepLR(o, 2, last_epoch=-2), ValueError, "StepLR: invalid last_epoch: -2"),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_scheduler_arguments_are_checked_naming_them(factory, error, message):
    opt = nn.optim.SGD([{"params": [nn.Parameter(np.ones(2))]}, {"params": [nn.Parameter(np.ones(2))]}], lr=0.1)
    with pytest.raises(error, match=message):
        factory(opt)


def test_cycle_momentum_needs_a_momentum_and_one_cycle_stops_at_total_steps():
    opt = nn.optim.Rprop([nn.Parameter(np.ones(2))])
    with pytest.raises(ValueError, match="cycle_momentum=True needs an optimizer with momentum or betas"):
        S.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=3, cycle_momentum=False)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="OneCycleLR: tried to step 4 times; total_steps is 3"):
        sched.step()


def test_an_optimizer_state_saved_under_a_scheduler_loads_into_a_plain_optimizer():
    opt = nn.optim.Adam([nn.Parameter(np.ones(2))], lr=0.1)
    S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    plain = nn.optim.Adam([nn.Parameter(np.ones(2))], lr=0.1)
    plain.load_state_dict(opt.state_dict())
    assert plain.param_groups[0]["max_lr"] == 1.0 and plain.param_groups[0]["betas"] == (0.95, 0.999)


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


def test_named_parameters_are_accepted_as_in_torch():
    model = nn.Linear(3, 2)
    opt = nn.optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert all(isinstance(p, nn.Parameter) for p in opt.param_groups[0]["params"])
    restored = nn.optim.SGD(nn.Linear(3, 2).named_parameters(), lr=0.5)
    restored.load_state_dict(opt.state_dict())
    assert restored.param_groups[0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match="give every parameter a name"):
        opt.add_param_group({"params": [nn.Parameter(np.ones(2))]})
    with pytest.raises(ValueError, match="give every parameter a name"):
        nn.optim.SGD([model.weight], lr=0.1).add_param_group({"params": [("bias", model.bias)]})


def test_a_state_saved_before_maximize_existed_still_loads():
    p = nn.Parameter(np.ones(2))
    opt = nn.optim.Adam([p], lr=0.1)
    p.grad = Tensor(np.ones(2))
    opt.step()
    old = {k: v for k, v in opt.state_dict().items() if not k.endswith(("maximize", "decoupled_weight_decay"))}
    restored = nn.optim.Adam([nn.Parameter(np.ones(2))], lr=0.5, maximize=True)
    restored.load_state_dict(old)
    assert restored.param_groups[0]["lr"] == 0.1 and restored.param_groups[0]["maximize"] is True


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
