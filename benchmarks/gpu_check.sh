#!/usr/bin/env bash
# The GPU run of issue 15, prepared for a session that has a GPU machine (docs/devices.md):
#   1. the device tests on CuPy: float64 parity of every op against the CPU
#      (tests/test_devices_parity.py), moving tensors/models/optimizer state, fit on cuda;
#   2. the same tests on the stand-in, for comparison;
#      (these include tests/test_devices_kernels.py, the window kernels against the host loops,
#      and tests/test_devices_cupy.py, the rules the stand-in copies, checked on CuPy);
#   3. conv_step at batch 64 and 512 and mlp_step against PyTorch CUDA (benchmarks/gpu.py), and
#      the window kernels against the per-offset loops on the GPU (--kernels).
# Results go to $OUT (or ./gpu-results): the GPU's name, the test logs, gpu.json.
# Needs CuPy in the venv (pip install -e '.[cuda]', or CUPY_WHEEL=/path/to/cupy_cuda12x-*.whl on
# a machine without PyPI) and, for the PyTorch column, a CUDA build of torch.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${OUT:-gpu-results}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt" 2>&1
cat "$OUT/gpu.txt"
if ! "$PY" -c "import cupy" 2>/dev/null; then
    "$PY" -m pip install -q "${CUPY_WHEEL:-cupy-cuda12x>=14}" || { echo "no CuPy: stopping"; exit 2; }
fi
"$PY" -c "import cupy; print('cupy', cupy.__version__, 'devices', cupy.cuda.runtime.getDeviceCount())" | tee "$OUT/cupy.txt"
DYNGRAD_TEST_CUDA=cupy "$PY" -m pytest -q -m device tests 2>&1 | tee "$OUT/tests_cupy.txt" | tail -3
DYNGRAD_CUDA=standin "$PY" -m pytest -q -m device tests 2>&1 | tee "$OUT/tests_standin.txt" | tail -1
if "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    "$PY" -m benchmarks.gpu --kernels --out "$OUT/gpu.json" | tee "$OUT/bench.md"
else
    echo "torch has no CUDA here: dyngrad's times only" | tee "$OUT/bench.md"
    "$PY" -m benchmarks.gpu --dyngrad-only --kernels --out "$OUT/gpu.json" | tee -a "$OUT/bench.md"
fi
