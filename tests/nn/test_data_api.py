"""nn.data's torch.utils.data API: datasets, samplers, default_collate, DataLoader (workers too).

Order and types are compared with torch.utils.data where torch's result does not depend on
its random generator (sequential order, batching, collate types); the random samplers are
checked for coverage and reproducibility with a seeded numpy Generator.
"""
import collections
import time

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn import data
from nn.data import (BatchSampler, ConcatDataset, DataLoader, RandomSampler, SequentialSampler, Subset,
                     SubsetRandomSampler, TensorDataset, WeightedRandomSampler, default_collate, random_split)


def torch_or_skip():
    return pytest.importorskip("torch", reason="torch gives the reference data API")


def arrays(n=10):
    return np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n)


class Squares(data.Dataset):
    """A map-style dataset of dict samples (module level, so worker processes can use it)."""

    def __init__(self, n=9):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"x": np.full(3, i, np.float32), "y": i, "w": i / 2}


class Slow(Squares):
    def __getitem__(self, i):
        time.sleep(5)
        return super().__getitem__(i)


class Failing(Squares):
    def __getitem__(self, i):
        raise ValueError(f"sample {i} is corrupt")


def worker_ids(i):
    info = data.get_worker_info()
    return np.array([info.id, info.num_workers, i])


class WhoLoads(Squares):
    def __getitem__(self, i):
        return worker_ids(i)


# ---------------------------------------------------------------- datasets

def test_tensor_dataset_samples_and_errors():
    X, y = arrays()
    ds = TensorDataset(X, Tensor(y))
    x3, y3 = ds[3]
    assert isinstance(x3, Tensor) and x3.data.tolist() == [6.0, 7.0] and y3.item() == 3 and len(ds) == 10
    with pytest.raises(ValueError, match=r"size mismatch between tensors: first sizes \[10, 9\]"):
        TensorDataset(X, y[:9])
    with pytest.raises(ValueError, match="needs at least one tensor"):
        TensorDataset()


def test_subset_concat_and_add():
    X, y = arrays()
    ds = TensorDataset(X, y)
    sub = Subset(ds, [7, 2])
    assert len(sub) == 2 and sub[0][1].item() == 7
    both = ConcatDataset([sub, ds])
    assert len(both) == 12 and both.cumulative_sizes == [2, 12]
    assert both[1][1].item() == 2 and both[2][1].item() == 0 and both[-1][1].item() == 9
    assert len(sub + ds) == 12
    with pytest.raises(IndexError, match="index 12 is out of range"):
        both[12]
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        ConcatDataset([])


def test_concat_dataset_indexing_matches_torch():
    torch = torch_or_skip()
    parts = [list(range(3)), list(range(10, 15)), list(range(20, 22))]
    ours, theirs = ConcatDataset(parts), torch.utils.data.ConcatDataset(parts)
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-10, 10)] == [theirs[i] for i in range(-10, 10)]


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.25, 0.25, 0.5], [1 / 3, 1 / 3, 1 / 3], [10]])
def test_random_split_sizes_match_torch_and_cover_the_dataset(lengths):
    torch = torch_or_skip()
    ds = list(range(10))
    ours = random_split(ds, lengths, generator=np.random.default_rng(0))
    theirs = torch.utils.data.random_split(ds, lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s.indices) == list(range(10))
    again = random_split(ds, lengths, generator=np.random.default_rng(0))
    assert [s.indices for s in again] == [s.indices for s in ours]


def test_random_split_errors():
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\) does not equal the length of the input "
                                         r"dataset \(10\)"):
        random_split(range(10), [4, 5])
    with pytest.raises(TypeError, match="random_split: generator must be a numpy.random.Generator"):
        random_split(range(10), [5, 5], generator=0)


# ---------------------------------------------------------------- samplers

