"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number (two zero bytes, a dtype code, the number of
dimensions), one big-endian uint32 per dimension, then the values, big-endian, in C
order. Files ending in ``.gz`` are gzip-compressed.
"""

import gzip
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


def read_idx(path):
    """Return the array stored in the IDX file ``path`` (native byte order, writable).

    Raises ValueError naming the file when it is not valid gzip, is truncated, or its
    header disagrees with its length.
    """
    path = Path(path)
    return parse_idx(_read_bytes(path), path)


def parse_idx(raw, path="<bytes>"):
    """Return the array encoded by the IDX bytes ``raw``; ``path`` names it in errors."""
    if len(raw) < 4:
        raise ValueError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    zero, code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0:
        raise ValueError(f"{path}: bad IDX magic number 0x{raw[:4].hex()} (must start with 0x0000)")
    if code not in IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX dtype code 0x{code:02x}")
    if ndim == 0:
        raise ValueError(f"{path}: IDX header declares 0 dimensions")
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, need {header_size})")
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header_size
    if found != expected:
        raise ValueError(
            f"{path}: IDX header declares shape {shape} ({expected} bytes of data) "
            f"but the file holds {found} bytes of data"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


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


def _read_bytes(path):
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as file:
            return file.read()
    except EOFError:
        raise ValueError(f"{path}: truncated gzip file (ends before the end of its data)") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(f"{path}: not a valid gzip file ({error})") from None
