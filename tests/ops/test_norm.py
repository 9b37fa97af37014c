"""batch_norm, instance_norm, layer_norm, group_norm and embedding: one table drives
gradcheck and gradgradcheck (float64, hypothesis-drawn values) and PyTorch parity of
values and gradients (float32, float64); running statistics and errors after it.

A row is name -> case(rng) returning (arrays, ours, theirs) as in test_losses.py.
"""
import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor
from autograd.testing import gradient_test, parity_test

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


def tf():
    import torch.nn.functional as TF
    return TF


def tt(a, like=None):
    import torch
    t = torch.as_tensor(np.array(a))
    return t.to(like.dtype) if like is not None and t.is_floating_point() else t


def batch(shape, training, affine=True):
    def case(rng):
        C = shape[1]
        x, w, b = rng.standard_normal(shape) * 2 + 1, rng.uniform(0.5, 2, C), rng.standard_normal(C)
        rm, rv = rng.standard_normal(C), rng.uniform(0.5, 2, C)
        ours = lambda a, w=None, b=None: F.batch_norm(a, rm.astype(a.dtype), rv.astype(a.dtype), w, b,
                                                       training=training)
        theirs = lambda a, w=None, b=None: tf().batch_norm(a, tt(rm, a), tt(rv, a), w, b, training=training)
        return ([x, w, b] if affine else [x]), ours, theirs
    return case


def instance(shape, use_input_stats=True, affine=False):
    def case(rng):
        C = shape[1]
        x, w, b = rng.standard_normal(shape) * 2 + 1, rng.uniform(0.5, 2, C), rng.standard_normal(C)
        rm, rv = rng.standard_normal(C), rng.uniform(0.5, 2, C)
        stats = not use_input_stats
        ours = lambda a, w=None, b=None: F.instance_norm(a, rm.astype(a.dtype) if stats else None,
                                                          rv.astype(a.dtype) if stats else None, w, b,
                                                          use_input_stats=use_input_stats)
        theirs = lambda a, w=None, b=None: tf().instance_norm(a, tt(rm, a) if stats else None,
                                                              tt(rv, a) if stats else None, w, b,
                                                              use_input_stats=use_input_stats)
        return ([x, w, b] if affine else [x]), ours, theirs
    return case


def layer(shape, normalized, affine=True):
    def case(rng):
        x = rng.standard_normal(shape) * 2 + 1
        w, b = rng.uniform(0.5, 2, normalized), rng.standard_normal(normalized)
        ours = lambda a, w=None, b=None: F.layer_norm(a, normalized, w, b)
        theirs = lambda a, w=None, b=None: tf().layer_norm(a, normalized, w, b)
        return ([x, w, b] if affine else [x]), ours, theirs
    return case


def group(shape, groups, affine=True):
    def case(rng):
        C = shape[1]
        x, w, b = rng.standard_normal(shape) * 2 + 1, rng.uniform(0.5, 2, C), rng.standard_normal(C)
        ours = lambda a, w=None, b=None: F.group_norm(a, groups, w, b)
        theirs = lambda a, w=None, b=None: tf().group_norm(a, groups, w, b)
        return ([x, w, b] if affine else [x]), ours, theirs
    return case


def embed(index_shape, padding_idx=None):
    def case(rng):
        w = rng.standard_normal((5, 3))
        idx = rng.integers(0, 5, index_shape)
        idx.flat[0] = 2
        return ([w], lambda a: F.embedding(idx, a, padding_idx=padding_idx),
                lambda a: tf().embedding(tt(idx), a, padding_idx=padding_idx))
    return case


CASES = {
    "batch_norm-train-2d": batch((5, 3), True),
    "batch_norm-train-3d-no-affine": batch((4, 3, 2), True, affine=False),
    "batch_norm-train-4d": batch((3, 2, 2, 3), True),
    "batch_norm-eval-4d": batch((3, 2, 2, 3), False),
    "instance_norm-3d": instance((2, 3, 4)),
    "instance_norm-4d-affine": instance((2, 3, 2, 3), affine=True),
    "instance_norm-running-stats": instance((2, 3, 2, 2), use_input_stats=False, affine=True),
    "layer_norm-last": layer((3, 4), (4,)),
    "layer_norm-two-axes": layer((2, 3, 4), (3, 4)),
    "layer_norm-no-affine": layer((2, 5), (5,), affine=False),
    "group_norm-2-groups": group((2, 4, 3), 2),
    "group_norm-1-group-4d": group((2, 3, 2, 2), 1),
    "group_norm-C-groups-no-affine": group((3, 3, 4), 3, affine=False),
    "embedding": embed((4,)),
    "embedding-2d-padding": embed((2, 3), padding_idx=2),
    "embedding-negative-padding": embed((6,), padding_idx=-3),
}


