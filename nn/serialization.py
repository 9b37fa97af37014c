"""nn.save / nn.load: checkpoints as `.npz` archives, never pickles.

What can be saved: a dict of str -> array (a state_dict: ndarrays, Tensors, numbers,
strings such as a JSON text),
or a dict whose values are such dicts, one level deep, e.g.
    nn.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)
Nested entries are stored as "<outer>/<inner>" and the names of the nested dicts in the
entry "__nested__", so `nn.load` gives back the same structure (numbers come back as
0-d arrays). The file is written to a temporary file in the same folder and moved into
place with os.replace, so a crash mid-write leaves any previous checkpoint intact. The
path is used exactly as given (no ".npz" is appended).
"""
import os
import tempfile
import zipfile

import numpy as np

from .module import _raw

__all__ = ["save", "load"]

SEPARATOR = "/"
_NESTED_KEY = "__nested__"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")    # a zip's first member, or an empty zip


def _to_array(key, value):
    array = np.asarray(_raw(value))
    if array.dtype == object:
        raise TypeError(f"nn.save: entry {key!r} ({type(value).__name__}) is not an array of "
                        "numbers or strings; only arrays, Tensors, numbers and strings can be saved (no pickling)")
    return array


def _flatten(obj):
    if not isinstance(obj, dict):
        raise TypeError(f"nn.save: expected a dict of str -> array (e.g. a state_dict), got {type(obj).__name__}")
    arrays, nested = {}, []
    for key, value in obj.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"nn.save: keys must be non-empty str, got {key!r}")
        if key == _NESTED_KEY:
            raise ValueError(f"nn.save: the key {_NESTED_KEY!r} is reserved")
        if isinstance(value, dict):
            if SEPARATOR in key:
                raise ValueError(f"nn.save: the name of a nested dict can't contain {SEPARATOR!r}: {key!r}")
            nested.append(key)
            for inner, item in value.items():
                if not isinstance(inner, str) or not inner:
                    raise TypeError(f"nn.save: keys must be non-empty str, got {inner!r} in {key!r}")
                if isinstance(item, dict):
                    raise TypeError(f"nn.save: {key!r}/{inner!r} is nested more than one level deep")
                arrays[key + SEPARATOR + inner] = _to_array(f"{key}{SEPARATOR}{inner}", item)
        else:
            arrays[key] = _to_array(key, value)
    for key in obj:     # a flat "outer/inner" key would be read back into the nested dict "outer"
        if not isinstance(obj[key], dict) and key.split(SEPARATOR, 1)[0] in nested:
            raise ValueError(f"nn.save: key {key!r} clashes with the nested dict {key.split(SEPARATOR, 1)[0]!r}")
    if nested:
        arrays[_NESTED_KEY] = np.array(nested)
    return arrays


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save(obj, path):
    """Write `obj` (see the module docstring) to `path` atomically, as an uncompressed .npz."""
    arrays = _flatten(obj)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"nn.save: cannot write {path!r}: the folder {folder!r} does not "
                                "exist (create it first, e.g. os.makedirs)")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:     # owns fd from here, so it is closed on any error
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a checkpoint is an ordinary file
            # np.savez's keyword interface can't take keys such as "file"; write the members directly.
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                for key, array in arrays.items():
                    with archive.open(key + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path):
    """Read a checkpoint written by `save`; every array is read (and checked) before returning."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"nn.load: no such checkpoint file: {path!r}")
    with open(path, "rb") as file:
        magic = file.read(4)
    # np.load would guess the format and, for anything else, advise allow_pickle=True
    if magic not in _ZIP_MAGIC:
        raise ValueError(f"nn.load: {path!r} is not an .npz (zip) archive: it is corrupt, "
                         "truncated or of another format")
    try:
        archive = np.load(path, allow_pickle=False)
        with archive:
            arrays = {key: archive[key] for key in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as error:
        reason = str(error)
        if "allow_pickle" in reason:    # NumPy's advice to unpickle is not ours to give
            reason = "it holds a pickled object array, which nn.load never reads"
        raise ValueError(f"nn.load: {path!r} is not a valid .npz checkpoint (corrupt, truncated or "
                         f"of another format): {reason}") from None
    nested = arrays.pop(_NESTED_KEY, np.array([], dtype=str)).tolist()
    out = {name: {} for name in nested}
    for key, array in arrays.items():
        outer, sep, inner = key.partition(SEPARATOR)
        if sep and outer in out:
            out[outer][inner] = array
        else:
            out[key] = array
    return out
