"""Pooling and resampling layers against torch.nn: same arguments, same outputs and gradients."""
import numpy as np
import pytest

import nn
from autograd import Tensor
from autograd.testing import assert_matches_torch

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"

# name: (constructor arguments, input shape)
LAYERS = {
    "MaxPool2d": (dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (2, 2, 7, 7)),
    "MaxPool2d-dilation": (dict(kernel_size=2, dilation=2), (1, 2, 6, 6)),
    "MaxPool1d": (dict(kernel_size=3, stride=2, padding=1), (2, 2, 9)),
    "AvgPool2d": (dict(kernel_size=3, stride=2, padding=1, count_include_pad=False), (2, 2, 7, 6)),
    "AvgPool2d-divisor": (dict(kernel_size=2, divisor_override=3), (1, 2, 4, 4)),
    "AvgPool1d": (dict(kernel_size=2, ceil_mode=True), (2, 2, 7)),
    "AdaptiveAvgPool2d": (dict(output_size=(3, 2)), (2, 2, 7, 5)),
    "AdaptiveMaxPool2d": (dict(output_size=4), (2, 2, 7, 5)),
    "Upsample": (dict(scale_factor=2), (1, 2, 3, 3)),
    "Upsample-bilinear": (dict(size=(5, 4), mode="bilinear", align_corners=False), (1, 2, 3, 3)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_torch(name, dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    args, shape = LAYERS[name]
    cls = name.split("-")[0]
    x = (np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape) * 0.1)
    assert_matches_torch(getattr(nn, cls)(**args), getattr(torch.nn, cls)(**args), x, dtype=dtype)


@pytest.mark.parametrize("name", ["MaxPool2d", "MaxPool1d", "AdaptiveMaxPool2d"])
def test_return_indices_as_torch(name):
    torch = pytest.importorskip("torch", reason=TORCH)
    args, shape = LAYERS[name]
    x = np.random.default_rng(1).standard_normal(shape)
    out, indices = getattr(nn, name)(**args, return_indices=True)(Tensor(x))
    expected, expected_indices = getattr(torch.nn, name)(**args, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(out.data, expected.numpy())
    np.testing.assert_array_equal(indices.data, expected_indices.numpy())


def test_old_import_paths_still_work():
    assert nn.layers.MaxPool2d is nn.MaxPool2d and nn.layers.AvgPool2d is nn.AvgPool2d
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
