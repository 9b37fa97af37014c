"""Shape ops: drawn shapes and parameters; forward against NumPy, gradcheck, torch parity."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor
from autograd.testing import assert_gradients_match, assert_matches_torch, assert_second_gradients_match, shapes, tensors

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


def check(fn, x, expected):
    np.testing.assert_array_equal(fn(Tensor(x.data)).data, expected)
    assert_gradients_match(fn, x)
    assert_second_gradients_match(fn, x)


@given(x=tensors(), data=st.data())
def test_reshape(x, data):
    target = data.draw(st.sampled_from([(-1,), (x.numel(), 1), (1, -1), x.shape[::-1], (x.numel(),)]))
    check(lambda t: t.reshape(target), x, x.data.reshape(target))
    check(lambda t: t.reshape(*target), x, x.data.reshape(target))


@given(x=tensors(min_dims=1), data=st.data())
def test_flatten(x, data):
    start = data.draw(st.integers(-x.ndim, x.ndim - 1))
    end = data.draw(st.integers(start % x.ndim, x.ndim - 1))
    expected = x.data.reshape(x.shape[:start % x.ndim] + (-1,) + x.shape[end + 1:])
    check(lambda t: t.flatten(start, end), x, expected)


def test_two_axes_always_swap_as_pytorch():
    w = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(w.transpose(0, 1).data, w.data.T)
    np.testing.assert_array_equal(w.transpose(1, 1).data, w.data)


@given(x=tensors(), data=st.data())
def test_permute_and_transpose(x, data):
    order = tuple(data.draw(st.permutations(range(x.ndim))))
    check(lambda t: t.permute(*order), x, x.data.transpose(order))
    if x.ndim != 2:
        check(lambda t: t.transpose(*order), x, x.data.transpose(order))
    check(lambda t: t.T, x, x.data.T)
    if x.ndim >= 2:
        a, b = data.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=2, max_size=2))
        check(lambda t: t.transpose(a, b), x, np.swapaxes(x.data, a, b))


@given(x=tensors(min_dims=1), data=st.data())
def test_getitem_basic_indices(x, data):
    index = data.draw(hnp.basic_indices(x.shape))
    check(lambda t: t[index], x, x.data[index])


@given(x=tensors(min_dims=1), data=st.data())
def test_getitem_integer_arrays_accumulate_repeats(x, data):
    index = data.draw(hnp.integer_array_indices(x.shape, result_shape=hnp.array_shapes(max_dims=2, max_side=6)))
    check(lambda t: t[index], x, x.data[index])


@given(x=tensors(min_dims=1), data=st.data())
def test_getitem_boolean_mask(x, data):
    mask = data.draw(hnp.arrays(bool, x.shape))
    check(lambda t: t[mask], x, x.data[mask])
    check(lambda t: t[Tensor(mask, dtype=bool)], x, x.data[mask])


@given(n=st.integers(1, 6), classes=st.integers(1, 5), data=st.data())
def test_getitem_picks_one_logit_per_row(n, classes, data):
    logits = Tensor(np.random.default_rng(n).normal(size=(n, classes)))
    y = np.asarray(data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n)))
    check(lambda t: t[np.arange(n), y], logits, logits.data[np.arange(n), y])
    check(lambda t: t[np.arange(n), Tensor(y, dtype=np.int64)], logits, logits.data[np.arange(n), y])


@given(x=tensors(), data=st.data())
def test_pad(x, data):
    widths = tuple(tuple(data.draw(st.lists(st.integers(0, 2), min_size=2, max_size=2))) for _ in x.shape)
    value = data.draw(st.floats(-2, 2))
    if not x.ndim:
        return
    check(lambda t: t.pad(widths, value), x, np.pad(x.data, widths, constant_values=value))


@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3), k=st.integers(1, 3))
def test_concatenate_and_stack(data, shape, k):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=k, max_size=k))
    parts = []
    for s in sizes:
        part_shape = list(shape)
        part_shape[axis] = s
        parts.append(data.draw(tensors(shape=tuple(part_shape))))
    arrays = [p.data for p in parts]
    np.testing.assert_array_equal(ag.concatenate(parts, axis).data, np.concatenate(arrays, axis))
    assert_gradients_match(lambda *ts: ag.concatenate(ts, axis=axis), *parts)
    assert_second_gradients_match(lambda *ts: ag.concatenate(ts, axis=axis), *parts)
    same = [data.draw(tensors(shape=shape)) for _ in range(k)]
    stack_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    np.testing.assert_array_equal(ag.stack(same, stack_axis).data, np.stack([t.data for t in same], stack_axis))
    assert_gradients_match(lambda *ts: ag.stack(ts, axis=stack_axis), *same)
    assert_second_gradients_match(lambda *ts: ag.stack(ts, axis=stack_axis), *same)


@given(data=st.data(), shapes_xy=hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=4, max_side=4))
def test_broadcast_to(data, shapes_xy):
    (shape,), target = shapes_xy
    x = data.draw(tensors(shape=shape))
    check(lambda t: t.broadcast_to(target), x, np.broadcast_to(x.data, target))


# ----- torch parity -----------------------------------------------------------------

def _torch():
    return pytest.importorskip("torch", reason=TORCH)


PARITY = {
    "reshape": (lambda t: t.reshape(4, 6), lambda t: t.reshape(4, 6)),
    "view": (lambda t: t.view(-1), lambda t: t.view(-1)),
    "flatten": (lambda t: t.flatten(1), lambda t: t.flatten(1)),
    "permute": (lambda t: t.permute(2, 0, 1), lambda t: t.permute(2, 0, 1)),
    "transpose": (lambda t: t.transpose(0, 2), lambda t: t.transpose(0, 2)),
    "slice": (lambda t: t[1:, ::2, -1], lambda t: t[1:, ::2, -1]),
    "int_array": (lambda t: t[np.array([0, 1, 0])], lambda t: t[_torch().tensor([0, 1, 0])]),
    "bool_mask": (lambda t: t[t.data > 0], lambda t: t[t > 0]),
    "logits": (lambda t: t[0][np.arange(3), np.array([1, 3, 1])],
               lambda t: t[0][_torch().arange(3), _torch().tensor([1, 3, 1])]),
    "pad": (lambda t: t.pad(((0, 0), (1, 2), (2, 1))), lambda t: _torch().nn.functional.pad(t, (2, 1, 1, 2))),
    "concatenate": (lambda t: ag.concatenate([t, t * 2], axis=1), lambda t: _torch().cat([t, t * 2], dim=1)),
    "stack": (lambda t: ag.stack([t, t * 2], axis=-1), lambda t: _torch().stack([t, t * 2], dim=-1)),
    "broadcast_to": (lambda t: t[:, :1].broadcast_to((5, 2, 3, 4)),
                     lambda t: t[:, :1].broadcast_to((5, 2, 3, 4))),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", PARITY)
def test_shape_ops_match_torch(name, dtype):
    _torch()
    ours, theirs = PARITY[name]
    x = np.random.default_rng(5).normal(size=(2, 3, 4))
    assert_matches_torch(ours, theirs, x, dtype=dtype)


# ----- views share the version counter; bad input -----------------------------------

@pytest.mark.parametrize("view", [lambda t: t.reshape(-1), lambda t: t.T, lambda t: t[0]])
def test_views_share_the_version_counter(view):
    x = Tensor(np.ones((2, 3)))
    assert view(x)._version is x._version


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.reshape(4, 2), ValueError, r"reshape: cannot reshape tensor of shape \(2, 3\) \(6 elements\) into shape \(4, 2\)"),
    (lambda x: x.reshape(-1, -1), ValueError, "cannot reshape"),
    (lambda x: x.reshape(-2, 3), ValueError, "reshape: invalid shape"),
    (lambda x: x.permute(0, 0), ValueError, r"permute: \(0, 0\) is not a permutation"),
    (lambda x: x.permute(0, 3), ValueError, "permute: axis 3 is out of range for a tensor of 2 dimensions"),
    (lambda x: x.transpose(0, 1, 2), ValueError, "transpose: give no axes, two axes to swap"),
    (lambda x: x.flatten(1, 0), ValueError, "flatten: start_dim 1 comes after end_dim 0"),
    (lambda x: x.flatten(4), ValueError, "flatten: axis 4 is out of range"),
    (lambda x: x.pad(-1), ValueError, "pad: invalid pad_width -1"),
    (lambda x: x.pad(((1, 2, 3),)), ValueError, r"pad: invalid pad_width \(\(1, 2, 3\),\)"),
    (lambda x: x.broadcast_to((3, 3)), ValueError, r"broadcast_to: cannot broadcast shape \(2, 3\) to \(3, 3\)"),
    (lambda x: x.broadcast_to((3,)), ValueError, "broadcast_to: cannot broadcast"),
    (lambda x: ag.concatenate([x, Tensor(np.ones((3, 3)))], axis=1), ValueError,
     r"concatenate: shapes \(2, 3\) and \(3, 3\) do not match outside axis 1"),
    (lambda x: ag.concatenate([x, x], axis=2), ValueError, "concatenate: axis 2 is out of range for a tensor of 2 dimensions"),
    (lambda x: ag.concatenate([x, x.astype(np.float32)]), TypeError, "concatenate: dtype mismatch float64 vs float32"),
    (lambda x: ag.concatenate([]), ValueError, "concatenate: expected a non-empty sequence"),
    (lambda x: ag.concatenate([Tensor(1.0)]), ValueError, "zero-dimensional tensors cannot be concatenated"),
    (lambda x: ag.stack([x, x.T]), ValueError, r"stack: shapes \(2, 3\) and \(3, 2\) do not match in axis 0"),
    (lambda x: ag.stack([x, x], axis=3), ValueError, "stack: axis 3 is out of range for a tensor of 3 dimensions"),
    (lambda x: x[5], IndexError, "index 5 is out of bounds"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_input_messages(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))


@pytest.mark.parametrize("make_index", [lambda: np.array([0, 1]), lambda: np.array([True, True, False, False])],
                         ids=["integers", "mask"])
def test_indexing_keeps_its_own_copy_of_an_index_array(make_index):
    index = make_index()
    x = Tensor(np.arange(4.0), requires_grad=True)
    y = x[index]
    index[...] = index[::-1]  # the caller reuses the array before backward
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 0.0, 0.0])
    assert y.grad_fn._saved is None  # the index was saved like an array, and released
