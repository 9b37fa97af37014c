"""nn.init: PyTorch's formulas, in place, reproducible under nn.manual_seed."""
import math

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn import init


def big(shape=(300, 200, 3, 3), dtype=np.float64):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("fn, kwargs, expected_std", [
    (init.kaiming_normal_, {}, math.sqrt(2) / math.sqrt(200 * 9)),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2) / math.sqrt(300 * 9)),
    (init.xavier_normal_, {}, math.sqrt(2 / (200 * 9 + 300 * 9))),
    (init.normal_, {"mean": 0.0, "std": 0.3}, 0.3),
    (init.scaled_normal_, {"weight_scale": 1e-3}, 1e-3),
])
def test_normal_schemes_have_the_right_std(fn, kwargs, expected_std):
    w = big()
    assert fn(w, **kwargs) is w
    assert abs(w.data.std() / expected_std - 1) < 0.02
    assert abs(w.data.mean()) < 3 * expected_std / math.sqrt(w.numel()) * 3


@pytest.mark.parametrize("fn, kwargs, bound", [
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, 1 / math.sqrt(200 * 9)),
    (init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(6 / (200 * 9))),
    (init.xavier_uniform_, {"gain": 2.0}, 2 * math.sqrt(6 / (200 * 9 + 300 * 9))),
    (init.uniform_, {"a": -0.5, "b": 0.5}, 0.5),
])
def test_uniform_schemes_fill_their_bounds(fn, kwargs, bound):
    w = fn(big(), **kwargs)
    assert np.abs(w.data).max() <= bound
    assert np.abs(w.data).max() > 0.99 * bound
    assert abs(w.data.std() / (bound / math.sqrt(3)) - 1) < 0.02


def test_constants_and_dtype():
    w = big((3, 4), dtype=np.float32)
    assert (init.ones_(w).data == 1).all() and w.dtype == np.float32
    assert not init.zeros_(w).data.any()
    assert (init.constant_(w, 0.5).data == 0.5).all()
    assert init.normal_(w).dtype == np.float32
    array = np.zeros(5)
    init.uniform_(array)
    assert array.any()                                    # plain arrays work too


def test_init_bumps_the_version_counter():
    w = big((2, 2))
    before = w._version.value
    init.normal_(w)
    assert w._version.value == before + 1


def test_manual_seed_makes_draws_reproducible():
    nn.manual_seed(42)
    a = init.kaiming_uniform_(big((5, 4))).data.copy()
    b = init.normal_(big((5, 4))).data.copy()
    nn.manual_seed(42)
    np.testing.assert_array_equal(init.kaiming_uniform_(big((5, 4))).data, a)
    np.testing.assert_array_equal(init.normal_(big((5, 4))).data, b)
    nn.manual_seed(43)
    assert not np.array_equal(init.kaiming_uniform_(big((5, 4))).data, a)


def test_calculate_gain_matches_pytorch():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least 2 dimensions, got shape \\(5,\\)"):
        init.kaiming_uniform_(big((5,)))
    with pytest.raises(ValueError, match="mode must be"):
        init.kaiming_normal_(big((3, 3)), mode="fan")
    with pytest.raises(TypeError, match="floating-point"):
        init.normal_(Tensor(np.zeros(3, dtype=np.int64)))
    with pytest.raises(ValueError, match="lower bound"):
        init.uniform_(big((2, 2)), 1, 0)
    with pytest.raises(ValueError, match="non-negative int"):
        nn.manual_seed(-1)


def test_matches_torch_statistics_of_default_linear_init():
    torch = pytest.importorskip("torch", reason="torch gives the reference default init")
    ours, theirs = nn.Linear(500, 400), torch.nn.Linear(500, 400)
    for name in ("weight", "bias"):
        a, b = getattr(ours, name).data, getattr(theirs, name).detach().numpy()
        assert abs(np.abs(a).max() - np.abs(b).max()) < 1e-3
        assert abs(a.std() / b.std() - 1) < 0.1


def test_each_seeding_thread_has_its_own_stream_and_others_share_the_last_seed():
    import threading
    nn.manual_seed(3)
    expected = init.normal_(Tensor(np.zeros(5))).data.copy()
    nn.manual_seed(3)
    seen = {}

    def unseeded():                       # never seeds: draws from the last seed, as PyTorch's
        seen["unseeded"] = init.normal_(Tensor(np.zeros(5))).data.copy()

    def seeding():                        # seeds its own stream: the main thread's is untouched
        nn.manual_seed(99)
        seen["seeding"] = init.normal_(Tensor(np.zeros(5))).data.copy()
    for target in (unseeded,):
        thread = threading.Thread(target=target)
        thread.start()
        thread.join(60)
    np.testing.assert_array_equal(seen["unseeded"], expected)
    nn.manual_seed(3)
    thread = threading.Thread(target=seeding)
    thread.start()
    thread.join(60)
    np.testing.assert_array_equal(init.normal_(Tensor(np.zeros(5))).data, expected)


