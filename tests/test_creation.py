"""Creation functions and random state: PyTorch's values, dtypes and shapes; seeded draws
reproducible; the arguments (requires_grad=, dtype=, device=, generator=) and their errors."""
import threading

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"

# name: build(module), called with module = autograd and module = torch
DETERMINISTIC = {
    "tensor floats": lambda m: m.tensor([1.5, 2.0]),
    "tensor ints": lambda m: m.tensor([[1, 2], [3, 4]]),
    "tensor bools": lambda m: m.tensor([True, False]),
    "tensor ints and floats": lambda m: m.tensor([1, 2.5]),
    "tensor int scalar": lambda m: m.tensor(3),
    "tensor float scalar": lambda m: m.tensor(2.5),
    "tensor float64 array": lambda m: m.tensor(np.arange(3.0)),
    "tensor int32 array": lambda m: m.tensor(np.arange(3, dtype=np.int32)),
    "tensor numpy scalar": lambda m: m.tensor(np.float64(2.5)),
    "tensor list of numpy scalars": lambda m: m.tensor([np.float64(1.0), np.float64(2.0)]),
    "tensor dtype": lambda m: m.tensor([1, 2], dtype=m.float64),
    "tensor of 0-d tensors": lambda m: m.tensor([m.tensor(1.5), m.tensor(2.5)]),
    "as_tensor list": lambda m: m.as_tensor([1, 2, 3]),
    "as_tensor dtype": lambda m: m.as_tensor(np.arange(3), dtype=m.float32),
    "zeros varargs": lambda m: m.zeros(2, 3),
    "zeros tuple": lambda m: m.zeros((2, 3)),
    "zeros list": lambda m: m.zeros([4]),
    "zeros 0-d": lambda m: m.zeros(()),
    "zeros int64": lambda m: m.zeros(2, dtype=m.int64),
    "ones": lambda m: m.ones(2, 1, 3),
    "ones bool": lambda m: m.ones(3, dtype=m.bool),
    "ones half": lambda m: m.ones(2, dtype=m.half),
    "full float": lambda m: m.full((2, 2), 1.5),
    "full int": lambda m: m.full((2,), 7),
    "full bool": lambda m: m.full((2,), True),
    "full dtype": lambda m: m.full((2,), 1, dtype=m.float64),
    "eye": lambda m: m.eye(3),
    "eye rectangular": lambda m: m.eye(2, 4),
    "eye int64": lambda m: m.eye(2, dtype=m.int64),
    "arange end": lambda m: m.arange(5),
    "arange start end": lambda m: m.arange(2, 7),
    "arange step": lambda m: m.arange(1, 10, 3),
    "arange negative step": lambda m: m.arange(5, -3, -2),
    "arange empty": lambda m: m.arange(3, 3),
    "arange float": lambda m: m.arange(0, 1, 0.1),
    "arange float step": lambda m: m.arange(-1.0, 1.0, 0.25),
    "arange float64": lambda m: m.arange(0, 1, 0.1, dtype=m.float64),
    "arange int to float32": lambda m: m.arange(5, dtype=m.float32),
    "arange long float range": lambda m: m.arange(-3.7, 12.1, 0.3),
    "linspace": lambda m: m.linspace(0, 1, 7),
    "linspace negative": lambda m: m.linspace(-3.5, 2.25, 11),
    "linspace one step": lambda m: m.linspace(2, 5, 1),
    "linspace no steps": lambda m: m.linspace(0, 1, 0),
    "linspace float64": lambda m: m.linspace(0, 1, 101, dtype=m.float64),
    "linspace long": lambda m: m.linspace(-10, 7, 1000),
    "linspace int bounds": lambda m: m.linspace(0, 10, 5),
    "zeros_like": lambda m: m.zeros_like(m.ones(2, 3, dtype=m.float64)),
    "ones_like dtype": lambda m: m.ones_like(m.zeros(2), dtype=m.int64),
    "full_like int": lambda m: m.full_like(m.zeros(3, dtype=m.int32), 4),
    "full_like float": lambda m: m.full_like(m.zeros(3), 2.5),
    "empty_like shape": lambda m: m.zeros_like(m.empty_like(m.ones(2, 5))),
    "empty shape": lambda m: m.zeros_like(m.empty(3, 2)),
}


