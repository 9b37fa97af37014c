"""The strategies in autograd.testing produce what they promise."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograd.testing import (broadcastable_shapes, conv2d_params, distinct_values, pool2d_params, shapes,
                              tensors)


@given(shapes())
def test_shapes_have_no_empty_axes(shape):
    assert len(shape) <= 4 and all(1 <= s <= 5 for s in shape)


@given(tensors(low=-2.0, high=3.0))
def test_tensors_respect_bounds_and_require_grad(x):
    assert x.requires_grad and x.dtype == np.float64
    assert np.all((x.data >= -2.0) & (x.data <= 3.0))


@given(tensors(shape=(2, 3), dtype=np.float32, requires_grad=False))
def test_tensors_with_fixed_shape_and_dtype(x):
    assert x.shape == (2, 3) and x.dtype == np.float32 and not x.requires_grad


@given(broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shape_list):
    assert len(shape_list) == 3
    np.broadcast_shapes(*shape_list)


@given(st.data(), shapes(), st.sampled_from([0.1, 0.5, 1.0]))
def test_distinct_values_are_spread_and_never_zero(data, shape, gap):
    values = data.draw(distinct_values(shape, gap=gap))
    assert values.shape == shape
    flat = np.sort(values.ravel())
    assert np.all(np.diff(flat) >= gap * (1 - 1e-9))
    assert np.all(np.abs(values) >= 0.1 * gap * (1 - 1e-9))
    remainder = np.mod(values / gap, 1.0)  # never a whole multiple of gap: safe clip bounds
    assert np.all((remainder > 0.05) & (remainder < 0.95))


@given(conv2d_params())
def test_conv2d_params_give_an_output_of_at_least_one_pixel(p):
    (kh, kw), (sh, sw), (ph, pw) = p["kernel_size"], p["stride"], p["padding"]
    assert (p["H"] + 2 * ph - kh) // sh + 1 >= 1
    assert (p["W"] + 2 * pw - kw) // sw + 1 >= 1
    assert min(p["N"], p["C"], p["out_channels"], sh, sw) >= 1 and min(ph, pw) >= 0


@given(pool2d_params())
def test_pool2d_params_fit_the_window(p):
    (kh, kw), (sh, sw) = p["kernel_size"], p["stride"]
    assert p["H"] >= kh and p["W"] >= kw and sh >= 1 and sw >= 1 and p["N"] >= 1 and p["C"] >= 1


def test_profiles_are_importable_and_an_unknown_name_is_an_error(monkeypatch):
    import pytest
    from hypothesis import settings

    from autograd.testing import PROFILES, load_profile

    current = settings._current_profile
    try:
        assert load_profile("thorough") == "thorough" and settings().max_examples == 300
        monkeypatch.setenv("HYPOTHESIS_PROFILE", "dev")
        assert load_profile() == "dev" and settings().max_examples == PROFILES["dev"] == 30
        monkeypatch.setenv("HYPOTHESIS_PROFILE", "thorugh")
        with pytest.raises(ValueError, match="unknown hypothesis profile 'thorugh'.*dev, thorough"):
            load_profile()
    finally:
        settings.load_profile(current)


def test_suite_output_names_each_missing_component_once(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    for name in ("test_a.py", "test_b.py"):
        (tmp_path / name).write_text(
            "import pytest\n"
            "def test_one():\n    pytest.importorskip('no_such_torch', reason='torch missing')\n"
            "def test_two():\n    pytest.skip('graphviz `dot` binary not installed')\n"
            "def test_ok():\n    pass\n")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("skipped ")] == [
        "skipped 2 tests: PyTorch not installed: the parity tests need it "
        "(`make torch` installs torch==2.13.0)",
        "skipped 2 tests: graphviz `dot` not installed: the rendering tests need it "
        "(apt-get install graphviz)"]
    assert not any(line.startswith("SKIPPED") for line in lines), result.stdout
    assert "2 passed, 4 skipped" in result.stdout


FACTORY_TESTS = '''
from hypothesis import strategies as st

from autograd.testing import OpRow, gradient_test, op_tests, parity_test, random_inputs


def square_row(rng, shape):
    return random_inputs(shape)(rng), lambda x: x * x, lambda t: t * t


ROWS = {"mul": OpRow(lambda a, b: a * b + a, lambda a, b: a * b + a, random_inputs((2, 3), (3,)))}
test_gradcheck_and_gradgradcheck, test_matches_torch = op_tests(ROWS, seed=3, max_examples=5)
test_square_gradients, test_square_matches_torch = op_tests(
    {"square": square_row}, draws=dict(shape=st.just((2, 2))), fixed=dict(shape=(4,)), max_examples=5)
# x * x in value, but the detached factor takes no gradient: x instead of 2 x
test_wrong_gradients = gradient_test(
    {"half_square": OpRow(lambda x: x.detach() * x, None, random_inputs((3,)))}, max_examples=5)
test_wrong_matches_torch = parity_test({"off": OpRow(lambda x: x * 2, lambda t: t * 2 + 1e-3, random_inputs((3,)))})
'''


def test_factory_tests_keep_their_ids_and_catch_wrong_ops(tmp_path):
    """pytest collects and runs the factory's tests by row id (and dtype); a wrong backward
    fails the gradient test and an output off by 1e-3 fails the parity test."""
    import subprocess
    import sys

    import pytest

    pytest.importorskip("torch", reason="the parity half compares with torch")
    (tmp_path / "test_factory_made.py").write_text(FACTORY_TESTS)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    outcomes = {line.split(" ")[1].split("::")[1]: line.split(" ")[0] for line in result.stdout.splitlines()
                if line.startswith(("PASSED ", "FAILED "))}
    assert outcomes == {
        "test_gradcheck_and_gradgradcheck[mul]": "PASSED", "test_square_gradients[square]": "PASSED",
        "test_matches_torch[mul-float64]": "PASSED", "test_matches_torch[mul-float32]": "PASSED",
        "test_square_matches_torch[square-float64]": "PASSED", "test_square_matches_torch[square-float32]": "PASSED",
        "test_wrong_gradients[half_square]": "FAILED",
        "test_wrong_matches_torch[off-float64]": "FAILED", "test_wrong_matches_torch[off-float32]": "FAILED",
    }, result.stdout
    assert "GradcheckError" in result.stdout and "Not equal to tolerance" in result.stdout


def test_factory_bad_tables_are_clear_errors():
    import pytest

    from autograd.testing import OpRow, gradient_test, op_tests, parity_test, random_inputs

    with pytest.raises(ValueError, match="rows must be a non-empty dict of id -> row"):
        op_tests({})
    with pytest.raises(TypeError, match="row 'relu' must be a str id -> callable"):
        parity_test({"relu": (abs, abs, (3,))})
    with pytest.raises(ValueError, match=r"draws \['shape'\] and fixed \[\] must name the same row arguments"):
        op_tests({"abs": OpRow(abs, abs, random_inputs((3,)))}, draws=dict(shape=st.just((3,))))
    test = gradient_test({"bad": lambda rng: [rng.normal(size=3)]})
    with pytest.raises(TypeError, match=r"row 'bad' must return \(arrays, ours, theirs\), got list"):
        test(name="bad")
