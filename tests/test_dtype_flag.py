"""dyngrad train --dtype: float64 data and parameters end to end (the distributed test's base)."""
import numpy as np

from dyngrad.train import main


def test_float64_runs_train_and_save_float64(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    assert main(["--model", "fc", "--hidden-dims", "16", "--dtype", "float64", "--epochs", "1",
                 "--train-size", "300", "--val-size", "100", "--quiet",
                 "--out", str(tmp_path)]) == 0
    model = np.load(tmp_path / "model.npz")
    floats = [k for k in model.files if model[k].dtype.kind == "f"]
    assert floats and all(model[k].dtype == np.float64 for k in floats)   # batch-norm buffers too
    assert any("running_mean" in k for k in floats)
