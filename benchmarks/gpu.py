"""dyngrad on a CUDA device against PyTorch CUDA on the same GPU: conv_step (batch 64 and 512)
and mlp_step, the workloads of benchmarks/workloads.py with every array on the device.

    python -m benchmarks.gpu --out gpu.json          # on a GPU machine (benchmarks/gpu_check.sh)
    DYNGRAD_CUDA=standin python -m benchmarks.gpu --quick   # a smoke test of this script only:
                                                            # stand-in times are not GPU times

Each step is timed to a device synchronize (both frameworks), after warm-up steps; the
table gives medians and the ratio dyngrad / PyTorch.
"""
import argparse
import json
import statistics
import time

from .workloads import conv_arrays, mlp_arrays

CASES = {"conv_step_64": lambda: conv_arrays(1, 28, batch=64),
         "conv_step_512": lambda: conv_arrays(1, 28, batch=512),
         "mlp_step": lambda: mlp_arrays(batch=128)}


def dyngrad_step(arrays):
    import autograd as ag

    p = {k: ag.tensor(v, device="cuda", requires_grad=True) for k, v in arrays.items() if k not in ("x", "y")}
    x, y = ag.tensor(arrays["x"], device="cuda"), ag.tensor(arrays["y"], device="cuda")
    conv = "w1" in p and p["w1"].ndim == 4

    def step():
        if conv:
            h = ag.max_pool2d(ag.conv2d(x, p["w1"], p["b1"], padding=3).relu(), 2)
            h = ag.linear(h.reshape(h.shape[0], -1), p["w2"], p["b2"]).relu()
            out = ag.linear(h, p["w3"], p["b3"])
        else:
            h = ag.linear(ag.linear(x, p["w1"], p["b1"]).relu(), p["w2"], p["b2"]).relu()
            out = ag.linear(h, p["w3"], p["b3"])
        ag.cross_entropy(out, y).backward()
        for t in p.values():
            t.grad = None
        ag.cuda.synchronize()
    return step


def torch_step(arrays):
    import torch
    import torch.nn.functional as F

    p = {k: torch.tensor(v, device="cuda", requires_grad=True) for k, v in arrays.items() if k not in ("x", "y")}
    x, y = torch.tensor(arrays["x"], device="cuda"), torch.tensor(arrays["y"], device="cuda")
    conv = p["w1"].ndim == 4

    def step():
        if conv:
            h = F.max_pool2d(F.relu(F.conv2d(x, p["w1"], p["b1"], padding=3)), 2)
            h = F.relu(F.linear(h.reshape(h.shape[0], -1), p["w2"], p["b2"]))
        else:
            h = F.relu(F.linear(F.relu(F.linear(x, p["w1"], p["b1"])), p["w2"], p["b2"]))
        F.cross_entropy(F.linear(h, p["w3"], p["b3"]), y).backward()
        for t in p.values():
            t.grad = None
        torch.cuda.synchronize()
    return step


def median_seconds(step, repeats, warmup=3):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, dyngrad only (a smoke test)")
    parser.add_argument("--dyngrad-only", action="store_true", help="no PyTorch column (torch without CUDA)")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    results = {}
    print("| workload | dyngrad cuda (ms) | PyTorch cuda (ms) | ratio |\n|---|---|---|---|")
    for name, make in CASES.items():
        arrays = make()
        ours = median_seconds(dyngrad_step(arrays), repeats)
        theirs = None if args.quick or args.dyngrad_only else median_seconds(torch_step(arrays), repeats)
        results[name] = {"dyngrad_s": ours, "torch_s": theirs}
        ratio = "" if theirs is None else f"{ours / theirs:.2f}x"
        print(f"| {name} | {ours * 1e3:.2f} | {'' if theirs is None else f'{theirs * 1e3:.2f}'} | {ratio} |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