def test_init_functions_draw_from_an_explicit_generator():
    nn.manual_seed(0)
    untouched = init.default_generator().bit_generator.state
    w = init.kaiming_uniform_(Tensor(np.zeros((3, 4))), generator=np.random.default_rng(7))
    bound = init.calculate_gain("leaky_relu", 0) * math.sqrt(3 / 4)
    np.testing.assert_array_equal(w.data, np.random.default_rng(7).uniform(-bound, bound, (3, 4)))
    assert init.default_generator().bit_generator.state == untouched
    with pytest.raises(TypeError, match="normal_: generator must be an autograd.Generator"):
        init.normal_(Tensor(np.zeros(2)), generator=7)


# ----- issue10-nn: every torch.nn.init initializer --------------------------------------

def torch_or_skip():
    return pytest.importorskip("torch", reason="torch gives the reference initializers")


def seeded():
    return np.random.default_rng(1234)


@pytest.mark.parametrize("name", ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                                  "conv_transpose3d", "sigmoid", "tanh", "relu", "selu"])
def test_calculate_gain_of_every_nonlinearity_equals_torch(name):
    torch = torch_or_skip()
    assert init.calculate_gain(name) == torch.nn.init.calculate_gain(name)


@pytest.mark.parametrize("slope", [None, 0, 0.2, 1, math.sqrt(5)])
def test_calculate_gain_leaky_relu_equals_torch(slope):
    torch = torch_or_skip()
    assert init.calculate_gain("leaky_relu", slope) == torch.nn.init.calculate_gain("leaky_relu", slope)


@pytest.mark.parametrize("shape, a, mode, nonlinearity", [
    ((200, 300), 0.0, "fan_in", "leaky_relu"),
    ((200, 300), math.sqrt(5), "fan_in", "leaky_relu"),
    ((64, 32, 3, 3), 0.0, "fan_out", "relu"),
    ((100, 50, 5), 0.1, "fan_in", "leaky_relu"),
    ((400, 300), 0.0, "fan_out", "tanh"),
])
@pytest.mark.parametrize("kind", ["uniform", "normal"])
def test_kaiming_matches_torch_formula_and_statistics(shape, a, mode, nonlinearity, kind):
    torch = torch_or_skip()
    ours = init.__dict__[f"kaiming_{kind}_"](big(shape), a=a, mode=mode, nonlinearity=nonlinearity,
                                             generator=seeded()).data
    theirs = torch.nn.init.__dict__[f"kaiming_{kind}_"](torch.empty(shape, dtype=torch.float64), a=a, mode=mode,
                                                        nonlinearity=nonlinearity, generator=torch.Generator().manual_seed(0))
    theirs = theirs.numpy()
    fan = shape[1] if mode == "fan_in" else shape[0]
    fan *= math.prod(shape[2:])
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    assert abs(ours.std() / std - 1) < 0.03 and abs(theirs.std() / std - 1) < 0.03
    if kind == "uniform":     # both fill U(-b, b), b = sqrt(3) * std
        bound = math.sqrt(3) * std
        assert np.abs(ours).max() <= bound and np.abs(theirs).max() <= bound
        assert np.abs(ours).max() > 0.99 * bound


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier_matches_torch_statistics(gain):
    torch = torch_or_skip()
    shape = (300, 200, 3)
    std = gain * math.sqrt(2 / (200 * 3 + 300 * 3))
    for fn in ("xavier_uniform_", "xavier_normal_"):
        ours = getattr(init, fn)(big(shape), gain=gain, generator=seeded()).data
        theirs = getattr(torch.nn.init, fn)(torch.empty(shape, dtype=torch.float64), gain=gain,
                                            generator=torch.Generator().manual_seed(0)).numpy()
        assert abs(ours.std() / std - 1) < 0.02 and abs(theirs.std() / std - 1) < 0.02


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (6, 4)])
def test_eye_equals_torch(shape):
    torch = torch_or_skip()
    ours = init.eye_(nn.Parameter(np.full(shape, 7.0, np.float32))).data
    np.testing.assert_array_equal(ours, torch.nn.init.eye_(torch.empty(shape)).numpy())


@pytest.mark.parametrize("shape, groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 1), ((3, 6, 5, 5), 1), ((4, 2, 3, 3), 2),
                                           ((6, 2, 3, 4, 5), 3), ((8, 1, 2, 2), 4)])
def test_dirac_equals_torch(shape, groups):
    torch = torch_or_skip()
    ours = init.dirac_(nn.Parameter(np.ones(shape)), groups=groups).data
    np.testing.assert_array_equal(ours, torch.nn.init.dirac_(torch.empty(shape, dtype=torch.float64), groups).numpy())


def test_dirac_is_the_identity_convolution():
    import nn.functional as F
    weight = init.dirac_(nn.Parameter(np.zeros((3, 3, 3, 3), np.float32)))
    x = Tensor(np.random.default_rng(0).normal(size=(2, 3, 5, 5)).astype(np.float32))
    np.testing.assert_allclose(F.conv2d(x, weight, None, 1, 1).data, x.data)


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04),
                                             (1.0, 2.0, 0.0, 5.0), (0.0, 1.0, 1.5, 4.0)])
