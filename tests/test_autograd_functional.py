"""autograd.functional against torch.autograd.functional, in float64.

Each function under test is written once with the Tensor methods both libraries share
and run on dyngrad and torch Tensors holding the same values. Compared: the structure
of the result (Tensor or tuple, nested as PyTorch nests it), shapes, values, whether a
result carries a graph, and with create_graph=True a further derivative of the results
back to the inputs (and to v). Strict mode and bad arguments must raise where torch
raises, with the same exception type and a message naming the argument.
"""
import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from autograd import functional as AF

try:
    import torch
    import torch.autograd.functional as TAF
except ImportError:  # the parity tests skip; the dyngrad-only ones still run
    torch = TAF = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: parity tests need it (make torch)")

# torch's vectorize=True goes through its own deprecated torch.jit.script; that is torch's business.
pytestmark = [pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning"),
              pytest.mark.usefixtures("one_torch_thread")]


OURS, TORCH = "dyngrad", "torch"


def make(lib, value, requires_grad=False):
    """Arrays (or a tuple of them) as Tensors of `lib`; None stays None."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(make(lib, v, requires_grad) for v in value)
    if lib == OURS:
        return Tensor(np.array(value, dtype=np.float64), requires_grad=requires_grad)
    return torch.tensor(np.array(value, dtype=np.float64), requires_grad=requires_grad)


def module(lib):
    return AF if lib == OURS else TAF


def assert_same(ours, theirs, what="result", check_graph=True):
    """Same nesting, shapes and values; with check_graph, a graph exactly where torch has one."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple), f"{what}: expected a tuple, got {type(ours).__name__}"
        assert len(ours) == len(theirs), f"{what}: {len(ours)} entries, expected {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, f"{what}[{i}]", check_graph)
        return
    assert isinstance(ours, Tensor), f"{what}: expected a Tensor, got {type(ours).__name__}"
    assert ours.shape == tuple(theirs.shape), f"{what}: shape {ours.shape}, expected {tuple(theirs.shape)}"
    if check_graph:
        assert ours.requires_grad == theirs.requires_grad, f"{what}: requires_grad {ours.requires_grad}"
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=what)


def flat(result):
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in flat(r)]
    return [result]


# ----- the functions, each written once for both libraries ------------------------------

RNG = np.random.default_rng(0)
A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2))
S = RNG.standard_normal(1) + 0.5

# name: (func, inputs (an array, or a tuple of them), v for vjp (output-shaped), v for jvp (input-shaped))
VECTOR = {
    "one_to_one": (lambda x: (x ** 3).sum(1) * x[:, 0].tanh(), A,
                   RNG.standard_normal(2), RNG.standard_normal((2, 3))),
    "one_to_two": (lambda x: (x.exp().sum(0), (x * x).sum()), A,
                   (RNG.standard_normal(3), RNG.standard_normal(())), RNG.standard_normal((2, 3))),
    "two_to_one": (lambda x, y: (x @ y).sigmoid(), (A, B),
                   RNG.standard_normal((2, 2)), (RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2)))),
    "two_to_two": (lambda x, y: ((x @ y).tanh(), (x * x).sum() * y.sum()), (A, B),
                   (RNG.standard_normal((2, 2)), RNG.standard_normal(())),
                   (RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2)))),
    "one_element_in": (lambda x: x.exp() * x ** 2, S, RNG.standard_normal(1), None),
    "one_element_out": (lambda x, y: (x @ y).sum() * x.sum(), (A, B), None,
                        (RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2)))),
}

# name: (scalar func, inputs, v (input-shaped))
SCALAR = {
    "one": (lambda x: (x.exp() * x.tanh()).sum() * x.sum(), A, RNG.standard_normal((2, 3))),
    "two": (lambda x, y: ((x @ y).sigmoid() ** 2).sum() * x.sum(), (A, B),
            (RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2)))),
    "one_element_in": (lambda x: (x ** 4).sum() + x.exp().sum(), S, None),
    "shape_1x1_out": (lambda x: (x * x.sigmoid()).sum().reshape(1, 1), A, RNG.standard_normal((2, 3))),
}


def run(lib, name, inputs, v, create_graph, **options):
    """Call functional.<name> in `lib`; with create_graph, also differentiate the results again."""
    func = options.pop("func")
    xs = make(lib, inputs, requires_grad=create_graph)
    vs = make(lib, v, requires_grad=create_graph)
    args = (func, xs) if name in ("jacobian", "hessian") else (func, xs, vs)
    result = getattr(module(lib), name)(*args, create_graph=create_graph, **options)
    second = None
    if create_graph:
        leaves = [t for t in flat(xs) + flat(vs) if t is not None]
        pieces = [(t * t).sum() for t in flat(result) if t.requires_grad]
        total = pieces[0]
        for p in pieces[1:]:
            total = total + p
        grad = ag.grad if lib == OURS else torch.autograd.grad
        second = grad(total, leaves, allow_unused=True)
    return result, second


