"""nn.train: history, best-on-validation restore, reproducibility, checkpoint + resume, evaluate."""
import os

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


# ------------------------------------------------------------- refusals and divergence

class DivergesAt(SoftmaxClassifier):
    """A classifier whose training loss is nan from its ``at``-th batch (1-based) on."""

    def __init__(self, at):
        super().__init__(20, 3)
        self.at, self.calls = at, 0

    def loss(self, scores, y):
        self.calls += 1
        loss = super().loss(scores, y)
        return loss * float("nan") if self.calls >= self.at else loss


def test_fit_refuses_an_optimizer_over_another_models_parameters(blobs):
    model, other = SoftmaxClassifier(20, 3), SoftmaxClassifier(20, 3)
    before = model.state_dict()
    with pytest.raises(ValueError, match="the optimizer holds none of the SoftmaxClassifier's "
                                         "parameters"):
        fit(model, nn.optim.SGD(other.parameters(), lr=0.1), *blobs, epochs=1, quiet=True)
    assert_same_state_dict(model.state_dict(), before)


def assert_same_state_dict(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_a_nonfinite_loss_stops_fit_before_the_update_and_says_where(blobs, tmp_path):
    from nn.train import NonFiniteLossError
    nn.manual_seed(0)
    model = DivergesAt(8 + 3)                      # 8 batches per epoch: epoch 2, iteration 3
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(NonFiniteLossError, match=r"loss became nan at epoch 2, iteration 3: the run "
                                                 r"diverged.*epoch 1, the best so far.*"
                                                 r"checkpoint\.npz holds epoch 1") as info:
        fit(model, optimizer, *blobs, epochs=3, batch_size=32, seed=0, quiet=True,
            checkpoint_dir=tmp_path)
    error = info.value
    assert (error.epoch, error.iteration) == (2, 3) and np.isnan(error.loss)
    assert len(error.history["loss"]) == 8 + 3 and error.history["val_acc"] != []
    assert all(np.isfinite(p.data).all() for p in model.parameters())
    assert int(nn.load(tmp_path / CHECKPOINT_NAME)["epoch"]) == 1


def test_on_nonfinite_loss_continue_trains_on_and_says_so(blobs, capsys):
    nn.manual_seed(0)
    model = DivergesAt(8 + 3)
    with pytest.warns(RuntimeWarning, match="6 batches of epoch 2 had a non-finite loss"):
        history = fit(model, nn.optim.SGD(model.parameters(), lr=0.1), *blobs, epochs=2,
                      batch_size=32, seed=0, on_nonfinite_loss="continue")
    assert history["nonfinite_losses"] == 6
    assert "(6 non-finite losses!)" in capsys.readouterr().out


@pytest.mark.parametrize("change, error, message", [
    (dict(X_val=np.zeros((0, 20), np.float32), y_val=np.zeros(0, int)), ValueError,
     "the validation set is empty"),
    (dict(batch_size=0), ValueError, "batch_size must be positive, got 0"),
    (dict(batch_size=2.5), TypeError, "batch_size must be an int"),
    (dict(train_acc_samples=0), ValueError, "train_acc_samples must be a positive int or None"),
    (dict(eval_batch_size=0), ValueError, "eval_batch_size must be positive"),
    (dict(y_val=np.zeros(3, int)), ValueError, "the validation set has 60 samples but 3 labels"),
    (dict(on_nonfinite_loss="ignore"), ValueError, "on_nonfinite_loss must be 'raise' or 'continue'"),
    (dict(config={"x": object()}), TypeError, "config must be JSON-serialisable"),
], ids=["empty-val", "batch-0", "batch-float", "train-acc-0", "eval-batch-0", "val-lengths",
        "nonfinite-option", "config"])
def test_bad_fit_arguments_fail_before_any_work(blobs, tmp_path, change, error, message):
    X_train, y_train, X_val, y_val = blobs
    kwargs = dict(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val, epochs=1,
                  batch_size=32, quiet=True, checkpoint_dir=tmp_path / "run")
    kwargs.update(change)
    model = SoftmaxClassifier(20, 3)
    before = model.state_dict()
    with pytest.raises(error, match=message):
        fit(model, nn.optim.SGD(model.parameters(), lr=0.1), **kwargs)
    assert_same_state_dict(model.state_dict(), before)
    assert not (tmp_path / "run").exists()


def test_a_failed_resume_changes_nothing(blobs, tmp_path):
    from nn.train import CheckpointError
    model, optimizer, _ = make()
    fit(model, optimizer, *blobs, epochs=1, batch_size=32, seed=0, quiet=True,
        checkpoint_dir=tmp_path)                                # no scheduler in the checkpoint
    fresh, fresh_optimizer, scheduler = make(seed=1)
    before = (fresh.state_dict(), fresh_optimizer.state_dict(), scheduler.state_dict())
    with pytest.raises(CheckpointError, match="no lr_scheduler state"):
        fit(fresh, fresh_optimizer, *blobs, epochs=2, batch_size=32, seed=0, quiet=True,
            lr_scheduler=scheduler, checkpoint_dir=tmp_path, resume=True)
    for state, after in zip(before, (fresh.state_dict(), fresh_optimizer.state_dict(),
                                     scheduler.state_dict())):
        assert_same_state_dict(after, state)
    assert fresh_optimizer.state == {}


def test_resume_refuses_another_model_class_with_the_same_parameters(blobs, tmp_path):
    from nn.models import LinearSVM
    from nn.train import CheckpointError
    svm = LinearSVM(20, 3)
    fit(svm, nn.optim.SGD(svm.parameters(), lr=0.1), *blobs, epochs=1, quiet=True,
        checkpoint_dir=tmp_path)
    softmax = SoftmaxClassifier(20, 3)
    assert softmax.state_dict().keys() == svm.state_dict().keys()
    before = softmax.state_dict()
    with pytest.raises(CheckpointError, match=r"model_class: the checkpoint has "
                                              r"nn\.models\.LinearSVM, this run has "
                                              r"nn\.models\.SoftmaxClassifier") as info:
        fit(softmax, nn.optim.SGD(softmax.parameters(), lr=0.1), *blobs, epochs=2, quiet=True,
            checkpoint_dir=tmp_path, resume=True)
    assert not info.value.corrupt
    assert_same_state_dict(softmax.state_dict(), before)


@pytest.mark.parametrize("second, message", [
    (dict(momentum=0.5, config={"lr": 0.1}), r"optimizer_settings \(momentum: the checkpoint "
                                             r"has 0\.9, this run has 0\.5\)$"),
    (dict(momentum=0.9, config={"lr": 0.2}), r"config \(lr: the checkpoint has 0\.1, this "
                                             r"run has 0\.2\)$"),
    (dict(momentum=0.9, config={"lr": 0.1}, lr=0.2), r"optimizer_settings \(initial_lr: the "
                                                     r"checkpoint has 0\.1, this run has 0\.2\)$"),
    (dict(momentum=0.9, config=None), r"config: the checkpoint has \{\"lr\": 0\.1\}, this run "
                                      r"has null$"),
], ids=["momentum", "config", "initial-lr", "no-config"])
def test_resume_refuses_changed_settings(blobs, tmp_path, second, message):
    from nn.train import CheckpointError

    def run(momentum, config, lr=0.1, **kwargs):
        model = SoftmaxClassifier(20, 3)
        optimizer = nn.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        scheduler = nn.optim.ExponentialLR(optimizer, gamma=0.5)
        return fit(model, optimizer, *blobs, quiet=True, checkpoint_dir=tmp_path, config=config,
                   lr_scheduler=scheduler, **kwargs)

    run(0.9, {"lr": 0.1}, epochs=1)
    with pytest.raises(CheckpointError, match=message):
        run(**second, epochs=2, resume=True)
    run(0.9, {"lr": 0.1}, epochs=2, resume=True)             # the same settings resume


# ------------------------------------------------------------------------ threads

class Lockstep(nn.Module):
    """Identity that waits for the other thread at every call, so two runs interleave at
    every batch (a deterministic worst case for shared random state)."""

    def __init__(self, barrier):
        super().__init__()
        self.barrier = barrier

    def forward(self, x):
        self.barrier.wait(timeout=60)
        return x


def seeded_run(seed, barrier, blobs):
    nn.manual_seed(seed)
    barrier.wait(timeout=60)                   # both threads have seeded before either builds
    model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Dropout(0.5), Lockstep(barrier),
                          nn.Linear(16, 3))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, optimizer, *blobs, epochs=2, batch_size=32, seed=seed, quiet=True)
    return without_time(history), model.state_dict()


