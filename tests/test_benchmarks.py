"""The benchmark workloads compare like with like: every framework computes the same numbers."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.workloads import BUILDERS, gemm_shapes, gemm_step

torch = pytest.importorskip("torch")
ROOT = Path(__file__).resolve().parents[1]


def test_main_job_training_step_matches_pytorch():
    """Same model, weights, batch, regularisation and Adam: the same losses step after step."""
    steps = {name: build("train_convnet") for name, build in BUILDERS.items()}
    losses = {name: [step() for _ in range(4)] for name, step in steps.items()}
    np.testing.assert_allclose(losses["dyngrad"], losses["torch"], rtol=2e-4)
    assert losses["dyngrad"][-1] < losses["dyngrad"][0]     # it trains


def test_gemm_bound_counts_the_conv_nets_products():
    """conv_step's products: 556 MFLOP (conv forward and weight gradient, three per linear)."""
    flops = sum(2 * m * k * n for m, k, n in gemm_shapes("conv_step"))
    batch, positions, patch = 64, 28 * 28, 7 * 7
    conv = 2 * 2 * 32 * patch * batch * positions
    linear = 3 * 2 * batch * (32 * 14 * 14 * 100 + 100 * 10)
    assert flops == conv + linear
    assert gemm_shapes("op_overhead") == []
    gemm_step("mlp_step")()   # runs


def test_bench_prints_ratios_and_the_gemm_bound():
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "--no-memory", "--threads", "1",
                           "--workloads", "mlp_step", "op_overhead"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines()[2:]}
    assert set(rows) == {"mlp_step", "op_overhead"}
    assert rows["mlp_step"].rstrip().endswith("x") and " ms " in rows["mlp_step"]
    assert rows["op_overhead"].rstrip().endswith("-")