def check(name, inputs, v, create_graph, check_graph=True, **options):
    ours, ours_second = run(OURS, name, inputs, v, create_graph, **options)
    theirs, theirs_second = run(TORCH, name, inputs, v, create_graph, **options)
    assert_same(ours, theirs, name, check_graph)
    if create_graph:
        for i, (o, t) in enumerate(zip(ours_second, theirs_second)):
            if t is None:
                assert o is None or not np.abs(o.data).any(), f"derivative of the results, leaf {i}"
            else:
                assert_same(o, t, f"derivative of the results, leaf {i}", check_graph=False)


@needs_torch
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", sorted(VECTOR))
def test_vjp_matches_torch(case, create_graph):
    func, inputs, v, _ = VECTOR[case]
    check("vjp", inputs, v, create_graph, func=func)


@needs_torch
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", sorted(VECTOR))
def test_jvp_matches_torch(case, create_graph):
    func, inputs, _, v = VECTOR[case]
    check("jvp", inputs, v, create_graph, func=func)


@needs_torch
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", sorted(VECTOR))
def test_jacobian_matches_torch(case, create_graph):
    func, inputs, _, _ = VECTOR[case]
    check("jacobian", inputs, None, create_graph, func=func)


@needs_torch
@pytest.mark.parametrize("case", sorted(VECTOR))
def test_jacobian_options_match_torch(case):
    """vectorize=True, and the forward-mode strategy (which torch allows only vectorized)."""
    func, inputs, _, _ = VECTOR[case]
    check("jacobian", inputs, None, False, func=func, vectorize=True)
    check("jacobian", inputs, None, False, func=func, vectorize=True, strategy="forward-mode")


@needs_torch
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", sorted(SCALAR))
def test_hessian_matches_torch(case, create_graph):
    func, inputs, _ = SCALAR[case]
    check("hessian", inputs, None, create_graph, func=func)


@needs_torch
@pytest.mark.parametrize("case", sorted(SCALAR))
def test_hessian_forward_over_reverse_matches_torch(case):
    func, inputs, _ = SCALAR[case]
    # torch's forward-mode Hessian leaves requires_grad set on its results; the values are what matter.
    check("hessian", inputs, None, False, check_graph=False, func=func, vectorize=True,
          outer_jacobian_strategy="forward-mode")


