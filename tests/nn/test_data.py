"""Tests for nn.data, on small real IDX and pickle files that the tests write themselves."""

import codecs
import gzip
import hashlib
import http.server
import os
import pickle
import socket
import struct
import threading
import tracemalloc

import numpy as np
import pytest

from nn import data
from nn.data import fashion_mnist
from nn.data.cifar10 import _multiarray

FASHION_NAMES = [name for pair in fashion_mnist.FASHION_MNIST_FILES.values() for name in pair]


# ---------------------------------------------------------------- file writers

def idx_bytes(array, code=0x08, big_endian_dtype=">u1"):
    """IDX encoding of ``array``, written independently of nn.data.write_idx."""
    header = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(big_endian_dtype).tobytes()


def write_gz(path, raw):
    with gzip.open(path, "wb") as file:
        file.write(raw)
    return path


def write_fashion(folder, n_train=6, n_test=4, seed=0):
    """Write all four Fashion-MNIST files with random content; return the arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = np.arange(n, dtype=np.uint8) % 10
        images_name, labels_name = fashion_mnist.FASHION_MNIST_FILES[split]
        write_gz(folder / images_name, idx_bytes(images))
        write_gz(folder / labels_name, idx_bytes(labels))
        arrays[split] = images, labels
    return arrays


def write_batch(path, batch, protocol=pickle.HIGHEST_PROTOCOL):
    with open(path, "wb") as file:
        pickle.dump(batch, file, protocol=protocol)
    return path


def cifar_batch(n, seed=0):
    rng = np.random.default_rng(seed)
    return {b"batch_label": b"test", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"labels": [int(label) for label in rng.integers(0, 10, n)],
            b"filenames": [b"x.png"] * n}


def write_cifar(folder, n=3):
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    return [write_batch(folder / name, cifar_batch(n, seed)) for seed, name in enumerate(names)]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No DYNGRAD_DATA, an empty system folder and an empty cache: nothing real is found."""
    monkeypatch.delenv("DYNGRAD_DATA", raising=False)
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", tmp_path / "system")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


# ---------------------------------------------------------------- IDX

