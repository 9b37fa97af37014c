"""dyngrad side by side with PyTorch CPU (and MyGrad / HIPS autograd when installed).

    python -m benchmarks.run                 # the full table, 2 threads (`make bench` adds 1 thread)
    python -m benchmarks.run --quick         # fewer repeats, for a smoke test
    python -m benchmarks.run --peers-python .venv-peers/bin/python

Speed: dyngrad and PyTorch run in this one process, interleaved in short alternating
blocks (5 steps each, the order alternating, a pause before each block so the other
framework's spinning worker threads are asleep), so machine noise hits both alike; the
table gives medians and the ratio dyngrad / PyTorch. Peers run in their own process and venv (HIPS autograd's
import name collides with ours), right after, on the same arrays.
Threads: --threads (default 2) is given to torch and, through OMP/OPENBLAS/MKL_NUM_THREADS
(the run restarts itself once to set them before NumPy loads), to every BLAS in play.
GEMM bound: the products a step needs (benchmarks.workloads.gemm_shapes), alone on
contiguous arrays with NumPy's BLAS, timed in the same blocks: the last columns give it,
dyngrad's time outside it, and dyngrad's step in multiples of it.
Memory: peak resident set of a fresh process per framework and workload that imports
the framework, builds the workload and runs three steps.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import autograd  # noqa: F401  before NumPy loads, as in the dyngrad command (autograd/__init__.py)

from .workloads import BATCH, BUILDERS, OPS_PER_CHAIN, WORKLOADS, gemm_shapes, gemm_step

HERE = Path(__file__).resolve().parent
# Every BLAS / OpenMP runtime in play gets the same thread count as torch.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# The peers are 2-20x slower on the conv nets; 10 steps give a stable median and keep
# the full run under ~3 minutes.
PEER_REPEATS = 10
BLOCK = 5      # timed steps per framework per round
PAUSE = 0.2    # seconds between blocks: spinning BLAS/OpenMP threads go to sleep
REPEATS = {"conv_step": 30, "conv_step_cifar": 20, "mlp_step": 60, "op_overhead": 40, "deep_chain": 3,
           "scalar_graph": 5, "train_convnet": 15}


def set_threads(threads):
    import torch
    torch.set_num_threads(threads)


def time_interleaved(workload, repeats, block=BLOCK, pause=PAUSE):
    """Median seconds per step for dyngrad, torch and (for workloads with GEMMs) the GEMM
    bound, timed in alternating blocks in this process.

    Each one runs `block` timed steps in turn (the order alternates from round to
    round), after a pause and one untimed step. Step-by-step alternation would be
    unfair: after a multi-threaded call, OpenBLAS's and OpenMP's worker threads keep
    spinning for a while, and on 2 cores they slow down whichever framework runs next
    (measured: torch's conv step went from 8 to 25 ms with 2 threads).
    """
    steps = {name: build(workload) for name, build in BUILDERS.items()}
    if gemm_shapes(workload):
        steps["gemm"] = gemm_step(workload)
        steps["torch gemm"] = gemm_step(workload, framework="torch")
    times = {name: [] for name in steps}
    order = list(steps)
    block = max(1, min(block, repeats))
    for round_index in range(-(-repeats // block)):
        for name in (order if round_index % 2 == 0 else order[::-1]):
            time.sleep(pause)  # let the other framework's worker threads go to sleep
            steps[name]()      # untimed: caches, allocator, thread wake-up
            for _ in range(block):
                start = time.perf_counter()
                steps[name]()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def run_peer(python, framework, workload, repeats=None, memory=False):
    """Run benchmarks/peers.py under the peers' interpreter; its JSON answer, or a skip reason."""
    cmd = [python, str(HERE / "peers.py"), "--framework", framework, "--workload", workload]
    cmd += ["--memory"] if memory else ["--repeats", str(repeats)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd="/", env=env, timeout=600)
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired) as error:
        return {"skipped": f"{framework} failed: {error}"}


