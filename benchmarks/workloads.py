"""The benchmark workloads, written once per framework with identical weights and data.

Each builder takes a seed and returns a zero-argument `step()` that runs forward +
backward (+ zero_grad) once. The same NumPy arrays seed every framework, so the
frameworks compute the same numbers.
"""
import numpy as np

WORKLOADS = ("conv_step", "conv_step_cifar", "mlp_step", "op_overhead", "deep_chain", "scalar_graph")
OPS_PER_CHAIN = {"op_overhead": 1_000, "deep_chain": 100_000}
SCALAR_SIZES, SCALAR_POINTS = (2, 16, 16, 1), 96   # micrograd's moons MLP; ~65,000 ops per step
BATCH = {"conv_step": 64, "conv_step_cifar": 64, "mlp_step": 128}


def peak_rss_mb():
    """This process's peak resident set (VmHWM), in MB.

    Not getrusage's ru_maxrss: on Linux that survives exec, so a child started by a big
    parent would report the parent's peak.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def conv_arrays(channels, size, seed=0, batch=64, filters=32, hidden=100, classes=10):
    """Data and weights of the CS231n three-layer conv net (conv7x7 pad 3 - relu - pool - fc - relu - fc)."""
    rng = np.random.default_rng(seed)
    pooled = filters * (size // 2) ** 2
    f32 = np.float32
    return dict(
        x=rng.standard_normal((batch, channels, size, size)).astype(f32),
        y=rng.integers(0, classes, batch),
        w1=(rng.standard_normal((filters, channels, 7, 7)) * 1e-2).astype(f32),
        b1=np.zeros(filters, f32),
        w2=(rng.standard_normal((hidden, pooled)) * 1e-2).astype(f32),
        b2=np.zeros(hidden, f32),
        w3=(rng.standard_normal((classes, hidden)) * 1e-2).astype(f32),
        b3=np.zeros(classes, f32),
    )


def mlp_arrays(seed=0, batch=128, sizes=(784, 256, 128, 10)):
    rng = np.random.default_rng(seed)
    arrays = dict(x=rng.standard_normal((batch, sizes[0])).astype(np.float32),
                  y=rng.integers(0, sizes[-1], batch))
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        arrays[f"w{i}"] = (rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)).astype(np.float32)
        arrays[f"b{i}"] = np.zeros(fan_out, np.float32)
    return arrays


def chain(x, workload):
    """The op_overhead / deep_chain forward: alternate `* 1.0001` and `+ 0.0001`.

    Written with operators only, so one definition serves every framework.
    """
    h = x
    for _ in range(OPS_PER_CHAIN[workload] // 2):
        h = h * 1.0001
        h = h + 0.0001
    return h


def scalar_arrays(seed=0):
    """Weights of micrograd's MLP(2, [16, 16, 1]) and a batch of moons-like points with +-1 labels."""
    rng = np.random.default_rng(seed)
    layers = [(rng.uniform(-1, 1, (fan_out, fan_in)), np.zeros(fan_out))
              for fan_in, fan_out in zip(SCALAR_SIZES[:-1], SCALAR_SIZES[1:])]
    points = rng.standard_normal((SCALAR_POINTS, 2))
    labels = np.where(points[:, 0] * points[:, 1] > 0, 1.0, -1.0)
    return layers, points, labels


def scalar_mlp_loss(weights, points, labels, scalar):
    """micrograd's training loss on 0-d tensors: an MLP per point (ReLU hidden layers,
    linear output) and the SVM max-margin loss, summed with Python's `sum`.

    `weights` is a list of layers, each a list of (neuron weights, bias) of 0-d tensors;
    `scalar(v)` makes a constant 0-d tensor. Written with operators and `.relu()` only,
    so one definition serves every framework.
    """
    total = scalar(0.0)
    for point, label in zip(points, labels):
        h = [scalar(v) for v in point]
        for depth, layer in enumerate(weights):
            h = [sum((w * v for w, v in zip(ws, h)), b) for ws, b in layer]
            if depth < len(weights) - 1:
                h = [v.relu() for v in h]
        total = total + (1 - h[0] * label).relu()
    return total


