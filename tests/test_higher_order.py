"""Second derivatives against PyTorch, in float64.

1. Hessian-vector products through random composite graphs: each seed builds one graph
   (conv2d -> activations -> pooling -> shape ops -> linear layers -> a loss), drawing
   every choice from the seed, once with dyngrad and once with torch, with the same
   values. The HVP is taken the way users take it: g = grad(loss, leaves,
   create_graph=True), then grad(sum_i <g_i, v_i>, leaves). Over the table the graphs
   use every op family; `test_the_table_covers_every_op` keeps it that way.
2. A WGAN-GP training step: loss + lambda * (||dD(x)/dx||_2 - 1)^2 per sample, whose
   parameter gradients are second derivatives of the MLP D; same loss, gradients and
   parameters after an SGD and an Adam step.

Ties are kept out of the graphs on purpose, since at a tie (max, max pool, relu at 0,
clip at a bound) two correct engines may pick different subgradients: data are
continuous random numbers, and every relu or clip output is mixed with a smooth term
before anything tie-sensitive can see it.
"""
import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the parity tests skip; the dyngrad-only ones still run
    torch = TF = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: parity tests need it (make torch)")

SEEDS = range(40)
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def assert_close(ours, theirs, what, shape=()):
    """float64 agreement, relative to the size of the expected array (sums run in different orders).

    None (a gradient that autograd.grad reports as unused) stands for zeros of `shape`.
    """
    theirs = np.zeros(shape) if theirs is None else theirs.detach().numpy()
    ours = np.zeros(shape) if ours is None else np.asarray(ours.data if isinstance(ours, Tensor) else ours)
    scale = max(1.0, float(np.abs(theirs).max(initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11 * scale, err_msg=what)


# ----- the same graph in two frameworks -------------------------------------------------


class Ours:
    """dyngrad's spelling of each op the graphs use; `used` records which ran."""

    def __init__(self):
        self.used = set()

    def op(self, name):
        self.used.add(name)

    def leaf(self, array):
        return Tensor(array.copy(), requires_grad=True)

    def grad(self, outputs, inputs, create_graph=False):
        return ag.grad(outputs, inputs, create_graph=create_graph, allow_unused=True)

    def unary(self, name, x):
        self.op(name)
        if name == "leaky_relu":
            return ag.leaky_relu(x, 0.1)
        if name == "relu":
            return ag.relu(x)
        return getattr(x, name)()

    def pow(self, x, p):
        self.op("pow")
        return x ** p

    def maximum(self, a, b):
        self.op("maximum")
        return ag.maximum(a, b)

    def where(self, mask, a, b):
        self.op("where")
        return ag.where(mask, a, b)

    def clip(self, x, low, high):
        self.op("clip")
        return ag.clip(x, low, high)

    def reduce(self, name, x, axis=None, keepdims=False):
        self.op(name)
        fn = {"sum": ag.sum, "mean": ag.mean, "max": ag.amax, "min": ag.amin}[name]  # as torch's side
        return fn(x, axis, keepdims)

    def reshape(self, x, *shape):
        self.op("reshape")
        return x.reshape(*shape)

    def transpose(self, x, a, b):
        self.op("transpose")
        return x.transpose(a, b)

    def index(self, x, index, kind):
        self.op(kind)
        return x[index]

    def pad(self, x, widths):
        self.op("pad")
        return ag.pad(x, widths)

    def cat(self, tensors, axis):
        self.op("concatenate")
        return ag.concatenate(tensors, axis)

    def stack(self, tensors, axis):
        self.op("stack")
        return ag.stack(tensors, axis)

    def broadcast_to(self, x, shape):
        self.op("broadcast_to")
        return ag.broadcast_to(x, shape)

    def matmul(self, a, b):
        self.op("matmul")
        return a @ b

    def linear(self, x, w, b):
        self.op("linear")
        return ag.linear(x, w, b)

    def conv2d(self, x, w, b, stride, padding):
        self.op("conv2d")
        return ag.conv2d(x, w, b, stride=stride, padding=padding)

    def max_pool2d(self, x, k, s):
        self.op("max_pool2d")
        return ag.max_pool2d(x, k, s)

    def avg_pool2d(self, x, k, s):
        self.op("avg_pool2d")
        return ag.avg_pool2d(x, k, s)

    def softmax(self, x, axis):
        self.op("softmax")
        return ag.softmax(x, axis)

    def log_softmax(self, x, axis):
        self.op("log_softmax")
        return ag.log_softmax(x, axis)

    def cross_entropy(self, x, y):
        self.op("cross_entropy")
        return ag.cross_entropy(x, y)

    def hinge(self, x, y):
        self.op("multiclass_hinge")
        return ag.multiclass_hinge_loss(x, y)


class Torch(Ours):
    """The same ops in PyTorch (torch equivalents; the hinge as an explicit formula)."""

    def leaf(self, array):
        return torch.tensor(array.copy(), requires_grad=True)

    def grad(self, outputs, inputs, create_graph=False):
        return torch.autograd.grad(outputs, inputs, create_graph=create_graph, allow_unused=True)

    def unary(self, name, x):
        if name == "leaky_relu":
            return TF.leaky_relu(x, 0.1)
        return getattr(torch, name)(x)

    def maximum(self, a, b):
        return torch.maximum(a, b)

    def where(self, mask, a, b):
        return torch.where(torch.from_numpy(mask), a, b)

    def clip(self, x, low, high):
        return torch.clamp(x, low, high)

    def reduce(self, name, x, axis=None, keepdims=False):
        fn = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax, "min": torch.amin}[name]
        return fn(x) if axis is None else fn(x, dim=axis, keepdim=keepdims)

    def index(self, x, index, kind):
        index = tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in index)
        return x[index]

    def pad(self, x, widths):
        flat = [w for pair in reversed(widths) for w in pair]  # torch: last axis first
        return TF.pad(x, flat)

    def cat(self, tensors, axis):
        return torch.cat(tensors, axis)

    def stack(self, tensors, axis):
        return torch.stack(tensors, axis)

    def broadcast_to(self, x, shape):
        return torch.broadcast_to(x, shape)

    def linear(self, x, w, b):
        return TF.linear(x, w, b)

    def conv2d(self, x, w, b, stride, padding):
        return TF.conv2d(x, w, b, stride=stride, padding=padding)

    def max_pool2d(self, x, k, s):
        return TF.max_pool2d(x, k, s)

    def avg_pool2d(self, x, k, s):
        return TF.avg_pool2d(x, k, s)

    def softmax(self, x, axis):
        return torch.softmax(x, axis)

    def log_softmax(self, x, axis):
        return torch.log_softmax(x, axis)

    def cross_entropy(self, x, y):
        return TF.cross_entropy(x, torch.from_numpy(y))

    def hinge(self, x, y):
        # Explicitly: torch's multi_margin_loss has no double backward. sum_{j != y} max(0, x_j - x_y + 1).
        y = torch.from_numpy(y)[:, None]
        margins = torch.clamp(x - x.gather(1, y) + 1.0, min=0).scatter(1, y, 0.0)
        return margins.sum(1).mean()