# padding_idx deliberately cuts the gradient of a row the output depends on (PyTorch's
# rule), so central differences disagree by design: those rows are checked against torch.
test_gradients_match_central_differences = gradient_test(
    {name: case for name, case in CASES.items() if "padding" not in name}, max_examples=5)
test_matches_torch = parity_test(CASES, seed=5)


@pytest.mark.parametrize("name", ["batch_norm", "instance_norm"])
def test_running_statistics_update_as_torch(name):
    torch = pytest.importorskip("torch", reason=TORCH)
    x = np.random.default_rng(0).standard_normal((4, 3, 5)) * 3 + 2
    rm, rv = np.zeros(3), np.ones(3)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    if name == "batch_norm":
        F.batch_norm(Tensor(x), rm, rv, training=True, momentum=0.3)
        tf().batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.3)
    else:
        F.instance_norm(Tensor(x), rm, rv, momentum=0.3)
        tf().instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
    np.testing.assert_allclose(rm, trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=1e-12)


@pytest.mark.parametrize("fn", [lambda x: F.layer_norm(x, (3,)), lambda x: F.group_norm(x, 2),
                                lambda x: F.instance_norm(x), lambda x: F.batch_norm(x, None, None, training=True)])
def test_float16_is_standardised_in_float32(fn):
    x = np.random.default_rng(0).standard_normal((8, 4, 3)).astype(np.float16) * 300
    half = Tensor(x, requires_grad=True)
    out = fn(half)
    assert out.dtype == np.float16 and np.isfinite(out.data).all()
    single = fn(Tensor(x.astype(np.float32)))
    np.testing.assert_allclose(out.data.astype(np.float32), single.data, atol=3e-3)
    out.sum().backward()
    assert half.grad.dtype == np.float16


def test_embedding_padding_row_gets_no_gradient():
    w = Tensor(np.ones((4, 2)), requires_grad=True)
    out = F.embedding(np.array([0, 1, 1, 3]), w, padding_idx=1)
    np.testing.assert_array_equal(out.data, np.ones((4, 2)))
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.data[:, 0], [1, 0, 0, 1])


X = Tensor(np.zeros((2, 4, 3)))


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.layer_norm(X, (4,)), ValueError,
     r"layer_norm: input of shape \(2, 4, 3\) does not end with normalized_shape \(4,\)"),
    (lambda: F.layer_norm(X, (3,), weight=np.ones(4)), ValueError, r"layer_norm: weight must have shape \(3,\)"),
    (lambda: F.group_norm(X, 3), ValueError,
     r"group_norm: num_groups must be a positive int dividing the 4 channels of input \(2, 4, 3\), got 3"),
    (lambda: F.instance_norm(Tensor(np.zeros((2, 4)))), ValueError,
     r"instance_norm: input must have at least 3 dimensions, got shape \(2, 4\)"),
    (lambda: F.batch_norm(X, np.zeros(3), np.ones(4)), ValueError,
     r"batch_norm: running_mean must have shape \(4,\) for input \(2, 4, 3\), got \(3,\)"),
    (lambda: F.batch_norm(X, None, None), ValueError, r"batch_norm: running_mean and running_var are needed"),
    (lambda: F.embedding(np.array([0.5]), Tensor(np.zeros((3, 2)))), TypeError,
     r"embedding: input must hold integer indices, got dtype float64"),
    (lambda: F.embedding(np.array([3]), Tensor(np.zeros((3, 2)))), IndexError,
     r"embedding: index 3 is out of range for a weight of 3 rows"),
    (lambda: F.embedding(np.array([0]), Tensor(np.zeros((3, 2))), padding_idx=5), ValueError,
     r"embedding: padding_idx must be an int in \[-3, 3\), got 5"),
    (lambda: F.layer_norm(Tensor(np.zeros((2, 3), np.int64)), 3), TypeError,
     r"layer_norm: input must be floating point, got dtype int64"),
])
def test_bad_arguments_name_the_op_and_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
