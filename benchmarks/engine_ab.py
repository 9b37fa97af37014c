"""Two dyngrad source trees on the same workloads, for an engine change (A/B).

    python -m benchmarks.engine_ab /path/to/old/checkout            # vs this checkout
    python -m benchmarks.engine_ab OLD --workloads op_overhead mlp_step --rounds 6

Each round runs every workload once per tree, each in a fresh process and in alternating
order, and each process reports the median CPU time (`time.process_time`, all threads) of
its steps. CPU time, unlike wall time, barely moves when other programs share the
machine, which makes this usable on a busy machine where `benchmarks.run`'s wall-clock
ratios to PyTorch are not. The table gives the median over rounds and new / old.
The old tree needs only `autograd/` and `nn/`: the workloads come from this checkout.
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from .workloads import WORKLOADS

HERE = Path(__file__).resolve().parent
STEPS = {"conv_step": 8, "conv_step_cifar": 5, "mlp_step": 30, "op_overhead": 30, "deep_chain": 2,
         "scalar_graph": 3, "train_convnet": 5}
CHILD = """
import importlib.util, json, statistics, sys, time
sys.path.insert(0, {tree!r})
spec = importlib.util.spec_from_file_location("workloads", {workloads!r})
workloads = importlib.util.module_from_spec(spec)
spec.loader.exec_module(workloads)
step = workloads.BUILDERS["dyngrad"]({workload!r})
step()
times = []
for _ in range({steps}):
    start = time.process_time()
    step()
    times.append(time.process_time() - start)
import autograd
assert autograd.__file__.startswith({tree!r}), autograd.__file__
print(json.dumps(statistics.median(times)))
"""


def cpu_seconds(tree, workload, steps):
    code = CHILD.format(tree=str(tree), workloads=str(HERE / "workloads.py"), workload=workload, steps=steps)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="the other checkout (its autograd/ and nn/ are used)")
    parser.add_argument("--new", type=Path, default=HERE.parent)
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    print(f"{'workload':<16} {'old (CPU ms)':>13} {'new (CPU ms)':>13} {'new/old':>8}")
    for workload in args.workloads:
        times = {name: [] for name in trees}
        for round_index in range(args.rounds):
            for name in (("old", "new") if round_index % 2 == 0 else ("new", "old")):
                times[name].append(cpu_seconds(trees[name], workload, STEPS[workload]))
        old, new = (statistics.median(times[n]) for n in ("old", "new"))
        print(f"{workload:<16} {old * 1e3:>13.2f} {new * 1e3:>13.2f} {new / old:>7.2f}x", flush=True)


if __name__ == "__main__":
    main()
