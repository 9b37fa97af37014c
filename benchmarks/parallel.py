"""Data-parallel overhead: one process vs `mpiexec -n 2 ... --distributed`, 1 BLAS thread each.

    python -m benchmarks.parallel [--model two_layer] [--train-size 8000] [--repeats 2]

Prints the training time per epoch (evaluation included, the best of --repeats runs) of
both, the speed-up, and the all-reduce milliseconds per step the 2-rank run measured.
docs/scale.md records its output.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parallel")
    parser.add_argument("--model", default="two_layer")
    parser.add_argument("--train-size", default="8000")
    parser.add_argument("--batch-size", default="256")
    parser.add_argument("--epochs", default="1")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or "mpiexec"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    flags = ["--model", args.model, "--train-size", args.train_size, "--batch-size",
             args.batch_size, "--epochs", args.epochs, "--dtype", args.dtype, "--quiet"]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for ranks in (1, 2):
            best = None
            for repeat in range(args.repeats):
                out = Path(tmp) / f"r{ranks}-{repeat}"
                command = [sys.executable, "-m", "dyngrad", "train", *flags, "--out", str(out)]
                if ranks > 1:
                    command = [mpiexec, "-launcher", "fork", "-host", "127.0.0.1", "-n",
                               str(ranks), *command, "--distributed"]
                subprocess.run(command, env=env, check=True, capture_output=True)
                metrics = json.loads((out / "metrics.json").read_text())
                epoch_s = metrics["epoch_time_s"] / len(metrics["history"]["val_acc"])
                if best is None or epoch_s < best[0]:
                    best = (epoch_s, metrics["history"].get("distributed"))
            results[ranks] = best
    (one, _), (two, distributed) = results[1], results[2]
    print(f"{args.model} {args.dtype}, {args.train_size} images, global batch {args.batch_size}, "
          f"1 BLAS thread per process, {os.cpu_count()} cores")
    print(f"  1 process : {one:.2f} s/epoch")
    print(f"  2 ranks   : {two:.2f} s/epoch  (speed-up {one / two:.2f}x)")
    print(f"  all-reduce: {distributed['allreduce_ms_per_step']:.2f} ms/step over "
          f"{distributed['allreduce_steps']} steps")


if __name__ == "__main__":
    main()
