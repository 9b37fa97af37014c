"""nn.features.HOG against a pixel-by-pixel NumPy reference, on images whose orientations
are known, through gradcheck, and inside the models."""
import math
import re

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn import models
from nn.features import HOG, LUMA


def reference_hog(image, cell_size, bins):
    """The definition in HOG's docstring, one pixel at a time (grey (H, W) image)."""
    H, W = image.shape
    out = np.zeros((bins, H // cell_size, W // cell_size))
    for i in range(H // cell_size * cell_size):
        for j in range(W // cell_size * cell_size):
            gx = image[i, j + 1] - image[i, j - 1] if 0 < j < W - 1 else 0.0
            gy = image[i + 1, j] - image[i - 1, j] if 0 < i < H - 1 else 0.0
            b = int(bins * (math.atan2(gy, gx) % math.pi) / math.pi) % bins
            out[b, i // cell_size, j // cell_size] += math.hypot(gx, gy)
    return out.ravel()


@pytest.mark.parametrize("shape,cell_size,bins", [((1, 8, 8), 4, 9), ((1, 7, 10), 3, 6),
                                                  ((3, 6, 6), 2, 4), ((1, 5, 5), 5, 1)])
def test_matches_the_pixel_by_pixel_definition(shape, cell_size, bins):
    images = np.random.default_rng(0).standard_normal((2, *shape))
    got = HOG(shape, cell_size, bins)(Tensor(images)).numpy()
    grey = images[:, 0] if shape[0] == 1 else np.tensordot(images, LUMA, axes=([1], [0]))
    want = np.stack([reference_hog(g, cell_size, bins) for g in grey])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_a_ramp_votes_in_the_bin_of_its_gradient_direction():
    ramp = np.tile(np.arange(8.0), (8, 1))[None, None]      # I[i, j] = j: gradient along x
    for image, direction in ((ramp, 0), (ramp.transpose(0, 1, 3, 2), 90),
                             (-ramp, 180)):                   # 180 degrees is orientation 0
        histogram = HOG((1, 8, 8), cell_size=8, bins=9)(Tensor(image)).numpy().ravel()
        expected_bin = int(direction % 180 // 20)
        assert histogram.argmax() == expected_bin
        # each interior pixel votes |g| = 2; the border column (or row) has a one-sided zero
        assert histogram[expected_bin] == pytest.approx(2 * 8 * 6)
        assert np.count_nonzero(histogram) == 1


def test_keep_pixels_appends_the_flattened_image():
    images = np.random.default_rng(1).standard_normal((3, 1, 8, 8))
    hog = HOG((1, 8, 8), keep_pixels=True)
    out = hog(Tensor(images)).numpy()
    assert out.shape == (3, hog.out_features) == (3, 9 * 2 * 2 + 64)
    np.testing.assert_array_equal(out[:, -64:], images.reshape(3, -1))


def test_gradients_flow_to_the_image():
    images = Tensor(np.random.default_rng(2).standard_normal((2, 3, 6, 6)), requires_grad=True)
    assert autograd.gradcheck(HOG((3, 6, 6), cell_size=3, bins=5, keep_pixels=True), images)


@pytest.mark.parametrize("kwargs,message", [
    (dict(image_shape=(2, 8, 8)), "1 (grey) or 3 (RGB) channels"),
    (dict(image_shape=(1, 8, 8), cell_size=9), "cell_size must be between 1 and"),
    (dict(image_shape=(1, 8, 8), bins=0), "bins must be at least 1"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        HOG(**kwargs)


def test_images_of_another_shape_are_refused():
    with pytest.raises(ValueError, match=r"expected images \(N, 1, 8, 8\), got shape \(2, 64\)"):
        HOG((1, 8, 8))(Tensor(np.zeros((2, 64))))


@pytest.mark.parametrize("build", [
    lambda f: models.SoftmaxClassifier((1, 8, 8), features=f),
    lambda f: models.LinearSVM((1, 8, 8), features=f),
    lambda f: models.TwoLayerNet((1, 8, 8), 5, features=f),
    lambda f: models.FullyConnectedNet([5, 5], (1, 8, 8), normalization="batchnorm", features=f),
])
def test_the_vector_models_put_features_in_place_of_the_flatten(build):
    hog = HOG((1, 8, 8))
    model = build(hog)
    assert model.layers[0] is hog
    assert model.layers[1].in_features == hog.out_features
    images = np.random.default_rng(3).standard_normal((4, 1, 8, 8)).astype(np.float32)
    loss = model.loss(model(Tensor(images)), np.array([0, 1, 2, 3]))
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_features_must_be_a_module_with_a_width():
    with pytest.raises(TypeError, match="features must be an nn.Module with an out_features"):
        models.SoftmaxClassifier((1, 8, 8), features=nn.Flatten())
