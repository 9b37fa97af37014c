"""max_pool1d/2d and avg_pool1d/2d with padding, dilation, ceil_mode, count_include_pad,
divisor_override, return_indices; adaptive_avg_pool2d, adaptive_max_pool2d; interpolate
(nearest, linear, bilinear). One table drives gradcheck and gradgradcheck (float64,
hypothesis-drawn values) and PyTorch parity (float32, float64); indices are compared exactly.

Inputs are distinct multiples of 0.1 in a random order, so max windows have no ties and
central differences (eps 1e-6) never cross a kink.
"""
import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor
from autograd.testing import OpRow, op_tests, random_inputs

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"

# name: (function, input shape, keyword arguments)
CASES = {
    "max_pool2d": ("max_pool2d", (2, 2, 6, 6), dict(kernel_size=2)),
    "max_pool2d-stride-padding": ("max_pool2d", (2, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1)),
    "max_pool2d-dilation-ceil": ("max_pool2d", (1, 2, 7, 8), dict(kernel_size=(2, 3), stride=(2, 1), dilation=(2, 1),
                                                                 padding=(1, 1), ceil_mode=True)),
    "max_pool2d-ceil-overlap": ("max_pool2d", (2, 1, 7, 7), dict(kernel_size=3, stride=2, ceil_mode=True)),
    "max_pool2d-unbatched": ("max_pool2d", (2, 5, 5), dict(kernel_size=2, stride=1)),
    "max_pool1d": ("max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
    "max_pool1d-dilation-ceil": ("max_pool1d", (2, 3, 10), dict(kernel_size=2, stride=3, dilation=2, ceil_mode=True)),
    "avg_pool2d": ("avg_pool2d", (2, 2, 6, 6), dict(kernel_size=2)),
    "avg_pool2d-padding": ("avg_pool2d", (2, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1)),
    "avg_pool2d-padding-exclude": ("avg_pool2d", (2, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1,
                                                                   count_include_pad=False)),
    "avg_pool2d-ceil": ("avg_pool2d", (1, 2, 7, 7), dict(kernel_size=3, stride=2, ceil_mode=True)),
    "avg_pool2d-ceil-padding-exclude": ("avg_pool2d", (1, 2, 6, 7), dict(kernel_size=(3, 2), stride=2, padding=1,
                                                                        ceil_mode=True, count_include_pad=False)),
    "avg_pool2d-divisor": ("avg_pool2d", (1, 2, 5, 5), dict(kernel_size=3, padding=1, divisor_override=4)),
    "avg_pool1d": ("avg_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
    "avg_pool1d-ceil-exclude-unbatched": ("avg_pool1d", (3, 8), dict(kernel_size=3, stride=2, padding=1,
                                                                     ceil_mode=True, count_include_pad=False)),
    "adaptive_avg_pool2d": ("adaptive_avg_pool2d", (2, 2, 7, 9), dict(output_size=(3, 4))),
    "adaptive_avg_pool2d-global": ("adaptive_avg_pool2d", (2, 3, 4, 5), dict(output_size=1)),
    "adaptive_avg_pool2d-None-unbatched": ("adaptive_avg_pool2d", (2, 6, 5), dict(output_size=(4, None))),
    "adaptive_max_pool2d": ("adaptive_max_pool2d", (2, 2, 7, 9), dict(output_size=(3, 4))),
    "adaptive_max_pool2d-grow": ("adaptive_max_pool2d", (1, 2, 3, 4), dict(output_size=(5, 6))),
    "interpolate-nearest-size": ("interpolate", (2, 2, 3, 4), dict(size=(7, 5))),
    "interpolate-nearest-scale": ("interpolate", (2, 2, 3, 4), dict(scale_factor=2)),
    "interpolate-nearest-1d": ("interpolate", (2, 2, 5), dict(scale_factor=1.5)),
    "interpolate-bilinear": ("interpolate", (2, 2, 3, 4), dict(size=(6, 7), mode="bilinear")),
    "interpolate-bilinear-corners": ("interpolate", (1, 2, 4, 3), dict(size=(3, 5), mode="bilinear",
                                                                       align_corners=True)),
    "interpolate-bilinear-scale": ("interpolate", (1, 2, 4, 4), dict(scale_factor=(1.5, 0.5), mode="bilinear")),
    "interpolate-linear": ("interpolate", (2, 2, 5), dict(size=8, mode="linear")),
}


def values(shape, rng):
    return (rng.permutation(int(np.prod(shape))).reshape(shape) - np.prod(shape) / 2) * 0.1


def call(name, module):
    fn, _, kwargs = CASES[name]
    return lambda x: getattr(module, fn)(x, **kwargs)


def row(name):
    fn, shape, kwargs = CASES[name]

    def theirs(x):
        import torch
        return getattr(torch.nn.functional, fn)(x, **kwargs)
    return OpRow(call(name, F), theirs, random_inputs(shape, values=values))


test_gradients_match_central_differences, test_matches_torch = op_tests(
    {name: row(name) for name in CASES}, seed=4, max_examples=3)


@pytest.mark.parametrize("name", [n for n in CASES if "max_pool" in n])
def test_return_indices_match_torch(name):
    torch = pytest.importorskip("torch", reason=TORCH)
    fn, shape, kwargs = CASES[name]
    x = values(shape, np.random.default_rng(5))
    out, indices = getattr(F, fn)(Tensor(x), return_indices=True, **kwargs)
    expected, expected_indices = getattr(torch.nn.functional, fn)(torch.tensor(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(out.data, expected.numpy())
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices.data, expected_indices.numpy())


def test_default_pools_keep_their_fused_ops():
    x = Tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
    assert F.max_pool2d(x, 2).grad_fn.name == "MaxPool2d"
    assert F.avg_pool2d(x, 2).grad_fn.name == "AvgPool2d"


X = np.zeros((1, 2, 6, 6))


@pytest.mark.parametrize("call_, error, message", [
    (lambda: F.max_pool2d(X, 2, padding=2), ValueError,
     r"max_pool2d: padding \(2, 2\) should be at most half of the \(dilated\) kernel \(2, 2\)"),
    (lambda: F.max_pool2d(X, 4, dilation=2), ValueError,
     r"max_pool2d: kernel \(4, 4\) with dilation \(2, 2\) is larger than the input \(6, 6\)"),
    (lambda: F.avg_pool2d(X, 2, divisor_override=0), ValueError,
     r"avg_pool2d: divisor_override must be a positive int, got 0"),
    (lambda: F.max_pool1d(np.zeros((1, 2, 3, 4)), 2), ValueError,
     r"max_pool1d: input must be 3-D \(N, C, L\) or 2-D \(C, L\), got shape \(1, 2, 3, 4\)"),
    (lambda: F.avg_pool1d(np.zeros((1, 2, 4)), (2, 2)), TypeError,
     r"avg_pool1d: kernel_size must be an int or a 1-tuple of an int"),
    (lambda: F.adaptive_avg_pool2d(X, (2, 0)), ValueError, r"adaptive_avg_pool2d: output_size must be positive"),
    (lambda: F.adaptive_max_pool2d(X, (1, 2, 3)), TypeError,
     r"adaptive_max_pool2d: output_size must be one value or 2 values, got \(1, 2, 3\)"),
    (lambda: F.interpolate(X, size=3, scale_factor=2), ValueError,
     r"interpolate: give exactly one of size and scale_factor"),
    (lambda: F.interpolate(X, size=3, mode="bicubic"), ValueError,
     r"interpolate: mode must be 'nearest' or 'bilinear' for a 4-D input, got 'bicubic'"),
    (lambda: F.interpolate(X, size=3, align_corners=True), ValueError,
     r"interpolate: align_corners only applies to the linear modes"),
])
def test_bad_arguments_name_the_op_and_the_argument(call_, error, message):
    with pytest.raises(error, match=message):
        call_()
