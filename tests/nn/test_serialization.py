"""nn.save / nn.load: npz round trips, nesting, atomic writes, clear errors on bad files."""
import errno
import fcntl
import io
import os
import re
import resource
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn import serialization


def test_state_dict_roundtrip(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2, 3))
    path = tmp_path / "model.ckpt"
    nn.save(model.state_dict(), path)
    assert os.path.exists(path)                                # the path is used as given
    loaded = nn.load(path)
    assert list(loaded) == list(model.state_dict())
    other = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2, 3))
    other.load_state_dict(loaded)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[name], value)
        assert loaded[name].dtype == value.dtype
    with np.load(path, allow_pickle=False) as archive:        # a plain npz, readable without dyngrad
        assert "0.weight" in archive.files


def test_nested_checkpoint_and_awkward_keys(tmp_path):
    model = nn.Linear(2, 2)
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    obj = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
           "file": Tensor([1.0, 2.0]), "allow_pickle": np.arange(3), "a/b": np.zeros(1)}
    nn.save(obj, tmp_path / "ckpt.npz")
    loaded = nn.load(tmp_path / "ckpt.npz")
    assert set(loaded) == set(obj)
    assert set(loaded["model"]) == {"weight", "bias"}
    assert loaded["optimizer"]["param_groups.0.lr"] == 0.1
    assert int(loaded["epoch"]) == 3 and loaded["file"].dtype == np.float32
    np.testing.assert_array_equal(loaded["a/b"], np.zeros(1))


@pytest.mark.parametrize("obj, error, message", [
    ([1, 2], TypeError, "expected a dict"),
    ({1: np.ones(1)}, TypeError, "keys must be non-empty str"),
    ({"x": {"y": {"z": np.ones(1)}}}, TypeError, "more than one level deep"),
    ({"x": object()}, TypeError, "'x' .* not an array of numbers or strings"),
    ({"__nested__": np.ones(1)}, ValueError, "reserved"),
    ({"m": {"w": np.ones(1)}, "m/w": np.ones(1)}, ValueError, "clashes"),
])
def test_save_rejects_unsupported_objects(tmp_path, obj, error, message):
    with pytest.raises(error, match=message):
        nn.save(obj, tmp_path / "bad.npz")
    assert os.listdir(tmp_path) == []


def test_failed_write_leaves_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.ones(3)}, path)
    calls = []

    def crash(member, array, allow_pickle):
        calls.append(1)
        if len(calls) == 2:                                       # die half-way through the archive
            raise OSError("disk full")
        return original(member, array, allow_pickle=allow_pickle)

    original = np.lib.format.write_array
    monkeypatch.setattr(np.lib.format, "write_array", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"w": np.zeros(3), "v": np.zeros(2)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(nn.load(path)["w"], np.ones(3))
    assert os.listdir(tmp_path) == ["ckpt.npz"]                  # no temporary file left behind


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such checkpoint file: .*nothing.npz"):
        nn.load(tmp_path / "nothing.npz")


def test_corrupt_truncated_and_foreign_files(tmp_path):
    good = tmp_path / "good.npz"
    nn.save({"w": np.arange(1000.0)}, good)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a checkpoint at all")
    corrupted = tmp_path / "corrupted.npz"
    corrupted.write_bytes(data.replace(np.arange(1000.0)[500:510].tobytes(), b"\x00" * 80))
    single = tmp_path / "single.npy"
    np.save(single, np.ones(2))
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, x=np.array([{"a": 1}], dtype=object))
    for path in (truncated, corrupted, pickled):
        with pytest.raises(ValueError, match=f"{path.name}.* not a valid .npz checkpoint") as info:
            nn.load(path)
        assert "allow_pickle" not in str(info.value)
    assert "never reads" in str(info.value)
    for path in (garbage, single):
        with pytest.raises(ValueError, match=rf"{path.name}.* is not an .npz \(zip\) archive"):
            nn.load(path)


def test_save_into_a_missing_folder_names_path_and_folder(tmp_path):
    path = tmp_path / "no" / "such" / "ckpt.npz"
    with pytest.raises(FileNotFoundError, match=rf"cannot write .*ckpt.npz.*the folder "
                                                rf"'{tmp_path}/no/such' does not exist"):
        nn.save({"w": np.ones(2)}, path)


def test_save_closes_the_file_when_fchmod_fails(tmp_path, monkeypatch):
    nn.save({"w": np.ones(2)}, tmp_path / "ckpt.npz")      # an existing file's mode is copied
    opened = len(os.listdir("/proc/self/fd"))

    def fail(fd, mode):
        raise PermissionError("fchmod refused")

    monkeypatch.setattr(os, "fchmod", fail)
    with pytest.raises(PermissionError):
        nn.save({"w": np.ones(2)}, tmp_path / "ckpt.npz")
    assert len(os.listdir("/proc/self/fd")) == opened
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_zip_with_crc_error_detected(tmp_path):
    path = tmp_path / "crc.npz"
    nn.save({"w": np.zeros(64)}, path)
    raw = bytearray(path.read_bytes())
    offset = raw.index(b"\x00" * 64)
    raw[offset] = 1
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is not None                        # the archive really is damaged
    with pytest.raises(ValueError, match="crc.npz"):
        nn.load(path)