def test_two_threads_training_seeded_models_each_get_the_sequential_result(blobs):
    import threading
    sequential = [seeded_run(seed, threading.Barrier(1), blobs) for seed in (1, 2)]
    barrier, results, errors = threading.Barrier(2), {}, []

    def worker(seed):
        try:
            results[seed] = seeded_run(seed, barrier, blobs)
        except Exception as error:     # noqa: BLE001 (reported below)
            errors.append(error)
            barrier.abort()
    threads = [threading.Thread(target=worker, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and not any(thread.is_alive() for thread in threads)
    for seed, (history, state) in zip((1, 2), sequential):
        assert results[seed][0] == history
        assert_same_state_dict(results[seed][1], state)


# ------------------------------------------------------------ kill -9 mid-training

_TRAINING = r"""
import sys, time
import numpy as np
import nn
from nn.models import FullyConnectedNet
from nn.train import fit

def blobs():
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((3, 20)) * 2
    y = rng.integers(0, 3, 300)
    X = (centers[y] + rng.standard_normal((300, 20))).astype(np.float32)
    return X[:240], y[:240], X[240:], y[240:]

def run(out, resume=False, model_seed=0):
    nn.manual_seed(model_seed)
    model = FullyConnectedNet([16, 16], 20, 3, dropout=0.2, normalization="batchnorm",
                              reg=1e-3, weight_scale=1e-1)
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = nn.optim.ExponentialLR(optimizer, gamma=0.5)
    history = fit(model, optimizer, *blobs(), epochs=4, batch_size=32, lr_scheduler=scheduler,
                  seed=7, quiet=True, checkpoint_dir=out, resume=resume, config={"run": "kill"})
    return model, history

if __name__ == "__main__":             # the run that is killed in its third checkpoint's save
    import nn.train as train
    real_save = train.save_checkpoint
    def save_checkpoint(path, model, optimizer, lr_scheduler, history, epoch, best_state, record=None):
        if epoch == 3:
            def stall(member, array, allow_pickle):
                print("saving epoch 3", flush=True)
                time.sleep(60)
            np.lib.format.write_array = stall
        return real_save(path, model, optimizer, lr_scheduler, history, epoch, best_state, record)
    train.save_checkpoint = save_checkpoint
    run(sys.argv[1])
"""


def test_kill_9_during_training_then_resume_equals_an_uninterrupted_run(tmp_path):
    import select
    import signal
    import subprocess
    import sys
    namespace = {"__name__": "training"}
    exec(compile(_TRAINING, "training", "exec"), namespace)
    straight, straight_history = namespace["run"](tmp_path / "straight")

    out = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-c", _TRAINING, str(out)], stdout=subprocess.PIPE,
                               text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 120)
        assert ready and process.stdout.readline() == "saving epoch 3\n"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(30)
        process.stdout.close()
    assert int(nn.load(out / CHECKPOINT_NAME)["epoch"]) == 2       # the last complete save
    assert any(".nn-save-" in name for name in os.listdir(out))     # the killed save's temp

    resumed, history = namespace["run"](out, resume=True, model_seed=99)
    assert_same_state(straight, resumed)
    assert without_time(history) == without_time(straight_history)
    assert sorted(os.listdir(out)) == [CHECKPOINT_NAME, MODEL_NAME]  # the temp was cleaned up


def test_fits_reseeding_leaves_the_default_of_other_threads_alone(blobs):
    import threading
    model = SoftmaxClassifier(20, 3)                    # no dropout: fit draws only by seed
    nn.manual_seed(5)
    drawn = {}

    def train():
        fit(model, nn.optim.SGD(model.parameters(), lr=0.1), *blobs, epochs=1, seed=1, quiet=True)

    def draw():                                         # a thread that never seeded
        drawn["values"] = nn.init.default_generator().random(3)
    for target in (train, draw):
        thread = threading.Thread(target=target)
        thread.start()
        thread.join(60)
    np.testing.assert_array_equal(drawn["values"], np.random.default_rng(5).random(3))


# ---------------------------------------------------------------------------- callbacks

class Recorder(nn.train.Callback):
    """Records every hook call; stops after ``stop_epoch`` epochs or ``stop_batch`` batches."""

    def __init__(self, stop_epoch=None, stop_batch=None):
        self.calls, self.val_accs, self.stop_epoch, self.stop_batch = [], [], stop_epoch, stop_batch

    def on_fit_begin(self, model, optimizer, start_epoch, history):
        self.calls.append(("fit_begin", start_epoch))

    def on_batch_begin(self, epoch, batch, xb, yb):
        self.calls.append(("batch_begin", epoch, batch))

    def on_after_backward(self, epoch, batch, logs):
        self.calls.append(("after_backward", epoch, batch))

    def on_batch_end(self, epoch, batch, logs):
        self.calls.append(("batch_end", epoch, batch))
        return self.stop_batch is not None and batch + 1 == self.stop_batch

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch_end", epoch))
        self.val_accs.append(logs["val_acc"])
        return self.stop_epoch is not None and epoch + 1 == self.stop_epoch

    def on_fit_end(self, history):
        self.calls.append(("fit_end",))


def test_callbacks_see_every_batch_and_epoch_and_change_nothing(blobs):
    model, optimizer, scheduler = make()
    plain = fit(model, optimizer, *blobs, epochs=2, batch_size=32, lr_scheduler=scheduler,
                seed=7, quiet=True)
    recorder = Recorder()
    watched, optimizer2, scheduler2 = make()
    history = fit(watched, optimizer2, *blobs, epochs=2, batch_size=32, lr_scheduler=scheduler2,
                  seed=7, quiet=True, callbacks=[recorder])
    assert_same_state(model, watched)
    assert without_time(history) == without_time(plain)
    assert recorder.val_accs == history["val_acc"]
    per_batch = [(kind, e, b) for e in range(2) for b in range(8)
                 for kind in ("batch_begin", "after_backward", "batch_end")]
    assert [c for c in recorder.calls if len(c) == 3] == per_batch
    assert recorder.calls[0] == ("fit_begin", 0) and recorder.calls[-1] == ("fit_end",)
    assert [c for c in recorder.calls if c[0] == "epoch_end"] == [("epoch_end", e) for e in (0, 1)]


def test_a_callback_stops_early_and_a_resume_stays_stopped(blobs, tmp_path):
    model, optimizer, _ = make()
    history = fit(model, optimizer, *blobs, epochs=5, batch_size=32, seed=1, quiet=True,
                  checkpoint_dir=tmp_path, callbacks=[Recorder(stop_epoch=2)])
    assert len(history["val_acc"]) == 2 and history["stopped_epoch"] == 2
    again, optimizer2, _ = make()
    resumed = fit(again, optimizer2, *blobs, epochs=5, batch_size=32, seed=1, quiet=True,
                  checkpoint_dir=tmp_path, resume=True)
    assert without_time(resumed) == without_time(history)
    assert_same_state(model, again)


def test_a_batch_hook_stops_the_epoch_and_a_batch_can_be_replaced(blobs):
    model, optimizer, _ = make()
    history = fit(model, optimizer, *blobs, epochs=3, batch_size=32, seed=1, quiet=True,
                  callbacks=[Recorder(stop_batch=3)])
    assert len(history["loss"]) == 3 and len(history["val_acc"]) == 1
    assert history["stopped_epoch"] == 1

    sizes = []

    class Halve(nn.train.Callback):      # trains on the first half of every batch
        def on_batch_begin(self, epoch, batch, xb, yb):
            return xb[:len(yb) // 2], yb[:len(yb) // 2]

        def on_after_backward(self, epoch, batch, logs):
            sizes.append(logs["size"])
            logs["loss"] = -1.0         # what fit records

    model, optimizer, _ = make()
    history = fit(model, optimizer, *blobs, epochs=1, batch_size=32, seed=1, quiet=True,
                  callbacks=[Halve()])
    assert history["loss"] == [-1.0] * 8
    assert sizes == [16] * 7 + [8]      # 240 samples: seven batches of 32, one of 16


def test_callbacks_must_be_callback_objects(blobs):
    model, optimizer, _ = make()
    with pytest.raises(TypeError, match="nn.train.Callback"):
        fit(model, optimizer, *blobs, epochs=1, quiet=True, callbacks=[lambda *a: None])


def test_write_checkpoints_false_reads_but_writes_nothing(blobs, tmp_path):
    model, optimizer, _ = make()
    fit(model, optimizer, *blobs, epochs=1, batch_size=32, seed=1, quiet=True,
        checkpoint_dir=tmp_path / "run")
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "run").iterdir()}
    reader, optimizer2, _ = make()
    history = fit(reader, optimizer2, *blobs, epochs=2, batch_size=32, seed=1, quiet=True,
                  checkpoint_dir=tmp_path / "run", resume=True, write_checkpoints=False)
    assert len(history["val_acc"]) == 2
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "run").iterdir()} == before