def test_read_idx_round_trips_gz_and_plain_files(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(data.read_idx(write_gz(tmp_path / "a.gz", idx_bytes(images))), images)
    ints = np.array([-5, 70000], dtype=np.int32)
    (tmp_path / "b.idx").write_bytes(idx_bytes(ints, 0x0C, ">i4"))
    result = data.read_idx(tmp_path / "b.idx")
    assert result.dtype == np.int32 and np.array_equal(result, ints)


def test_write_idx_is_readable_and_reproducible(tmp_path):
    array = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    data.write_idx(tmp_path / "a.gz", array)
    data.write_idx(tmp_path / "b.gz", array)
    assert np.array_equal(data.read_idx(tmp_path / "a.gz"), array)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


GOOD = idx_bytes(np.zeros((2, 3), dtype=np.uint8))


@pytest.mark.parametrize("raw, message", [
    (b"\x00\x00", "too short for an IDX header"),
    (b"\x01\x02" + GOOD[2:], "bad IDX magic number 0x0102"),
    (GOOD[:2] + b"\x07" + GOOD[3:], "unknown IDX dtype code 0x07"),
    (b"\x00\x00\x08\x00", "declares 0 dimensions"),
    (GOOD[:8], "truncated IDX header"),
    (GOOD[:-1], r"shape \(2, 3\) \(6 bytes of data\) but the file holds 5"),
    (GOOD + b"\x00", "but the file holds 7 bytes"),
], ids=["short", "magic", "dtype", "ndim", "header", "truncated-data", "extra-data"])
def test_read_idx_rejects_malformed_files_naming_them(tmp_path, raw, message):
    path = write_gz(tmp_path / "bad-idx.gz", raw)
    with pytest.raises(ValueError, match=message) as error:
        data.read_idx(path)
    assert "bad-idx.gz" in str(error.value)


def test_read_idx_rejects_truncated_and_non_gzip_files(tmp_path):
    full = write_gz(tmp_path / "full.gz", GOOD * 100).read_bytes()
    (tmp_path / "cut.gz").write_bytes(full[:len(full) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz: truncated gzip file"):
        data.read_idx(tmp_path / "cut.gz")
    (tmp_path / "plain.gz").write_bytes(GOOD)
    with pytest.raises(ValueError, match=r"plain\.gz: not a valid gzip file"):
        data.read_idx(tmp_path / "plain.gz")


def test_read_idx_refuses_a_decompression_bomb_before_allocating(tmp_path):
    raw = idx_bytes(np.zeros((64, 1024, 1024), dtype=np.uint8))   # 64 MiB of zeros...
    path = tmp_path / "bomb-idx3-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=1) as file:
        file.write(raw)
    assert path.stat().st_size < 1 << 20                             # ...in a file under 1 MiB
    del raw
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"bomb-idx3-ubyte\.gz: IDX header declares shape "
                                             r"\(64, 1024, 1024\) \(67108864 bytes of data\) from "
                                             r"a \d+-byte gzip file, more than 100 times"):
            data.read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 22                                 # nothing near 64 MiB was allocated
    assert data.read_idx(path, max_gzip_ratio=None).shape == (64, 1024, 1024)   # if trusted


def test_read_idx_limit_is_configurable(tmp_path):
    path = write_gz(tmp_path / "six.gz", GOOD)
    with pytest.raises(ValueError, match=r"six\.gz: .*\(6 bytes of data\), more than the limit "
                                         r"of 5 bytes \(max_bytes=\)"):
        data.read_idx(path, max_bytes=5)
    assert data.read_idx(path, max_bytes=6).shape == (2, 3)


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_read_idx_dimensions_whose_product_overflows_int64(tmp_path, suffix):
    raw = struct.pack(">HBB4I", 0, 0x08, 4, 65536, 65536, 65536, 65536)  # 2**64 elements
    path = tmp_path / f"overflow-idx{suffix}"
    if suffix:
        write_gz(path, raw)
    else:
        path.write_bytes(raw)
    with pytest.raises(ValueError, match=r"overflow-idx.*declares shape \(65536, 65536, 65536, "
                                         r"65536\) \(18446744073709551616 bytes of data\)"):
        data.read_idx(path)


# ---------------------------------------------------------------- Fashion-MNIST files

def test_load_fashion_mnist_shapes_dtypes_and_scaling(isolated):
    arrays = write_fashion(isolated / "fm")
    for split in ("train", "test"):
        X, y = data.load_fashion_mnist(isolated / "fm", split)
        images, labels = arrays[split]
        assert X.dtype == np.float32 and X.shape == (len(images), 1, 28, 28)
        assert y.dtype == np.int64 and np.array_equal(y, labels)
        assert np.allclose(X[:, 0] * 255, images)


def replace_file(folder, name, array):
    write_gz(folder / name, idx_bytes(array))


@pytest.mark.parametrize("name, array, message", [
    ("train-images-idx3-ubyte.gz", np.zeros((6, 28, 27), np.uint8),
     r"images of shape \(N, 28, 28\)"),
    ("train-labels-idx1-ubyte.gz", np.zeros((6, 1), np.uint8), "1-D uint8 label array"),
    ("train-labels-idx1-ubyte.gz", np.full(6, 10, np.uint8), "label 10 is out of range"),
    ("train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8), "holds 6 images but .* holds 5 labels"),
], ids=["image-shape", "label-ndim", "label-range", "count-mismatch"])
def test_load_fashion_mnist_rejects_inconsistent_files(isolated, name, array, message):
    write_fashion(isolated / "fm")
    replace_file(isolated / "fm", name, array)
    with pytest.raises(ValueError, match=message) as error:
        data.load_fashion_mnist(isolated / "fm", "train")
    assert name in str(error.value)


def test_load_fashion_mnist_rejects_unknown_split(isolated):
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'val'"):
        data.load_fashion_mnist(split="val")


# ---------------------------------------------------------------- search order

def test_search_order_env_then_system_then_cache(isolated, monkeypatch):
    cache = isolated / "cache" / "dyngrad" / "fashion-mnist"
    write_fashion(cache)
    assert data.fashion_mnist_source() == cache
    write_fashion(isolated / "system")
    assert data.fashion_mnist_source() == isolated / "system"
    write_fashion(isolated / "env" / "fashion-mnist")  # a parent folder works too
    monkeypatch.setenv("DYNGRAD_DATA", str(isolated / "env"))
    assert data.fashion_mnist_source() == isolated / "env" / "fashion-mnist"
    write_fashion(isolated / "explicit")
    assert data.fashion_mnist_source(isolated / "explicit") == isolated / "explicit"


def test_incomplete_folders_are_skipped(isolated, monkeypatch):
    write_fashion(isolated / "env")
    (isolated / "env" / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv("DYNGRAD_DATA", str(isolated / "env"))
    write_fashion(isolated / "system")
    assert data.fashion_mnist_source() == isolated / "system"


def test_explicit_root_is_not_a_search_start(isolated):
    write_fashion(isolated / "system")
    with pytest.raises(FileNotFoundError) as error:
        data.fashion_mnist_source(isolated / "empty")
    assert str(error.value) == f"Fashion-MNIST not found: {isolated / 'empty'} does not exist"


def test_explicit_root_message_says_what_is_wrong_with_it(isolated):
    (isolated / "file").write_text("")
    with pytest.raises(FileNotFoundError, match="file is not a folder$"):
        data.fashion_mnist_source(isolated / "file")
    write_fashion(isolated / "partial")
    (isolated / "partial" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as error:
        data.load_fashion_mnist(isolated / "partial")
    message = str(error.value)
    assert f"{isolated / 'partial'} has no t10k-labels-idx1-ubyte.gz (nor" in message
    assert "DYNGRAD_DATA" not in message and "root=" not in message


def test_not_found_error_says_how_to_fix(isolated):
    with pytest.raises(FileNotFoundError) as error:
        data.load_fashion_mnist()
    message = str(error.value)
    for hint in ("apt-get install dataset-fashion-mnist", "DYNGRAD_DATA", "root=",
                 "download=True", str(isolated / "system"), "train-images-idx3-ubyte.gz"):
        assert hint in message


def test_cache_defaults_to_home_without_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.fashion_mnist_cache_dir() == tmp_path / ".cache" / "dyngrad" / "fashion-mnist"


# ---------------------------------------------------------------- download

@pytest.fixture
def mirror(isolated, monkeypatch):
    """A file:// mirror of small Fashion-MNIST files, with their MD5 sums published."""
    arrays = write_fashion(isolated / "mirror")
    for name in FASHION_NAMES:
        md5 = hashlib.md5((isolated / "mirror" / name).read_bytes()).hexdigest()
        monkeypatch.setitem(fashion_mnist.FASHION_MNIST_MD5, name, md5)
    monkeypatch.setattr(fashion_mnist, "FASHION_MNIST_URL", (isolated / "mirror").as_uri() + "/")
    return arrays


def test_download_fetches_into_the_cache_and_loads(mirror, isolated):
    X, y = data.load_fashion_mnist(split="test", download=True)
    assert np.array_equal(y, mirror["test"][1]) and X.shape == (4, 1, 28, 28)
    cache = isolated / "cache" / "dyngrad" / "fashion-mnist"
    assert sorted(os.listdir(cache)) == sorted(FASHION_NAMES)
    assert data.fashion_mnist_source() == cache


def test_download_with_bad_md5_leaves_nothing(mirror, isolated, monkeypatch):
    monkeypatch.setitem(fashion_mnist.FASHION_MNIST_MD5, "train-images-idx3-ubyte.gz", "0" * 32)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz: MD5 [0-9a-f]{32} does not "
                                         "match the published 0{32}"):
        data.load_fashion_mnist(download=True)
    left = os.listdir(isolated / "cache" / "dyngrad" / "fashion-mnist")
    assert "train-images-idx3-ubyte.gz" not in left
    assert not any(name.endswith(".part") for name in left)


def test_failed_download_leaves_nothing(isolated):
    with pytest.raises(OSError):
        data.download_fashion_mnist(isolated / "dest", base_url=(isolated / "nowhere").as_uri())
    assert os.listdir(isolated / "dest") == []


class Mirror(http.server.ThreadingHTTPServer):
    """A Fashion-MNIST mirror on 127.0.0.1 that misbehaves on request: ``stall`` names a
    file whose response stops after the headers (until ``release`` is set); ``cut`` names
    a file whose first response drops the connection half-way. Range requests are served.
    """
    daemon_threads = True

    def __init__(self, folder):
        super().__init__(("127.0.0.1", 0), MirrorHandler)
        self.folder, self.stall, self.cut = folder, None, None
        self.release, self.requests = threading.Event(), []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/"


class MirrorHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.lstrip("/")
        body = (self.server.folder / name).read_bytes()
        range_header = self.headers.get("Range")
        self.server.requests.append((name, range_header))
        start = int(range_header[len("bytes="):-1]) if range_header else 0
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        if name == self.server.stall:
            self.wfile.flush()
            self.server.release.wait(60)
            return
        if name == self.server.cut:
            self.server.cut = None
            self.wfile.write(body[start:len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body[start:])


@pytest.fixture
def http_mirror(mirror, isolated, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DOWNLOAD_BACKOFF", 0.0)
    server = Mirror(isolated / "mirror")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(60)


def run_bounded(function, *args, **kwargs):
    """Run ``function`` in a thread; return its outcome, or None if it is still blocked."""
    outcome = {}

    def target():
        try:
            outcome["result"] = function(*args, **kwargs)
        except Exception as error:      # noqa: BLE001 (the test inspects it)
            outcome["error"] = error
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(60)
    return outcome or None


def test_download_from_a_stalled_server_times_out_and_says_so(http_mirror, isolated):
    http_mirror.stall = "train-labels-idx1-ubyte.gz"
    dest = isolated / "dest"
    outcome = run_bounded(data.download_fashion_mnist, dest, base_url=http_mirror.url,
                          timeout=0.2, retries=2)
    assert outcome is not None, "the download blocked on a stalled server"
    error = outcome.get("error")
    assert isinstance(error, TimeoutError), outcome
    message = str(error)
    assert "train-labels-idx1-ubyte.gz: download failed after 3 attempts" in message
    assert "timeout 0.2s" in message
    assert [request for request in http_mirror.requests
            if request[0] == "train-labels-idx1-ubyte.gz"] == [("train-labels-idx1-ubyte.gz", None)] * 3
    assert "train-labels-idx1-ubyte.gz" not in os.listdir(dest)    # nothing unchecked is used


def test_dropped_download_resumes_from_its_partial_file_and_checks_md5(http_mirror, isolated):
    http_mirror.cut = "train-images-idx3-ubyte.gz"
    dest = data.download_fashion_mnist(isolated / "dest", base_url=http_mirror.url,
                                       timeout=5, retries=1)
    size = (isolated / "mirror" / "train-images-idx3-ubyte.gz").stat().st_size
    images = [request for request in http_mirror.requests
              if request[0] == "train-images-idx3-ubyte.gz"]
    assert images == [("train-images-idx3-ubyte.gz", None),
                      ("train-images-idx3-ubyte.gz", f"bytes={size // 2}-")]
    assert sorted(os.listdir(dest)) == sorted(FASHION_NAMES)
    assert np.array_equal(data.load_fashion_mnist(dest)[1], mirror_labels(isolated))


def test_a_later_download_resumes_what_an_earlier_one_kept(http_mirror, isolated):
    http_mirror.cut = "train-images-idx3-ubyte.gz"
    dest = isolated / "dest"
    with pytest.raises(TimeoutError, match=r"after 1 attempt \(.*bytes are kept in .*train-images-idx3-"
                                           r"ubyte\.gz\.part and the next download resumes"):
        data.download_fashion_mnist(dest, base_url=http_mirror.url, timeout=5, retries=0)
    assert (dest / "train-images-idx3-ubyte.gz.part").stat().st_size > 0
    data.download_fashion_mnist(dest, base_url=http_mirror.url, timeout=5, retries=0)
    assert http_mirror.requests[-4][1] is not None          # the Range request
    assert sorted(os.listdir(dest)) == sorted(FASHION_NAMES)


def test_download_never_writes_through_a_planted_part_symlink(http_mirror, isolated):
    dest = isolated / "dest"
    dest.mkdir()
    victim = isolated / "victim"
    victim.write_bytes(b"keep me")
    (dest / "train-images-idx3-ubyte.gz.part").symlink_to(victim)
    with pytest.raises(OSError, match="train-images-idx3-ubyte.gz.part"):
        data.download_fashion_mnist(dest, base_url=http_mirror.url, timeout=5, retries=0)
    assert victim.read_bytes() == b"keep me"


def mirror_labels(isolated):
    return data.read_idx(isolated / "mirror" / "train-labels-idx1-ubyte.gz").astype(np.int64)


# ---------------------------------------------------------------- embedded subset

@pytest.mark.parametrize("split, per_class", [("train", 500), ("test", 100)])
def test_embedded_subset_is_stratified(split, per_class):
    X, y = data.load_fashion_mnist_subset(split)
    assert X.shape == (10 * per_class, 1, 28, 28) and X.dtype == np.float32
    assert y.dtype == np.int64 and np.all(np.bincount(y) == per_class)
    assert X.min() >= 0 and X.max() <= 1
    assert len(data.FASHION_MNIST_CLASSES) == 10


def test_or_subset_prefers_full_set_and_falls_back(isolated):
    X, y, source = data.load_fashion_mnist_or_subset(split="test")
    assert "embedded subset" in source and "apt-get install dataset-fashion-mnist" in source
    assert len(X) == 1000
    write_fashion(isolated / "system")
    X, y, source = data.load_fashion_mnist_or_subset(split="test")
    assert "full set" in source and str(isolated / "system") in source and len(X) == 4
    with pytest.raises(FileNotFoundError):
        data.load_fashion_mnist_or_subset(isolated / "wrong", "test")


@pytest.mark.skipif(not fashion_mnist.SYSTEM_DIR.is_dir(),
                    reason="Debian package dataset-fashion-mnist not installed")
def test_real_debian_files_contain_the_subset():
    X, y = data.load_fashion_mnist(fashion_mnist.SYSTEM_DIR, "test")
    assert X.shape == (10000, 1, 28, 28) and np.all(np.bincount(y) == 1000)
    full = {image.tobytes(): label for image, label in zip(X, y)}
    X_sub, y_sub = data.load_fashion_mnist_subset("test")
    assert all(full[image.tobytes()] == label for image, label in zip(X_sub, y_sub))


# ---------------------------------------------------------------- CIFAR-10

def test_load_cifar10_shapes_channels_and_subfolder(tmp_path):
    paths = write_cifar(tmp_path / "cifar-10-batches-py")
    X_train, y_train, X_test, y_test = data.load_cifar10(tmp_path)
    assert X_train.shape == (15, 3, 32, 32) and X_test.shape == (3, 3, 32, 32)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    first = pickle.loads(paths[0].read_bytes())
    # A row holds the R, G, B planes one after the other.
    assert X_train[0, 1, 0, 0] == np.float32(first[b"data"][0, 1024] / 255)
    assert list(y_train[:3]) == first[b"labels"]
    assert data.load_cifar10(tmp_path / "cifar-10-batches-py")[3].shape == (3,)


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_cifar_batch_loads_under_every_pickle_protocol(tmp_path, protocol):
    batch = cifar_batch(4)
    X, y = data.load_cifar10_batch(write_batch(tmp_path / "b", batch, protocol))
    assert np.array_equal((X * 255).round().astype(np.uint8).reshape(4, -1), batch[b"data"])


def python2_batch(images, labels):
    """The opcodes Python 2's cPickle (protocol 2) wrote for the real CIFAR-10 batches:
    byte strings (SHORT_BINSTRING, BINSTRING) and NumPy 1's module names."""
    def string(text):
        return b"U" + bytes([len(text)]) + text
    raw = images.tobytes()
    array = (b"cnumpy.core.multiarray\n_reconstruct\nq\x01cnumpy\nndarray\nq\x02K\x00\x85U\x01b"
             b"\x87Rq\x03(K\x01K" + bytes([len(images)]) + b"M\x00\x0c\x86cnumpy\ndtype\nq\x04"
             + string(b"u1") + b"K\x00K\x01\x87Rq\x05(K\x03" + string(b"|")
             + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89T" + struct.pack("<I", len(raw))
             + raw + b"tb")
    label_ops = b"]q\x06(" + b"".join(b"K" + bytes([label]) for label in labels) + b"e"
    return (b"\x80\x02}q\x00(" + string(b"batch_label") + string(b"training batch 1 of 5")
            + string(b"data") + array + string(b"labels") + label_ops + b"u.")


def test_a_python2_batch_as_the_real_files_are_pickled_loads(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (3, 3072), dtype=np.uint8)
    path = tmp_path / "data_batch_1"
    path.write_bytes(python2_batch(images, [3, 7, 9]))
    X, y = data.load_cifar10_batch(path)
    assert np.array_equal((X * 255).round().astype(np.uint8).reshape(3, -1), images)
    assert y.tolist() == [3, 7, 9]


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    path = write_batch(tmp_path / "data_batch_1", {b"data": Exploit(marker), b"labels": []})
    refused = r"data_batch_1: cannot unpickle: refused global '(posix|nt|os)\.system'"
    with pytest.raises(ValueError, match=refused):
        data.load_cifar10_batch(path)
    assert not marker.exists()


def test_malicious_builtin_is_refused(tmp_path):
    class Eval:
        def __reduce__(self):
            return eval, ("1 + 1",)
    path = write_batch(tmp_path / "test_batch", Eval())
    with pytest.raises(ValueError, match="refused global 'builtins.eval'"):
        data.load_cifar10_batch(path)


def batch_with(**changes):
    batch = cifar_batch(3)
    batch.update({key.encode(): value for key, value in changes.items()})
    return batch


@pytest.mark.parametrize("content, message", [
    ([1, 2], "expected a dict, got list"),
    ({b"data": np.zeros((3, 3072), np.uint8)}, "missing key 'labels'"),
    (batch_with(data=np.zeros((3, 100), np.uint8)),
     r"'data' must be a uint8 array of shape \(N, 3072\), got a uint8 array of shape \(3, 100\)"),
    (batch_with(data=np.zeros((3, 3072), np.float32)), "'data' must be a uint8 array"),
    (batch_with(data=[1, 2, 3]), "'data' must be a uint8 array .* got a list of 3"),
    (batch_with(labels=[1, 2]), "'labels' must be 3 integers"),
    (batch_with(labels=[1.0, 2.0, 3.0]), "'labels' must be 3 integers"),
    (batch_with(labels=[1, [2], 3]), "'labels' must be 3 integers, got a list of 3"),
    (batch_with(labels=[0, 10, 1]), r"labels must lie in 0\.\.9, found 0\.\.10"),
], ids=["not-dict", "no-labels", "data-shape", "data-dtype", "data-list", "label-count",
        "label-float", "label-ragged", "label-range"])
def test_malformed_cifar_batches_are_rejected_naming_the_file(tmp_path, content, message):
    path = write_batch(tmp_path / "data_batch_3", content)
    with pytest.raises(ValueError, match=message) as error:
        data.load_cifar10_batch(path)
    assert "data_batch_3" in str(error.value)


def test_truncated_cifar_batch_is_rejected(tmp_path):
    path = write_batch(tmp_path / "test_batch", cifar_batch(3))
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match="test_batch: cannot unpickle"):
        data.load_cifar10_batch(path)


class Allocate:
    """Pickles as a call that makes NumPy allocate (n, 3072) bytes the file doesn't hold."""

    def __init__(self, n, how):
        self.n, self.how = n, how

    def __reduce__(self):
        if self.how == "ndarray":
            return np.ndarray, ((self.n, 3072), "B")
        return _multiarray._reconstruct, (np.ndarray, (self.n, 3072), b"B")


@pytest.mark.parametrize("how", ["ndarray", "_reconstruct"])
def test_cifar_batch_declaring_more_images_than_it_holds_is_refused(tmp_path, how):
    path = write_batch(tmp_path / "data_batch_1",
                       {b"data": Allocate(20_000, how), b"labels": [0] * 3}, protocol=2)
    assert path.stat().st_size < 300
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"data_batch_1: cannot unpickle: refused ("
                                             r"_reconstruct\(numpy\.ndarray, \(20000, 3072\)\)|"
                                             r"numpy\.ndarray\(\(20000, 3072\), 'B'\))"):
            data.load_cifar10_batch(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 22


class Encode:
    def __reduce__(self):
        return codecs.encode, ("x", "zlib_codec")


def test_cifar_unpickler_allows_only_the_latin1_codec(tmp_path):
    path = write_batch(tmp_path / "data_batch_1", {b"data": Encode(), b"labels": []}, protocol=2)
    with pytest.raises(ValueError, match=r"data_batch_1: cannot unpickle: refused "
                                         r"_codecs\.encode\(\.\.\., 'zlib_codec'\)"):
        data.load_cifar10_batch(path)


def test_cifar_label_too_large_for_int64_is_a_range_error(tmp_path):
    path = write_batch(tmp_path / "data_batch_1", batch_with(labels=[0, 2**70, 1]))
    with pytest.raises(ValueError, match=rf"data_batch_1: labels must lie in 0\.\.9, found 0\.\.{2**70}"):
        data.load_cifar10_batch(path)


def test_cifar_batch_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = write_batch(tmp_path / "data_batch_1", cifar_batch(3))
    size = path.stat().st_size
    with pytest.raises(ValueError, match=rf"data_batch_1: {size} bytes, more than the limit of "
                                         rf"{size - 1} bytes"):
        data.load_cifar10_batch(path, max_bytes=size - 1)
    assert data.load_cifar10_batch(path, max_bytes=size)[0].shape == (3, 3, 32, 32)


def test_missing_cifar_batch_is_reported_from_the_subfolder_that_exists(tmp_path):
    write_cifar(tmp_path / "cifar-10-batches-py")
    (tmp_path / "cifar-10-batches-py" / "data_batch_2").unlink()
    with pytest.raises(FileNotFoundError, match=r"missing from .*cifar-10-batches-py: data_batch_2\)"):
        data.load_cifar10(tmp_path)


def test_missing_cifar_says_where_to_get_it(tmp_path):
    write_cifar(tmp_path)
    (tmp_path / "data_batch_4").unlink()
    with pytest.raises(FileNotFoundError) as error:
        data.load_cifar10(tmp_path)
    message = str(error.value)
    for hint in (f"missing from {tmp_path}: data_batch_4", "cifar-10-python.tar.gz", "cs.toronto.edu",
                 "pass the folder"):
        assert hint in message


# ---------------------------------------------------------------- DataLoader

@pytest.fixture
def Tensor():
    return pytest.importorskip("autograd").Tensor


def arrays(n=10):
    return np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n)


def epoch(loader):
    return [(xb.data, yb) for xb, yb in loader]


def test_batches_in_order_with_a_short_last_batch(Tensor):
    X, y = arrays()
    loader = data.DataLoader(X, y, batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert all(isinstance(xb, Tensor) and xb.data.dtype == np.float32 for xb, _ in batches)
    assert [list(yb) for _, yb in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert np.array_equal(batches[2][0].data, X[8:])


def test_drop_last(Tensor):
    X, y = arrays()
    loader = data.DataLoader(X, y, batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(yb) for _, yb in loader] == [4, 4]
    assert len(data.DataLoader(X, y, batch_size=5, drop_last=True)) == 2
    assert len(data.DataLoader(X, y, batch_size=11, drop_last=True)) == 0
    assert len(data.DataLoader(X, y, batch_size=11)) == 1


def test_shuffle_is_a_new_permutation_each_epoch_and_reproducible(Tensor):
    X, y = arrays(50)
    loader = data.DataLoader(X, y, batch_size=8, shuffle=True, seed=3)
    first, second = epoch(loader), epoch(loader)
    for batches in (first, second):
        order = np.concatenate([yb for _, yb in batches])
        assert sorted(order) == list(range(50))
        assert all(np.array_equal(xb, X[yb]) for xb, yb in batches)  # rows stay paired
    assert not np.array_equal(first[0][1], second[0][1])
    again = data.DataLoader(X, y, batch_size=8, shuffle=True, seed=3)
    for batches in (first, second):
        assert all(np.array_equal(a[1], b[1]) for a, b in zip(batches, epoch(again)))
    other = epoch(data.DataLoader(X, y, batch_size=8, shuffle=True, seed=4))
    assert not np.array_equal(first[0][1], other[0][1])


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(y=np.arange(9)), ValueError, "X has 10 samples but y has 9"),
    (dict(batch_size=0), ValueError, "batch_size must be positive, got 0"),
    (dict(batch_size=-2), ValueError, "batch_size must be positive, got -2"),
    (dict(batch_size=2.5), TypeError, "batch_size must be an int, got float"),
    (dict(batch_size=True), TypeError, "batch_size must be an int, got bool"),
    (dict(X=np.float32(1)), ValueError, "leading sample axis"),
])
def test_dataloader_validates_arguments(kwargs, error, message):
    X, y = arrays()
    arguments = dict(X=X, y=y, batch_size=4) | kwargs
    with pytest.raises(error, match=message):
        data.DataLoader(**arguments)


# ---------------------------------------------------------------- preprocessing

@pytest.mark.parametrize("shuffle", [False, True])
def test_dataloader_batches_are_copies_not_views_of_the_dataset(Tensor, shuffle):
    X, y = arrays()
    X_before, y_before = X.copy(), y.copy()
    for xb, yb in data.DataLoader(X, y, batch_size=4, shuffle=shuffle, seed=0):
        assert not np.shares_memory(xb.data, X) and not np.shares_memory(yb, y)
        xb.data[...] = -1
        yb[...] = -1
    assert np.array_equal(X, X_before) and np.array_equal(y, y_before)


def test_unseeded_shuffle_follows_nn_manual_seed_and_generator_is_accepted(Tensor):
    import nn
    X, y = arrays()
    nn.manual_seed(4)
    first = epoch(data.DataLoader(X, y, batch_size=3, shuffle=True))
    nn.manual_seed(4)
    again = epoch(data.DataLoader(X, y, batch_size=3, shuffle=True))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, again))
    explicit = epoch(data.DataLoader(X, y, batch_size=10, shuffle=True,
                                     generator=np.random.default_rng(2)))
    assert np.array_equal(explicit[0][1], y[np.random.default_rng(2).permutation(10)])
    with pytest.raises(ValueError, match="seed or generator, not both"):
        data.DataLoader(X, y, 2, seed=1, generator=np.random.default_rng(1))
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        data.DataLoader(X, y, 2, generator=1)


def test_subtract_mean_image_centres_all_sets_with_training_mean():
    rng = np.random.default_rng(0)
    X_train, X_test = rng.random((20, 3, 4, 4), np.float32), rng.random((5, 3, 4, 4), np.float32)
    before = X_train.copy()
    centred_train, centred_test, mean = data.subtract_mean_image(X_train, X_test)
    assert mean.shape == (3, 4, 4) and centred_train.dtype == np.float32
    assert np.allclose(centred_train.mean(axis=0), 0, atol=1e-6)
    assert np.allclose(centred_test, X_test - mean)
    assert np.array_equal(X_train, before)


def test_normalize_per_channel():
    rng = np.random.default_rng(0)
    X = rng.random((30, 3, 4, 4), np.float32) * np.array([1, 5, 9], np.float32)[None, :, None, None]
    X[:, 2] = 7  # a constant channel
    normalized, mean, std = data.normalize_per_channel(X)
    assert mean.shape == std.shape == (3,) and normalized.dtype == np.float32
    assert np.allclose(normalized.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    assert np.allclose(normalized.std(axis=(0, 2, 3)), [1, 1, 0], atol=1e-5)
    again, _, _ = data.normalize_per_channel(X[:5], mean, std)
    assert np.allclose(again, normalized[:5])


def test_flatten():
    assert data.flatten(np.zeros((4, 3, 2, 2))).shape == (4, 12)


def test_train_val_split():
    X, y = arrays(20)
    X_train, y_train, X_val, y_val = data.train_val_split(X, y, 5, seed=0)
    assert len(y_val) == 5 and len(y_train) == 15
    assert sorted(np.concatenate([y_train, y_val])) == list(range(20))
    assert np.array_equal(X_val, X[y_val]) and list(y_train) == sorted(y_train)
    assert np.array_equal(data.train_val_split(X, y, 0.25, seed=0)[3], y_val)
    with pytest.raises(ValueError, match="leaves no training or no validation samples out of 20"):
        data.train_val_split(X, y, 20)
    with pytest.raises(ValueError, match="val_size must be an int or a float in"):
        data.train_val_split(X, y, 1.5)
    with pytest.raises(ValueError, match="X has 20 samples but y has 19"):
        data.train_val_split(X, y[:-1], 2)


def test_dataloader_accepts_tensors():
    from autograd import Tensor as T
    X, y = np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(6)
    batches = list(data.DataLoader(T(X), T(y), 4))
    assert [len(yb) for _, yb in batches] == [4, 2]
    assert isinstance(batches[0][1], np.ndarray)
    np.testing.assert_array_equal(batches[1][0].data, X[4:])


# ---------------------------------------------------------------- torchvision-shaped datasets

def test_fashion_mnist_dataset_from_a_root_in_torchvision_shape(isolated):
    from nn.data import transforms as T
    from autograd import Tensor as T_
    arrays = write_fashion(isolated / "fm", n_train=6, n_test=4)
    train = data.FashionMNIST(isolated / "fm")
    images, labels = arrays["train"]
    assert len(train) == 6 and train.data.dtype == np.uint8 and train.data.shape == (6, 28, 28)
    assert isinstance(train.targets, T_) and train.targets.dtype == np.int64
    image, target = train[2]
    assert isinstance(image, np.ndarray) and np.array_equal(image, images[2]) and target == int(labels[2])
    assert isinstance(target, int) and train.classes[0] == "T-shirt/top" and train.class_to_idx["Bag"] == 8
    test = data.FashionMNIST(isolated / "fm", train=False, transform=T.ToTensor(), target_transform=lambda t: t + 100)
    x, t = test[1]
    X, y = data.load_fashion_mnist(isolated / "fm", split="test")
    np.testing.assert_array_equal(x.data, X[1])            # ToTensor gives the loader's values
    assert x.shape == (1, 28, 28) and t == int(y[1]) + 100 and "Split: Test" in repr(test)


def test_fashion_mnist_dataset_without_root_falls_back_to_the_embedded_subset(isolated):
    train = data.FashionMNIST()
    assert len(train) == 5000 and "embedded subset" in train.source
    with pytest.raises(FileNotFoundError, match="Fashion-MNIST not found"):
        data.FashionMNIST(isolated / "nowhere")
    with pytest.raises(TypeError, match="FashionMNIST: transform must be callable"):
        data.FashionMNIST(transform=3)


def test_fashion_mnist_dataset_batches_through_the_dataloader(isolated):
    from nn.data import transforms as T
    write_fashion(isolated / "fm", n_train=6)
    loader = data.DataLoader(data.FashionMNIST(isolated / "fm", transform=T.ToTensor()), batch_size=4)
    xb, yb = next(iter(loader))
    assert xb.shape == (4, 1, 28, 28) and xb.dtype == np.float32 and yb.dtype == np.int64


def test_cifar10_dataset_in_torchvision_shape(tmp_path):
    from nn.data import transforms as T
    write_cifar(tmp_path / "cifar-10-batches-py", n=3)
    train = data.CIFAR10(tmp_path)
    assert len(train) == 15 and train.data.shape == (15, 32, 32, 3) and train.data.dtype == np.uint8
    assert isinstance(train.targets, list) and all(isinstance(t, int) for t in train.targets)
    X_train, y_train, X_test, y_test = data.load_cifar10(tmp_path)
    test = data.CIFAR10(tmp_path, train=False, transform=T.ToTensor())
    assert len(test) == 3
    np.testing.assert_array_equal(test[2][0].data, X_test[2])      # HWC uint8 -> CHW in [0, 1]
    np.testing.assert_array_equal(T.ToTensor()(train[4][0]).data, X_train[4])
    assert train.targets == y_train.tolist() and train.classes[3] == "cat"
    with pytest.raises(ValueError, match="download=True is not supported"):
        data.CIFAR10(tmp_path, download=True)
    with pytest.raises(FileNotFoundError, match="CIFAR-10 not found"):
        data.CIFAR10(tmp_path / "missing")


# ---------------------------------------------------------------- transforms

def test_to_tensor_follows_torchvision_for_ndarrays():
    from nn.data import transforms as T
    torch = pytest.importorskip("torch", reason="torch checks the layout")
    rng = np.random.default_rng(0)
    hwc = rng.integers(0, 256, (5, 6, 3), dtype=np.uint8)
    out = T.ToTensor()(hwc)
    expected = torch.from_numpy(hwc).permute(2, 0, 1).float().div(255).numpy()
    assert out.shape == (3, 5, 6) and out.dtype == np.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-7)
    assert T.ToTensor()(hwc[..., 0]).shape == (1, 5, 6)
    floats = rng.random((4, 4, 2)).astype(np.float32)
    np.testing.assert_array_equal(T.ToTensor()(floats).data, floats.transpose(2, 0, 1))   # not rescaled
    assert T.ToTensor()(np.stack([hwc, hwc])).shape == (2, 3, 5, 6)
    with pytest.raises(TypeError, match="ToTensor: expected an ndarray image"):
        T.ToTensor()([1, 2])


def test_normalize_per_sample_and_per_batch_in_the_graph():
    from nn.data import transforms as T
    from autograd import Tensor as T_
    rng = np.random.default_rng(0)
    batch = rng.random((4, 3, 5, 5)).astype(np.float32)
    norm = T.Normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.5])
    expected = (batch - np.array([0.5, 0.4, 0.3], np.float32)[:, None, None]) / np.array([0.2, 0.25, 0.5],
                                                                                        np.float32)[:, None, None]
    np.testing.assert_allclose(norm(batch), expected, rtol=1e-6)
    x = T_(batch[0], requires_grad=True)
    out = norm(x)
    assert isinstance(out, T_) and out.dtype == np.float32
    np.testing.assert_allclose(out.data, expected[0], rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data[:, 0, 0], [5.0, 4.0, 2.0], rtol=1e-6)
    same = batch.copy()
    assert T.Normalize([0.5] * 3, [0.2] * 3, inplace=True)(same) is same
    with pytest.raises(ValueError, match="mean and std need 1 or 3 values"):
        T.Normalize([0.5, 0.5], [1, 1])(batch)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize([0.5], [0.0])


