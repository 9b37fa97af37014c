"""CIFAR-10 from its python pickle batches, read through a restricted unpickler.

A pickle is a program: ``pickle.load`` calls whatever global the file names, e.g.
``os.system``. A downloaded data set is untrusted input, so batches are read by an
unpickler that resolves only the few NumPy globals an array needs.
"""

import codecs
import pickle
from pathlib import Path

import numpy as np

try:  # NumPy >= 2
    from numpy._core import multiarray as _multiarray, numeric as _numeric
except ImportError:  # NumPy 1.x
    from numpy.core import multiarray as _multiarray, numeric as _numeric

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)
CIFAR10_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST_FILE = "test_batch"
_SUBFOLDER = "cifar-10-batches-py"

# A real batch is a dict of lists, bytes and uint8 arrays. Its pickle calls exactly these
# globals (NumPy 1.x and 2.x names, pickle protocols 2 to 5), each wrapped to take only the
# arguments such a pickle gives it: an array is created empty and filled from bytes that
# are in the file (so a 240-byte file can't declare 400,000 images and have them
# allocated), and protocol 2's bytes come through _codecs.encode(str, 'latin1') (any other
# codec would import a module the file names). np.ndarray itself is only a token passed to
# _reconstruct: calling it would allocate an array of any shape.


class _NdarrayToken:
    """Stands for numpy.ndarray inside a pickle: an argument of _reconstruct, never called."""

    def __call__(self, *args):
        raise pickle.UnpicklingError(f"refused numpy.ndarray{args!r}: it would allocate an array "
                                     "the file doesn't hold")

    def __repr__(self):
        return "numpy.ndarray"


_NDARRAY = _NdarrayToken()


def _reconstruct(subtype, shape, dtype):
    if subtype is not _NDARRAY or tuple(shape) != (0,):
        raise pickle.UnpicklingError(
            f"refused _reconstruct({subtype!r}, {shape!r}): NumPy pickles create an empty "
            "ndarray and fill it from the file's bytes")
    return _multiarray._reconstruct(np.ndarray, (0,), dtype)


def _frombuffer(buffer, dtype, shape, order):
    if not isinstance(buffer, (bytes, bytearray, pickle.PickleBuffer)):
        raise pickle.UnpicklingError(f"refused _frombuffer of a {type(buffer).__name__}")
    return _numeric._frombuffer(buffer, dtype, shape, order)


def _encode(text, encoding="utf-8", errors="strict"):
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1") or errors != "strict":
        raise pickle.UnpicklingError(
            f"refused _codecs.encode(..., {encoding!r}): protocol-2 bytes use only 'latin1'")
    return codecs.encode(text, "latin1")


def _dtype(name, align=False, copy=True):
    if not isinstance(name, (str, bytes)):
        raise pickle.UnpicklingError(f"refused numpy.dtype({name!r})")
    return np.dtype(name.decode("ascii") if isinstance(name, bytes) else name, align, copy)


_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _dtype,
    ("_codecs", "encode"): _encode,
}
# Real batches are about 31 MB; a larger file is refused before it is read.
MAX_BATCH_BYTES = 1 << 28