def torch_dtype_name(dtype):
    return str(dtype).removeprefix("torch.")


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_creation_matches_torch(name):
    torch = pytest.importorskip("torch", reason=TORCH)
    ours, theirs = DETERMINISTIC[name](ag), DETERMINISTIC[name](torch)
    assert isinstance(ours, Tensor)
    assert ours.dtype == np.dtype(torch_dtype_name(theirs.dtype)), (ours.dtype, theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    assert not ours.requires_grad
    # within a few roundings of the largest value: PyTorch's vectorised range kernels
    # (arange, linspace) accumulate in float32 in their own order; dyngrad computes in double
    values, expected = ours.data.astype(np.float64), theirs.double().numpy()
    eps = np.finfo(ours.dtype).eps if ours.dtype.kind == "f" else 0
    np.testing.assert_allclose(values, expected, rtol=0,
                               atol=8 * eps * (np.abs(expected).max() if expected.size else 0))


def test_arange_and_linspace_are_exact_where_pytorch_is():
    assert ag.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert ag.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert ag.linspace(-2, 3, 9).data[-1] == 3.0     # the second half counts down from end


def test_tensor_copies_and_as_tensor_and_from_numpy_share():
    a = np.zeros(3, np.float32)
    t = ag.tensor(a)
    assert t.data is not a and not np.shares_memory(t.data, a)
    assert np.shares_memory(ag.as_tensor(a).data, a) and np.shares_memory(ag.from_numpy(a).data, a)
    assert not np.shares_memory(ag.as_tensor(a, dtype=ag.float64).data, a)
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert ag.as_tensor(x) is x
    assert ag.as_tensor(x, dtype=ag.float64).grad_fn is not None     # a conversion in the graph
    copied = ag.tensor(x)
    assert copied.is_leaf and not copied.requires_grad and not np.shares_memory(copied.data, x.data)
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray, got list"):
        ag.from_numpy([1, 2])


def test_requires_grad_keyword():
    for make in (lambda: ag.tensor([1.0], requires_grad=True), lambda: ag.zeros(2, requires_grad=True),
                 lambda: ag.ones(2, requires_grad=True), lambda: ag.full((2,), 1.0, requires_grad=True),
                 lambda: ag.randn(2, requires_grad=True), lambda: ag.rand(2, requires_grad=True),
                 lambda: ag.arange(0.0, 3.0, requires_grad=True),
                 lambda: ag.zeros_like(ag.ones(2), requires_grad=True)):
        t = make()
        assert t.requires_grad and t.is_leaf
        (t * 2).sum().backward()
        np.testing.assert_array_equal(t.grad.data, 2)
    with pytest.raises(TypeError, match="tensor: only floating-point tensors can require gradients"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="arange: only floating-point tensors can require gradients"):
        ag.arange(3, requires_grad=True)


def test_default_dtype_follows_set_default_dtype():
    assert ag.get_default_dtype() == ag.float32
    try:
        ag.set_default_dtype(ag.float64)
        for t in (ag.tensor([1.0]), Tensor([1.0]), ag.zeros(2), ag.rand(2), ag.randn(2),
                  ag.arange(0.0, 1.0, 0.5), ag.linspace(0, 1, 3), ag.full((1,), 2.0)):
            assert t.dtype == ag.float64
        assert ag.tensor([1]).dtype == ag.int64 and ag.arange(3).dtype == ag.int64
    finally:
        ag.set_default_dtype(ag.float32)
    assert ag.zeros(1).dtype == ag.float32
    with pytest.raises(TypeError, match="set_default_dtype: only floating-point types"):
        ag.set_default_dtype(ag.int64)


def test_dtype_names_are_numpy_dtypes_with_pytorch_aliases():
    assert ag.float is ag.float32 and ag.double is ag.float64 and ag.half is ag.float16
    assert ag.long is ag.int64 and ag.int is ag.int32 and ag.short is ag.int16
    assert ag.zeros(2).dtype is ag.float32 and ag.zeros(2).dtype == np.float32
    assert np.zeros(2, dtype=ag.bool).dtype == np.bool_
    assert ag.finfo(ag.float32).eps == np.finfo(np.float32).eps and ag.iinfo(ag.int8).max == 127
    with pytest.raises(TypeError, match="zeros: 'nope' is not a dtype"):
        ag.zeros(2, dtype="nope")


def test_size_and_argument_errors_name_the_function():
    with pytest.raises(ValueError, match=r"zeros: negative dimension in size \(2, -1\)"):
        ag.zeros(2, -1)
    with pytest.raises(TypeError, match="ones: size must be ints"):
        ag.ones(2.5)
    with pytest.raises(ValueError, match="arange: step must be nonzero"):
        ag.arange(0, 5, 0)
    with pytest.raises(ValueError, match="arange: upper bound and lower bound inconsistent with step sign"):
        ag.arange(0, 5, -1)
    with pytest.raises(ValueError, match="linspace: steps must be a non-negative int"):
        ag.linspace(0, 1, -2)
    with pytest.raises(ValueError, match="randint: low must be less than high"):
        ag.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="rand: draws floating-point numbers; dtype int64"):
        ag.rand(2, dtype=ag.int64)
    with pytest.raises(TypeError, match="tensor: data must be numbers or bools"):
        ag.tensor(["a"])
    with pytest.raises(ValueError, match="tensor: data is not a regular"):
        ag.tensor([[1, 2], [3]])
    with pytest.raises(ValueError, match="normal: std must be non-negative"):
        ag.normal(0.0, -1.0, (2,))


