"""nn.train: history, best-on-validation restore, reproducibility, checkpoint + resume, evaluate."""
import numpy as np
import pytest

import nn
from autograd import is_grad_enabled
from nn.models import FullyConnectedNet, SoftmaxClassifier
from nn.train import CHECKPOINT_NAME, MODEL_NAME, evaluate, fit, predict


@pytest.fixture(scope="module")
def blobs():
    """A small, learnable 3-class problem: Gaussian blobs in 20 dimensions."""
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((3, 20)) * 2
    y = rng.integers(0, 3, 300)
    X = (centers[y] + rng.standard_normal((300, 20))).astype(np.float32)
    return X[:240], y[:240], X[240:], y[240:]


def make(seed=0, lr=1e-2):
    """A model with dropout and batch norm (both use state fit must handle), its Adam, a scheduler."""
    nn.manual_seed(seed)
    model = FullyConnectedNet([16, 16], 20, 3, dropout=0.2, normalization="batchnorm",
                              reg=1e-3, weight_scale=1e-1)
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    return model, optimizer, nn.optim.ExponentialLR(optimizer, gamma=0.5)


def without_time(history):
    return {k: v for k, v in history.items() if k != "time"}


def assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        np.testing.assert_array_equal(sa[key], sb[key], err_msg=key)


def test_history_and_learning(blobs):
    model, optimizer, scheduler = make()
    history = fit(model, optimizer, *blobs, epochs=3, batch_size=32, lr_scheduler=scheduler,
                  seed=0, quiet=True)
    assert len(history["loss"]) == 3 * 8
    for key in ("train_acc", "val_acc", "lr", "time"):
        assert len(history[key]) == 3, key
    assert history["lr"] == pytest.approx([1e-2, 5e-3, 2.5e-3])
    assert history["val_acc"][-1] > 0.8
    assert history["best_val_acc"] == max(history["val_acc"])
    assert history["best_epoch"] == history["val_acc"].index(max(history["val_acc"])) + 1


def test_best_parameters_are_restored(blobs):
    X_train, y_train, X_val, y_val = blobs
    model, optimizer, _ = make(lr=0.3)  # a rate high enough that the last epoch is rarely best
    history = fit(model, optimizer, *blobs, epochs=4, batch_size=32, seed=3, quiet=True)
    assert evaluate(model, X_val, y_val) == history["best_val_acc"]


def test_seeded_runs_are_bit_for_bit_identical(blobs):
    runs = []
    for _ in range(2):
        model, optimizer, scheduler = make()
        history = fit(model, optimizer, *blobs, epochs=2, batch_size=32, lr_scheduler=scheduler,
                      seed=7, quiet=True)
        runs.append((model, history))
    assert_same_state(runs[0][0], runs[1][0])
    assert without_time(runs[0][1]) == without_time(runs[1][1])


def test_different_seeds_differ(blobs):
    histories = []
    for seed in (1, 2):
        model, optimizer, _ = make()
        histories.append(fit(model, optimizer, *blobs, epochs=1, batch_size=32, seed=seed,
                             quiet=True))
    assert histories[0]["loss"] != histories[1]["loss"]


def test_checkpoint_and_resume_equal_an_uninterrupted_run(blobs, tmp_path):
    model, optimizer, scheduler = make()
    straight = fit(model, optimizer, *blobs, epochs=3, batch_size=32, lr_scheduler=scheduler,
                   seed=5, quiet=True, checkpoint_dir=tmp_path / "straight")

    first, optimizer1, scheduler1 = make()
    fit(first, optimizer1, *blobs, epochs=1, batch_size=32, lr_scheduler=scheduler1, seed=5,
        quiet=True, checkpoint_dir=tmp_path / "resumed")
    # a fresh process would start from a differently initialised model: resume must overwrite it
    resumed, optimizer2, scheduler2 = make(seed=99)
    history = fit(resumed, optimizer2, *blobs, epochs=3, batch_size=32, lr_scheduler=scheduler2,
                  seed=5, quiet=True, checkpoint_dir=tmp_path / "resumed", resume=True)

    assert_same_state(model, resumed)
    assert without_time(history) == without_time(straight)
    assert len(history["time"]) == 3
    for folder in ("straight", "resumed"):
        assert (tmp_path / folder / CHECKPOINT_NAME).is_file()
        assert (tmp_path / folder / MODEL_NAME).is_file()


