"""nn.save / nn.load: checkpoints as `.npz` archives, never pickles.

What can be saved: a dict of str -> array (a state_dict: ndarrays, Tensors, numbers,
strings such as a JSON text),
or a dict whose values are such dicts, one level deep, e.g.
    nn.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)
Nested entries are stored as "<outer>/<inner>" and the names of the nested dicts in the
entry "__nested__", so `nn.load` gives back the same structure (numbers come back as
0-d arrays). The path is used exactly as given (no ".npz" is appended).

Crash safety (as git and database engines write files): the archive is written to a new
file in the same folder, named ``<name>.nn-save-<random>.tmp`` so that a user who sees
one knows what left it, created exclusively (never through an existing name or a
planted symlink), fsynced, then moved over ``path`` with os.replace and the folder
fsynced. A crash at any point leaves the previous ``path`` intact. The writer holds an
flock on its temp file while writing; the next save into the folder removes temp files
that no live writer holds (the kernel drops the lock of a killed process), so crashed
saves don't accumulate. An existing ``path`` keeps its permission bits; a new one gets
the ordinary 0666 & ~umask.

Untrusted files: `load` reads only what `save` writes (uncompressed `.npy` members with
a numeric or string dtype and a header that matches the member's size), so a file can't
make it allocate more memory than the file's own size; anything else is a ValueError
naming the file and what is wrong.
"""
import errno
import math
import os
import secrets
import stat
import zipfile

import numpy as np

try:
    import fcntl
except ImportError:     # no flock (Windows): temp files are not locked, nor cleaned up
    fcntl = None

from autograd.backend import to_numpy

from .module import _raw

__all__ = ["save", "load", "write_atomic", "remove_stale_temp_files"]

SEPARATOR = "/"
_NESTED_KEY = "__nested__"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")    # a zip's first member, or an empty zip
_TEMP_INFIX, _TEMP_SUFFIX = ".nn-save-", ".tmp"
_MEMBER_SUFFIX = ".npy"

def _to_array(key, value):
    array = np.asarray(to_numpy(_raw(value)))
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


# ----------------------------------------------------------------------------- saving