def _scalar_weights(layers, make):
    return [[([make(w) for w in row], make(b)) for row, b in zip(matrix, bias)] for matrix, bias in layers]


def arrays_for(workload, seed=0):
    if workload == "conv_step":
        return conv_arrays(1, 28, seed)
    if workload == "conv_step_cifar":
        return conv_arrays(3, 32, seed)
    if workload == "mlp_step":
        return mlp_arrays(seed)
    return dict(x=np.random.default_rng(seed).standard_normal(4).astype(np.float32))


# ----- dyngrad ------------------------------------------------------------------------


def dyngrad_step(workload, seed=0):
    import autograd as ag
    from autograd.ops.conv import conv2d
    from autograd.ops.loss import cross_entropy
    from autograd.ops.pool import max_pool2d

    if workload == "scalar_graph":
        return _scalar_step(lambda v: ag.Tensor(np.float64(v)),
                            lambda v: ag.Tensor(np.float64(v), requires_grad=True), seed)
    a = arrays_for(workload, seed)
    p = {k: ag.Tensor(v, requires_grad=True) for k, v in a.items() if k not in ("x", "y")}
    x = ag.Tensor(a["x"], requires_grad=workload in OPS_PER_CHAIN)
    y = a.get("y")

    def zero_grad():
        for param in p.values():
            param.grad = None
        x.grad = None

    if workload in ("conv_step", "conv_step_cifar"):
        def step():
            h = max_pool2d(conv2d(x, p["w1"], p["b1"], padding=3).relu(), 2)
            h = ag.linear(h.reshape(h.shape[0], -1), p["w2"], p["b2"]).relu()
            cross_entropy(ag.linear(h, p["w3"], p["b3"]), y).backward()
            zero_grad()
    elif workload == "mlp_step":
        def step():
            h = ag.linear(x, p["w1"], p["b1"]).relu()
            h = ag.linear(h, p["w2"], p["b2"]).relu()
            cross_entropy(ag.linear(h, p["w3"], p["b3"]), y).backward()
            zero_grad()
    else:
        def step():
            chain(x, workload).sum().backward()
            zero_grad()
    return step


# ----- PyTorch ------------------------------------------------------------------------


def torch_step(workload, seed=0):
    import torch
    import torch.nn.functional as F

    if workload == "scalar_graph":
        return _scalar_step(lambda v: torch.tensor(float(v), dtype=torch.float64),
                            lambda v: torch.tensor(float(v), dtype=torch.float64, requires_grad=True), seed)
    a = arrays_for(workload, seed)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in a.items() if k not in ("x", "y")}
    x = torch.tensor(a["x"], requires_grad=workload in OPS_PER_CHAIN)
    y = torch.tensor(a["y"]) if "y" in a else None

    def zero_grad():
        for param in p.values():
            param.grad = None
        x.grad = None

    if workload in ("conv_step", "conv_step_cifar"):
        def step():
            h = F.max_pool2d(F.relu(F.conv2d(x, p["w1"], p["b1"], padding=3)), 2)
            h = F.relu(F.linear(h.reshape(h.shape[0], -1), p["w2"], p["b2"]))
            F.cross_entropy(F.linear(h, p["w3"], p["b3"]), y).backward()
            zero_grad()
    elif workload == "mlp_step":
        def step():
            h = F.relu(F.linear(x, p["w1"], p["b1"]))
            h = F.relu(F.linear(h, p["w2"], p["b2"]))
            F.cross_entropy(F.linear(h, p["w3"], p["b3"]), y).backward()
            zero_grad()
    else:
        def step():
            chain(x, workload).sum().backward()
            zero_grad()
    return step


def _scalar_step(constant, parameter, seed):
    layers, points, labels = scalar_arrays(seed)
    weights = _scalar_weights(layers, parameter)
    leaves = [t for layer in weights for ws, b in layer for t in (*ws, b)]

    def step():
        scalar_mlp_loss(weights, points, labels, constant).backward()
        for t in leaves:
            t.grad = None
    return step


BUILDERS = {"dyngrad": dyngrad_step, "torch": torch_step}
