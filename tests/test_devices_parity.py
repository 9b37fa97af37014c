"""Float64 parity of every op on the CUDA device against the CPU: forward values and gradients.

One table of calls through the public API; together they record every op class of
autograd.ops (checked below, so a new op without a row fails). On CPU-only machines the
device is the stand-in (NumPy under CuPy's rules: a host array slipping into an op, a
function CuPy lacks or a hidden conversion fails here); benchmarks/gpu_check.sh runs the
same file on CuPy with DYNGRAD_TEST_CUDA=cupy.
"""
import inspect
import os

import numpy as np
import pytest

import autograd as ag
import autograd.ops
import nn.functional as F
from autograd import backend
from autograd.function import Function, record_hooks
from autograd.ops.shape import identity

pytestmark = pytest.mark.device
RNG = np.random.default_rng(0)
LABELS = np.array([1, 0, 3, 2])
INDEX = np.array([[0, 2, 1], [1, 0, 0]])


def u(*shape):
    """Values in (0.1, 0.9): inside the domain of every op in the table."""
    return RNG.uniform(0.1, 0.9, shape)


def n(*shape):
    return RNG.standard_normal(shape)


def on(device, value):
    return ag.tensor(value, device=device)


# (name, function of (device, *tensors), input arrays); every input requires grad.
CASES = [
    *[(name, (lambda f: lambda d, x: f(x))(getattr(ag, name)), [u(3, 4)]) for name in [
        "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "neg", "sin", "cos", "tan", "asin", "acos",
        "atan", "sinh", "cosh", "asinh", "atanh", "erf", "erfc", "exp2", "expm1", "log2", "log10", "log1p",
        "rsqrt", "reciprocal", "square", "sign", "floor", "ceil", "trunc", "round", "frac", "sum", "mean",
        "prod", "amax", "amin", "logsumexp", "norm", "std", "var", "t", "flatten", "softmax", "log_softmax",
        "celu", "elu", "gelu", "hardsigmoid", "hardswish", "hardtanh", "logsigmoid", "mish", "relu6", "selu",
        "silu", "softplus", "softsign", "tanhshrink", "leaky_relu", "clone", "triu", "tril",
        "diag", "diagonal"]],
    ("acosh", lambda d, x: ag.acosh(x + 1.5), [u(3, 4)]),
    ("softmin", lambda d, x: ag.softmin(x, 1), [u(3, 4)]),
    ("gelu_tanh", lambda d, x: F.gelu(x, approximate="tanh"), [n(3, 4)]),
    ("prelu", lambda d, x, w: F.prelu(x, w), [n(2, 3, 4), u(3)]),
    *[(name, (lambda f: lambda d, a, b: f(a, b))(getattr(ag, name)), [u(3, 4), u(3, 4)]) for name in [
        "add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "hypot", "copysign", "logaddexp",
        "float_power"]],
    ("broadcast_add", lambda d, a, b: a + b, [u(3, 4), u(4)]),
    ("pow_scalar", lambda d, x: x ** 2 + 2 ** x + x ** 0, [u(3, 4)]),
    ("lerp", lambda d, a, b: ag.lerp(a, b, 0.3), [u(3, 4), u(3, 4)]),
    ("clamp", lambda d, x: ag.clamp(x, 0.3, 0.7), [u(3, 4)]),
    ("clip", lambda d, x: ag.clip(x, 0.3, 0.7), [u(3, 4)]),
    ("where", lambda d, a, b: ag.where(a > 0.5, a, b), [u(3, 4), u(3, 4)]),
    ("astype", lambda d, x: ag.astype(x, np.float32).astype(np.float64), [u(3, 4)]),
    ("max_dim", lambda d, x: ag.max(x, 1).values, [u(3, 4)]),
    ("min_dim", lambda d, x: ag.min(x, 1).values, [u(3, 4)]),
    ("cumsum", lambda d, x: ag.cumsum(x, 1), [u(3, 4)]),
    ("cumprod", lambda d, x: ag.cumprod(x, 1), [u(3, 4)]),
    ("logcumsumexp", lambda d, x: ag.logcumsumexp(x, 1), [u(3, 4)]),
    ("cummax", lambda d, x: ag.cummax(x, 1).values, [u(3, 4)]),
    ("cummin", lambda d, x: ag.cummin(x, 1).values, [u(3, 4)]),
    ("scans_long", lambda d, x: ag.cummax(x, 1).values + ag.cummin(x, 0).values + ag.logcumsumexp(x, 1),
     [n(5, 13)]),                     # the device's log-step scan over lengths that are no power of 2
    ("sort", lambda d, x: ag.sort(x, 1).values, [u(3, 4)]),
    ("topk", lambda d, x: ag.topk(x, 2, 1).values, [u(3, 4)]),
    ("matmul", lambda d, a, b: ag.matmul(a, b), [u(3, 4), u(4, 2)]),
    ("bmm", lambda d, a, b: ag.bmm(a, b), [u(2, 3, 4), u(2, 4, 2)]),
    ("outer", lambda d, a, b: ag.outer(a, b), [u(3), u(4)]),
    ("dot", lambda d, a, b: ag.dot(a, b), [u(4), u(4)]),
    ("einsum", lambda d, a, b: ag.einsum("ij,jk->ik", a, b), [u(3, 4), u(4, 2)]),
    ("einsum_trace", lambda d, a: ag.einsum("ii->i", a), [u(3, 3)]),
    ("linear", lambda d, x, w, b: ag.linear(x, w, b), [u(3, 4), u(2, 4), u(2)]),
    ("reshape", lambda d, x: x.reshape(4, 3), [u(3, 4)]),
    ("transpose", lambda d, x: ag.transpose(x, 0, 1), [u(3, 4)]),
    ("permute", lambda d, x: ag.permute(x, 2, 0, 1), [u(2, 3, 4)]),
    ("getitem", lambda d, x: x[1:, ::2], [u(3, 4)]),
    ("getitem_index", lambda d, x: x[on(d, [2, 0, 2])], [u(3, 4)]),
    ("pad", lambda d, x: ag.pad(x, ((1, 0), (2, 1))), [u(3, 4)]),
    ("cat", lambda d, a, b: ag.cat([a, b], 1), [u(3, 4), u(3, 2)]),
    ("stack", lambda d, a, b: ag.stack([a, b]), [u(3, 4), u(3, 4)]),
    ("broadcast_to", lambda d, x: ag.broadcast_to(x, (3, 4)), [u(1, 4)]),
    ("squeeze", lambda d, x: ag.unsqueeze(ag.squeeze(x, 0), 2), [u(1, 3, 4)]),
    ("flip", lambda d, x: ag.flip(x, (1,)), [u(3, 4)]),
    ("roll", lambda d, x: ag.roll(x, 1, 1), [u(3, 4)]),
    ("repeat", lambda d, x: x.repeat(2, 1), [u(3, 4)]),
    ("repeat_interleave", lambda d, x: ag.repeat_interleave(x, 2, dim=0), [u(3, 4)]),
    ("split", lambda d, x: ag.split(x, 2, 1)[1], [u(3, 4)]),
    ("unbind", lambda d, x: ag.unbind(x, 0)[2], [u(3, 4)]),
    ("unfold", lambda d, x: x.unfold(1, 2, 1), [u(3, 4)]),
    ("gather", lambda d, x: ag.gather(x, 1, on(d, INDEX)), [u(2, 4)]),
    ("scatter", lambda d, x, s: ag.scatter(x, 1, on(d, INDEX), s), [u(2, 4), u(2, 3)]),
    ("scatter_add", lambda d, x, s: ag.scatter_add(x, 1, on(d, INDEX), s), [u(2, 4), u(2, 3)]),
    ("index_select", lambda d, x: ag.index_select(x, 1, on(d, [3, 0, 3])), [u(2, 4)]),
    ("masked_fill", lambda d, x: ag.masked_fill(x, x > 0.5, 0.0), [u(3, 4)]),
    ("conv2d", lambda d, x, w, b: ag.conv2d(x, w, b, stride=2, padding=1), [n(2, 3, 7, 7), n(4, 3, 3, 3), n(4)]),
    ("conv1d", lambda d, x, w: F.conv1d(x, w, padding=1), [n(2, 3, 7), n(4, 3, 3)]),
    ("conv_transpose2d", lambda d, x, w: F.conv_transpose2d(x, w, stride=2), [n(2, 3, 4, 4), n(3, 2, 3, 3)]),
    ("max_pool2d", lambda d, x: ag.max_pool2d(x, 2), [n(2, 3, 6, 6)]),
    ("max_pool2d_overlap", lambda d, x: ag.max_pool2d(x, 3, stride=1, padding=1), [n(2, 3, 5, 5)]),
    ("max_pool2d_indices", lambda d, x: ag.max_pool2d(x, 2, return_indices=True)[0], [n(1, 2, 4, 4)]),
    ("avg_pool2d", lambda d, x: ag.avg_pool2d(x, 2), [n(2, 3, 6, 6)]),
    ("avg_pool2d_pad", lambda d, x: ag.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
     [n(2, 3, 6, 6)]),
    ("max_pool1d", lambda d, x: F.max_pool1d(x, 2), [n(2, 3, 6)]),
    ("avg_pool1d", lambda d, x: F.avg_pool1d(x, 2), [n(2, 3, 6)]),
    ("adaptive_avg_pool2d", lambda d, x: F.adaptive_avg_pool2d(x, (2, 3)), [n(2, 3, 5, 7)]),
    ("adaptive_max_pool2d", lambda d, x: F.adaptive_max_pool2d(x, (2, 3)), [n(2, 3, 5, 7)]),
    ("interpolate", lambda d, x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False),
     [n(1, 2, 3, 3)]),
    ("interpolate_nearest", lambda d, x: F.interpolate(x, size=(5, 4)), [n(1, 2, 3, 3)]),
    ("batch_norm", lambda d, x, w, b: F.batch_norm(x, None, None, w, b, training=True), [n(4, 3), u(3), u(3)]),
    ("layer_norm", lambda d, x, w, b: F.layer_norm(x, (4,), w, b), [n(3, 4), u(4), u(4)]),
    ("group_norm", lambda d, x: F.group_norm(x, 2), [n(2, 4, 3)]),
    ("instance_norm", lambda d, x: F.instance_norm(x), [n(2, 3, 5)]),
    ("embedding", lambda d, w: F.embedding(on(d, INDEX), w), [n(4, 3)]),
    ("cosine_similarity", lambda d, a, b: F.cosine_similarity(a, b), [n(3, 4), n(3, 4)]),
    ("normalize", lambda d, x: F.normalize(x), [n(3, 4)]),
    ("cross_entropy", lambda d, x: ag.cross_entropy(x, on(d, LABELS)), [n(4, 5)]),
    ("cross_entropy_smoothing", lambda d, x: ag.cross_entropy(x, on(d, LABELS), label_smoothing=0.1), [n(4, 5)]),
    ("multiclass_hinge", lambda d, x: ag.multiclass_hinge_loss(x, on(d, LABELS)), [n(4, 5)]),
    ("multi_margin", lambda d, x: F.multi_margin_loss(x, on(d, LABELS)), [n(4, 5)]),
    ("nll_loss", lambda d, x: F.nll_loss(x, on(d, LABELS)), [n(4, 5)]),
    ("mse_loss", lambda d, a, b: F.mse_loss(a, b), [n(3, 4), n(3, 4)]),
    ("l1_loss", lambda d, a, b: F.l1_loss(a, b), [n(3, 4), n(3, 4)]),
    ("smooth_l1_loss", lambda d, a, b: F.smooth_l1_loss(a, b), [n(3, 4), n(3, 4)]),
    ("huber_loss", lambda d, a, b: F.huber_loss(a, b), [n(3, 4), n(3, 4)]),
    ("binary_cross_entropy", lambda d, a, b: F.binary_cross_entropy(a, b), [u(3, 4), u(3, 4)]),
    ("bce_with_logits", lambda d, a, b: F.binary_cross_entropy_with_logits(a, b), [n(3, 4), u(3, 4)]),
    ("kl_div", lambda d, a, b: F.kl_div(a, b), [n(3, 4), u(3, 4)]),
    ("margin_ranking", lambda d, a, b: F.margin_ranking_loss(a, b, on(d, np.array([1.0, -1.0, 1.0]))),
     [n(3), n(3)]),
    ("clamp_tensors", lambda d, x, low: ag.clamp(x, low, 0.7), [u(3, 4), u(4) * 0.5]),
    ("identity", lambda d, x: identity(x), [u(3, 4)]),
    # Second order: the backward ops (Im2col, Col2im, the pools' scatter/gather/spread) run
    # forward when a create_graph backward differentiates through them.
    *[(f"{name}_double_backward", (lambda f: lambda d, x: _grad_of(lambda v: (f(v) ** 2).sum(), x))(f), [n(*shape)])
      for name, f, shape in [
          ("conv2d", lambda v: ag.conv2d(v, v[:2, :, :3, :3], padding=1), (2, 3, 5, 5)),
          ("max_pool2d", lambda v: ag.max_pool2d(v, 2), (1, 2, 4, 4)),
          ("max_pool2d_overlap", lambda v: ag.max_pool2d(v, 3, stride=1, padding=1), (1, 2, 4, 4)),
          ("avg_pool2d", lambda v: ag.avg_pool2d(v, 2), (1, 2, 4, 4)),
          ("max_pool2d_twice", lambda v: _grad_of(lambda w: (ag.max_pool2d(w, 2) ** 2).sum(), v), (1, 2, 4, 4))]],
    ("to_device", lambda d, x: x.to("cpu").to(d) * 2, [u(3, 4)]),
]
# Op classes no row reaches, each with its reason.
UNREACHED = {
    "_Choice": "base class of Maximum and Minimum",
    "_Extremum": "base class of Max and Min",
    "_ZeroGradient": "base class of Sign, Floor, Ceil, Trunc, Round",
    "UnaryFormula": "base class of the formula ops (Sin, Erf, ...)",
    "CrossEntropy": "cross_entropy's host fast path: choosing it on a device would sync (ignore_index); "
                    "there the general log_softmax + nll path runs (in the table)",
}


