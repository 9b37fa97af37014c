"""conv1d, conv2d and conv_transpose2d with stride, padding (ints, pairs, 'same', 'valid'),
dilation, groups (and output_padding): one table drives gradcheck and gradgradcheck
(float64, hypothesis-drawn values) and PyTorch parity (float32, float64)."""
from functools import partial

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from autograd.testing import OpRow, op_tests

pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel:UserWarning")

# name: (function, input shape, weight shape, bias?, keyword arguments)
CASES = {
    "conv2d-default": ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), True, {}),
    "conv2d-stride-pad-pairs": ("conv2d", (2, 2, 6, 5), (3, 2, 3, 2), True, dict(stride=(2, 1), padding=(1, 2))),
    "conv2d-dilation": ("conv2d", (1, 2, 7, 6), (2, 2, 3, 2), False, dict(dilation=(2, 3), padding=1)),
    "conv2d-groups": ("conv2d", (2, 4, 5, 5), (6, 2, 3, 3), True, dict(groups=2, stride=2)),
    "conv2d-depthwise": ("conv2d", (1, 3, 4, 4), (3, 1, 2, 2), True, dict(groups=3)),
    "conv2d-same-even-kernel": ("conv2d", (2, 2, 5, 6), (3, 2, 2, 4), True, dict(padding="same")),
    "conv2d-same-dilated": ("conv2d", (1, 2, 6, 6), (2, 2, 3, 3), False, dict(padding="same", dilation=2)),
    "conv2d-valid": ("conv2d", (2, 2, 5, 5), (2, 2, 3, 3), True, dict(padding="valid")),
    "conv2d-unbatched": ("conv2d", (2, 5, 5), (3, 2, 3, 3), True, dict(padding=1)),
    "conv1d-default": ("conv1d", (2, 3, 7), (4, 3, 3), True, {}),
    "conv1d-stride-pad-dilation": ("conv1d", (2, 2, 9), (3, 2, 3), True, dict(stride=2, padding=2, dilation=2)),
    "conv1d-groups-same": ("conv1d", (2, 4, 6), (4, 2, 4), True, dict(groups=2, padding="same")),
    "conv1d-unbatched-valid": ("conv1d", (2, 6), (3, 2, 2), False, dict(padding="valid")),
    "conv_transpose2d-default": ("conv_transpose2d", (2, 3, 4, 4), (3, 2, 3, 3), True, {}),
    "conv_transpose2d-stride-pad-out": ("conv_transpose2d", (2, 2, 3, 4), (2, 3, 3, 2), True,
                                        dict(stride=2, padding=1, output_padding=1)),
    "conv_transpose2d-groups-dilation": ("conv_transpose2d", (1, 4, 3, 3), (4, 1, 2, 3), True,
                                         dict(groups=2, dilation=(2, 1), stride=(1, 2))),
    "conv_transpose2d-unbatched": ("conv_transpose2d", (2, 3, 3), (2, 2, 2, 2), False, dict(stride=2)),
}


def arrays(name, rng):
    _, x_shape, w_shape, bias, _ = CASES[name]
    out = [rng.standard_normal(x_shape), rng.standard_normal(w_shape) * 0.5]
    if bias:
        channels = w_shape[1] * CASES[name][4].get("groups", 1) if "transpose" in name else w_shape[0]
        out.append(rng.standard_normal(channels))
    return out


def ours(name):
    fn, *_, kwargs = CASES[name]
    return lambda *t: getattr(F, fn)(*t, **kwargs)


def theirs(name):
    fn, *_, kwargs = CASES[name]
    return lambda *t: getattr(__import__("torch").nn.functional, fn)(*t, **kwargs)


ROWS = {name: OpRow(ours(name), theirs(name), partial(arrays, name)) for name in CASES}
test_gradients_match_central_differences, test_matches_torch = op_tests(ROWS, seed=2, max_examples=3)


def test_top_level_names():
    assert ag.conv1d is F.conv1d and ag.conv_transpose2d is F.conv_transpose2d


X, W = np.zeros((2, 4, 6, 6)), np.zeros((4, 2, 3, 3))


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.conv2d(X, np.zeros((4, 4, 3, 3)), groups=2), ValueError,
     r"conv2d: input has 4 channels but weight \(4, 4, 3, 3\) expects 8 \(in_channels/groups = 4, groups = 2\)"),
    (lambda: F.conv2d(X, np.zeros((3, 2, 3, 3)), groups=2), ValueError,
     r"conv2d: groups=2 must divide the input channels \(4\) and the output channels \(3\)"),
    (lambda: F.conv2d(X, W, groups=2, stride=2, padding="same"), ValueError,
     r"conv2d: padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(X, W, groups=2, padding="full"), ValueError,
     r"conv2d: padding must be an int, a pair, 'valid' or 'same', got 'full'"),
    (lambda: F.conv2d(X, W, groups=2, dilation=3), ValueError,
     r"conv2d: kernel span with dilation \(3, 3\) \(7, 7\) is larger than the padded input \(6, 6\)"),
    (lambda: F.conv2d(X, W, groups=2, dilation=0), ValueError, r"conv2d: dilation must be positive"),
    (lambda: F.conv1d(np.zeros((2, 4, 6)), np.zeros((4, 4, 7))), ValueError,
     r"conv1d: kernel \(7,\) is larger than the padded input \(6,\)"),
    (lambda: F.conv1d(np.zeros((2, 4, 6)), np.zeros((4, 3, 2))), ValueError,
     r"conv1d: input has 4 channels but weight \(4, 3, 2\) expects 3"),
    (lambda: F.conv1d(np.zeros((2, 4, 6)), np.zeros((4, 4, 2)), stride=(1, 2)), TypeError,
     r"conv1d: stride must be an int or a 1-tuple of an int"),
    (lambda: F.conv1d(np.zeros((2, 4, 6, 1)), np.zeros((4, 4, 2))), ValueError,
     r"conv1d: input must be 3-D \(N, C, L\) or 2-D \(C, L\), got shape \(2, 4, 6, 1\)"),
    (lambda: F.conv_transpose2d(X, np.zeros((3, 2, 3, 3))), ValueError,
     r"conv_transpose2d: input has 4 channels but weight \(3, 2, 3, 3\) expects 3"),
    (lambda: F.conv_transpose2d(X, W, output_padding=1), ValueError,
     r"conv_transpose2d: output_padding \(1, 1\) must be smaller than stride \(1, 1\) or dilation \(1, 1\)"),
    (lambda: F.conv_transpose2d(X, W, groups=3), ValueError,
     r"conv_transpose2d: groups must be a positive int dividing the 4 input channels, got 3"),
])
def test_bad_arguments_name_the_op_and_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