def test_device_keyword_accepts_the_cpu_and_refuses_cuda_without_a_gpu():
    if ag.cuda.is_available():
        pytest.skip("a CUDA device is available (tests/test_devices.py covers it)")
    for device in ("cpu", ag.device("cpu"), None):
        assert ag.zeros(2, device=device).device == ag.device("cpu")
    for make in (lambda: ag.zeros(2, device="cuda"), lambda: ag.tensor([1.0], device="cuda:0"),
                 lambda: ag.randn(2, device=ag.device("cuda", 1))):
        with pytest.raises(RuntimeError, match="is not available: no CUDA device"):
            make()
    with pytest.raises(ValueError, match="device: expected one of cpu, cuda device type"):
        ag.zeros(2, device="tpu")
    assert not ag.cuda.is_available() and ag.cuda.device_count() == 0
    ag.cuda.manual_seed_all(0)                         # accepted and ignored, as torch without CUDA


def test_device_objects_behave_as_torch_devices():
    torch = pytest.importorskip("torch", reason=TORCH)
    for args in [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 2)]:
        ours, theirs = ag.device(*args), torch.device(*args)
        assert (str(ours), ours.type, ours.index) == (str(theirs), theirs.type, theirs.index)
        assert repr(ours) == repr(theirs)
    assert ag.device("cpu") == ag.device("cpu") and ag.device("cpu") != ag.device("cuda")
    assert len({ag.device("cpu"), ag.device("cpu")}) == 1


# ----- random ---------------------------------------------------------------------------

RANDOM = {
    "rand": lambda g, **k: ag.rand(3, 4, generator=g, **k),
    "randn": lambda g, **k: ag.randn((3, 4), generator=g, **k),
    "randint high": lambda g, **k: ag.randint(10, (5,), generator=g, **k),
    "randint low high": lambda g, **k: ag.randint(-3, 3, (2, 3), generator=g, **k),
    "normal numbers": lambda g, **k: ag.normal(2.0, 3.0, (4,), generator=g, **k),
    "normal tensors": lambda g, **k: ag.normal(ag.zeros(3), ag.ones(2, 1), generator=g, **k),
    "randperm": lambda g, **k: ag.randperm(7, generator=g, **k),
    "rand_like": lambda g, **k: ag.rand_like(ag.zeros(2, 2), generator=g, **k),
    "randn_like": lambda g, **k: ag.randn_like(ag.zeros(2, 2, dtype=ag.float64), generator=g, **k),
    "randint_like": lambda g, **k: ag.randint_like(ag.zeros(4), 5, generator=g, **k),
}


@pytest.mark.parametrize("name", RANDOM)
def test_seeded_draws_are_reproducible_from_manual_seed_and_generators(name):
    draw = RANDOM[name]
    ag.manual_seed(7)
    first = draw(None).data
    ag.manual_seed(7)
    np.testing.assert_array_equal(draw(None).data, first)
    ag.manual_seed(8)
    assert not np.array_equal(draw(None).data, first)
    g = ag.Generator().manual_seed(7)
    np.testing.assert_array_equal(draw(g).data, first)              # the same stream as manual_seed(7)
    np.testing.assert_array_equal(draw(np.random.default_rng(7)).data, first)   # NumPy's generators work


@pytest.mark.parametrize("name, dtype, shape", [
    ("rand", "float32", (3, 4)), ("randn", "float32", (3, 4)), ("randint high", "int64", (5,)),
    ("randint low high", "int64", (2, 3)), ("normal numbers", "float32", (4,)),
    ("normal tensors", "float32", (2, 3)), ("randperm", "int64", (7,)), ("rand_like", "float32", (2, 2)),
    ("randn_like", "float64", (2, 2)), ("randint_like", "float32", (4,))])
