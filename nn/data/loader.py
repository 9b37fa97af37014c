"""DataLoader: mini-batches of a dataset (torch.utils.data's), or of in-memory arrays."""

import collections
import itertools
import multiprocessing
import numbers
import pickle
import queue
import random
import time

import numpy as np

from autograd import Tensor
from autograd.backend import asarray, is_array, to_device
from autograd.device import as_device

from ..init import default_generator, manual_seed
from .collate import default_collate, default_convert
from .dataset import IterableDataset, TensorDataset, check_generator
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class DataLoader:
    """Batches of a dataset, as torch.utils.data.DataLoader; or of arrays ``X``, ``y``.

    DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
               num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
               timeout=0, worker_init_fn=None, multiprocessing_context=None,
               generator=None, *, prefetch_factor=None, persistent_workers=False)
      PyTorch's arguments and rules: ``shuffle=True`` is a RandomSampler drawing from
      ``generator`` (a numpy.random.Generator) or nn's generator (``nn.manual_seed``);
      ``batch_size=None`` yields single samples (``default_convert``); batches come from
      ``collate_fn`` (``default_collate``: Tensors, int labels as int64 Tensors, copies).
      ``num_workers > 0`` loads batches in that many worker processes (``multiprocessing``;
      batch k made by worker k % num_workers, yielded in order, at most ``prefetch_factor``
      (2) batches ahead per worker; each worker seeds nn and ``random`` with a per-epoch
      base seed + its id); ``timeout`` bounds the wait for one batch. ``pin_memory`` is accepted and does nothing.
      ``device=`` (dyngrad's): batches on that device. A TensorDataset is moved there once,
      and each epoch uploads its order of samples once, so a step uploads nothing; other
      datasets' batches are moved as they are made (docs/devices.md).

    DataLoader(X, y, batch_size, shuffle=False, drop_last=False, seed=None, generator=None, device=None)
      The array form (a convenience for CS231n-style code): ``(Tensor xb, ndarray yb)``
      pairs of rows of ``X`` and ``y`` (arrays or Tensors); ``seed`` makes its own
      ``np.random.default_rng(seed)``, used for every epoch.

    Either way batches are copies (changing one in place never changes the dataset),
    ``len()`` is the number of batches, and every ``iter()`` is a new epoch.
    """

    def __init__(self, *args, **kwargs):
        if "X" in kwargs or "y" in kwargs or (len(args) > 1 and (isinstance(args[1], Tensor) or is_array(args[1]))):
            self._init_arrays(*args, **kwargs)
        else:
            self._init_dataset(*args, **kwargs)

    def _init_dataset(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                      num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                      worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                      prefetch_factor=None, persistent_workers=False, device=None):
        if isinstance(dataset, (np.ndarray, Tensor)):
            raise TypeError("DataLoader: got an array without labels; pass a Dataset "
                            "(e.g. TensorDataset(X, y)) or the array form DataLoader(X, y, batch_size)")
        _check_int("num_workers", num_workers, "num_workers option should be non-negative; use "
                   "num_workers=0 to disable multiprocessing.")
        if not isinstance(timeout, numbers.Real) or timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in multiprocessing. "
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if persistent_workers:
            raise ValueError("DataLoader: persistent_workers=True is not supported: worker processes "
                             "start with each epoch and end with it")
        if prefetch_factor is not None:
            _check_int("prefetch_factor", prefetch_factor, "prefetch_factor must be a positive int", minimum=1)
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                                     f"but got {name}={value!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                                 "mutually exclusive with drop_last")
        else:
            _check_batch_size(batch_size)
        check_generator(generator, "DataLoader")
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")
        self.device = None if device is None else as_device(device, "DataLoader")
        if self.device is not None and num_workers:
            raise ValueError("DataLoader: device= needs num_workers=0 (device arrays stay in this process)")
        if self.device is not None and type(dataset) is TensorDataset:
            dataset = TensorDataset(*(t.to(self.device) for t in dataset.tensors))   # once
        self.dataset = dataset
        self.batch_size, self.drop_last = batch_size, bool(drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.num_workers, self.timeout = int(num_workers), timeout
        auto_batching = batch_sampler is not None or (iterable and batch_size is not None)
        self.collate_fn = collate_fn or (default_collate if auto_batching else default_convert)
        self.pin_memory, self.worker_init_fn, self.generator = pin_memory, worker_init_fn, generator
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = (2 if prefetch_factor is None else prefetch_factor) if num_workers else None
        self.persistent_workers = False
        self._fetch = (_IterableFetcher(dataset, self.collate_fn, batch_size, self.drop_last) if iterable
                       else _Fetcher(dataset, self.collate_fn, auto_batching))

    def _init_arrays(self, X, y, batch_size, shuffle=False, drop_last=False, seed=None, generator=None,
                     device=None):
        X, y = (asarray(a.data if isinstance(a, Tensor) else a) for a in (X, y))
        if X.ndim == 0 or y.ndim == 0:
            raise ValueError("DataLoader: X and y must be arrays with a leading sample axis")
        if len(X) != len(y):
            raise ValueError(f"DataLoader: X has {len(X)} samples but y has {len(y)}")
        _check_batch_size(batch_size)
        check_generator(generator, "DataLoader")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass seed or generator, not both")
        rng = np.random.default_rng(seed) if seed is not None else generator
        self._init_dataset(TensorDataset(X, y), batch_size, shuffle=shuffle, drop_last=drop_last, generator=rng,
                           device=device)
        self.X, self.y = X, y
        self._fetch.array_pairs = True

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):   # as PyTorch: from the dataset's own len()
            if self.batch_size is None:
                return len(self.dataset)
            full, rest = divmod(len(self.dataset), self.batch_size)
            return full if self.drop_last or rest == 0 else full + 1
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            self._fetch.iterator = None                 # a new epoch: a new iter(dataset)
            tasks = itertools.repeat(None)              # "your next batch", until a worker runs dry
            if self.num_workers == 0:
                return _until_exhausted(self._fetch)
        else:
            tasks = self.batch_sampler if self.batch_sampler is not None else self.sampler
            if self.device is not None:
                return self._iter_device(tasks)
            if self.num_workers == 0:
                return (self._fetch(indices) for indices in tasks)
        return self._iter_workers(tasks)

    # ----- devices (issue 15) ---------------------------------------------------------
    def _iter_device(self, tasks):
        """Batches on self.device. The epoch's sample order is uploaded once and sliced per batch
        when the fast TensorDataset path applies; other batches are moved as they are made."""
        if not (self._fetch.fast() and self.batch_sampler is not None):
            yield from (_to_device(self._fetch(indices), self.device) for indices in tasks)
            return
        batches = list(tasks)
        order = to_device(np.fromiter(itertools.chain.from_iterable(batches), np.intp), self.device)
        start = 0
        for indices in batches:
            yield self._fetch.rows(order[start:start + len(indices)])
            start += len(indices)

    def _iter_workers(self, batches):
        """Batch k goes to worker k % num_workers (as in PyTorch, so which worker made which
        batch, and so its random draws, is reproducible); results are yielded in order. With
        an IterableDataset each worker iterates its own copy, and a worker that runs dry is
        skipped from then on (the epoch ends when all have)."""
        context = self.multiprocessing_context
        if context is None or isinstance(context, str):
            context = multiprocessing.get_context(context)
        # from nn's generator, never the sampler's: the order of the epochs is the same with or without workers
        base_seed = int(default_generator().integers(2 ** 62))
        n = self.num_workers
        index_queues = [context.Queue() for _ in range(n)]
        results = context.Queue()
        workers = [context.Process(target=_worker_loop, daemon=True,
                                   args=(self._fetch, index_queues[i], results, i, base_seed, n, self.worker_init_fn))
                   for i in range(n)]
        for worker in workers:
            worker.start()
        batches, sent, received, finished = iter(batches), 0, {}, False
        owners, active, turn = {}, set(range(n)), 0

        def send():
            nonlocal sent, turn
            for indices in itertools.islice(batches, 1 if active else 0):
                while turn not in active:
                    turn = (turn + 1) % n
                index_queues[turn].put((sent, indices))
                owners[sent], turn, sent = turn, (turn + 1) % n, sent + 1

        try:
            for _ in range(n * self.prefetch_factor):
                send()
            for k in itertools.count():
                if k == sent:
                    finished = True
                    return
                while k not in received:
                    done, ok, payload = self._next_result(results, workers)
                    received[done] = ok, payload
                ok, payload = received.pop(k)
                owner = owners.pop(k)
                if ok is None:          # that worker's copy of an IterableDataset is exhausted
                    active.discard(owner)
                    send()
                    continue
                if not ok:
                    raise payload
                send()
                yield payload
        finally:   # after an error or an abandoned epoch the workers are stopped, not waited for
            for index_queue in index_queues:
                index_queue.put(None)
            for worker in workers:
                if finished:
                    worker.join(timeout=5)
                if worker.is_alive():
                    worker.terminate()
                    worker.join()

    def _next_result(self, results, workers):
        deadline = time.monotonic() + self.timeout if self.timeout else None
        while True:
            wait = 1.0 if deadline is None else min(1.0, max(0.0, deadline - time.monotonic()))
            try:
                return results.get(timeout=wait)
            except queue.Empty:
                dead = [worker for worker in workers if not worker.is_alive()]
                if dead:
                    raise RuntimeError(f"DataLoader worker (pid {dead[0].pid}) exited unexpectedly "
                                       f"with exit code {dead[0].exitcode}") from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds waiting for a "
                                       "batch from its worker processes") from None


