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
