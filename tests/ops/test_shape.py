"""Shape ops: drawn shapes and parameters; forward against NumPy, gradcheck, torch parity."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
import nn.functional as F
from autograd import Tensor
from autograd.testing import (OpRow, assert_gradients_match, assert_second_gradients_match, op_tests, parity_test,
                              random_inputs, shapes, tensors)

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


test_shape_ops_match_torch = parity_test({name: OpRow(ours, theirs, random_inputs((2, 3, 4)))
                                          for name, (ours, theirs) in PARITY.items()}, seed=5)


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


# ----- PyTorch's shape and movement names (issue 9 ops) ------------------------------

def _f():
    return _torch().nn.functional


# name: (ours(x), torch(t), shape of x)
TORCH_NAMES = {
    "view_as": (lambda x: x.view_as(Tensor(np.zeros((4, 3)))), lambda t: t.view_as(_torch().zeros(4, 3)), (2, 6)),
    "unsqueeze": (lambda x: x.unsqueeze(1), lambda t: t.unsqueeze(1), (2, 3)),
    "unsqueeze_end": (lambda x: ag.unsqueeze(x, -1), lambda t: t.unsqueeze(-1), (2, 3)),
    "squeeze_dim": (lambda x: x.squeeze(1), lambda t: t.squeeze(1), (2, 1, 3)),
    "squeeze_not_one": (lambda x: ag.squeeze(x, 0), lambda t: t.squeeze(0), (2, 1, 3)),
    "unflatten": (lambda x: x.unflatten(1, (2, -1)), lambda t: t.unflatten(1, (2, -1)), (3, 4)),
    "expand": (lambda x: x.expand(2, -1, 3), lambda t: t.expand(2, -1, 3), (4, 1)),
    "expand_as": (lambda x: x.expand_as(Tensor(np.zeros((3, 4)))), lambda t: t.expand_as(_torch().zeros(3, 4)),
                  (1, 4)),
    "t": (lambda x: x.t(), lambda t: t.t(), (2, 3)),
    "mT": (lambda x: x.mT, lambda t: t.mT, (2, 3, 4)),
    "swapaxes": (lambda x: ag.swapaxes(x, 0, 2), lambda t: _torch().swapaxes(t, 0, 2), (2, 3, 4)),
    "cat": (lambda x: ag.cat([x, x[:1] * 2], dim=0), lambda t: _torch().cat([t, t[:1] * 2], dim=0), (2, 3)),
    "stack_dim": (lambda x: ag.stack([x, x * 3], dim=1), lambda t: _torch().stack([t, t * 3], dim=1), (2, 3)),
    "flip": (lambda x: x.flip(0, 2), lambda t: t.flip(0, 2), (2, 3, 4)),
    "flip_list": (lambda x: ag.flip(x, [-1]), lambda t: _torch().flip(t, [-1]), (2, 3)),
    "roll": (lambda x: x.roll(1, 1), lambda t: t.roll(1, 1), (2, 3)),
    "roll_many": (lambda x: ag.roll(x, (-1, 5), (0, 1)), lambda t: _torch().roll(t, (-1, 5), (0, 1)), (3, 4)),
    "roll_flat": (lambda x: x.roll(2), lambda t: t.roll(2), (2, 3)),
    "repeat": (lambda x: x.repeat(2, 1, 3), lambda t: t.repeat(2, 1, 3), (2, 3)),
    "repeat_interleave": (lambda x: x.repeat_interleave(2, dim=1), lambda t: t.repeat_interleave(2, dim=1), (2, 3)),
    "repeat_interleave_counts": (lambda x: ag.repeat_interleave(x, np.array([1, 0, 3]), 0),
                                 lambda t: _torch().repeat_interleave(t, _torch().tensor([1, 0, 3]), 0), (3, 2)),
    "repeat_interleave_flat": (lambda x: x.repeat_interleave(2), lambda t: t.repeat_interleave(2), (2, 2)),
    "chunk": (lambda x: ag.stack([c.sum(1) for c in x.chunk(3, 1)]),
              lambda t: _torch().stack([c.sum(1) for c in t.chunk(3, 1)]), (2, 7)),
    "split_size": (lambda x: ag.cat([c * (i + 1) for i, c in enumerate(x.split(2, 1))], 1),
                   lambda t: _torch().cat([c * (i + 1) for i, c in enumerate(t.split(2, 1))], 1), (2, 5)),
    "split_sections": (lambda x: ag.cat([c * (i + 1) for i, c in enumerate(ag.split(x, [1, 3], 0))], 0),
                       lambda t: _torch().cat([c * (i + 1) for i, c in enumerate(t.split([1, 3], 0))], 0), (4, 2)),
    "unbind": (lambda x: ag.stack([r * i for i, r in enumerate(x.unbind(1))]),
               lambda t: _torch().stack([r * i for i, r in enumerate(t.unbind(1))]), (2, 3)),
    "unfold": (lambda x: x.unfold(1, 3, 2), lambda t: t.unfold(1, 3, 2), (2, 7)),
    "unfold_overlap": (lambda x: x.unfold(0, 2, 1), lambda t: t.unfold(0, 2, 1), (4, 2)),
    "pad_constant": (lambda x: F.pad(x, (1, 2)), lambda t: _f().pad(t, (1, 2)), (2, 3)),
    "pad_value_negative": (lambda x: F.pad(x, (1, -1, -1, 2), value=0.5),
                           lambda t: _f().pad(t, (1, -1, -1, 2), value=0.5), (2, 3, 4)),
    "pad_reflect": (lambda x: F.pad(x, (2, 1, 1, 1), mode="reflect"),
                    lambda t: _f().pad(t, (2, 1, 1, 1), mode="reflect"), (1, 2, 3, 4)),
    "pad_replicate": (lambda x: F.pad(x, (3, 1), mode="replicate"),
                      lambda t: _f().pad(t, (3, 1), mode="replicate"), (1, 2, 3)),
    "pad_circular": (lambda x: F.pad(x, (1, 2, 2, 0), mode="circular"),
                     lambda t: _f().pad(t, (1, 2, 2, 0), mode="circular"), (1, 2, 3, 4)),
    "pad_circular_crop": (lambda x: F.pad(x, (-1, 2), mode="circular"),
                          lambda t: _f().pad(t, (-1, 2), mode="circular"), (1, 2, 4)),
}


TORCH_NAME_ROWS = {name: OpRow(ours, theirs, random_inputs(shape))
                   for name, (ours, theirs, shape) in TORCH_NAMES.items()}
test_torch_names_gradcheck_and_gradgradcheck, test_torch_names_match_torch = op_tests(TORCH_NAME_ROWS, seed=9)


@given(x=tensors(min_dims=1), data=st.data())
def test_drawn_flip_roll_repeat_against_numpy(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    shift = data.draw(st.integers(-6, 6))
    reps = tuple(data.draw(st.lists(st.integers(1, 2), min_size=x.ndim, max_size=x.ndim + 1)))
    check(lambda t: t.flip(dim), x, np.flip(x.data, dim))
    check(lambda t: t.roll(shift, dim), x, np.roll(x.data, shift, dim))
    check(lambda t: t.repeat(*reps), x, np.tile(x.data, reps))


def test_views_and_splits_return_the_expected_structure():
    x = Tensor(np.arange(10.0))
    assert [c.shape for c in x.chunk(3)] == [(4,), (4,), (2,)]
    assert [c.shape for c in x.split(4)] == [(4,), (4,), (2,)]
    assert len(Tensor(np.ones((2, 3))).unbind(1)) == 3
    assert Tensor(np.ones((2, 1, 3))).squeeze(0).shape == (2, 1, 3)  # PyTorch: not size 1, unchanged


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.unflatten(1, (2, 2)), ValueError, r"unflatten: sizes \(2, 2\) do not multiply to the size 3"),
    (lambda x: x.expand(3), ValueError, "expand: 1 sizes"),
    (lambda x: x.expand(3, 3), ValueError, r"expand: a tensor of shape \(2, 3\) cannot be expanded to \(3, 3\)"),
    (lambda x: x.expand(-1, 2, 3), ValueError, "expand: -1 is not allowed for the new leading dimensions"),
    (lambda x: x[None].t(), ValueError, "t: expects a tensor with at most 2 dimensions"),
    (lambda x: x[0].mT, ValueError, "mT: expects a tensor with at least 2 dimensions"),
    (lambda x: x.flip(0, 0), ValueError, "flip: repeated dimension"),
    (lambda x: x.roll((1, 2), 0), ValueError, "roll: shifts"),
    (lambda x: x.repeat(2), ValueError, "repeat: sizes"),
    (lambda x: x.repeat_interleave(np.array([1, 2])), ValueError, "repeat_interleave: repeats must be"),
    (lambda x: x.split([1, 1], 1), ValueError, r"split: sections \[1, 1\] do not add up to the size 3"),
    (lambda x: x.chunk(0), ValueError, "chunk: chunks must be a positive int"),
    (lambda x: x.unfold(1, 4, 1), ValueError, r"unfold: size 4 must be in \[0, 3\]"),
    (lambda x: F.pad(x, (1,)), ValueError, r"pad: pad \(1,\) must be pairs of ints"),
    (lambda x: F.pad(x, (1, 1), mode="wrap"), ValueError, "pad: mode must be"),
    (lambda x: F.pad(x, (3, 0), mode="reflect"), ValueError, r"pad: reflect padding \(3, 0\) of dimension 1"),
    (lambda x: F.pad(x, (1, 1), mode="reflect", value=1.0), ValueError, "pad: value is only used"),
    (lambda x: F.pad(x, (-2, -2)), ValueError, "pad: negative pad"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_torch_names_bad_input_messages(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))
