"""nn.parallel: `mpirun -n 2 dyngrad train --distributed` equals the single-process run.

Two real MPI ranks (MPICH's mpiexec from dyngrad[mpi], fork launcher, 127.0.0.1 only),
bounded in time; skipped with the reason where mpi4py or mpiexec is missing.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py", reason="mpi4py not installed: pip install 'dyngrad[mpi]'")
MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
pytestmark = pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec: pip install 'dyngrad[mpi]'")

ROOT = Path(__file__).resolve().parents[2]
FLAGS = ["--model", "two_layer", "--dtype", "float64", "--train-size", "2000",
         "--batch-size", "100", "--seed", "0", "--quiet"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
       "MPLBACKEND": "Agg"}


def train(out, *extra, ranks=None):
    command = [sys.executable, "-m", "dyngrad", "train", *FLAGS, "--out", str(out), *extra]
    if ranks:
        command = [MPIEXEC, "-launcher", "fork", "-host", "127.0.0.1", "-n", str(ranks),
                   *command, "--distributed"]
    done = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def assert_models_agree(a, b, tol=1e-12):
    ma, mb = np.load(a / "model.npz"), np.load(b / "model.npz")
    assert sorted(ma.files) == sorted(mb.files)
    for key in ma.files:
        assert ma[key].dtype == np.float64, key
        np.testing.assert_allclose(mb[key], ma[key], rtol=0, atol=tol, err_msg=key)


def test_two_ranks_equal_one_process_and_resume_alike(tmp_path):
    train(tmp_path / "A", "--epochs", "1")
    train(tmp_path / "B", "--epochs", "1", ranks=2)
    assert_models_agree(tmp_path / "A", tmp_path / "B")
    # the runs did train: the parameters moved away from a seeded re-initialisation
    b = np.load(tmp_path / "B" / "model.npz")
    assert np.abs(b["layers.1.weight"]).max() > 0
    import json
    metrics = json.loads((tmp_path / "B" / "metrics.json").read_text())
    assert metrics["history"]["distributed"]["ranks"] == 2
    assert metrics["history"]["distributed"]["allreduce_steps"] == 20   # 2000 / 100, one per step

    # every rank resumes from rank 0's checkpoint, and still agrees with one process
    train(tmp_path / "A", "--epochs", "2", "--resume")
    train(tmp_path / "B", "--epochs", "2", "--resume", ranks=2)
    assert_models_agree(tmp_path / "A", tmp_path / "B")
    history_a = json.loads((tmp_path / "A" / "metrics.json").read_text())["history"]
    history_b = json.loads((tmp_path / "B" / "metrics.json").read_text())["history"]
    # validation and test accuracy: each rank evaluated its shard, the counts all-reduced
    assert history_b["val_acc"] == history_a["val_acc"]     # the recorded loss is the global one
    assert json.loads((tmp_path / "B" / "metrics.json").read_text())["test_acc"] == \
        json.loads((tmp_path / "A" / "metrics.json").read_text())["test_acc"]
    np.testing.assert_allclose(history_b["loss"], history_a["loss"], rtol=1e-12)


def test_a_failing_rank_ends_the_whole_job(tmp_path):
    (tmp_path / "C").mkdir()
    (tmp_path / "C" / "checkpoint.npz").write_bytes(b"not a checkpoint")
    command = [MPIEXEC, "-launcher", "fork", "-host", "127.0.0.1", "-n", "2", sys.executable,
               "-m", "dyngrad", "train", *FLAGS, "--epochs", "1", "--out", str(tmp_path / "C"),
               "--resume", "--distributed"]
    done = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "ending the whole job" in done.stderr and "--resume" in done.stderr


SETUP = """
import numpy as np
import nn
from nn.models import SoftmaxClassifier
from nn.train import Callback, fit
from nn.parallel import DistributedDataParallel, abort_on_failure

ddp = DistributedDataParallel.from_mpi()
rng = np.random.default_rng(0)
X = rng.standard_normal((300, 5))
y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(np.int64)


def train(callbacks, batch_size, epochs=2):
    nn.manual_seed(ddp.rank)            # unequal seeds: the broadcast from rank 0 evens them
    model = SoftmaxClassifier(5, 2, weight_scale=1e-1, reg=1e-3)
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    history = fit(model, opt, X[:250], y[:250], X[250:], y[250:], epochs=epochs,
                  batch_size=batch_size, seed=3, quiet=True, callbacks=callbacks)
    return model, history
"""


def run_script(code, timeout=120):
    command = [MPIEXEC, "-launcher", "fork", "-host", "127.0.0.1", "-n", "2", sys.executable,
               "-c", SETUP + code]
    return subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=timeout)


def test_unequal_shards_still_give_the_global_batch_step():
    # batch 7 over 2 ranks: shards of 3 and 4 (and a last batch of 5: 2 and 3)
    done = run_script("""
model, history = train([ddp], batch_size=7)
if ddp.rank == 0:
    alone, alone_history = train([], batch_size=7)
    worst = max(float(np.abs(model.state_dict()[k] - alone.state_dict()[k]).max())
                for k in alone.state_dict())
    assert worst < 1e-12, worst
    assert np.allclose(history["loss"], alone_history["loss"], rtol=1e-12, atol=0)
    print("agree", worst)
""")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "agree" in done.stdout


def test_a_failure_on_one_rank_aborts_the_others_instead_of_hanging():
    done = run_script("""
class Fail(Callback):
    def on_batch_end(self, epoch, batch, logs):
        if ddp.rank == 1 and batch == 2:
            raise RuntimeError("rank 1 broke")

with abort_on_failure(ddp.comm, "test job", advice="rerun it"):
    train([ddp, Fail()], batch_size=10, epochs=200)     # rank 0 alone would wait forever
""", timeout=60)
    assert done.returncode != 0
    assert "test job: rank 1 of 2 failed (RuntimeError: rank 1 broke); ending the whole job: " \
           "rerun it" in done.stderr


def test_sharded_evaluation_equals_the_single_process_accuracy():
    # 1001 rows over 2 ranks (500 and 501), batch norm whose running statistics differ per
    # rank until the evaluation broadcasts rank 0's
    done = run_script("""
from nn.models import FullyConnectedNet
from nn.train import evaluate
from autograd import Tensor

nn.manual_seed(0)
model = FullyConnectedNet([16], 5, 2, normalization="batchnorm", weight_scale=1e-1)
for p in model.parameters():
    p.data = p.data.astype(np.float64)
ddp.on_fit_begin(model, None, 0, {})
X_eval = rng.standard_normal((1001, 5))
y_eval = (X_eval[:, 0] - X_eval[:, 2] > 0).astype(np.int64)
model.train()
model(Tensor(X_eval[ddp.rank::2] * (1 + ddp.rank)))    # each rank moves its running stats
model.eval()
alone = evaluate(model, X_eval, y_eval, batch_size=100) if ddp.rank == 0 else None
sharded = ddp.evaluate(model, X_eval, y_eval, batch_size=100)
alone = ddp.comm.bcast(alone, root=0)
assert sharded == alone, (ddp.rank, sharded, alone)
assert 0 < sharded < 1
print("rank", ddp.rank, "accuracy", sharded)
""")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("accuracy") == 2