def peak_memory(framework, workload):
    """Peak RSS (MB) of a fresh process running three steps of `workload` in `framework`."""
    code = (f"from benchmarks.workloads import BUILDERS, peak_rss_mb; "
            f"s = BUILDERS[{framework!r}]({workload!r}); s(); s(); s(); print(peak_rss_mb())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=HERE.parent, check=True)
    return float(done.stdout.strip())


def describe(workload, seconds):
    if workload == "scalar_graph":
        return f"{seconds * 1e3:.1f} ms/step"
    if workload in OPS_PER_CHAIN:
        return f"{seconds / OPS_PER_CHAIN[workload] * 1e6:.2f} us/op"
    return f"{seconds * 1e3:.2f} ms ({BATCH[workload] / seconds:.0f} img/s)"


def gemm_columns(medians):
    """The GEMM bound (the step's products alone with NumPy's BLAS), dyngrad's time outside
    it (step - bound) and dyngrad's step in multiples of it."""
    if "gemm" not in medians:
        return f" {'-':>11} {'-':>8} {'-':>7}"
    bound, step = medians["gemm"], medians["dyngrad"]
    return f" {bound * 1e3:>8.2f} ms {(step - bound) * 1e3:>5.2f} ms {step / bound:>6.2f}x"


def machine():
    import numpy
    import torch
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, NumPy {numpy.__version__}, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the repeats")
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--peers-python", default=os.environ.get("DYNGRAD_PEERS_PYTHON"),
                        help="a Python with mygrad and HIPS autograd installed (optional)")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    threads = str(args.threads)
    if any(os.environ.get(var) != threads for var in THREAD_VARS):
        # NumPy's BLAS reads its thread count once, at import, so restart with it set:
        # dyngrad (OpenBLAS), torch and the peers' processes then all use `threads`.
        env = dict(os.environ, **{var: threads for var in THREAD_VARS})
        os.execve(sys.executable, [sys.executable, "-m", "benchmarks.run",
                                   *(sys.argv[1:] if argv is None else argv)], env)
    set_threads(args.threads)
    print(f"machine: {machine()}")
    peers = ("mygrad", "hips") if args.peers_python else ()
    header = f"{'workload':<16} {'dyngrad':>24} {'torch':>24} {'ratio':>6}" + "".join(
        f" {p + ' ratio':>12}" for p in peers) + f" {'GEMM bound':>11} {'outside':>8} {'/bound':>7}"
    print(header)
    results = {}
    for workload in args.workloads:
        repeats = max(3, REPEATS[workload] // (5 if args.quick else 1))
        medians = time_interleaved(workload, repeats)
        row = (f"{workload:<16} {describe(workload, medians['dyngrad']):>24} "
               f"{describe(workload, medians['torch']):>24} {medians['dyngrad'] / medians['torch']:>5.2f}x")
        for peer in peers:
            answer = run_peer(args.peers_python, peer, workload, repeats=min(repeats, PEER_REPEATS))
            if "times" in answer:
                medians[peer] = statistics.median(answer["times"])
                row += f" {medians[peer] / medians['torch']:>11.2f}x"
            else:
                row += f" {'-':>12}"
        print(row + gemm_columns(medians), flush=True)
        results[workload] = medians
    bounds = {w: m for w, m in results.items() if "gemm" in m}
    if bounds:
        print(f"\n{'GEMMs alone':<16} {'MFLOP':>6} {'NumPy ms':>9} {'torch ms':>9} {'torch step/its GEMMs':>21}")
        for workload, m in bounds.items():
            mflop = sum(2 * a * b * c for a, b, c in gemm_shapes(workload)) / 1e6
            print(f"{workload:<16} {mflop:>6.0f} {m['gemm'] * 1e3:>9.2f} {m['torch gemm'] * 1e3:>9.2f} "
                  f"{m['torch'] / m['torch gemm']:>20.2f}x")
    if not args.no_memory:
        print(f"\npeak RSS (MB), fresh process, 3 steps:\n{'workload':<16} {'dyngrad':>8} {'torch':>8}"
              + "".join(f" {p:>8}" for p in peers))
        for workload in args.workloads:
            row = f"{workload:<16} {peak_memory('dyngrad', workload):>8.0f} {peak_memory('torch', workload):>8.0f}"
            for peer in peers:
                answer = run_peer(args.peers_python, peer, workload, memory=True)
                row += f" {answer['peak_rss_mb']:>8.0f}" if "peak_rss_mb" in answer else f" {'-':>8}"
            print(row, flush=True)
    return results


if __name__ == "__main__":
    main()
