"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number (two zero bytes, a dtype code, the number of
dimensions), one big-endian uint32 per dimension, then the values, big-endian, in C
order. Files ending in ``.gz`` are gzip-compressed.
"""

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_IDX_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}


# Limits on what an untrusted file may make read_idx allocate, checked from the header
# before any data is read. Fashion-MNIST's largest file declares 47 MB and compresses
# 1.8:1 (MNIST 4.7:1); gzip can reach about 1000:1, which is how a 4.6 MB file claims 1 GB.
MAX_BYTES = 1 << 31           # declared data of one file
MAX_GZIP_RATIO = 100          # declared data / compressed file size, for .gz files...
GZIP_RATIO_FREE = 1 << 20     # ...above this many declared bytes (small files compress freely)
_CHUNK = 1 << 20


def read_idx(path, max_bytes=MAX_BYTES, max_gzip_ratio=MAX_GZIP_RATIO):
    """Return the array stored in the IDX file ``path`` (native byte order, writable).

    Raises ValueError naming the file when it is not valid gzip, is truncated, or its
    header disagrees with its length, and, before allocating anything, when the header
    declares more than ``max_bytes`` of data or (for ``.gz``) more than
    ``max_gzip_ratio`` times the compressed size (a decompression bomb).
    """
    path = Path(path)
    compressed = path.suffix == ".gz"
    file_size = path.stat().st_size
    try:
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as file:
            header = file.read(4)
            shape, dtype = _parse_header(header, path, lambda n: header + file.read(n - 4))
            declared = math.prod(shape) * dtype.itemsize      # Python ints: no overflow
            header_size = 4 + 4 * len(shape)
            _check_plausible(path, shape, declared, file_size, compressed, max_bytes,
                             max_gzip_ratio)
            if not compressed and file_size - header_size != declared:
                raise ValueError(_length_message(path, shape, declared, file_size - header_size))
            raw = file.read(declared)
            if len(raw) != declared:
                raise ValueError(_length_message(path, shape, declared, len(raw)))
            extra = _count_rest(file)
            if extra:
                raise ValueError(_length_message(path, shape, declared, declared + extra))
    except EOFError:
        raise ValueError(f"{path}: truncated gzip file (ends before the end of its data)") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(f"{path}: not a valid gzip file ({error})") from None
    data = np.frombuffer(raw, dtype=dtype).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def parse_idx(raw, path="<bytes>"):
    """Return the array encoded by the IDX bytes ``raw``; ``path`` names it in errors."""
    shape, dtype = _parse_header(raw[:4], path, lambda n: raw[:n])
    header_size = 4 + 4 * len(shape)
    expected = math.prod(shape) * dtype.itemsize
    if len(raw) - header_size != expected:
        raise ValueError(_length_message(path, shape, expected, len(raw) - header_size))
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _parse_header(magic, path, read_header):
    """(shape, dtype) from the 4-byte magic; ``read_header(n)`` gives the first n bytes."""
    if len(magic) < 4:
        raise ValueError(f"{path}: too short for an IDX header ({len(magic)} bytes)")
    zero, code, ndim = struct.unpack(">HBB", magic)
    if zero != 0:
        raise ValueError(f"{path}: bad IDX magic number 0x{magic.hex()} (must start with 0x0000)")
    if code not in IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX dtype code 0x{code:02x}")
    if ndim == 0:
        raise ValueError(f"{path}: IDX header declares 0 dimensions")
    header_size = 4 + 4 * ndim
    header = read_header(header_size)
    if len(header) < header_size:
        raise ValueError(f"{path}: truncated IDX header ({len(header)} bytes, need {header_size})")
    return struct.unpack(f">{ndim}I", header[4:header_size]), IDX_DTYPES[code]


def _check_plausible(path, shape, declared, file_size, compressed, max_bytes, max_gzip_ratio):
    if max_bytes is not None and declared > max_bytes:
        raise ValueError(f"{path}: IDX header declares shape {shape} ({declared} bytes of data), "
                         f"more than the limit of {max_bytes} bytes (max_bytes=)")
    if (compressed and max_gzip_ratio is not None and declared > GZIP_RATIO_FREE
            and declared > max_gzip_ratio * file_size):
        raise ValueError(f"{path}: IDX header declares shape {shape} ({declared} bytes of data) "
                         f"from a {file_size}-byte gzip file, more than {max_gzip_ratio} times its "
                         "size: implausible for real data (a decompression bomb?); "
                         "raise max_gzip_ratio= if the file is trusted")


def _length_message(path, shape, expected, found):
    return (f"{path}: IDX header declares shape {shape} ({expected} bytes of data) "
            f"but the file holds {found} bytes of data")


def _count_rest(file, limit=16 * _CHUNK):
    """Bytes left after the data (counted up to ``limit``, in chunks, never all held)."""
    count = 0
    while count < limit:
        chunk = file.read(_CHUNK)
        if not chunk:
            break
        count += len(chunk)
    return count


def write_idx(path, array):
    """Write ``array`` to ``path`` as IDX, gzip-compressed if the name ends in ``.gz``.

    Compressed output is byte-for-byte reproducible (no timestamp or name in the header).
    """
    array = np.ascontiguousarray(array)
    code = _IDX_CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"{path}: dtype {array.dtype} has no IDX code")
    header = struct.pack(f">HBB{array.ndim}I", 0, code, array.ndim, *array.shape)
    raw = header + array.astype(IDX_DTYPES[code]).tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        with open(path, "wb") as file, gzip.GzipFile("", "wb", 9, file, mtime=0) as gz:
            gz.write(raw)
    else:
        path.write_bytes(raw)