def test_sequential_and_batch_samplers_equal_torch():
    torch = torch_or_skip()
    T = torch.utils.data
    assert list(SequentialSampler(range(5))) == list(T.SequentialSampler(range(5)))
    for batch_size in (1, 3, 4, 7):
        for drop_last in (False, True):
            ours = BatchSampler(SequentialSampler(range(10)), batch_size, drop_last)
            theirs = T.BatchSampler(T.SequentialSampler(range(10)), batch_size, drop_last)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("sampler, n, expected_len", [
    (lambda g: RandomSampler(range(10), generator=g), 10, 10),
    (lambda g: RandomSampler(range(10), num_samples=25, generator=g), 10, 25),
    (lambda g: RandomSampler(range(10), replacement=True, num_samples=7, generator=g), 10, 7),
    (lambda g: SubsetRandomSampler([4, 8, 15, 16, 23, 42], generator=g), None, 6),
    (lambda g: WeightedRandomSampler([1, 0, 3, 2], 12, generator=g), None, 12),
])
def test_random_samplers_are_reproducible_with_a_seeded_generator(sampler, n, expected_len):
    first = list(sampler(np.random.default_rng(5)))
    again = list(sampler(np.random.default_rng(5)))
    assert first == again and len(first) == expected_len == len(sampler(None))
    assert all(isinstance(i, int) for i in first)
    live = sampler(np.random.default_rng(5))
    assert list(live) != list(live) or expected_len < 3        # each epoch is a new draw


def test_random_sampler_without_replacement_is_whole_permutations_like_torch():
    torch = torch_or_skip()
    ours = list(RandomSampler(range(10), num_samples=25, generator=np.random.default_rng(0)))
    theirs = list(torch.utils.data.RandomSampler(range(10), num_samples=25))
    for order in (ours, theirs):
        assert sorted(order[:10]) == sorted(order[10:20]) == list(range(10)) and len(set(order[20:])) == 5


def test_subset_and_weighted_samplers_draw_what_they_should():
    assert sorted(SubsetRandomSampler([4, 8, 15])) == [4, 8, 15]
    draws = list(WeightedRandomSampler([1, 0, 3], 4000, generator=np.random.default_rng(0)))
    counts = collections.Counter(draws)
    assert counts[1] == 0 and abs(counts[2] / 4000 - 0.75) < 0.03
    unique = list(WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False, generator=np.random.default_rng(0)))
    assert sorted(unique) == [0, 1, 2]


def test_unseeded_samplers_follow_nn_manual_seed():
    nn.manual_seed(11)
    first = list(RandomSampler(range(20)))
    nn.manual_seed(11)
    assert list(RandomSampler(range(20))) == first


@pytest.mark.parametrize("action, error, message", [
    (lambda: RandomSampler(range(3), replacement=1), ValueError, "replacement should be a boolean value"),
    (lambda: RandomSampler(range(3), num_samples=0), ValueError, "num_samples should be a positive integer value"),
    (lambda: RandomSampler(range(3), generator=3), TypeError,
     "RandomSampler: generator must be a numpy.random.Generator"),
    (lambda: BatchSampler(range(3), 0, False), ValueError,
     "batch_size should be a positive integer value, but got batch_size=0"),
    (lambda: BatchSampler(range(3), 2, None), ValueError, "drop_last should be a boolean value"),
    (lambda: WeightedRandomSampler([[1.0]], 2), ValueError, "weights should be a 1d sequence"),
    (lambda: WeightedRandomSampler([1.0, -1.0], 2), ValueError, "non-negative"),
    (lambda: WeightedRandomSampler([1.0, 0.0], 2, replacement=False), ValueError,
     "cannot draw 2 samples without replacement"),
])
def test_sampler_errors_name_the_argument(action, error, message):
    with pytest.raises(error, match=message):
        action()


# ---------------------------------------------------------------- default_collate

Point = collections.namedtuple("Point", ["x", "label"])


