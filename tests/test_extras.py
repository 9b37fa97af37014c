"""The optional extras: a command that needs a missing one says which to install."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_without(module, argv):
    """`dyngrad <argv>` in a fresh interpreter where ``module`` can't be imported."""
    code = (f"import sys; sys.modules[{module!r}] = None; from dyngrad.cli import main; "
            f"sys.exit(main({argv!r}))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_distributed_without_mpi4py_says_install_the_extra(tmp_path):
    done = run_without("mpi4py", ["train", "--model", "softmax", "--epochs", "1", "--distributed",
                                  "--out", str(tmp_path / "run"), "--quiet"])
    assert done.returncode == 2
    assert "pip install 'dyngrad[mpi]'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


def test_sweep_without_optuna_says_install_the_extra(tmp_path):
    done = run_without("optuna", ["sweep", "--model", "softmax", "--trials", "4",
                                  "--out", str(tmp_path / "S")])
    assert done.returncode == 2
    assert "install dyngrad[sweep]" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "S").exists()
