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
