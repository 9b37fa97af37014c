"""dyngrad train --augment: the Augment fit callback (crop and flip of every training batch)."""
import numpy as np
import pytest

import nn
from autograd import Tensor
from dyngrad.augment import AUGMENT_PADDING, Augment
from nn.train import fit


def batch(n=6, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 1, 5, 7)).astype(np.float32)


def test_flip_mirrors_some_images_and_keeps_the_labels():
    x, y = batch(32), np.arange(32)
    out, labels = Augment(["flip"], seed=0).on_batch_begin(0, 0, Tensor(x), y)
    assert isinstance(out, Tensor) and labels is y
    mirrored = [np.array_equal(o, xi[..., ::-1]) for o, xi in zip(out.data, x)]
    kept = [np.array_equal(o, xi) for o, xi in zip(out.data, x)]
    assert all(m or k for m, k in zip(mirrored, kept))
    assert 0 < sum(mirrored) < 32


def test_crop_is_a_window_of_the_edge_padded_image():
    x = batch()
    out, _ = Augment(["crop"], seed=0).on_batch_begin(0, 0, Tensor(x), np.zeros(6))
    assert out.shape == x.shape
    p = AUGMENT_PADDING
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="edge")
    shifts = []
    for o, image in zip(out.data, padded):
        found = [(i, j) for i in range(2 * p + 1) for j in range(2 * p + 1)
                 if np.array_equal(o, image[:, i:i + 5, j:j + 7])]
        assert found
        shifts.append(found[0])
    assert len(set(shifts)) > 1


def test_each_batch_draws_from_its_seed_epoch_and_batch():
    x = Tensor(batch(16))
    draw = lambda seed, epoch, b: Augment(["crop", "flip"], seed).on_batch_begin(
        epoch, b, x, None)[0].data
    np.testing.assert_array_equal(draw(0, 1, 2), draw(0, 1, 2))
    for other in [(1, 1, 2), (0, 0, 2), (0, 1, 3)]:
        assert not np.array_equal(draw(0, 1, 2), draw(*other))


def test_unknown_augmentation_is_refused():
    with pytest.raises(ValueError, match="Augment: unknown augmentation rotate"):
        Augment(["crop", "rotate"], 0)


def test_a_resumed_augmented_run_equals_the_uninterrupted_one(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 1, 6, 6)).astype(np.float32), rng.integers(0, 3, 40)

    def train(epochs, folder, resume=False):
        nn.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(36, 3))
        optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
        fit(model, optimizer, X, y, X[:8], y[:8], epochs=epochs, batch_size=8, seed=0,
            quiet=True, checkpoint_dir=folder, resume=resume,
            callbacks=[Augment(["crop", "flip"], seed=0)])
        return model.state_dict()

    whole = train(2, tmp_path / "whole")
    train(1, tmp_path / "split")
    resumed = train(2, tmp_path / "split", resume=True)
    for key in whole:
        np.testing.assert_array_equal(whole[key], resumed[key], err_msg=key)
