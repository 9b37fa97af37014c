"""nn.save / nn.load: npz round trips, nesting, atomic writes, clear errors on bad files."""
import os
import stat
import zipfile

import numpy as np
import pytest

import nn
from autograd import Tensor


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
    opened = len(os.listdir("/proc/self/fd"))

    def fail(fd, mode):
        raise PermissionError("fchmod refused")

    monkeypatch.setattr(os, "fchmod", fail)
    with pytest.raises(PermissionError):
        nn.save({"w": np.ones(2)}, tmp_path / "ckpt.npz")
    assert len(os.listdir("/proc/self/fd")) == opened
    assert os.listdir(tmp_path) == []


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