def save(obj, path):
    """Write `obj` (see the module docstring) to `path` atomically, as an uncompressed .npz.

    An OSError (missing or read-only folder, full disk, ...) names `path`, never the
    temporary file, and keeps the errno of the cause.
    """
    arrays = _flatten(obj)

    def write(f):
        # np.savez's keyword interface can't take keys such as "file"; write the members directly.
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for key, array in arrays.items():
                with archive.open(key + _MEMBER_SUFFIX, "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)

    _write_atomically(path, write, "nn.save")


def write_atomic(path, data):
    """Write ``data`` (bytes, or str as UTF-8) to ``path`` the way `save` writes a checkpoint:
    a locked, recognisable temp file beside it, fsync, os.replace; existing permissions
    kept, stale temp files of crashed writers removed, errors naming ``path``. For the
    other files of a run (metrics.json, pictures)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"write_atomic: data must be bytes or str, got {type(data).__name__}")
    _write_atomically(path, lambda f: f.write(data), "write_atomic")


def _write_atomically(path, write, caller):
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, f"{caller}: cannot write {path!r}: the folder {folder!r} "
                                "does not exist (create it first, e.g. os.makedirs)")
    try:
        remove_stale_temp_files(folder)
        fd, tmp = _create_temp(folder, os.path.basename(path))
    except OSError as error:
        raise _write_error(caller, path, error) from error
    try:
        with os.fdopen(fd, "wb") as f:     # owns fd from here, so it is closed on any error
            mode = _existing_mode(path)
            if mode is not None:           # keep a checkpoint's permissions (0600 stays 0600)
                os.fchmod(fd, mode)
            write(f)
            f.flush()
            os.fsync(f.fileno())
            os.replace(tmp, path)          # while still locked: no cleaner can take tmp first
        _fsync_folder(folder)
    except BaseException as error:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        if isinstance(error, OSError):
            raise _write_error(caller, path, error) from error
        raise


def remove_stale_temp_files(folder):
    """Delete the temp files that crashed `save` calls left in ``folder``; return their names.

    A temp file is stale when no process holds its lock: a writer locks its temp file
    from creation to rename, and the kernel releases the lock when the writer dies, even
    by SIGKILL. Only regular files with save's temp-name pattern are touched, and never
    through a symlink.
    """
    removed = []
    if fcntl is None:
        return removed
    for name in os.listdir(folder):
        if _TEMP_INFIX not in name or not name.endswith(_TEMP_SUFFIX):
            continue
        candidate = os.path.join(folder, name)
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:         # gone already, a symlink, or unreadable: not ours to remove
            continue
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:             # a live writer holds it
                continue
            current = os.lstat(candidate)
            if (current.st_dev, current.st_ino) == (info.st_dev, info.st_ino):
                os.unlink(candidate)
                removed.append(name)
        except FileNotFoundError:
            continue
        finally:
            os.close(fd)
    return removed


def _create_temp(folder, basename):
    """A new, locked temp file beside the target: (fd, path). Like mkstemp (O_EXCL, so
    never an existing name or a symlink), but with mode 0666 & ~umask from the kernel."""
    flags = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_CLOEXEC", 0))
    for _ in range(100):
        tmp = os.path.join(folder, f"{basename}{_TEMP_INFIX}{secrets.token_hex(4)}{_TEMP_SUFFIX}")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            # a concurrent cleaner may have removed it before we locked it: then try again
            same = os.lstat(tmp).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            return fd, tmp
        os.close(fd)
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", folder)


def _existing_mode(path):
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


def _fsync_folder(folder):
    """Make the rename itself durable (as git and SQLite do); some file systems can't."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_CAUSES = {
    errno.EACCES: "permission denied (the folder is read-only or belongs to someone else)",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device (the disk is full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "the file would exceed the maximum file size (a size limit or a full disk)",
    errno.ENOENT: "the folder disappeared during the save",
}


def _write_error(caller, path, error):
    """The OSError to show: the user's path and the cause, with the original errno."""
    if str(error).startswith(f"{caller}:") or f"] {caller}:" in str(error):
        return error
    cause = _CAUSES.get(error.errno) or error.strerror or str(error)
    message = f"{caller}: cannot write {path!r}: {cause}; the previous file, if any, is unchanged"
    # OSError(errno, message) picks the subclass (PermissionError, ...) from the errno
    return OSError(error.errno, message) if error.errno is not None else type(error)(message)


# ---------------------------------------------------------------------------- loading

def load(path):
    """Read a checkpoint written by `save`; every array is read (and checked) before returning.

    Raises FileNotFoundError for a missing file and ValueError naming the file for
    anything `save` does not write: another format, a plain zip, compressed or odd
    members, headers that declare more data than the member holds, pickled objects.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, f"nn.load: no such checkpoint file: {path!r}")
    if not os.path.isfile(path):
        raise ValueError(f"nn.load: {path!r} is not a regular file")
    with open(path, "rb") as file:
        magic = file.read(4)
    # np.load would guess the format and, for anything else, advise allow_pickle=True
    if magic not in _ZIP_MAGIC:
        raise ValueError(f"nn.load: {path!r} is not an .npz (zip) archive: it is corrupt, "
                         "truncated or of another format")
    try:
        arrays = _read_members(path)
    except _CheckpointFormatError as error:
        raise ValueError(f"nn.load: {path!r} is not a checkpoint written by nn.save: {error}") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, NotImplementedError) as error:
        raise ValueError(f"nn.load: {path!r} is not a valid .npz checkpoint (corrupt, truncated or "
                         f"of another format): {error}") from None
    return _unflatten(path, arrays)


class _CheckpointFormatError(Exception):
    """A readable zip whose content nn.save would never write."""


def _read_members(path):
    file_size = os.path.getsize(path)
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if sum(info.compress_size for info in infos) > file_size:
            raise _CheckpointFormatError("its members declare more bytes than the file holds")
        for info in infos:
            key = _member_key(info)
            if key in arrays:
                raise _CheckpointFormatError(f"the member {info.filename!r} appears twice")
            with archive.open(info) as member:
                arrays[key] = _read_array(member, info)
    return arrays


def _member_key(info):
    name = info.filename
    if info.is_dir() or not name.endswith(_MEMBER_SUFFIX) or len(name) == len(_MEMBER_SUFFIX):
        raise _CheckpointFormatError(f"the member {name!r} is not an .npy array")
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        raise _CheckpointFormatError(f"the member {name!r} is compressed or encrypted "
                                     "(nn.save stores members uncompressed)")
    if info.file_size != info.compress_size:
        raise _CheckpointFormatError(f"the member {name!r} declares {info.file_size} bytes "
                                     f"but stores {info.compress_size}")
    return name[:-len(_MEMBER_SUFFIX)]


def _read_array(member, info):
    """One .npy member, after checking its header against the member's size, so a small
    file can't declare (and make us allocate) a huge array."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
    elif version in ((2, 0), (3, 0)):
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise ValueError(f"member {info.filename!r}: unsupported .npy version {version}")
    if dtype.hasobject:
        raise ValueError(f"member {info.filename!r} holds a pickled object array, which "
                         "nn.load never reads")
    declared = math.prod(shape) * dtype.itemsize       # Python ints: no overflow
    available = info.file_size - member.tell()
    if declared != available:
        raise ValueError(f"member {info.filename!r}: its header declares shape {shape} of "
                         f"{dtype} ({declared} bytes) but the member holds {available} bytes")
    data = member.read(declared)
    if len(data) != declared:
        raise ValueError(f"member {info.filename!r} is truncated")
    array = np.frombuffer(data, dtype=dtype).copy()     # writable, owns its memory
    return array.reshape(shape[::-1]).transpose() if fortran_order else array.reshape(shape)


def _unflatten(path, arrays):
    nested = arrays.pop(_NESTED_KEY, None)
    names = []
    if nested is not None:
        if nested.ndim != 1 or nested.dtype.kind != "U":
            raise ValueError(f"nn.load: {path!r} is not a checkpoint written by nn.save: "
                             f"its {_NESTED_KEY!r} entry is not a list of names")
        names = nested.tolist()
        bad = [name for name in names if not name or SEPARATOR in name]
        if bad or len(set(names)) != len(names):
            raise ValueError(f"nn.load: {path!r} is not a checkpoint written by nn.save: "
                             f"its {_NESTED_KEY!r} entry holds odd names {names!r}")
    out = {name: {} for name in names}
    for key, array in arrays.items():
        outer, sep, inner = key.partition(SEPARATOR)
        if sep and outer in out:
            out[outer][inner] = array
        elif key in out:
            raise ValueError(f"nn.load: {path!r} is not a checkpoint written by nn.save: "
                             f"the entry {key!r} clashes with the nested dict of that name")
        else:
            out[key] = array
    return out