def test_checkpoint_gets_ordinary_file_permissions(tmp_path):
    path = tmp_path / "model.npz"
    previous = os.umask(0o022)
    try:
        nn.save({"w": np.ones(2)}, path)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


# ------------------------------------------------------------- crash safety and files

_CRASHING_SAVE = r"""
import sys, time
import numpy as np
import nn
original = np.lib.format.write_array
calls = []
def write_array(member, array, allow_pickle):
    calls.append(1)
    if len(calls) == 2:                  # half-way through the archive: wait to be killed
        print("writing", flush=True)
        time.sleep(60)
    return original(member, array, allow_pickle=allow_pickle)
np.lib.format.write_array = write_array
nn.save({"a": np.zeros(1 << 18), "b": np.zeros(1 << 18)}, sys.argv[1])
"""


def _kill_mid_save(path):
    process = subprocess.Popen([sys.executable, "-c", _CRASHING_SAVE, str(path)],
                               stdout=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready and process.stdout.readline() == "writing\n"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(30)
        process.stdout.close()


def _temp_files(folder):
    return sorted(name for name in os.listdir(folder) if name != "ckpt.npz")


def test_kill_9_mid_save_keeps_the_old_file_and_the_next_save_removes_the_temp(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.ones(3)}, path)
    _kill_mid_save(path)
    first = _temp_files(tmp_path)
    assert len(first) == 1 and re.fullmatch(r"ckpt\.npz\.nn-save-[0-9a-f]{8}\.tmp", first[0])
    _kill_mid_save(path)                # the second save removed the first one's temp file
    second = _temp_files(tmp_path)
    assert len(second) == 1 and second != first
    np.testing.assert_array_equal(nn.load(path)["w"], np.ones(3))
    nn.save({"w": np.zeros(3)}, path)
    assert _temp_files(tmp_path) == []
    np.testing.assert_array_equal(nn.load(path)["w"], np.zeros(3))


def test_cleanup_spares_a_live_writers_temp_and_symlinks(tmp_path):
    live = tmp_path / "other.npz.nn-save-0123abcd.tmp"
    live.write_bytes(b"in progress")
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    link = tmp_path / "x.npz.nn-save-fedcba98.tmp"
    link.symlink_to(victim)
    with open(live, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)               # as a save in another process does
        nn.save({"w": np.ones(1)}, tmp_path / "ckpt.npz")
        assert live.read_bytes() == b"in progress"
    assert link.is_symlink() and victim.read_bytes() == b"keep me"
    nn.save({"w": np.ones(1)}, tmp_path / "ckpt.npz")   # the writer is gone now
    assert not live.exists()


def test_save_never_writes_through_a_planted_symlink(tmp_path, monkeypatch):
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    (tmp_path / "ckpt.npz.nn-save-deadbeef.tmp").symlink_to(victim)
    names = iter(["deadbeef", "cafef00d"])
    monkeypatch.setattr(serialization.secrets, "token_hex", lambda n: next(names))
    monkeypatch.setattr(serialization, "remove_stale_temp_files", lambda folder: [])
    nn.save({"w": np.ones(2)}, tmp_path / "ckpt.npz")
    assert victim.read_bytes() == b"keep me"
    np.testing.assert_array_equal(nn.load(tmp_path / "ckpt.npz")["w"], np.ones(2))


def test_save_keeps_an_existing_files_permissions(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.ones(2)}, path)
    path.chmod(0o600)
    nn.save({"w": np.zeros(2)}, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_full_disk_error_names_the_users_path_and_the_cause(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.ones(2)}, path)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 16, hard))   # a disk that fills at 64 KiB
    try:
        with pytest.raises(OSError) as info:
            nn.save({"w": np.zeros(1 << 17)}, path)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert info.value.errno == errno.EFBIG
    message = str(info.value)
    assert f"cannot write {str(path)!r}" in message and "maximum file size" in message
    assert ".tmp" not in message
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    np.testing.assert_array_equal(nn.load(path)["w"], np.ones(2))


_SAVE_AS_NOBODY = r"""
import os, sys
import numpy as np
import nn
os.setgid(65534); os.setuid(65534)     # after the imports: the interpreter may live under /root
try:
    nn.save({"w": np.ones(2)}, sys.argv[1])
except PermissionError as error:
    print(error)
"""


