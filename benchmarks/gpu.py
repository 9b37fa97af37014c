"""dyngrad on a CUDA device against PyTorch CUDA on the same GPU: conv_step (batch 64 and 512)
and mlp_step, the workloads of benchmarks/workloads.py with every array on the device.

    python -m benchmarks.gpu --out gpu.json          # on a GPU machine (benchmarks/gpu_check.sh)
    DYNGRAD_CUDA=standin python -m benchmarks.gpu --quick   # a smoke test of this script only:
                                                            # stand-in times are not GPU times

Each step is timed to a device synchronize (both frameworks), after warm-up steps; the
table gives medians and the ratio dyngrad / PyTorch. `--kernels` adds a second table: the
window kernels of autograd/ops/device_kernels.py at batch 512, each against the host's
per-offset loop run on the same device arrays (one launch per offset), to show what the
gathers gain or lose there.
"""
import argparse
import contextlib
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


def kernel_cases():
    """(name, function of no arguments) for each window kernel, on device arrays at batch 512."""
    import numpy as np

    from autograd import backend
    from autograd.ops import conv, pool

    rng = np.random.default_rng(0)
    on = lambda *shape: backend.to_device(rng.standard_normal(shape).astype(np.float32), "cuda")  # noqa: E731
    cols3 = on(512, 32 * 9, 28 * 28)                  # a 3x3, pad 1 conv of 32 channels at 28x28
    x = on(512, 32, 28, 28)
    out, arg = pool.window_argmax(x, (2, 2), (2, 2), (1, 1))
    x3 = on(512, 32, 29, 29)                          # an overlapping 3x3, stride 2 pool
    out3, arg3 = pool.window_argmax(x3, (3, 3), (2, 2), (1, 1))
    scatter = lambda g, a, k, s, shape: pool.MaxPoolScatter.forward(  # noqa: E731
        type("Context", (), {})(), g, arg=a, kernel_size=k, stride=s, dilation=(1, 1), input_shape=shape)
    return [
        ("col2im 3x3 pad 1, 512x32x28x28", lambda: conv._col2im(cols3, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1),
                                                                 x.shape)),
        ("max-pool argmax 2x2, 512x32x28x28", lambda: pool.window_argmax(x, (2, 2), (2, 2), (1, 1))),
        ("max-pool scatter 2x2", lambda: scatter(out, arg, (2, 2), (2, 2), x.shape)),
        ("max-pool argmax 3x3 stride 2", lambda: pool.window_argmax(x3, (3, 3), (2, 2), (1, 1))),
        ("max-pool scatter 3x3 stride 2", lambda: scatter(out3, arg3, (3, 3), (2, 2), x3.shape)),
    ]


@contextlib.contextmanager
def host_loops():
    """conv.py and pool.py take their host (per-offset loop) paths, on device arrays too."""
    from autograd.ops import conv, pool

    saved = conv.is_device, pool.is_device
    conv.is_device = pool.is_device = lambda array: False
    try:
        yield
    finally:
        conv.is_device, pool.is_device = saved


def kernels_table(repeats):
    import autograd as ag

    def timed(kernel):
        return lambda: (kernel(), ag.cuda.synchronize())

    results = {}
    print("\n| kernel | gather (ms) | per-offset loop (ms) | loop / gather |\n|---|---|---|---|")
    for name, kernel in kernel_cases():
        ours = median_seconds(timed(kernel), repeats)
        with host_loops():
            loop = median_seconds(timed(kernel), repeats)
        results[name] = {"gather_s": ours, "loop_s": loop}
        print(f"| {name} | {ours * 1e3:.2f} | {loop * 1e3:.2f} | {loop / ours:.2f}x |")
    return results


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
    parser.add_argument("--kernels", action="store_true", help="also time the window kernels (see above)")
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
    if args.kernels:
        results["kernels"] = kernels_table(repeats)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