def test_random_crop_with_padding_draws_each_image_its_own_window():
    from nn.data import transforms as T
    from autograd import Tensor as T_
    batch = np.arange(64 * 1 * 6 * 6, dtype=np.float32).reshape(64, 1, 6, 6)
    crop = T.RandomCrop(6, padding=2, generator=np.random.default_rng(0))
    out = crop(T_(batch))
    assert isinstance(out, T_) and out.shape == batch.shape
    padded = np.pad(batch, ((0, 0), (0, 0), (2, 2), (2, 2)))
    offsets = set()
    for n in range(64):
        found = [(i, j) for i in range(5) for j in range(5)
                 if np.array_equal(padded[n, :, i:i + 6, j:j + 6], out.data[n])]
        assert found
        offsets.add(found[0])
    assert len(offsets) > 10                                          # not one window for the batch
    again = T.RandomCrop(6, padding=2, generator=np.random.default_rng(0))(T_(batch))
    np.testing.assert_array_equal(again.data, out.data)
    small = T.RandomCrop((3, 4))(batch[0])
    assert small.shape == (1, 3, 4) and isinstance(small, np.ndarray)
    edge = T.RandomCrop(8, padding=1, padding_mode="edge")(batch[0])
    assert edge.shape == (1, 8, 8) and edge[0, 0, 0] == batch[0, 0, 0, 0]
    assert T.RandomCrop(8, pad_if_needed=True)(batch[0]).shape == (1, 8, 8)
    with pytest.raises(ValueError, match=r"required crop size \(7, 7\) is larger than the \(padded\) image size"):
        T.RandomCrop(7)(batch)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        T.RandomCrop(3, padding_mode="wrap")


