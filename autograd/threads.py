"""Intra-op threads: how many, and a pool that runs an op's batch in fixed chunks.

    import autograd as ag
    ag.set_num_threads(2)     # this pool and the BLAS library (as torch.set_num_threads)
    ag.get_num_threads()      # 2

The default is OMP_NUM_THREADS when set, else the number of cores this process may
run on. Ops with large per-image work (conv2d, max_pool2d, relu on big arrays) split the
batch into chunks whose size depends only on the shapes, never on the thread count, and
run the chunks on this pool; inside a chunk BLAS runs on one thread (threadpoolctl), so
BLAS starts no threads of its own there. NumPy releases the GIL in its loops and BLAS
calls, so the chunks run in parallel. As the chunks, and what each computes, do not
depend on the thread count, results are the same for any thread count.
"""
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from threadpoolctl import ThreadpoolController

from .backend import xp

CHUNK_BYTES = 1 << 20   # work per chunk: the measured best of 0.5, 1, 2 and 4 MB (fits the L2 cache)
_state = {"threads": None, "pool": None, "blas": None}
_inside = threading.local()   # .active: this thread runs chunks now (a nested call runs serially)


def _forget_pool():
    """In a forked child the pool's threads do not exist: start a new pool when needed."""
    _state["pool"] = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _blas():
    """threadpoolctl's view of the BLAS libraries, made on first use (it scans the loaded
    libraries: ~15 ms, not paid at import)."""
    if _state["blas"] is None:
        _state["blas"] = ThreadpoolController()
    return _state["blas"]


def _default():
    value = os.environ.get("OMP_NUM_THREADS", "")
    if value.strip().isdigit() and int(value) > 0:
        return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def get_num_threads():
    """The number of threads ops use (the pool's size and BLAS's outside the pool)."""
    if _state["threads"] is None:
        _state["threads"] = _default()
    return _state["threads"]


def set_num_threads(n):
    """Use n threads in ops: the chunk pool's size, and BLAS's thread count (threadpoolctl)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads: n must be an int, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    if n != _state["threads"] and _state["pool"] is not None:
        _state["pool"].shutdown()
        _state["pool"] = None
    _state["threads"] = n
    _blas().limit(limits=n, user_api="blas")


def map_chunks(fn, n, size):
    """[fn(slice(i, i + size)) for i in range(0, n, size)], in order; on the pool when
    there are several chunks and threads, with BLAS on one thread meanwhile.

    The calling thread works too (threads - 1 pool workers): each thread takes the next
    chunk not yet taken until none is left, so a thread the OS delays holds up no other.
    """
    spans = [slice(i, min(i + size, n)) for i in range(0, n, size)]
    threads = min(get_num_threads(), len(spans))
    if threads == 1 or getattr(_inside, "active", False):     # nested: a pool thread must not wait on the pool
        return [fn(span) for span in spans]
    if _state["pool"] is None:
        _state["pool"] = ThreadPoolExecutor(get_num_threads() - 1, thread_name_prefix="autograd")
    results = [None] * len(spans)
    taken = itertools.count()                  # next() on a count is atomic under the GIL

    def work():
        _inside.active = True
        try:
            for i in iter(taken.__next__, None):
                if i >= len(spans):
                    return
                results[i] = fn(spans[i])
        finally:
            _inside.active = False

    with _blas().limit(limits=1, user_api="blas"):
        helpers = [_state["pool"].submit(work) for _ in range(threads - 1)]
        try:
            work()
        finally:
            for helper in helpers:
                helper.result()                # waits, and re-raises a helper's error
    return results


def map_flat(fn, *arrays):
    """fn(*chunks) over ~1 MB chunks of the flattened arrays (views when C-contiguous, so
    an output allocated with empty is written in place), on the pool."""
    flat = [a.reshape(-1) for a in arrays]
    n = flat[0].size
    map_chunks(lambda span: fn(*(a[span] for a in flat)), n, chunk_size(n, flat[0].itemsize))


def worth_chunking(array):
    """Whether an elementwise pass over `array` is worth the pool: a host array, several
    threads and several chunks. Otherwise one call (no Python per chunk: 0-d graphs stay
    as fast as before; an elementwise result is the same either way; a device's kernels
    are parallel already)."""
    return type(array) is xp.ndarray and array.nbytes > CHUNK_BYTES and get_num_threads() > 1


def chunk_size(n, per_item_bytes, budget=None):
    """Items per chunk: as many as fit in `budget` bytes of work (at least one). A
    function of the shapes only, so chunk boundaries never depend on the thread count."""
    return max(1, min(n, (budget or CHUNK_BYTES) // max(1, per_item_bytes)))


__all__ = ["CHUNK_BYTES", "chunk_size", "get_num_threads", "map_chunks", "map_flat", "set_num_threads",
           "worth_chunking"]