@pytest.mark.parametrize("during", ["epoch_end", "batch"])
def test_ctrl_c_raises_training_interrupted_with_the_history_the_checkpoint_holds(blobs, tmp_path,
                                                                                 during):
    """A SIGINT at the end of epoch 2 (in a callback, just before its checkpoint) takes
    effect once that checkpoint is written; one in the middle of epoch 2 at once."""
    import json
    import signal

    from nn.train import Callback, TrainingInterrupted

    class CtrlC(Callback):
        def on_epoch_end(self, epoch, logs):
            if during == "epoch_end" and epoch == 1:
                os.kill(os.getpid(), signal.SIGINT)

        def on_batch_end(self, epoch, batch, logs):
            if during == "batch" and epoch == 1 and batch == 1:
                os.kill(os.getpid(), signal.SIGINT)

    X, y, Xv, yv = blobs
    model, optimizer, scheduler = make()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)   # as at a terminal
    try:
        with pytest.raises(TrainingInterrupted) as interruption:
            fit(model, optimizer, X, y, Xv, yv, epochs=5, batch_size=64, lr_scheduler=scheduler,
                checkpoint_dir=tmp_path, seed=0, quiet=True, callbacks=[CtrlC()])
    finally:
        signal.signal(signal.SIGINT, previous)
    finished = 2 if during == "epoch_end" else 1
    assert isinstance(interruption.value, KeyboardInterrupt)
    assert interruption.value.epoch == finished + 1
    saved = nn.load(tmp_path / CHECKPOINT_NAME)
    assert int(saved["epoch"]) == finished
    assert json.loads(str(saved["history"])) == interruption.value.history
    assert len(interruption.value.history["val_acc"]) == finished