@needs_torch
@pytest.mark.parametrize("name", ["hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", sorted(SCALAR))
def test_hessian_vector_products_match_torch(name, case, create_graph):
    func, inputs, v = SCALAR[case]
    check(name, inputs, v, create_graph, func=func)


def test_hvp_and_vhp_agree_with_the_hessian():
    func, (a, b), (va, vb) = SCALAR["two"]
    x, y = Tensor(a), Tensor(b)
    (hxx, hxy), (hyx, hyy) = AF.hessian(func, (x, y))
    expected_x = np.tensordot(hxx.data, va, 2) + np.tensordot(hxy.data, vb, 2)
    expected_y = np.tensordot(hyx.data, va, 2) + np.tensordot(hyy.data, vb, 2)
    for product in (AF.hvp, AF.vhp):
        _, (px, py) = product(func, (x, y), (Tensor(va), Tensor(vb)))
        np.testing.assert_allclose(px.data, expected_x, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(py.data, expected_y, rtol=1e-10, atol=1e-12)


# ----- behaviour around the calls --------------------------------------------------------


def central_differences(fn, a, eps=1e-6):
    """d fn(a) / d a by central differences, shape fn(a).shape + a.shape (fn maps arrays to arrays)."""
    columns = []
    for i in range(a.size):
        step = np.zeros(a.size)
        step[i] = eps
        step = step.reshape(a.shape)
        columns.append((fn(a + step) - fn(a - step)) / (2 * eps))
    return np.stack(columns, axis=-1).reshape(np.shape(columns[0]) + a.shape)


def test_jacobian_and_hessian_match_central_differences():
    func = VECTOR["one_to_one"][0]
    expected = central_differences(lambda a: func(Tensor(a)).data, A)
    np.testing.assert_allclose(AF.jacobian(func, Tensor(A)).data, expected, rtol=1e-6, atol=1e-8)
    scalar = SCALAR["one"][0]

    def gradient(a):
        x = Tensor(a, requires_grad=True)
        return ag.grad(scalar(x), [x])[0].data

    expected = central_differences(gradient, A)
    for strategy in ("reverse-mode", "forward-mode"):
        hessian = AF.hessian(scalar, Tensor(A), outer_jacobian_strategy=strategy)
        np.testing.assert_allclose(hessian.data, expected, rtol=1e-6, atol=1e-8)


def test_inputs_grad_and_graph_are_left_alone():
    x = Tensor(A.copy(), requires_grad=True)
    out, product = AF.vjp(lambda t: (t * t).sum(), x)
    assert x.grad is None
    assert not out.requires_grad and not product.requires_grad
    np.testing.assert_allclose(product.data, 2 * A)


@needs_torch
@pytest.mark.parametrize("name", ["vjp", "jvp", "hvp", "vhp"])
def test_create_graph_on_inputs_that_do_not_require_grad(name):
    """The results still carry a graph (to internal leaves), as torch's do."""
    func, inputs, v = SCALAR["two"]
    v_out = np.float64(1.5) if name == "vjp" else v
    results = [getattr(module(lib), name)(func, make(lib, inputs), make(lib, v_out), create_graph=True)
               for lib in (OURS, TORCH)]
    assert_same(*results)


@needs_torch
def test_works_under_no_grad():
    func, inputs, v, _ = VECTOR["two_to_two"]
    with ag.no_grad():
        ours = AF.vjp(func, make(OURS, inputs), make(OURS, v))
        assert not ag.is_grad_enabled()
    assert_same(ours, TAF.vjp(func, make(TORCH, inputs), make(TORCH, v)))


@needs_torch
def test_a_captured_input_is_a_constant():
    """func's argument is a new tensor: the same tensor captured by func is not differentiated."""
    results = []
    for lib in (OURS, TORCH):
        captured = make(lib, A)
        results.append(module(lib).jacobian(lambda t: t * captured * captured, captured))
    assert_same(*results)


@needs_torch
def test_non_strict_fills_in_zeros_where_torch_does():
    for lib_results in [[module(lib).vjp(lambda x, y: x.exp(), make(lib, (A, B)), make(lib, A))
                         for lib in (OURS, TORCH)],
                        [module(lib).jvp(lambda x: x.detach() * 2, make(lib, A), make(lib, A))
                         for lib in (OURS, TORCH)],
                        [module(lib).hessian(lambda x, y: x.sum() * 3, make(lib, (A, B)))
                         for lib in (OURS, TORCH)],
                        [module(lib).hvp(lambda x: (x * 2).sum(), make(lib, A), make(lib, A))
                         for lib in (OURS, TORCH)]]:
        assert_same(*lib_results)


# ----- strict mode -----------------------------------------------------------------------

# (function, func, inputs, v, words our message must contain): torch raises RuntimeError for each.
STRICT = [
    ("vjp", lambda x, y: x.exp(), (A, B), A, ["vjp", "strict", "input 1"]),
    ("vjp", lambda x: x.detach() * 2, A, A, ["vjp", "strict", "output 0", "does not require grad"]),
    ("jvp", lambda x, y: x.exp(), (A, B), (A, B), ["jvp", "strict", "input 1"]),
    ("jvp", lambda x: x.detach() * 2, A, A, ["jvp", "strict", "output 0"]),
    ("jacobian", lambda x, y: x.exp(), (A, B), None, ["jacobian", "strict", "output 0", "input 1"]),
    ("hessian", lambda x: x.sum() * 2, A, None, ["hessian", "strict", "input 0", "linear"]),
    ("hessian", lambda x, y: (x * x).sum(), (A, B), None, ["hessian", "strict", "input 1"]),
    ("vhp", lambda x: x.sum() * 2, A, A, ["vhp", "strict", "input 0"]),
    ("hvp", lambda x: x.sum() * 2, A, A, ["hvp", "strict", "input 0"]),
]


@needs_torch
@pytest.mark.parametrize("name, func, inputs, v, words", STRICT, ids=[f"{c[0]}-{i}" for i, c in enumerate(STRICT)])
def test_strict_raises_where_torch_raises(name, func, inputs, v, words):
    def call(lib):
        args = (func, make(lib, inputs)) if v is None else (func, make(lib, inputs), make(lib, v))
        return getattr(module(lib), name)(*args, strict=True)

    with pytest.raises(RuntimeError):
        call(TORCH)
    with pytest.raises(RuntimeError) as error:
        call(OURS)
    for word in words:
        assert word in str(error.value), f"{word!r} not in {error.value}"


@needs_torch
def test_strict_accepts_what_depends_on_the_inputs():
    func, inputs, v = SCALAR["two"]
    for name in ("vhp", "hvp"):
        ours = getattr(AF, name)(func, make(OURS, inputs), make(OURS, v), strict=True)
        assert_same(ours, getattr(TAF, name)(func, make(TORCH, inputs), make(TORCH, v), strict=True))
    assert_same(AF.hessian(func, make(OURS, inputs), strict=True),
                TAF.hessian(func, make(TORCH, inputs), strict=True))


# ----- bad arguments ---------------------------------------------------------------------


def _square(x):
    return x * x


def _sum(x):
    return (x * x).sum()


# (description, call(F, T) with F the functional module and T a tensor maker, words in our message)
ERRORS = [
    ("inputs as a list", lambda F, T: F.vjp(_square, [T(A)], T(A)), ["vjp", "inputs", "tuple"]),
    ("inputs as an array", lambda F, T: F.jacobian(_square, A), ["jacobian", "inputs", "Tensor(array)"]),
    ("an input that is a float", lambda F, T: F.hessian(_sum, (T(A), 1.0)), ["hessian", "inputs", "entry 1"]),
    ("func returns a list", lambda F, T: F.jacobian(lambda x: [x, x], T(A)), ["jacobian", "outputs of func"]),
    ("v as a list", lambda F, T: F.jvp(_square, T(A), [T(A)]), ["jvp", "v", "tuple"]),
    ("v of the wrong shape", lambda F, T: F.vjp(_square, T(A), T(B)), ["vjp", "v has shape (3, 2)", "(2, 3)"]),
    ("v entry of the wrong shape", lambda F, T: F.jvp(lambda x, y: x @ y, (T(A), T(B)), (T(A), T(A))),
     ["jvp", "v[1] has shape (2, 3)", "inputs[1] has shape (3, 2)"]),
    ("v with too few entries", lambda F, T: F.hvp(lambda x, y: (x @ y).sum(), (T(A), T(B)), (T(A),)),
     ["hvp", "v has 1 entries", "inputs has 2"]),
    ("v with too many entries", lambda F, T: F.vhp(_sum, T(A), (T(A), T(A))), ["vhp", "v must be a single Tensor"]),
    ("v missing for a non-scalar output", lambda F, T: F.vjp(_square, T(A)), ["vjp", "v can be None only", "(2, 3)"]),
    ("v missing for a non-scalar input", lambda F, T: F.jvp(_square, T(A)), ["jvp", "v can be None only"]),
    ("v missing for hvp", lambda F, T: F.hvp(_sum, T(A)), ["hvp", "v can be None only"]),
    ("hessian of a vector", lambda F, T: F.hessian(_square, T(A)), ["hessian", "single element", "(2, 3)"]),
    ("hvp of a vector", lambda F, T: F.hvp(_square, T(A), T(A)), ["hvp", "single element"]),
    ("vhp of a tuple", lambda F, T: F.vhp(lambda x: (x.sum(), x.sum()), T(A), T(A)), ["vhp", "single Tensor"]),
    ("strict with vectorize", lambda F, T: F.jacobian(_square, T(A), strict=True, vectorize=True),
     ["jacobian", "strict", "vectorize"]),
    ("forward mode with create_graph",
     lambda F, T: F.jacobian(_square, T(A), create_graph=True, vectorize=True, strategy="forward-mode"),
     ["jacobian", "create_graph", "forward-mode"]),
]


@needs_torch
@pytest.mark.parametrize("call, words", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_bad_arguments_raise_as_torch_does(call, words):
    with pytest.raises(Exception) as expected:
        call(TAF, lambda a: torch.tensor(a))
    with pytest.raises(Exception) as error:
        call(AF, Tensor)
    assert type(error.value) is type(expected.value), f"torch raised {expected.value!r}, we raised {error.value!r}"
    for word in words:
        assert word in str(error.value), f"{word!r} not in {error.value}"


@pytest.mark.parametrize("name", ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"])
def test_integer_inputs_are_a_type_error_naming_them(name):
    # torch raises RuntimeError; dyngrad's requires_grad on a non-float tensor is a TypeError everywhere.
    x = Tensor(np.arange(3))
    args = (_sum, (Tensor(A), x)) if name in ("jacobian", "hessian") else (_sum, (Tensor(A), x), (Tensor(A), x))
    with pytest.raises(TypeError, match=rf"{name}: inputs\[1\] has dtype int64"):
        getattr(AF, name)(*args)


def test_unknown_strategy_is_a_value_error():
    # torch raises AssertionError here; a bad argument value is a ValueError in dyngrad.
    with pytest.raises(ValueError, match="strategy"):
        AF.jacobian(_square, Tensor(A), strategy="sideways")
    with pytest.raises(ValueError, match="outer_jacobian_strategy"):
        AF.hessian(_sum, Tensor(A), outer_jacobian_strategy="sideways")
