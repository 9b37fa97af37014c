"""dyngrad's engine: tensors that record a dynamic graph, and reverse-mode backward.

    import autograd as ag
    x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad   # Tensor([2., 4., 6.], dtype=float32)
    (g,) = ag.grad((x ** 3).sum(), [x], create_graph=True)   # gradients of gradients
"""
import os as _os

# OpenBLAS's worker threads spin for 2**28 cycles (~0.1 s) after each multi-threaded call,
# and on a CPU box's few cores they fight autograd's own pool (conv2d, max_pool2d and relu
# in chunks, autograd/threads.py): measured conv_step 18.7 -> 14.4 ms and the main job's
# step 44 -> 31 ms with 2 threads (docs/benchmarks.md). 2**20 cycles (~0.4 ms) still keeps
# back-to-back GEMMs warm. OpenBLAS reads this when NumPy loads, so it applies when autograd
# is imported before NumPy (the dyngrad command and benchmarks do); a user's own value wins.
_os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")

# tensor first: it imports the ops, which import Function, which needs Tensor defined.
from .tensor import Tensor  # isort: skip  # noqa: E402
from .anomaly import detect_anomaly, set_detect_anomaly
from .engine import backward, grad, topological_order, unbroadcast
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from . import functional
from .ops.elementwise import (abs, add, astype, clip, div, exp, leaky_relu, log, maximum, minimum, mul,
                              neg, pow, relu, sigmoid, sqrt, sub, tanh, where)
from .ops.conv import conv2d
from .ops.linalg import linear, matmul
from .ops.loss import cross_entropy, log_softmax, multiclass_hinge_loss, softmax
from .ops.pool import avg_pool2d, max_pool2d
from .ops.reduce import max, mean, min, sum
from .ops.shape import (broadcast_to, concatenate, flatten, getitem, pad, permute, reshape, stack,
                        transpose)
from .viz import draw_graph
# ----- elementwise math and activations (issue9-math) -----------------------------------
from .ops.math import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, asin, asinh,
                       atan, atan2, atanh, ceil, clamp, clamp_max, clamp_min, copysign, cos, cosh, erf, erfc,
                       exp2, expm1, float_power, floor, frac, hypot, lerp, log1p, log2, log10, logaddexp,
                       reciprocal, round, rsqrt, sign, sin, sinh, square, tan, trunc)
from .ops.activation import (celu, elu, gelu, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, prelu,
                             relu6, selu, silu, softmin, softplus, softsign, tanhshrink)
# ----- shape, index, reduction ops (issue 9 ops)
from . import return_types
from .ops.index import diag, diagonal, gather, index_select, masked_fill, scatter, scatter_add, tril, triu
from .ops.linalg import bmm, dot, einsum, mm, outer
from .ops.movement import chunk, flip, repeat_interleave, roll, split, unbind
from .ops.reduce import (all, amax, amin, any, argmax, argmin, count_nonzero, logsumexp, norm, prod, std,
                         std_mean, var, var_mean)
from .ops.scan import cummax, cummin, cumprod, cumsum, logcumsumexp
from .ops.shape import cat, expand_dims, squeeze, t, unflatten, unsqueeze
from .ops.sort import argsort, sort, topk
swapaxes = transpose
# issue9-nnf: torch-level names of the nn.functional families
from .ops.conv import conv1d
from .ops.conv_transpose import conv_transpose2d
from .ops.distance import cosine_similarity
from .ops.norm import batch_norm, embedding, group_norm, instance_norm, layer_norm
from .ops.pool import avg_pool1d, max_pool1d

# ----- creation, dtypes, devices, random state, comparisons (issue 9 API) -------------
from . import cuda, random
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       is_floating_point, is_tensor, linspace, normal, numel, ones, ones_like, rand,
                       rand_like, randint, randint_like, randn, randn_like, randperm, tensor, zeros,
                       zeros_like)
from .device import device
from .dtypes import (bool, cdouble, cfloat, complex64, complex128, double, finfo, float, float16,
                     float32, float64, get_default_dtype, half, iinfo, int, int8, int16, int32, int64,
                     long, set_default_dtype, short, uint8)
from .ops.comparison import (allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, equal,
                             ge, gt, isclose, isfinite, isinf, isnan, le, logical_and, logical_not,
                             logical_or, logical_xor, lt, ne)
from .ops.conversion import clone
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size
# ----- intra-op threads (issue 13, speed-conv) ------------------------------------------
from .threads import get_num_threads, set_num_threads
from . import allocator  # noqa: F401  glibc's malloc keeps freed memory: no page faults per step

__version__ = "0.1.0"