def test_random_dtypes_and_shapes_are_pytorch_s(name, dtype, shape):
    t = RANDOM[name](None)
    assert t.dtype == np.dtype(dtype) and t.shape == shape and not t.requires_grad


def test_random_values_have_the_right_distribution():
    g = ag.Generator().manual_seed(0)
    u = ag.rand(100_000, generator=g).data
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    z = ag.randn(100_000, generator=g).data
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02
    n = ag.normal(2.0, 3.0, (100_000,), generator=g).data
    assert abs(n.mean() - 2) < 0.05 and abs(n.std() - 3) < 0.05
    per_column = ag.normal(ag.tensor([0.0, 100.0]), ag.tensor([1.0, 0.0]).reshape(2, 1).broadcast_to((2, 2)),
                           generator=g).data
    assert per_column[1].tolist() == [0.0, 100.0]               # std 0 row: exactly the means
    i = ag.randint(-2, 3, (10_000,), generator=g).data
    assert set(np.unique(i)) == {-2, -1, 0, 1, 2}
    assert sorted(ag.randperm(50, generator=g).tolist()) == list(range(50))
    assert ag.rand(2, dtype=ag.float64, generator=g).dtype == ag.float64
    assert ag.randn(2, dtype=ag.half, generator=g).dtype == ag.float16


def test_generator_api_mirrors_torch():
    torch = pytest.importorskip("torch", reason=TORCH)
    ours, theirs = ag.Generator(), torch.Generator()
    assert ours.initial_seed() == theirs.initial_seed()            # torch's fixed default seed
    assert ours.manual_seed(5) is ours and ours.initial_seed() == 5
    assert str(ours.device) == str(theirs.device) == "cpu"
    state = ours.get_state()
    a = ag.rand(3, generator=ours).data
    assert not np.array_equal(ag.rand(3, generator=ours).data, a)
    assert ours.set_state(state) is ours
    np.testing.assert_array_equal(ag.rand(3, generator=ours).data, a)
    fresh = ours.seed()
    assert ours.initial_seed() == fresh
    with pytest.raises(TypeError, match="set_state: expected a state returned by Generator.get_state"):
        ours.set_state("x")
    with pytest.raises(ValueError, match="manual_seed: seed must be a non-negative int"):
        ours.manual_seed(-1)
    with pytest.raises(TypeError, match="randn: generator must be an autograd.Generator"):
        ag.randn(2, generator=3)
    import copy
    import pickle
    for copier in (copy.deepcopy, lambda g: pickle.loads(pickle.dumps(g))):
        clone = copier(ours)
        assert isinstance(clone, ag.Generator) and clone.initial_seed() == fresh
        np.testing.assert_array_equal(ag.rand(4, generator=clone).data, ag.rand(4, generator=ours).data)


def test_top_level_seed_functions():
    g = ag.manual_seed(11)
    assert isinstance(g, ag.Generator) and ag.initial_seed() == 11
    state = ag.get_rng_state()
    a = ag.randn(3).data
    ag.set_rng_state(state)
    np.testing.assert_array_equal(ag.randn(3).data, a)
    s = ag.seed()
    assert ag.initial_seed() == s


def test_nn_and_autograd_share_one_random_state():
    assert nn.manual_seed is ag.manual_seed and nn.init.default_generator is ag.random.default_generator
    ag.manual_seed(3)
    w = nn.init.normal_(Tensor(np.zeros(4)))
    nn.manual_seed(3)
    np.testing.assert_array_equal(nn.init.normal_(Tensor(np.zeros(4))).data, w.data)
    ag.manual_seed(3)
    np.testing.assert_array_equal(Tensor(np.zeros(4)).normal_().data, w.data)   # the same draw
    nn.init.normal_(Tensor(np.zeros(2)), generator=ag.Generator().manual_seed(1))
    nn.manual_seed(4)
    after_seed = ag.rand(3).data
    ag.manual_seed(4)
    np.testing.assert_array_equal(ag.rand(3).data, after_seed)


def test_each_seeding_thread_draws_its_own_stream():
    ag.manual_seed(1)
    expected = ag.randn(5).data
    ag.manual_seed(1)
    seen = {}

    def seeding():
        ag.manual_seed(99)
        seen["other"] = ag.randn(5).data

    thread = threading.Thread(target=seeding)
    thread.start()
    thread.join(60)
    np.testing.assert_array_equal(ag.randn(5).data, expected)     # untouched by the other thread
    ag.manual_seed(99)
    np.testing.assert_array_equal(ag.randn(5).data, seen["other"])