# What a malformed pickle can raise, from the pickle machine or the allowed callables.
_UNPICKLING_ERRORS = (pickle.UnpicklingError, EOFError, ValueError, TypeError, OverflowError,
                      AttributeError, IndexError, KeyError)


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals in ``_ALLOWED_GLOBALS``."""

    def __init__(self, file):
        super().__init__(file, encoding="bytes")  # CIFAR-10 was pickled by Python 2

    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[module, name]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refused global '{module}.{name}' (a CIFAR-10 batch holds only NumPy "
                "arrays, lists and bytes; this file is corrupt or malicious)"
            ) from None


def load_cifar10(root):
    """Return ``(X_train, y_train, X_test, y_test)`` from the CIFAR-10 python batches.

    ``root`` is the folder holding ``data_batch_1..5`` and ``test_batch``, or its parent
    holding ``cifar-10-batches-py/``. X is float32 (N, 3, 32, 32) scaled to [0, 1]; y is
    int64 in 0..9.
    """
    (train_rows, y_train), (test_rows, y_test) = read_cifar10(root)
    return _scaled(train_rows), y_train, _scaled(test_rows), y_test


def read_cifar10(root):
    """Return ``((train_rows, y_train), (test_rows, y_test))``: the batches' uint8 (N, 3072) rows
    (channel-major: 1024 red, 1024 green, 1024 blue values) and int64 labels, unscaled."""
    folder = _find_batches(Path(root))
    train = [read_cifar10_batch(folder / name) for name in CIFAR10_TRAIN_FILES]
    return ((np.concatenate([rows for rows, _ in train]), np.concatenate([y for _, y in train])),
            read_cifar10_batch(folder / CIFAR10_TEST_FILE))


def load_cifar10_batch(path, max_bytes=MAX_BATCH_BYTES):
    """Return ``(X, y)`` from one CIFAR-10 batch file (X float32 (N, 3, 32, 32) in [0, 1]);
    ValueError naming the file if it is malformed."""
    rows, labels = read_cifar10_batch(path, max_bytes)
    return _scaled(rows), labels


def _scaled(rows):
    X = rows.reshape(-1, 3, 32, 32).astype(np.float32)
    X /= 255
    return X


def read_cifar10_batch(path, max_bytes=MAX_BATCH_BYTES):
    """Return ``(rows, y)``, uint8 (N, 3072) and int64, from one CIFAR-10 batch file;
    ValueError naming it if malformed.

    A file larger than ``max_bytes`` is refused before it is read.
    """
    path = Path(path)
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise ValueError(f"{path}: {size} bytes, more than the limit of {max_bytes} bytes for a "
                         "CIFAR-10 batch (about 31 MB each); raise max_bytes= if it is trusted")
    try:
        with open(path, "rb") as file:
            batch = RestrictedUnpickler(file).load()
    except _UNPICKLING_ERRORS as error:
        raise ValueError(f"{path}: cannot unpickle: {error}") from None
    return _parse_batch(batch, path)


def _parse_batch(batch, path):
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: expected a dict, got {type(batch).__name__}")
    batch = {key.decode() if isinstance(key, bytes) else key: value
             for key, value in batch.items()}
    for key in ("data", "labels"):
        if key not in batch:
            raise ValueError(f"{path}: missing key '{key}'")
    data = batch["data"]
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8
            and data.ndim == 2 and data.shape[1] == 3072):
        raise ValueError(f"{path}: 'data' must be a uint8 array of shape (N, 3072), "
                         f"got {_describe(data)}")
    labels = batch["labels"]
    if not (isinstance(labels, (list, np.ndarray))
            and all(isinstance(label, (int, np.integer)) for label in labels)
            and np.ndim(labels) == 1 and len(labels) == len(data)):
        raise ValueError(f"{path}: 'labels' must be {len(data)} integers, got {_describe(labels)}")
    labels = [int(label) for label in labels]         # Python ints: 2**70 can't overflow
    if labels and (min(labels) < 0 or max(labels) >= len(CIFAR10_CLASSES)):
        raise ValueError(f"{path}: labels must lie in 0..9, found {min(labels)}..{max(labels)}")
    return data, np.array(labels, dtype=np.int64)


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"a {type(value).__name__}"


def _find_batches(root):
    names = CIFAR10_TRAIN_FILES + (CIFAR10_TEST_FILE,)
    for folder in (root, root / _SUBFOLDER):
        if all((folder / name).is_file() for name in names):
            return folder
    # report the folder the user evidently meant: the subfolder when it exists
    folder = root / _SUBFOLDER if (root / _SUBFOLDER).is_dir() else root
    missing = [name for name in names if not (folder / name).is_file()]
    raise FileNotFoundError(
        f"CIFAR-10 not found in {root} or {root / _SUBFOLDER} "
        f"(missing from {folder}: {', '.join(missing)}). "
        "Download 'CIFAR-10 python version' (cifar-10-python.tar.gz) from "
        "https://www.cs.toronto.edu/~kriz/cifar.html, extract it, and pass the folder as root."
    )
