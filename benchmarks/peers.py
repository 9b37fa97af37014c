"""MyGrad and HIPS autograd versions of the workloads, run in their own virtual environment.

HIPS autograd's import name is `autograd`, like ours, so this file runs as a plain
script (never `-m`) from a folder without our packages, under the peers' Python:

    python benchmarks/peers.py --framework mygrad --workload conv_step --repeats 20

It prints one JSON line: {"times": [...]} or {"peak_rss_mb": ...} with --memory, or
{"skipped": reason}.
"""
import argparse
import json
import sys
import time

import numpy as np

from workloads import arrays_for, chain, peak_rss_mb  # same folder: this file runs as a script


def mygrad_step(workload, seed=0):
    import mygrad as mg
    from mygrad.nnet.layers import conv_nd, max_pool
    from mygrad.nnet.losses import softmax_crossentropy

    a = arrays_for(workload, seed)
    p = {k: mg.tensor(v) for k, v in a.items() if k not in ("x", "y")}
    x = mg.tensor(a["x"])
    y = a.get("y")

    def linear(h, w, b):
        return mg.matmul(h, w.T) + b

    if workload in ("conv_step", "conv_step_cifar"):
        def step():
            h = conv_nd(x, p["w1"], stride=1, padding=3) + p["b1"][:, None, None]
            h = max_pool(mg.maximum(h, 0), (2, 2), 2)
            h = mg.maximum(linear(h.reshape(h.shape[0], -1), p["w2"], p["b2"]), 0)
            softmax_crossentropy(linear(h, p["w3"], p["b3"]), y).backward()
    elif workload == "mlp_step":
        def step():
            h = mg.maximum(linear(x, p["w1"], p["b1"]), 0)
            h = mg.maximum(linear(h, p["w2"], p["b2"]), 0)
            softmax_crossentropy(linear(h, p["w3"], p["b3"]), y).backward()
    else:
        def step():
            chain(x, workload).sum().backward()
    return step


def hips_step(workload, seed=0):
    import autograd.numpy as anp
    from autograd import grad

    if workload in ("conv_step", "conv_step_cifar"):
        return None  # HIPS autograd has no differentiable strided conv/pool primitive
    a = arrays_for(workload, seed)
    if workload == "mlp_step":
        names = ["w1", "b1", "w2", "b2", "w3", "b3"]
        onehot = np.eye(10, dtype=np.float32)[a["y"]]

        def loss(params):
            w1, b1, w2, b2, w3, b3 = params
            h = anp.maximum(anp.dot(a["x"], w1.T) + b1, 0)
            h = anp.maximum(anp.dot(h, w2.T) + b2, 0)
            z = anp.dot(h, w3.T) + b3
            z = z - anp.max(z, axis=1, keepdims=True)
            logp = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
            return -anp.sum(logp * onehot) / z.shape[0]

        gradient = grad(loss)
        params = [a[k] for k in names]
        return lambda: gradient(params)
    gradient = grad(lambda x: anp.sum(chain(x, workload)))
    return lambda: gradient(a["x"])


BUILDERS = {"mygrad": mygrad_step, "hips": hips_step}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--framework", choices=sorted(BUILDERS), required=True)
    parser.add_argument("--workload", required=True)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--memory", action="store_true")
    args = parser.parse_args()
    if args.workload in ("scalar_graph", "train_convnet"):
        print(json.dumps({"skipped": "the peers run the array workloads only"}))
        return
    try:
        step = BUILDERS[args.framework](args.workload)
    except ImportError as error:
        print(json.dumps({"skipped": f"{args.framework} not installed ({error})"}))
        return
    if step is None:
        print(json.dumps({"skipped": "no conv primitive"}))
        return
    step()  # warm-up
    if args.memory:
        for _ in range(2):
            step()
        print(json.dumps({"peak_rss_mb": peak_rss_mb()}))
        return
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    print(json.dumps({"times": times}))


if __name__ == "__main__":
    sys.exit(main())
