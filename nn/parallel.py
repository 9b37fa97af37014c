"""Data-parallel training over MPI (mpi4py): a fit() callback, as PyTorch's DDP is a wrapper.

    mpirun -n 2 dyngrad train --model two_layer --distributed ...     # the command line
    fit(model, optimizer, ..., callbacks=[DistributedDataParallel.from_mpi()],
        write_checkpoints=ddp.rank == 0)                               # the Python API

Every rank runs the same fit() on the same data with the same seed, so every rank draws the
same shuffled global batch; ``on_batch_begin`` keeps this rank's contiguous shard of it, and
``on_after_backward`` averages the gradients over the ranks with one all-reduce over one flat
buffer per step. Each rank's gradient is weighted by its shard's size (and the loss with
it), so the step equals the single-process step on the whole global batch even when the
shards differ in size: the runs agree to rounding (1e-12 in float64; the test).

Evaluation is sharded too (``evaluate``, fit's ``evaluate_fn``): each rank predicts its
contiguous share of the rows and one all-reduce sums the correct counts, so every rank gets
the accuracy one process would, with rank 0's batch-norm statistics.

Batch norm as DDP by default (broadcast_buffers=True): each rank normalises with its own
shard's batch statistics, and rank 0's buffers (the running statistics) are broadcast to
every rank before each forward, so evaluation uses rank 0's. Parameters and buffers are
broadcast from rank 0 at the start (after a resume too), so ranks start equal even if
seeded differently. Only rank 0 writes (fit's ``write_checkpoints``); every rank reads the
checkpoint on resume. mpi4py is the optional extra ``dyngrad[mpi]`` (with MPICH's
``mpiexec``); docs/scale.md has the commands and the measured overhead.
"""

import contextlib
import sys
import time
import traceback

import numpy as np

from autograd import Tensor
from nn.train import Callback, predict

__all__ = ["DistributedDataParallel", "abort_on_failure", "require_mpi"]

INSTALL = "pip install 'dyngrad[mpi]' (mpi4py and MPICH's mpiexec)"


def require_mpi():
    """mpi4py's MPI module, or ImportError saying how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(f"data-parallel training needs mpi4py: {INSTALL} ({error})") from None
    return MPI


class DistributedDataParallel(Callback):
    """Shards every global batch over the ranks of ``comm`` and averages the gradients.

    ``allreduce_seconds`` and ``steps`` measure the communication; on_fit_end records
    ``history["distributed"]`` (ranks, all-reduce milliseconds per step).
    """

    def __init__(self, comm):
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.allreduce_seconds, self.steps = 0.0, 0
        self._params, self._model, self._weight = [], None, 1

    @classmethod
    def from_mpi(cls):
        """Over MPI.COMM_WORLD: the ranks mpirun started."""
        return cls(require_mpi().COMM_WORLD)

    def on_fit_begin(self, model, optimizer, start_epoch, history):
        self._model = model
        self._params = [p for p in model.parameters() if p.requires_grad]
        for p in model.parameters():
            self.comm.Bcast(p.data, root=0)     # in place: p.data is contiguous
        self._broadcast_buffers()

    def on_batch_begin(self, epoch, batch, xb, yb):
        self._broadcast_buffers()
        n = len(yb)
        lo, hi = n * self.rank // self.size, n * (self.rank + 1) // self.size
        self._weight = hi - lo
        if lo == hi:    # a global batch smaller than the ranks: one sample, weighted 0
            lo, hi = 0, 1
        return xb[lo:hi], yb[lo:hi]

    def on_after_backward(self, epoch, batch, logs):
        grads = [p.grad for p in self._params]
        dtype = np.result_type(*[p.data.dtype for p in self._params])
        sizes = [p.data.size for p in self._params]
        # one flat buffer: each gradient times this shard's size, then the loss and the size
        flat = np.empty(sum(sizes) + 2, dtype=dtype)
        offset = 0
        for g, size in zip(grads, sizes):
            flat[offset:offset + size] = 0 if g is None else g.data.ravel() * self._weight
            offset += size
        flat[-2], flat[-1] = logs["loss"] * self._weight if self._weight else 0.0, self._weight
        started = time.perf_counter()
        self.comm.Allreduce(_in_place(), flat)
        self.allreduce_seconds += time.perf_counter() - started
        self.steps += 1
        total = flat[-1]
        offset = 0
        for p, g, size in zip(self._params, grads, sizes):
            mean = (flat[offset:offset + size] / total).reshape(p.data.shape)
            if g is None:
                p.grad = Tensor(mean.astype(p.data.dtype))
            else:
                g.data[...] = mean
            offset += size
        logs["loss"], logs["size"] = float(flat[-2] / total), int(total)

    def evaluate(self, model, X, y, batch_size=1000):
        """Accuracy of ``model`` on all of ``(X, y)``, as nn.train.evaluate, each rank
        predicting only its share of the rows (with rank 0's buffers, broadcast first)."""
        if len(X) != len(y):
            raise ValueError(f"DistributedDataParallel.evaluate: X has {len(X)} samples but y "
                             f"has {len(y)}")
        if len(X) == 0:
            raise ValueError("DistributedDataParallel.evaluate: no samples")
        self._broadcast_buffers(model)
        lo, hi = len(X) * self.rank // self.size, len(X) * (self.rank + 1) // self.size
        counts = np.array([np.sum(predict(model, X[lo:hi], batch_size) == np.asarray(y[lo:hi])),
                           hi - lo], dtype=np.float64)
        self.comm.Allreduce(_in_place(), counts)
        return float(counts[0] / counts[1])

    def on_fit_end(self, history):
        history["distributed"] = {
            "ranks": self.size, "allreduce_steps": self.steps,
            "allreduce_ms_per_step": 1e3 * self.allreduce_seconds / max(self.steps, 1)}

    def _broadcast_buffers(self, model=None):
        for module in (model or self._model).modules():
            for buffer in module._buffers.values():
                if buffer is not None:
                    self.comm.Bcast(buffer, root=0)


def _in_place():
    return require_mpi().IN_PLACE


@contextlib.contextmanager
def abort_on_failure(comm, what, advice):
    """A failure on any rank ends the whole job (MPI_Abort) with a message naming the rank,
    instead of leaving the other ranks waiting in an all-reduce forever."""
    try:
        yield
    except BaseException as error:
        if comm.Get_size() == 1 or (isinstance(error, SystemExit) and not error.code):
            raise
        rank, size = comm.Get_rank(), comm.Get_size()
        if not isinstance(error, (KeyboardInterrupt, SystemExit)) and \
                type(error).__name__ != "UsageError":
            traceback.print_exc()
        print(f"{what}: rank {rank} of {size} failed ({type(error).__name__}: {error}); "
              f"ending the whole job: {advice}", file=sys.stderr, flush=True)
        time.sleep(1)   # let mpiexec forward the message: Abort kills the ranks' pipes with them
        comm.Abort(1)
