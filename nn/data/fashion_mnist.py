"""Fashion-MNIST: finding, downloading and loading the IDX files, and the embedded subset.

Folders searched, in order: an explicit ``root`` (then nothing else), ``$DYNGRAD_DATA``,
``/usr/share/datasets/fashion-mnist`` (Debian package ``dataset-fashion-mnist``), and
the user cache ``$XDG_CACHE_HOME/dyngrad/fashion-mnist`` (default ``~/.cache/...``).
A folder counts when it holds all four files, directly or in a ``fashion-mnist/``
subfolder.
"""

import errno
import hashlib
import http.client
import os
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from .idx import read_idx

try:
    import fcntl
except ImportError:     # no flock (Windows): concurrent downloads are not kept apart
    fcntl = None

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# Published MD5 sums of the .gz files at FASHION_MNIST_URL, checked on download. Debian's
# copies differ only in the gzip header (file name and time stripped; restoring them
# reproduces these sums), so files found locally are checked by structure instead.
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
EMBEDDED_DIR = Path(__file__).resolve().parent.parent / "embedded"
ENV_VAR = "DYNGRAD_DATA"


def fashion_mnist_cache_dir():
    """Return the user cache folder that downloads go to."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dyngrad" / "fashion-mnist"


def fashion_mnist_source(root=None):
    """Return the folder the full Fashion-MNIST is read from.

    Raises FileNotFoundError, listing the folders searched and how to fix it, when no
    folder holds all four files.
    """
    searched = _search_path(root)
    for folder in searched:
        for candidate in (folder, folder / "fashion-mnist"):
            if all((candidate / name).is_file() for name in FASHION_MNIST_MD5):
                return candidate
    if root is not None:
        raise FileNotFoundError(_root_message(Path(root)))
    raise FileNotFoundError(_not_found_message(searched))


def load_fashion_mnist(root=None, split="train", download=False):
    """Return ``(X, y)`` of the full Fashion-MNIST ``split`` ('train' or 'test').

    X is float32 of shape (N, 1, 28, 28) scaled to [0, 1]; y is int64 in 0..9. With
    ``download=True`` and no files found, fetch them into ``root`` (or the user cache)
    from FASHION_MNIST_URL, checked against the published MD5 sums.
    """
    _check_split(split)
    try:
        folder = fashion_mnist_source(root)
    except FileNotFoundError:
        if not download:
            raise
        folder = download_fashion_mnist(root)
    return _load_split(folder, split)


def load_fashion_mnist_subset(split="train"):
    """Return ``(X, y)`` of the embedded stratified subset (500 train / 100 test per class)."""
    _check_split(split)
    return _load_split(EMBEDDED_DIR, split)


def load_fashion_mnist_or_subset(root=None, split="train"):
    """Return ``(X, y, source)``: the full set when found, else the embedded subset.

    ``source`` says in words which one was loaded. An explicit ``root`` that lacks the
    files is an error rather than a silent fallback.
    """
    _check_split(split)
    try:
        folder = fashion_mnist_source(root)
    except FileNotFoundError:
        if root is not None:
            raise
        X, y = load_fashion_mnist_subset(split)
        return X, y, (
            f"Fashion-MNIST embedded subset ({len(X)} {split} images; full set not found: "
            "apt-get install dataset-fashion-mnist, set DYNGRAD_DATA, or download=True)"
        )
    X, y = _load_split(folder, split)
    return X, y, f"Fashion-MNIST full set ({len(X)} {split} images from {folder})"


DOWNLOAD_TIMEOUT = 30.0   # seconds to connect, and between any two received chunks
DOWNLOAD_RETRIES = 3      # further attempts after a timeout or a dropped connection
DOWNLOAD_BACKOFF = 1.0    # seconds before the first retry, doubled for each next one
_PART_SUFFIX = ".part"


def download_fashion_mnist(dest=None, base_url=None, timeout=DOWNLOAD_TIMEOUT,
                           retries=DOWNLOAD_RETRIES):
    """Fetch the four files missing from ``dest`` (default: the user cache); return ``dest``.

    Each file is fetched into ``<name>.part`` and renamed only after its MD5 matches the
    published sum, so a corrupt download is never used (its partial file is deleted). A
    connection that stalls for ``timeout`` seconds or drops is retried ``retries`` times
    with exponential backoff, resuming from the bytes already received (an HTTP Range
    request); when every attempt fails the partial file is kept, and the next call
    resumes from it. ``base_url`` defaults to FASHION_MNIST_URL (any urllib URL works,
    ``file://`` included).
    """
    dest = Path(dest) if dest is not None else fashion_mnist_cache_dir()
    base_url = base_url or FASHION_MNIST_URL
    dest.mkdir(parents=True, exist_ok=True)
    for name, md5 in FASHION_MNIST_MD5.items():
        if not (dest / name).is_file():
            _download_checked(base_url.rstrip("/") + "/" + name, dest / name, md5,
                              timeout, retries)
    return dest


def _download_checked(url, path, expected_md5, timeout, retries):
    part = path.with_name(path.name + _PART_SUFFIX)
    # never through a planted symlink; the lock keeps two downloads off one partial file
    fd = os.open(part, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0), 0o666)
    with os.fdopen(fd, "r+b") as out:
        try:
            if fcntl is not None:
                fcntl.flock(out, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OSError(errno.EBUSY, f"{part} is being downloaded by another process") from None
        finished = False
        try:
            _fetch_with_retries(url, out, part, timeout, retries)
            finished = True
        finally:
            if not finished and os.fstat(out.fileno()).st_size == 0:
                os.remove(part)             # nothing worth resuming
        out.seek(0)
        digest = hashlib.md5()
        for chunk in iter(lambda: out.read(1 << 20), b""):
            digest.update(chunk)
        if digest.hexdigest() != expected_md5:
            os.remove(part)
            raise ValueError(
                f"{url}: MD5 {digest.hexdigest()} does not match the published "
                f"{expected_md5}; the download is corrupt or not the official file"
            )
        os.fsync(out.fileno())
        os.replace(part, path)


def _fetch_with_retries(url, out, part, timeout, retries):
    """Append the rest of ``url`` to ``out``, resuming after failures."""
    for attempt in range(retries + 1):
        try:
            _fetch(url, out, timeout)
            return
        except Exception as error:                      # noqa: BLE001 (sorted just below)
            if not _transient(error):
                raise
            if attempt == retries:
                kept = os.fstat(out.fileno()).st_size
                raise TimeoutError(
                    errno.ETIMEDOUT,
                    f"{url}: download failed after {retries + 1} attempt{'s' if retries else ''} "
                    f"({_reason(error)}; "
                    f"timeout {timeout}s); {kept} bytes are kept in {part} "
                    "and the next download resumes from them") from error
            time.sleep(DOWNLOAD_BACKOFF * 2 ** attempt)


def _fetch(url, out, timeout):
    offset = out.seek(0, os.SEEK_END)
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                          timeout=timeout)
    except urllib.error.HTTPError as error:
        if offset and error.code == 416:    # nothing left to send: the MD5 check decides
            return
        raise
    with response:
        status = getattr(response, "status", None)
        if offset and not (status == 206 and _range_start(response) == offset):
            out.seek(0)                                 # the server sent the whole file
            out.truncate()
        expected = response.headers.get("Content-Length")
        received = 0
        for chunk in iter(lambda: response.read(1 << 16), b""):
            out.write(chunk)
            received += len(chunk)
        out.flush()
        # http.client ends a read at a dropped connection without an error: check the length
        if expected is not None and expected.isdigit() and received < int(expected):
            raise http.client.IncompleteRead(b"", int(expected) - received)


def _range_start(response):
    value = response.headers.get("Content-Range", "")     # "bytes 100-199/200"
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _transient(error):
    """Worth retrying: timeouts, dropped connections, a server's temporary failure."""
    if isinstance(error, urllib.error.HTTPError):
        return error.code in (408, 429) or error.code >= 500
    if isinstance(error, urllib.error.URLError):
        error = error.reason
    return isinstance(error, (TimeoutError, socket.timeout, ConnectionError, socket.gaierror,
                              http.client.IncompleteRead, http.client.RemoteDisconnected))


def _reason(error):
    if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
        error = error.reason
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _load_split(folder, split):
    images, labels = _read_split(folder, split)
    X = images[:, None].astype(np.float32)
    X /= 255
    return X, labels.astype(np.int64)


def _read_split(folder, split):
    """The checked uint8 images (N, 28, 28) and uint8 labels (N,) of one split."""
    images_name, labels_name = FASHION_MNIST_FILES[split]
    images_path, labels_path = folder / images_name, folder / labels_name
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"{images_path}: expected uint8 images of shape (N, 28, 28), "
                         f"got {images.dtype} {images.shape}")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(f"{labels_path}: expected a 1-D uint8 label array, "
                         f"got {labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{images_path} holds {len(images)} images but "
                         f"{labels_path} holds {len(labels)} labels")
    if labels.size and labels.max() >= len(FASHION_MNIST_CLASSES):
        raise ValueError(f"{labels_path}: label {labels.max()} is out of range 0..9")
    return images, labels


def _search_path(root):
    if root is not None:
        return [Path(root)]
    env = os.environ.get(ENV_VAR)
    return ([Path(env)] if env else []) + [SYSTEM_DIR, fashion_mnist_cache_dir()]


def _not_found_message(searched):
    folders = ", ".join(str(folder) for folder in searched)
    return (
        f"Fashion-MNIST not found (looked for {', '.join(FASHION_MNIST_MD5)} in: {folders}). "
        "To fix: `apt-get install dataset-fashion-mnist`, or set DYNGRAD_DATA to the "
        "folder holding the files, or pass root=..., or call with download=True."
    )


def _root_message(root):
    """What is wrong with an explicit ``root``: the search path and its advice don't apply."""
    if not root.exists():
        problem = "does not exist"
    elif not root.is_dir():
        problem = "is not a folder"
    else:
        missing = [name for name in FASHION_MNIST_MD5 if not (root / name).is_file()]
        problem = (f"has no {', '.join(missing)} (nor a fashion-mnist/ subfolder holding "
                   "all four files)")
    return f"Fashion-MNIST not found: {root} {problem}"


def _check_split(split):
    if split not in FASHION_MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