@pytest.mark.parametrize("samples", [
    [1, 2, 3],
    [1.5, 2.0],
    [True, False],
    [np.int32(1), np.int32(2)],
    [np.float32(1.5), np.float32(2)],
    [np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32)],
    [np.arange(3, dtype=np.uint8), np.arange(3, dtype=np.uint8)],
    [(np.zeros(2), 1), (np.ones(2), 0)],
    [{"img": np.zeros(2, np.float32), "label": 3, "name": "a"},
     {"img": np.ones(2, np.float32), "label": 4, "name": "b"}],
    [Point(np.zeros(2), 1), Point(np.ones(2), 2)],
    [[1, 2.5], [3, 4.5]],
])
def test_default_collate_types_and_values_match_torch(samples):
    torch = torch_or_skip()
    ours, theirs = default_collate(samples), torch.utils.data.default_collate(samples)

    def same(a, b):
        if isinstance(b, torch.Tensor):
            assert isinstance(a, Tensor) and str(a.dtype) == str(b.dtype).replace("torch.", "")
            np.testing.assert_array_equal(a.data, b.numpy())
        elif isinstance(b, dict):
            assert type(a) is dict and list(a) == list(b)
            for key in b:
                same(a[key], b[key])
        elif isinstance(b, (list, tuple)):
            assert type(a) is type(b) and len(a) == len(b)
            for x, y in zip(a, b):
                same(x, y)
        else:
            assert a == b
    same(ours, theirs)


def test_default_collate_of_tensors_copies_and_errors():
    rows = [Tensor(np.zeros(2, np.float32)), Tensor(np.ones(2, np.float32))]
    batch = default_collate(rows)
    assert not np.shares_memory(batch.data, rows[0].data) and batch.is_leaf
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2\] at entry 0 "
                                           r"and \[3\]"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers, dicts or lists; found"):
        default_collate([None, None])


# ---------------------------------------------------------------- DataLoader over a dataset

def test_dataloader_order_batches_and_types_match_torch():
    torch = torch_or_skip()
    X, y = arrays(11)
    ours = list(DataLoader(TensorDataset(X, y), batch_size=4))
    twin = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    theirs = list(torch.utils.data.DataLoader(twin, batch_size=4))
    assert len(ours) == len(theirs) == 3
    for (xb, yb), (tx, ty) in zip(ours, theirs):
        assert isinstance(xb, Tensor) and yb.dtype == np.int64 and str(ty.dtype) == "torch.int64"
        np.testing.assert_array_equal(xb.data, tx.numpy())
        np.testing.assert_array_equal(yb.data, ty.numpy())
    dict_batches = list(DataLoader(Squares(), batch_size=4, drop_last=True))
    torch_batches = list(torch.utils.data.DataLoader(Squares(), batch_size=4, drop_last=True))
    assert len(dict_batches) == len(torch_batches) == 2
    for ours_batch, theirs_batch in zip(dict_batches, torch_batches):
        for key in ("x", "y", "w"):
            assert str(ours_batch[key].dtype) == str(theirs_batch[key].dtype).replace("torch.", "")
            np.testing.assert_array_equal(ours_batch[key].data, theirs_batch[key].numpy())


def test_dataloader_batch_size_none_and_batch_sampler_match_torch():
    torch = torch_or_skip()
    ours = list(DataLoader(Squares(4), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(Squares(4), batch_size=None))
    assert [b["y"] for b in ours] == [b["y"] for b in theirs] == [0, 1, 2, 3]
    assert isinstance(ours[2]["x"], Tensor) and ours[2]["x"].data.tolist() == theirs[2]["x"].tolist()
    batches = [[0, 3], [1], [2, 4, 5]]
    ours = [b["y"].data.tolist() for b in DataLoader(Squares(6), batch_sampler=batches)]
    assert ours == [b["y"].tolist() for b in torch.utils.data.DataLoader(Squares(6), batch_sampler=batches)]


def test_dataloader_shuffle_covers_every_sample_and_replays_with_a_seeded_generator():
    ds = TensorDataset(*arrays(23))
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(7))
    first, second = ([yb.data for _, yb in loader] for _ in range(2))
    assert len(loader) == 5 and sorted(np.concatenate(first)) == list(range(23))
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))
    replay = DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(7))
    assert all(np.array_equal(a, b.data) for a, (_, b) in zip(first, replay))
    for xb, yb in DataLoader(ds, batch_size=5, shuffle=True):
        np.testing.assert_array_equal(xb.data[:, 0], 2 * yb.data)          # rows stay paired
    sampled = DataLoader(ds, batch_size=4, sampler=SubsetRandomSampler([1, 2, 3], generator=np.random.default_rng(0)))
    assert sorted(np.concatenate([yb.data for _, yb in sampled])) == [1, 2, 3]