def test_random_horizontal_flip_and_compose():
    from nn.data import transforms as T
    batch = np.random.default_rng(0).random((200, 2, 3, 4)).astype(np.float32)
    out = T.RandomHorizontalFlip(p=0.5, generator=np.random.default_rng(1))(batch)
    flipped = [np.array_equal(o, b[..., ::-1]) for o, b in zip(out, batch)]
    kept = [np.array_equal(o, b) for o, b in zip(out, batch)]
    assert all(f or k for f, k in zip(flipped, kept)) and 70 < sum(flipped) < 130
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(batch[0]), batch[0][..., ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(batch), batch)
    pipeline = T.Compose([T.ToTensor(), T.Normalize([0.5], [0.5]), T.Lambda(lambda x: x * 2)])
    out = pipeline(np.full((2, 2), 255, np.uint8))
    np.testing.assert_allclose(out.data, np.full((1, 2, 2), 2.0))
    assert "Normalize" in repr(pipeline)
    with pytest.raises(ValueError, match="p must be a probability"):
        T.RandomHorizontalFlip(p=2)
    with pytest.raises(TypeError, match="Compose: transform 1 is a int"):
        T.Compose([T.ToTensor(), 3])


class RandomlyCropped:
    """Each sample a random 1x1 crop of a 4x4 ramp: its value says which window was drawn."""

    def __len__(self):
        return 16

    def __getitem__(self, i):
        from nn.data import transforms as T
        return T.RandomCrop(1)(np.arange(16, dtype=np.float32).reshape(1, 4, 4))


def test_transforms_in_workers_are_seeded_per_worker_and_reproducible():
    import nn

    def epoch():
        nn.manual_seed(3)
        loader = data.DataLoader(RandomlyCropped(), batch_size=8, num_workers=2, timeout=20)
        return [batch.data.reshape(-1).tolist() for batch in loader]
    first = epoch()
    assert first == epoch()                         # nn.manual_seed replays the workers' draws
    assert first[0] != first[1]                     # the two workers draw different streams
