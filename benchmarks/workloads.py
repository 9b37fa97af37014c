"""The benchmark workloads, written once per framework with identical weights and data.

Each builder takes a seed and returns a zero-argument `step()` that runs forward +
backward (+ zero_grad) once. The same NumPy arrays seed every framework, so the
frameworks compute the same numbers.
"""
import numpy as np

WORKLOADS = ("conv_step", "conv_step_cifar", "mlp_step", "op_overhead", "deep_chain", "scalar_graph",
             "train_convnet")
OPS_PER_CHAIN = {"op_overhead": 1_000, "deep_chain": 100_000}
SCALAR_SIZES, SCALAR_POINTS = (2, 16, 16, 1), 96   # micrograd's moons MLP; ~65,000 ops per step
BATCH = {"conv_step": 64, "conv_step_cifar": 64, "mlp_step": 128, "train_convnet": 128}
# The main job (`make demo`: dyngrad train --model convnet): its model, batch size,
# optimizer and regularisation (dyngrad/train.py's defaults for convnet).
TRAIN = dict(filters=32, kernel=7, hidden=100, lr=2e-3, reg=1e-4)


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
    if workload == "train_convnet":
        return conv_arrays(1, 28, seed, batch=BATCH[workload])
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
    if workload == "train_convnet":
        return _dyngrad_train_step(seed)
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
    if workload == "train_convnet":
        return _torch_train_step(seed)
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


# ----- the main job's training step, through each framework's nn and optimizer ----------


def _dyngrad_train_step(seed):
    import autograd as ag
    import nn

    a = arrays_for("train_convnet", seed)
    model = nn.models.ThreeLayerConvNet(input_dim=(1, 28, 28), num_filters=TRAIN["filters"],
                                        filter_size=TRAIN["kernel"], hidden_dim=TRAIN["hidden"],
                                        reg=TRAIN["reg"])
    _copy_weights(model.parameters(), a, lambda p, v: p.data.__setitem__(..., v))
    optimizer = nn.optim.Adam(model.parameters(), lr=TRAIN["lr"])
    x, y = ag.Tensor(a["x"]), a["y"]

    def step():                              # what nn.train.fit does per batch; returns the loss
        scores = model(x)
        loss = model.loss(scores, y)
        value = loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return value
    return step


def _torch_train_step(seed):
    import torch
    import torch.nn.functional as F

    a = arrays_for("train_convnet", seed)
    filters, kernel, hidden = TRAIN["filters"], TRAIN["kernel"], TRAIN["hidden"]
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, filters, kernel, padding=(kernel - 1) // 2), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(filters * 14 * 14, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10))
    _copy_weights(model.parameters(), a, lambda p, v: p.data.copy_(torch.from_numpy(v)))
    weights = [m.weight for m in model if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    optimizer = torch.optim.Adam(model.parameters(), lr=TRAIN["lr"])
    x, y = torch.from_numpy(a["x"]), torch.from_numpy(a["y"])

    def step():
        scores = model(x)
        loss = F.cross_entropy(scores, y) + 0.5 * TRAIN["reg"] * sum((w * w).sum() for w in weights)
        value = loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return value
    return step


def _copy_weights(parameters, arrays, assign):
    """The conv net's parameters (w1, b1, w2, b2, w3, b3 in order) set from `arrays`."""
    for parameter, name in zip(parameters, ("w1", "b1", "w2", "b2", "w3", "b3"), strict=True):
        assign(parameter, arrays[name])


def _scalar_step(constant, parameter, seed):
    layers, points, labels = scalar_arrays(seed)
    weights = _scalar_weights(layers, parameter)
    leaves = [t for layer in weights for ws, b in layer for t in (*ws, b)]

    def step():
        scalar_mlp_loss(weights, points, labels, constant).backward()
        for t in leaves:
            t.grad = None
    return step


# ----- the GEMM bound ---------------------------------------------------------------------


def gemm_shapes(workload):
    """The matrix products (m, k, n) that one forward + backward of `workload` needs, or [].

    Whatever an implementation does, it has to multiply these: conv2d's forward is
    (F, K) @ (K, N*P) and its weight gradient (F, N*P) @ (N*P, K) (the input needs no
    gradient here); each linear layer has its forward, weight gradient and, except the
    first layer of the MLP, input gradient.
    """
    def linears(batch, sizes, first_needs_input_grad):
        shapes = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            shapes += [(batch, fan_in, fan_out), (fan_out, batch, fan_in)]
            if i or first_needs_input_grad:
                shapes.append((batch, fan_out, fan_in))
        return shapes

    if workload in ("conv_step", "conv_step_cifar", "train_convnet"):
        channels, size = (3, 32) if workload == "conv_step_cifar" else (1, 28)
        batch, filters, taps = BATCH[workload], 32, 7 * 7
        positions = batch * size * size
        conv = [(filters, channels * taps, positions), (filters, positions, channels * taps)]
        return conv + linears(batch, (filters * (size // 2) ** 2, 100, 10), True)
    if workload == "mlp_step":
        return linears(BATCH[workload], (784, 256, 128, 10), False)
    return []


def gemm_step(workload, seed=0):
    """`workload`'s products alone, on contiguous float32 arrays into preallocated outputs:
    the time NumPy's BLAS needs for the step's GEMMs, a lower bound for dyngrad."""
    rng = np.random.default_rng(seed)
    operands = [(rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32),
                 np.empty((m, n), np.float32)) for m, k, n in gemm_shapes(workload)]

    def step():
        for a, b, out in operands:
            np.matmul(a, b, out=out)
    return step


BUILDERS = {"dyngrad": dyngrad_step, "torch": torch_step}