class _Fetcher:
    """Makes one batch from its indices, in this process or a worker (so it is all a worker gets)."""

    def __init__(self, dataset, collate_fn, auto_batching):
        self.dataset, self.collate_fn, self.auto_batching = dataset, collate_fn, auto_batching
        self.array_pairs = False         # the array form: (Tensor, ndarray) pairs

    def __call__(self, indices):
        if not self.auto_batching:
            return self.collate_fn(self.dataset[indices])
        if self.fast():
            return self.rows(np.asarray(indices, dtype=np.intp))
        return self.collate_fn([self.dataset[i] for i in indices])

    def fast(self):
        return type(self.dataset) is TensorDataset and (self.array_pairs or self.collate_fn is default_collate)

    def rows(self, rows):
        """default_collate's result, without a Tensor per sample: fancy indexing copies rows."""
        columns = [tensor.data[rows] for tensor in self.dataset.tensors]
        if self.array_pairs:
            return Tensor(columns[0]), columns[1]
        return [Tensor(column) for column in columns]


class _IterableFetcher:
    """The next batch of an IterableDataset's iterator (one iterator per process and epoch)."""

    def __init__(self, dataset, collate_fn, batch_size, drop_last):
        self.dataset, self.collate_fn = dataset, collate_fn
        self.batch_size, self.drop_last = batch_size, drop_last
        self.iterator = None

    def __call__(self, _):
        if self.iterator is None:
            self.iterator = iter(self.dataset)
        if self.batch_size is None:
            return self.collate_fn(next(self.iterator))
        batch = list(itertools.islice(self.iterator, self.batch_size))
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise StopIteration
        return self.collate_fn(batch)