def _grad_of(f, x):
    (g,) = ag.grad(f(x), [x], create_graph=True)
    return g


def _run(device, fn, arrays, grad_seed):
    inputs = [ag.tensor(a, device=device, requires_grad=True) for a in arrays]
    out = fn(device, *inputs)
    grad = np.random.default_rng(grad_seed).standard_normal(out.shape)
    out.backward(ag.tensor(grad, device=device))
    return out, inputs


@pytest.fixture(autouse=True, scope="module")
def cuda():
    previous = backend.use_cuda_backend(os.environ.get("DYNGRAD_TEST_CUDA", "standin"))
    yield
    backend.use_cuda_backend(previous)


RECORDED, RAN = set(), set()


def _run_recorded(name, fn, arrays):
    """The case on the device, noting the op classes it records."""
    hook = lambda node, output: RECORDED.add(type(node).__name__)  # noqa: E731
    record_hooks.append(hook)
    try:
        return _run("cuda", fn, arrays, 1)
    finally:
        record_hooks.remove(hook)
        RAN.add(name)


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_op_on_cuda_matches_the_cpu_in_float64(name, fn, arrays):
    expected, expected_inputs = _run("cpu", fn, arrays, 1)
    out, inputs = _run_recorded(name, fn, arrays)
    assert out.device == ag.device("cuda:0") and out.dtype == np.float64
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12,
                               err_msg=f"{name}: forward")
    for i, (x, want) in enumerate(zip(inputs, expected_inputs)):
        assert (x.grad is None) == (want.grad is None), f"{name}: gradient of input {i}"
        if x.grad is not None:
            assert x.grad.device == ag.device("cuda:0")
            np.testing.assert_allclose(x.grad.numpy(), want.grad.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name}: gradient of input {i}")


def test_the_table_reaches_every_op():
    """Every Function subclass in autograd.ops is recorded on the device by some row."""
    for name, fn, arrays in CASES:
        if name not in RAN:  # this test run alone
            _run_recorded(name, fn, arrays)
    ops = set()
    for module in vars(autograd.ops).values():
        if inspect.ismodule(module):
            ops |= {name for name, cls in vars(module).items() if inspect.isclass(cls)
                    and issubclass(cls, Function) and cls.__module__ == module.__name__}
    missing = ops - RECORDED - set(UNREACHED)
    assert not missing, f"ops with no row in CASES: {sorted(missing)}"