@pytest.mark.parametrize("dataset", ["tensors", "dicts"])
def test_dataloader_batches_are_copies(dataset):
    X, y = arrays()
    ds = TensorDataset(X, y) if dataset == "tensors" else Squares()
    before = X.copy()
    for batch in DataLoader(ds, batch_size=4, shuffle=True):
        xb = batch[0] if dataset == "tensors" else batch["x"]
        xb /= 2
        xb.data[...] = -1
    if dataset == "tensors":
        assert np.array_equal(X, before) and ds[1][0].data.tolist() == [2.0, 3.0]
    else:
        assert ds[1]["x"].tolist() == [1.0, 1.0, 1.0]


def test_dataloader_attributes_and_custom_collate():
    ds = Squares()
    loader = DataLoader(ds, batch_size=2, collate_fn=lambda samples: [s["y"] for s in samples])
    assert loader.dataset is ds and loader.batch_size == 2 and isinstance(loader.sampler, SequentialSampler)
    assert list(loader)[-1] == [8] and len(loader) == 5
    assert isinstance(DataLoader(ds, shuffle=True).sampler, RandomSampler)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(sampler=SequentialSampler(range(3)), shuffle=True), ValueError,
     "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), ValueError,
     "batch_sampler option is mutually exclusive with batch_size"),
    (dict(batch_size=None, drop_last=True), ValueError, "batch_size=None option disables auto-batching"),
    (dict(num_workers=-1), ValueError, "num_workers option should be non-negative"),
    (dict(num_workers=1.5), TypeError, "num_workers must be an int, got float"),
    (dict(timeout=-1), ValueError, "timeout option should be non-negative"),
    (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be specified in multiprocessing"),
    (dict(persistent_workers=True, num_workers=1), ValueError, "persistent_workers=True is not supported"),
    (dict(batch_size=0), ValueError, "batch_size must be positive, got 0"),
    (dict(generator=1), TypeError, "DataLoader: generator must be a numpy.random.Generator"),
    (dict(collate_fn=3), TypeError, "collate_fn must be callable"),
])
def test_dataloader_errors_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(Squares(), **kwargs)


def test_a_bare_array_is_refused_with_the_two_forms_named():
    with pytest.raises(TypeError, match=r"TensorDataset\(X, y\).*DataLoader\(X, y, batch_size\)"):
        DataLoader(np.zeros((4, 2)), batch_size=2)


def test_array_form_keeps_its_batches_and_has_a_dataset():
    X, y = arrays()
    loader = DataLoader(X, y, 4, shuffle=True, seed=0)
    xb, yb = next(iter(loader))
    assert isinstance(xb, Tensor) and isinstance(yb, np.ndarray)
    assert isinstance(loader.dataset, TensorDataset) and len(loader.dataset) == 10


# ---------------------------------------------------------------- worker processes

def bounded(loader):
    start = time.monotonic()
    batches = list(loader)
    assert time.monotonic() - start < 30
    return batches


@pytest.mark.parametrize("num_workers", [1, 3])
def test_workers_give_the_same_batches_in_the_same_order(num_workers):
    serial = list(DataLoader(Squares(17), batch_size=3))
    parallel = bounded(DataLoader(Squares(17), batch_size=3, num_workers=num_workers, timeout=20))
    assert len(parallel) == len(serial) == 6
    for a, b in zip(serial, parallel):
        for key in a:
            np.testing.assert_array_equal(a[key].data, b[key].data)
    shuffled = bounded(DataLoader(TensorDataset(*arrays(20)), batch_size=4, shuffle=True, num_workers=2,
                                  generator=np.random.default_rng(1), timeout=20))
    replay = list(DataLoader(TensorDataset(*arrays(20)), batch_size=4, shuffle=True,
                             generator=np.random.default_rng(1)))
    assert all(np.array_equal(a[1].data, b[1].data) for a, b in zip(shuffled, replay))