def _until_exhausted(fetch):
    while True:
        try:
            batch = fetch(None)
        except StopIteration:
            return
        yield batch


WorkerInfo = collections.namedtuple("WorkerInfo", ["id", "num_workers", "seed", "dataset"])
_worker = {}


def get_worker_info():
    """In a DataLoader worker process: WorkerInfo(id, num_workers, seed, dataset); else None."""
    return _worker.get("info")


def _worker_loop(fetch, index_queue, results, worker_id, base_seed, num_workers, worker_init_fn):
    """A worker process: seed, then make the batches its queue asks for until it gets None."""
    seed = base_seed + worker_id
    manual_seed(seed % 2 ** 63)
    random.seed(seed)
    _worker["info"] = WorkerInfo(worker_id, num_workers, seed, fetch.dataset)
    if worker_init_fn is not None:
        worker_init_fn(worker_id)
    while True:
        task = index_queue.get()
        if task is None:
            results.cancel_join_thread()     # results nobody will read must not keep the worker alive
            return
        k, indices = task
        try:
            results.put((k, True, fetch(indices)))
        except StopIteration:
            results.put((k, None, None))
        except Exception as error:           # raised again in the main process
            try:
                pickle.dumps(error)
            except Exception:
                error = RuntimeError(f"{type(error).__name__}: {error}")
            results.put((k, False, error))


def _check_int(name, value, message, minimum=0):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"DataLoader: {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"DataLoader: {message}")


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"DataLoader: batch_size must be an int, got {type(batch_size).__name__}")
    if batch_size <= 0:
        raise ValueError(f"DataLoader: batch_size must be positive, got {batch_size}")


def _to_device(batch, device):
    """A collated batch (Tensors and arrays, in lists, tuples and dicts) on `device`."""
    if isinstance(batch, Tensor):
        return batch.to(device)
    if is_array(batch):
        return to_device(batch, device)
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(item, device) for item in batch)
    if isinstance(batch, dict):
        return {key: _to_device(value, device) for key, value in batch.items()}
    return batch