def test_read_only_folder_error_names_the_users_path(tmp_path):
    base = tempfile.mkdtemp(dir="/tmp")                 # reachable by an unprivileged user
    try:
        os.chmod(base, 0o755)
        folder = os.path.join(base, "read-only")
        os.mkdir(folder, 0o555)
        os.chmod(folder, 0o555)
        path = os.path.join(folder, "ckpt.npz")
        if os.geteuid() == 0:                           # root writes anywhere: drop to nobody
            out = subprocess.run([sys.executable, "-c", _SAVE_AS_NOBODY, path], text=True,
                                 capture_output=True, timeout=120, check=True).stdout
        else:
            with pytest.raises(PermissionError) as info:
                nn.save({"w": np.ones(2)}, path)
            out = str(info.value)
        assert f"cannot write {path!r}: permission denied" in out and ".tmp" not in out
        assert os.listdir(folder) == []
    finally:
        os.chmod(os.path.join(base, "read-only"), 0o755)
        shutil.rmtree(base)


# ----------------------------------------------------------------- untrusted files

def _zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_load_refuses_a_plain_zip(tmp_path):
    path = tmp_path / "notes.zip"
    _zip(path, {"readme.txt": b"hello", "w.npy": _npy(np.ones(2))})
    with pytest.raises(ValueError, match=r"notes\.zip.*not a checkpoint written by nn\.save.*"
                                         r"'readme\.txt' is not an \.npy array"):
        nn.load(path)


@pytest.mark.parametrize("nested", [np.arange(3), np.array([["a"]]), np.array(["a/b"]),
                                    np.array(["m", "m"]), np.array("model")])
def test_load_refuses_odd_nested_entries(tmp_path, nested):
    path = tmp_path / "odd.npz"
    _zip(path, {"__nested__.npy": _npy(nested), "m/w.npy": _npy(np.ones(1))})
    with pytest.raises(ValueError, match=r"odd\.npz.*not a checkpoint written by nn\.save"):
        nn.load(path)


def test_load_refuses_a_flat_entry_clashing_with_a_nested_dict(tmp_path):
    path = tmp_path / "clash.npz"
    _zip(path, {"__nested__.npy": _npy(np.array(["m"])), "m.npy": _npy(np.ones(1)),
                "m/w.npy": _npy(np.ones(1))})
    with pytest.raises(ValueError, match=r"clash\.npz.*'m' clashes"):
        nn.load(path)


def test_load_refuses_compressed_members_before_inflating(tmp_path):
    path = tmp_path / "bomb.npz"
    _zip(path, {"w.npy": _npy(np.zeros(1 << 20, dtype=np.uint8))}, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 14                      # 1 MiB inflated from a few KiB
    with pytest.raises(ValueError, match=r"bomb\.npz.*'w\.npy' is compressed"):
        nn.load(path)


def test_load_refuses_a_header_declaring_more_than_the_member_holds(tmp_path):
    path = tmp_path / "huge.npz"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (1 << 40, 8)})   # 64 TiB
    _zip(path, {"w.npy": header.getvalue() + b"\x00" * 64})
    assert path.stat().st_size < 400
    with pytest.raises(ValueError, match=r"huge\.npz.*declares shape \(1099511627776, 8\).*"
                                         r"holds 64 bytes"):
        nn.load(path)


def test_load_refuses_duplicate_members(tmp_path):
    path = tmp_path / "twice.npz"
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("w.npy", _npy(np.ones(1)))
            archive.writestr("w.npy", _npy(np.zeros(1)))
    with pytest.raises(ValueError, match=r"twice\.npz.*'w\.npy' appears twice"):
        nn.load(path)


def test_load_keeps_fortran_order_and_gives_writable_arrays(tmp_path):
    array = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    path = tmp_path / "f.npz"
    _zip(path, {"w.npy": _npy(array)})
    loaded = nn.load(path)["w"]
    np.testing.assert_array_equal(loaded, array)
    loaded += 1                                               # writable, owns its memory


def test_write_atomic_writes_text_like_save_writes_checkpoints(tmp_path):
    path = tmp_path / "metrics.json"
    stale = tmp_path / "metrics.json.nn-save-00000000.tmp"
    stale.write_text("left by a crash")
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    path.symlink_to(victim)                       # a planted link is replaced, not followed
    serialization.write_atomic(path, '{"loss": 1.5}')
    assert not path.is_symlink() and path.read_text() == '{"loss": 1.5}'
    assert victim.read_text() == "keep me" and not stale.exists()
    path.chmod(0o600)
    serialization.write_atomic(path, b"{}")
    assert path.read_bytes() == b"{}" and stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(FileNotFoundError, match=r"write_atomic: cannot write .*missing"):
        serialization.write_atomic(tmp_path / "missing" / "x.json", "{}")
    with pytest.raises(TypeError, match="bytes or str"):
        serialization.write_atomic(path, {"a": 1})


def test_load_refuses_a_stored_member_whose_sizes_disagree(tmp_path):
    path = tmp_path / "sizes.npz"
    nn.save({"w": np.zeros(4)}, path)
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    raw = bytearray(path.read_bytes())
    central = raw.rindex(b"PK\x01\x02")            # zipfile trusts the central directory's sizes
    raw[central + 24:central + 28] = (info.file_size + 1000).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"sizes\.npz.*declares \d+ bytes but stores"):
        nn.load(path)