def test_work_really_happens_in_worker_processes():
    batches = bounded(DataLoader(WhoLoads(12), batch_size=2, num_workers=3, timeout=20))
    ids = {int(row[0]) for batch in batches for row in batch.data}
    assert ids <= {0, 1, 2} and len(ids) >= 2
    assert all(int(row[1]) == 3 for batch in batches for row in batch.data)
    assert data.get_worker_info() is None                 # in the main process


def test_worker_errors_reach_the_main_process():
    with pytest.raises(ValueError, match="sample 0 is corrupt"):
        bounded(DataLoader(Failing(), batch_size=2, num_workers=2, timeout=20))


def test_timeout_bounds_the_wait_for_a_batch():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(DataLoader(Slow(4), batch_size=2, num_workers=1, timeout=0.5))
    assert time.monotonic() - start < 4


class Dying(Squares):
    def __getitem__(self, i):
        import os
        os._exit(3)


def test_a_worker_that_dies_is_an_error_not_a_hang():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) exited unexpectedly with exit code 3"):
        list(DataLoader(Dying(), batch_size=2, num_workers=2))
    assert time.monotonic() - start < 10


def test_an_abandoned_epoch_stops_its_workers_and_batch_k_comes_from_worker_k_mod_n():
    loader = DataLoader(WhoLoads(40), batch_size=2, num_workers=2, timeout=20)
    epoch = iter(loader)
    owners = [int(next(epoch).data[0, 0]) for _ in range(4)]
    assert owners == [0, 1, 0, 1]
    start = time.monotonic()
    epoch.close()
    assert time.monotonic() - start < 5


# ---------------------------------------------------------------- IterableDataset

class Stream(data.IterableDataset):
    """range(start, stop), split between workers in contiguous halves (torch's docs example)."""

    def __init__(self, start=0, stop=10):
        self.start, self.stop = start, stop

    def __len__(self):
        return self.stop - self.start

    def __iter__(self):
        info = data.get_worker_info()
        start, stop = self.start, self.stop
        if info is not None:
            per_worker = -(-(stop - start) // info.num_workers)
            start = start + info.id * per_worker
            stop = min(start + per_worker, self.stop)
        return iter(range(start, stop))


def torch_stream(torch, start, stop):
    """The same stream as a torch IterableDataset (a local class: torch's workers fork)."""

    class TorchStream(torch.utils.data.IterableDataset):
        def __len__(self):
            return stop - start

        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            first, last = start, stop
            if info is not None:
                per_worker = -(-(stop - start) // info.num_workers)
                first = start + info.id * per_worker
                last = min(first + per_worker, stop)
            return iter(range(first, last))
    return TorchStream()


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                                    dict(batch_size=4, num_workers=2), dict(batch_size=2, num_workers=2)])
def test_iterable_dataset_batches_and_worker_order_equal_torch(kwargs):
    torch = torch_or_skip()
    ours = DataLoader(Stream(0, 10), timeout=20 if kwargs.get("num_workers") else 0, **kwargs)
    theirs = torch.utils.data.DataLoader(torch_stream(torch, 0, 10), **kwargs)
    got = [b.data.tolist() if isinstance(b, Tensor) else b for b in bounded(ours)]
    expected = [b.tolist() if isinstance(b, torch.Tensor) else b for b in theirs]
    assert got == expected and len(ours) == len(theirs)
    assert got == [b.data.tolist() if isinstance(b, Tensor) else b for b in bounded(ours)]   # a new epoch


def test_chain_dataset_and_iterable_dataset_errors():
    chained = Stream(0, 3) + Stream(10, 12)
    assert isinstance(chained, data.ChainDataset) and len(chained) == 5
    assert [b.data.tolist() for b in DataLoader(chained, batch_size=2)] == [[0, 1], [2, 10], [11]]
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified shuffle option"):
        DataLoader(Stream(), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(), sampler=[0, 1])
    with pytest.raises(TypeError, match="ConcatDataset: dataset 0 is an IterableDataset; use ChainDataset"):
        ConcatDataset([Stream()])
    with pytest.raises(TypeError, match="ChainDataset: dataset 1 is a list"):
        data.ChainDataset([Stream(), [1, 2]])