def test_trunc_normal_moments_equal_the_truncated_normal_and_torch(mean, std, a, b):
    torch = torch_or_skip()
    from statistics import NormalDist
    unit = NormalDist()
    alpha, beta = (a - mean) / std, (b - mean) / std
    z = unit.cdf(beta) - unit.cdf(alpha)
    expected_mean = mean + std * (unit.pdf(alpha) - unit.pdf(beta)) / z
    expected_var = std ** 2 * (1 + (alpha * unit.pdf(alpha) - beta * unit.pdf(beta)) / z
                               - ((unit.pdf(alpha) - unit.pdf(beta)) / z) ** 2)
    ours = init.trunc_normal_(big((400, 500)), mean, std, a, b, generator=seeded()).data
    theirs = torch.nn.init.trunc_normal_(torch.empty(400, 500, dtype=torch.float64), mean, std, a, b,
                                         generator=torch.Generator().manual_seed(0)).numpy()
    for sample in (ours, theirs):      # 200,000 draws: the variance is within about 1% (1 sigma 0.4%)
        assert sample.min() >= a and sample.max() <= b
        assert abs(sample.mean() - expected_mean) < 0.01 * std
        assert abs(sample.var() / expected_var - 1) < 0.03


def test_normal_quantile_is_accurate():
    from statistics import NormalDist
    p = np.array([1e-12, 1e-6, 0.01, 0.02425, 0.3, 0.5, 0.9, 0.99999])
    expected = [NormalDist().inv_cdf(v) for v in p]
    np.testing.assert_allclose(init._normal_quantile(p), expected, rtol=1e-8)


@pytest.mark.parametrize("shape, gain", [((30, 50), 1.0), ((50, 30), 2.0), ((8, 4, 3, 3), 1.0), ((5, 5), 0.5)])
def test_orthogonal_gives_orthonormal_rows_or_columns_like_torch(shape, gain):
    torch = torch_or_skip()
    for result in (init.orthogonal_(big(shape), gain=gain, generator=seeded()).data,
                   torch.nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain=gain).numpy()):
        flat = result.reshape(shape[0], -1)
        small = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(small, gain ** 2 * np.eye(len(small)), atol=1e-10)


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.35, 1.0])
def test_sparse_zeros_per_column_like_torch(sparsity):
    torch = torch_or_skip()
    shape = (40, 300)
    ours = init.sparse_(big(shape), sparsity, std=0.05, generator=seeded()).data
    theirs = torch.nn.init.sparse_(torch.empty(shape, dtype=torch.float64), sparsity, std=0.05).numpy()
    for sample in (ours, theirs):
        assert ((sample == 0).sum(axis=0) == math.ceil(sparsity * shape[0])).all()
    if sparsity < 1:
        assert abs(ours[ours != 0].std() / 0.05 - 1) < 0.05


def test_new_initializers_are_reproducible_and_bump_the_version():
    for fn, args in ((init.trunc_normal_, ()), (init.orthogonal_, ()), (init.sparse_, (0.5,))):
        first = fn(big((20, 30)), *args, generator=np.random.default_rng(3)).data
        again = fn(big((20, 30)), *args, generator=np.random.default_rng(3)).data
        np.testing.assert_array_equal(first, again)
        p = big((4, 4))
        before = p._version.value
        fn(p, *args)
        assert p._version.value == before + 1
    p = nn.Parameter(np.zeros((3, 3), np.float32))
    assert init.eye_(p) is p and p.dtype == np.float32


def test_kaiming_of_a_zero_element_tensor_is_a_no_op_as_torch():
    p = nn.Parameter(np.zeros((0, 3), np.float32))
    assert init.kaiming_uniform_(p) is p and init.kaiming_normal_(p) is p


@pytest.mark.parametrize("action, message", [
    (lambda: init.eye_(big((2, 2, 2))), "eye_: only tensors with 2 dimensions"),
    (lambda: init.dirac_(big((2, 2))), "dirac_: only tensors with 3, 4, or 5 dimensions"),
    (lambda: init.dirac_(big((3, 2, 3, 3)), groups=2), "dim 0 \\(3\\) must be divisible by groups"),
    (lambda: init.orthogonal_(big((4,))), "orthogonal_: only tensors with 2 or more dimensions"),
    (lambda: init.sparse_(big((2, 2, 2)), 0.5), "sparse_: only tensors with 2 dimensions"),
    (lambda: init.sparse_(big((2, 2)), 1.5), "sparsity must be in \\[0, 1\\]"),
    (lambda: init.trunc_normal_(big((2, 2)), a=1, b=0), "lower bound a=1 is greater than upper bound b=0"),
    (lambda: init.trunc_normal_(big((2, 2)), std=-1), "std must be non-negative"),
    (lambda: init.calculate_gain("leaky_relu", "x"), "negative_slope 'x' is not a valid number"),
])
def test_new_initializer_errors_name_the_function(action, message):
    with pytest.raises(ValueError, match=message):
        action()
