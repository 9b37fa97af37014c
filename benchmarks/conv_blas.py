"""Where a conv-net step's CPU time goes: BLAS (its GEMMs, timed alone) and the rest.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python -m benchmarks.conv_blas [--steps 20]

For conv_step and conv_step_cifar: the dyngrad step's CPU time (`time.process_time`, so
other programs on the machine barely move it; run with one thread), the same GEMMs
(the shapes the ops call, per chunk of images as the ops do) timed alone, their
MFLOP and GFLOP/s, and the difference: the time spent outside BLAS. docs/benchmarks.md
("Speed of the conv nets") records its output.
"""
import argparse
import statistics
import time

import numpy as np

from autograd.ops.conv import _images_per_chunk

from .workloads import arrays_for, dyngrad_step


def cpu_ms(fn, steps):
    fn()
    times = []
    for _ in range(steps):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1e3


def gemms(workload):
    """The step's products, as the ops run them: conv2d forward per image into (F, P),
    dL/dW per chunk as (K, n*P) @ (n*P, F); the two Linear layers forward and backward.
    Returns (zero-argument function running them all, MFLOP)."""
    a = arrays_for(workload)
    x, w1, w2, w3 = a["x"], a["w1"], a["w2"], a["w3"]
    N, C, H, W = x.shape
    F, _, kh, kw = w1.shape
    K, P = C * kh * kw, H * W                                  # padding 3 keeps H x W
    n = _images_per_chunk(N, K, F, P, x.dtype)
    rng = np.random.default_rng(0)
    cols = rng.standard_normal((n, K, P), dtype=np.float32)
    cols_t = rng.standard_normal((K, n * P), dtype=np.float32)
    g_t = rng.standard_normal((F, n * P), dtype=np.float32)
    out = np.empty((n, F, P), np.float32)
    w_mat = w1.reshape(F, K)
    h0 = rng.standard_normal((N, w2.shape[1]), dtype=np.float32)
    h1 = rng.standard_normal((N, w2.shape[0]), dtype=np.float32)
    g2 = rng.standard_normal((N, w3.shape[0]), dtype=np.float32)

    def run():
        for _ in range(0, N, n):
            np.matmul(w_mat, cols, out=out)                    # forward
            cols_t @ g_t.T                                     # dL/dW
        h0 @ w2.T, h1 @ w3.T                                   # Linear forward
        g2.T @ h1, g2 @ w3                                     # Linear 3 backward
        h1.T @ h0, h1 @ w2                                     # Linear 2 backward (dW, dX)

    mflop = 2 * (2 * F * K * N * P + 3 * N * w2.shape[0] * w2.shape[1] + 3 * N * w3.shape[0] * w3.shape[1]) / 1e6
    return run, mflop


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.conv_blas")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    print(f"{'workload':<18}{'step ms':>9}{'BLAS ms':>9}{'MFLOP':>8}{'GFLOP/s':>9}{'outside BLAS ms':>17}")
    for workload in ("conv_step", "conv_step_cifar"):
        step = cpu_ms(dyngrad_step(workload), args.steps)
        run, mflop = gemms(workload)
        blas = cpu_ms(run, args.steps)
        print(f"{workload:<18}{step:>9.2f}{blas:>9.2f}{mflop:>8.0f}{mflop / blas:>9.1f}{step - blas:>17.2f}")


if __name__ == "__main__":
    main()