SMOOTH = ["tanh", "sigmoid", "exp", "softplus", "swish", "soft_abs", "leaky_relu"]
ALL_OPS = {"tanh", "sigmoid", "exp", "log", "sqrt", "abs", "relu", "leaky_relu", "pow", "maximum", "where",
           "clip", "sum", "mean", "max", "min", "reshape", "transpose", "getitem", "advanced_index",
           "boolean_mask", "pad", "concatenate", "stack", "broadcast_to", "matmul", "linear", "conv2d",
           "max_pool2d", "avg_pool2d", "softmax", "log_softmax", "cross_entropy", "multiclass_hinge"}


def activation(L, name, h):
    """A smooth (or, for leaky_relu, piecewise linear) activation built from the primitives."""
    if name == "softplus":
        return L.unary("log", L.unary("exp", h) + 1.0)
    if name == "swish":
        return h * L.unary("sigmoid", h)
    if name == "soft_abs":
        return L.unary("sqrt", h * h + 0.5)
    if name == "exp":
        return L.unary("exp", h * 0.5)
    return L.unary(name, h)


def random_graph(L, seed):
    """A scalar loss and its leaves; every choice and value comes from `seed`, so two calls
    with different frameworks build the same graph."""
    rng = np.random.default_rng(seed)
    leaves = []

    def leaf(*shape, scale=1.0):
        t = L.leaf(rng.standard_normal(shape) * scale)
        leaves.append(t)
        return t

    def choose(options):
        return options[rng.integers(len(options))]

    # ---- images: conv2d, activation, pooling (overlapping windows too), a shape op
    N, C, F = 2, int(rng.integers(1, 3)), int(rng.integers(2, 4))
    x = leaf(N, C, 7, 7)
    k, stride, padding = int(rng.integers(2, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
    h = L.conv2d(x, leaf(F, C, k, k, scale=0.5), leaf(F, scale=0.1), stride, padding)
    h = activation(L, choose(SMOOTH), h)
    size = h.shape[-1]
    pk, ps = int(rng.integers(2, 4)), int(rng.integers(1, 3))  # stride < kernel: overlapping windows
    if pk <= size:
        h = (L.max_pool2d if rng.random() < 0.6 else L.avg_pool2d)(h, pk, ps)
    shape_op = choose(["pad", "transpose", "slice", "none"])
    if shape_op == "pad":
        h = L.pad(h, ((0, 0), (0, 0), (int(rng.integers(0, 2)), 1), (1, int(rng.integers(0, 2)))))
    elif shape_op == "transpose":
        h = L.transpose(h, 2, 3) * L.unary("tanh", h)
    elif shape_op == "slice" and h.shape[-1] > 1:
        h = L.index(h, (slice(None), slice(None), slice(None), slice(1, None)), "getitem")

    # ---- vectors: flatten, linear, then a few random layers of every other family
    h = L.reshape(h, N, -1)
    K = int(rng.integers(3, 6))
    h = L.linear(h, leaf(K, h.shape[1], scale=0.5), leaf(K, scale=0.1))
    for _ in range(int(rng.integers(2, 5))):
        h = vector_layer(L, choose(VECTOR_LAYERS), h, rng, leaf)

    # ---- the loss: a classifier head and one or two of the scalar terms
    classes = int(rng.integers(2, 5))
    logits = L.linear(h, leaf(classes, h.shape[1], scale=0.7), leaf(classes, scale=0.1))
    y = rng.integers(0, classes, size=N)
    terms = [choose(LOSSES) for _ in range(int(rng.integers(1, 3)))]
    loss = None
    for term in terms:
        value = loss_term(L, term, logits, y)
        loss = value if loss is None else loss + value
    return loss, leaves


def mix(L, kinked, h):
    """Keep a relu/clip output away from ties: add a smooth, injective term."""
    return kinked + L.unary("tanh", h) * 0.3


VECTOR_LAYERS = ["activation", "relu", "clip", "abs", "pow", "pow_tensor", "log_sqrt", "maximum", "where",
                 "concatenate", "stack", "broadcast", "advanced_index", "boolean_mask", "matmul", "gram",
                 "softmax", "shift_by_max", "scale_by_min", "normalize"]


def vector_layer(L, name, h, rng, leaf):
    N, K = h.shape
    if name == "activation":
        return activation(L, SMOOTH[rng.integers(len(SMOOTH))], h)
    if name == "relu":
        return mix(L, L.unary("relu", h), h)
    if name == "clip":
        return mix(L, L.clip(h, -0.5, 0.7), h)
    if name == "abs":
        return L.unary("abs", h) * L.unary("sigmoid", h)
    if name == "pow":
        return L.pow(L.unary("sigmoid", h) + 0.5, float(rng.choice([1.5, 2.0, 3.0])))
    if name == "pow_tensor":  # a differentiable exponent too
        return L.pow(L.unary("sigmoid", h) + 0.5, leaf(K, scale=0.5))
    if name == "log_sqrt":
        return L.unary("log", L.unary("sqrt", h * h + 1.0) + h * 0.5)
    if name == "maximum":
        return L.maximum(h, leaf(K, scale=0.5)) * h
    if name == "where":
        return L.where(rng.random((N, K)) < 0.5, h * h, L.unary("tanh", h))
    if name == "concatenate":
        both = L.cat([h, L.unary("sigmoid", h) * h], 1)
        return L.matmul(both, leaf(2 * K, K, scale=0.5))
    if name == "stack":
        stacked = L.stack([h, L.unary("tanh", h) * 2.0, h * h], 0)
        return L.reduce("max", stacked, 0) + L.reduce("min", stacked, 0) * L.reduce("mean", stacked, 0)
    if name == "broadcast":
        return h * L.broadcast_to(leaf(1, K, scale=0.5), (N, K)) + L.unary("sigmoid", h)
    if name == "advanced_index":  # repeated indices: their gradients must add up
        columns = rng.integers(0, K, size=K + 1)
        rows = rng.integers(0, N, size=N)
        picked = L.index(L.index(h, (slice(None), columns), "advanced_index"), (rows,), "advanced_index")
        return L.matmul(picked * h[:, :1], leaf(K + 1, K, scale=0.5))
    if name == "boolean_mask":
        mask = rng.random(K) < 0.5
        mask[rng.integers(K)] = True
        picked = L.index(h, (slice(None), mask), "boolean_mask")
        return h * L.reduce("sum", picked * picked, 1, keepdims=True)
    if name == "matmul":
        return L.unary("tanh", L.matmul(h, leaf(K, K, scale=0.5)))
    if name == "gram":
        return h + L.matmul(L.matmul(h, L.transpose(h, 0, 1)), h) * 0.1
    if name == "softmax":
        return L.softmax(h, 1) * h
    if name == "shift_by_max":
        return h - L.reduce("max", h, 1, keepdims=True) * L.unary("sigmoid", h)
    if name == "scale_by_min":
        return h * L.reduce("min", h, 0, keepdims=True)
    if name == "normalize":
        centred = h - L.reduce("mean", h, 1, keepdims=True)
        return centred / L.unary("sqrt", L.reduce("mean", centred * centred, 1, keepdims=True) + 1.0)
    raise ValueError(name)


LOSSES = ["cross_entropy", "hinge", "log_softmax", "softmax_square", "max_min", "sum_of_squares"]


def loss_term(L, name, logits, y):
    N = logits.shape[0]
    if name == "cross_entropy":
        return L.cross_entropy(logits, y)
    if name == "hinge":
        return L.hinge(logits, y)
    if name == "log_softmax":
        picked = L.index(L.log_softmax(logits, 1), (np.arange(N), y), "advanced_index")
        return -L.reduce("mean", picked)
    if name == "softmax_square":
        p = L.softmax(logits, 1)
        return L.reduce("sum", p * p)
    if name == "max_min":
        return L.reduce("sum", L.reduce("max", logits, 1) * L.reduce("min", logits, 1))
    if name == "sum_of_squares":
        return L.reduce("mean", logits * logits) * 0.5
    raise ValueError(name)


def hessian_vector_product(L, seed):
    loss, leaves = random_graph(L, seed)
    vectors = [L.leaf(np.random.default_rng(1000 + seed).standard_normal(t.shape)) for t in leaves]
    grads = L.grad(loss, leaves, create_graph=True)
    dot = None
    for g, v in zip(grads, vectors):
        if g is not None:
            term = L.reduce("sum", g * v.detach())
            dot = term if dot is None else dot + term
    return loss, leaves, grads, L.grad(dot, leaves)


@needs_torch
@pytest.mark.parametrize("seed", SEEDS)
def test_hessian_vector_product_matches_torch(seed):
    loss, leaves, grads, hvp = hessian_vector_product(Ours(), seed)
    t_loss, _, t_grads, t_hvp = hessian_vector_product(Torch(), seed)
    assert_close(loss, t_loss, "loss")
    for i, (g, t, leaf) in enumerate(zip(grads, t_grads, leaves)):
        assert_close(g, t, f"gradient of leaf {i}", leaf.shape)
    assert any(h is not None and np.abs(h.data).max() > 0 for h in hvp), "a zero Hessian tests nothing"
    for i, (h, t, leaf) in enumerate(zip(hvp, t_hvp, leaves)):
        assert_close(h, t, f"Hessian-vector product, leaf {i}", leaf.shape)


def test_the_table_covers_every_op():
    ours = Ours()
    for seed in SEEDS:
        with ag.no_grad():
            random_graph(ours, seed)
    assert ALL_OPS - ours.used == set()


# ----- a gradient-penalty step (WGAN-GP) --------------------------------------------------


def critic_weights(rng):
    return [rng.standard_normal(shape) * 0.5 for shape in [(8, 4), (8,), (8, 8), (8,), (1, 8), (1,)]]


def ours_critic(weights):
    model = nn.Sequential(nn.Linear(4, 8, dtype=np.float64), nn.Tanh(), nn.Linear(8, 8, dtype=np.float64),
                          nn.LeakyReLU(0.2), nn.Linear(8, 1, dtype=np.float64))
    for p, w in zip(model.parameters(), weights):
        p.data[...] = w
    return model


def torch_critic(weights):
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                torch.nn.LeakyReLU(0.2), torch.nn.Linear(8, 1)).double()
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(torch.from_numpy(w))
    return model


def gradient_penalty_loss(grad, model, real, fake, alpha, lam=10.0):
    """WGAN-GP critic loss: D(fake) - D(real) + lam * mean_n (||dD(x_hat_n)/dx_hat_n||_2 - 1)^2."""
    x_hat = alpha * real + (1 - alpha) * fake
    x_hat.requires_grad_(True)
    out = model(x_hat)
    (g,) = grad(out.sum(), [x_hat], create_graph=True)  # rows are per-sample gradients
    norms = ((g * g).sum(1) + 1e-12).sqrt()
    penalty = ((norms - 1.0) ** 2).mean()
    return model(fake).mean() - model(real).mean() + lam * penalty


@needs_torch
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_gradient_penalty_step_matches_torch(optimizer):
    rng = np.random.default_rng(7)
    weights = critic_weights(rng)
    real, fake = rng.standard_normal((6, 4)), rng.standard_normal((6, 4)) + 1.0
    alpha = rng.random((6, 1))
    ours, theirs = ours_critic(weights), torch_critic(weights)
    if optimizer == "sgd":
        opt = nn.optim.SGD(ours.parameters(), lr=0.05, momentum=0.9)
        t_opt = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9)
    else:
        opt = nn.optim.Adam(ours.parameters(), lr=0.01)
        t_opt = torch.optim.Adam(theirs.parameters(), lr=0.01)
    for step in range(2):  # the second step sees the momentum / moment estimates
        loss = gradient_penalty_loss(ag.grad, ours, Tensor(real), Tensor(fake), Tensor(alpha))
        t_loss = gradient_penalty_loss(torch.autograd.grad, theirs, torch.tensor(real), torch.tensor(fake),
                                       torch.tensor(alpha))
        opt.zero_grad()
        loss.backward()
        t_opt.zero_grad()
        t_loss.backward()
        assert_close(loss, t_loss, f"step {step}: loss")
        for i, (p, t) in enumerate(zip(ours.parameters(), theirs.parameters())):
            assert_close(p.grad, t.grad, f"step {step}: gradient of parameter {i}")
        opt.step()
        t_opt.step()
        for i, (p, t) in enumerate(zip(ours.parameters(), theirs.parameters())):
            assert_close(p, t, f"step {step}: parameter {i} after the update")


def test_gradient_penalty_reaches_the_weights_through_second_derivatives():
    """The penalty's gradient is not that of D alone: dropping it changes the weights' gradients."""
    rng = np.random.default_rng(3)
    weights = critic_weights(rng)
    real, fake, alpha = rng.standard_normal((6, 4)), rng.standard_normal((6, 4)), rng.random((6, 1))
    with_penalty, without = ours_critic(weights), ours_critic(weights)
    gradient_penalty_loss(ag.grad, with_penalty, Tensor(real), Tensor(fake), Tensor(alpha)).backward()
    gradient_penalty_loss(ag.grad, without, Tensor(real), Tensor(fake), Tensor(alpha), lam=0.0).backward()
    # The penalty sees b2 only through leaky_relu' (piecewise constant) and b3 not at all.
    for name, p, q in zip("W1 b1 W2 b2 W3 b3".split(), with_penalty.parameters(), without.parameters()):
        if name not in ("b2", "b3"):
            assert np.abs(p.grad.data - q.grad.data).max() > 1e-3, name