def test_saved_model_holds_the_best_parameters(blobs, tmp_path):
    model, optimizer, _ = make()
    fit(model, optimizer, *blobs, epochs=2, batch_size=32, seed=0, quiet=True,
        checkpoint_dir=tmp_path)
    loaded, _, _ = make(seed=42)
    loaded.load_state_dict(nn.load(tmp_path / MODEL_NAME))
    assert_same_state(model, loaded)


def test_resume_needs_a_checkpoint_dir(blobs):
    model, optimizer, _ = make()
    with pytest.raises(ValueError, match="checkpoint_dir"):
        fit(model, optimizer, *blobs, epochs=1, resume=True, quiet=True)


def test_quiet_prints_nothing_and_default_shows_progress(blobs, capsys):
    model, optimizer, _ = make()
    fit(model, optimizer, *blobs, epochs=1, batch_size=32, seed=0, quiet=True)
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    fit(model, optimizer, *blobs, epochs=1, batch_size=32, seed=0)
    out, err = capsys.readouterr()
    assert "val acc" in out + err


class Terminal:
    """A stderr that says it is a terminal and keeps what was written."""

    def __init__(self):
        self.parts = []

    def isatty(self):
        return True

    def write(self, text):
        self.parts.append(text)

    def flush(self):
        pass


def test_progress_bar_on_a_terminal_and_epoch_lines_in_a_log(blobs, capsys, monkeypatch):
    model, optimizer, _ = make()
    fit(model, optimizer, *blobs, epochs=2, batch_size=32, seed=0)   # captured: not a TTY
    out, err = capsys.readouterr()
    assert "batch/s" not in err and "it/s" not in err
    assert [line.split(":")[0] for line in out.splitlines()] == ["epoch 1/2", "epoch 2/2"]
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    fit(model, optimizer, *blobs, epochs=1, batch_size=32, seed=0)
    assert "batch" in "".join(terminal.parts) and "epoch 1/1" in "".join(terminal.parts)


@pytest.mark.parametrize("mode", [True, False])
def test_evaluate_restores_mode_and_builds_no_graph(blobs, mode):
    X_train, y_train, _, _ = blobs
    model, _, _ = make()
    model.train(mode)
    seen = []
    original = model.forward
    model.forward = lambda x: (seen.append((model.training, is_grad_enabled())), original(x))[1]
    accuracy = evaluate(model, X_train, y_train, batch_size=100)
    assert 0 <= accuracy <= 1
    assert seen == [(False, False)] * 3  # 240 images in batches of 100, in eval mode, no grad
    assert model.training is mode
    assert all(m.training is mode for m in model.modules())
    assert all(p.grad is None for p in model.parameters())


def test_evaluate_restores_mode_after_an_error():
    model = SoftmaxClassifier(4, 2)
    model.train()
    with pytest.raises(Exception):
        predict(model, np.zeros((3, 5), np.float32))  # wrong feature count
    assert model.training


def test_evaluate_checks_lengths():
    with pytest.raises(ValueError, match="samples"):
        evaluate(SoftmaxClassifier(4, 2), np.zeros((3, 4), np.float32), np.zeros(2))


def test_evaluate_restores_the_mode_of_every_module(blobs):
    X_train, y_train, _, _ = blobs
    model, _, _ = make()
    model.train()
    norm = next(m for m in model.modules() if isinstance(m, nn.BatchNorm1d))
    norm.eval()                                   # the user froze the batch-norm statistics
    evaluate(model, X_train, y_train)
    assert model.training and not norm.training


def test_a_last_batch_of_one_sample_is_dropped(blobs):
    X_train, y_train, X_val, y_val = blobs
    model, optimizer, _ = make()                  # batch norm: one sample can't train
    history = fit(model, optimizer, X_train[:33], y_train[:33], X_val, y_val, epochs=1,
                  batch_size=32, quiet=True)
    assert len(history["loss"]) == 1


def test_resume_from_a_corrupt_or_foreign_checkpoint_raises_checkpoint_error(blobs, tmp_path):
    from nn.train import CheckpointError
    model, optimizer, scheduler = make()
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="corrupt") as info:
        fit(model, optimizer, *blobs, epochs=1, checkpoint_dir=tmp_path, resume=True, quiet=True)
    assert info.value.corrupt
    other = SoftmaxClassifier(20, 3)
    fit(other, nn.optim.SGD(other.parameters(), lr=0.1), *blobs, epochs=1,
        checkpoint_dir=tmp_path, quiet=True)
    with pytest.raises(CheckpointError, match="different model") as info:
        fit(model, optimizer, *blobs, epochs=2, checkpoint_dir=tmp_path, resume=True, quiet=True)
    assert not info.value.corrupt
