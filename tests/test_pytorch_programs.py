"""PyTorch programs run with only their imports changed, with the same results.

Each program in tests/programs/ is written for PyTorch. The test runs it twice in fresh
processes: as written (under torch), and with its import block replaced by dyngrad's
(`import autograd as torch`, `import nn`, ...), both from the same initial weights (the
dyngrad run writes them, the torch run loads them), and compares what they print.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = sorted((ROOT / "tests" / "programs").glob("*.py"))
IMPORTS = re.compile(r"# ---- imports .*?\n(.*?)# ---- end of imports ----\n", re.S)
DYNGRAD_IMPORTS = """import sys

import numpy as np
import autograd as torch
import nn
import nn.functional as F
from nn import optim
from nn.data import DataLoader, TensorDataset
"""
SAVE_WEIGHTS = """
np.savez(sys.argv[1], **{k: np.asarray(v) for k, v in model.state_dict().items()})
"""


def run(code, path, weights):
    path.write_text(code)
    done = subprocess.run([sys.executable, str(path), str(weights)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_program_runs_with_only_its_imports_changed(program, tmp_path):
    pytest.importorskip("torch", reason="PyTorch parity needs torch (CI installs torch==2.13.0)")
    code = program.read_text()
    assert IMPORTS.search(code), f"{program.name} marks no import block"
    weights = tmp_path / "weights.npz"
    # dyngrad first, from its own initialisation: it saves the weights right after building the
    # model, and the torch run loads them.
    ours_code = IMPORTS.sub(DYNGRAD_IMPORTS, code).replace(
        "weights = np.load(sys.argv[1])", SAVE_WEIGHTS.strip() + "\nweights = np.load(sys.argv[1])")
    ours = run(ours_code, tmp_path / "ours.py", weights)
    theirs = run(code, tmp_path / "theirs.py", weights)
    assert len(ours) == len(theirs) > 3
    for a, b in zip(ours, theirs):
        assert a == b or abs(float(a) - float(b)) <= 1e-4 * max(1.0, abs(float(b))), (ours, theirs)
