"""NumPy's protocols for Tensors (NEP 13 `__array_ufunc__`, NEP 18 `__array_function__`).

- A NumPy ufunc or function that has a dyngrad op runs that op: `array * t`, `np.exp(t)`
  and `np.where(c, t, 0)` are Tensors in the graph. This is also what makes the backward
  rules differentiable: a rule written as `grad * xp.exp(y)` computes on arrays for a
  first-order backward and records the graph when handed Tensors (create_graph=True).
- Non-differentiable ufuncs (comparisons, `isnan`, ...) give Tensors outside the graph, as
  the Tensor comparison operators do (`np.equal(a, t)` is `a == t`); the piecewise-constant
  `sign`, `floor`, `ceil`, `trunc` and `rint` run their ops (zero gradient, as PyTorch).
- `out=` writes into the given array in place, outside the graph: `p.data -= lr * p.grad`.
- Anything else runs on the underlying arrays and returns arrays, like `np.asarray(t)`
  first, except when that would silently drop the graph (an input requires grad and grad
  mode is on): then it is a TypeError naming the function.
"""
from .backend import asarray, xp
from .grad_mode import _mode
from .ops import elementwise, linalg, reduce
from .ops import math as math_ops
from .ops import movement, scan
from .ops import shape as shape_ops
from .ops import comparison
from .tensor import Tensor

UFUNCS = {
    xp.add: elementwise.add,
    xp.subtract: elementwise.sub,
    xp.multiply: elementwise.mul,
    xp.true_divide: elementwise.div,
    xp.power: elementwise.pow,
    xp.maximum: elementwise.maximum,
    xp.minimum: elementwise.minimum,
    xp.matmul: linalg.matmul,
    xp.negative: elementwise.neg,
    xp.positive: lambda x: x,
    xp.exp: elementwise.exp,
    xp.log: elementwise.log,
    xp.sqrt: elementwise.sqrt,
    xp.tanh: elementwise.tanh,
    xp.absolute: elementwise.abs,
}

# ----- elementwise math (issue9-math): NumPy's ufuncs run dyngrad's ops ----------------
UFUNCS.update({
    xp.sin: math_ops.sin, xp.cos: math_ops.cos, xp.tan: math_ops.tan,
    xp.arcsin: math_ops.asin, xp.arccos: math_ops.acos, xp.arctan: math_ops.atan,
    xp.sinh: math_ops.sinh, xp.cosh: math_ops.cosh,
    xp.arcsinh: math_ops.asinh, xp.arccosh: math_ops.acosh, xp.arctanh: math_ops.atanh,
    xp.exp2: math_ops.exp2, xp.expm1: math_ops.expm1,
    xp.log2: math_ops.log2, xp.log10: math_ops.log10, xp.log1p: math_ops.log1p,
    xp.reciprocal: math_ops.reciprocal, xp.square: math_ops.square,
    xp.sign: math_ops.sign, xp.floor: math_ops.floor, xp.ceil: math_ops.ceil,
    xp.trunc: math_ops.trunc, xp.rint: math_ops.round,
    xp.arctan2: math_ops.atan2, xp.hypot: math_ops.hypot, xp.copysign: math_ops.copysign,
    xp.logaddexp: math_ops.logaddexp, xp.float_power: math_ops.float_power,
})

# Piecewise constant (zero gradient) or boolean: computed on the arrays.
NON_DIFFERENTIABLE = {
    xp.greater, xp.greater_equal, xp.less, xp.less_equal, xp.equal, xp.not_equal,
    xp.sign, xp.isnan, xp.isinf, xp.isfinite, xp.signbit, xp.floor, xp.ceil, xp.rint, xp.trunc,
    xp.logical_and, xp.logical_or, xp.logical_not, xp.logical_xor,
}


def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **unused):
    _no_extras("sum", dtype=dtype, out=out, **unused)
    return reduce.sum(a, axis, keepdims)


def _mean(a, axis=None, dtype=None, out=None, keepdims=False, **unused):
    _no_extras("mean", dtype=dtype, out=out, **unused)
    return reduce.mean(a, axis, keepdims)


def _transpose(a, axes=None):
    return shape_ops.transpose(a) if axes is None else shape_ops.permute(a, *axes)


def _no_extras(name, **extras):
    given = [k for k, v in extras.items() if v is not None]
    if given:
        raise TypeError(f"numpy.{name} on a Tensor: argument(s) {', '.join(given)} are not supported")


FUNCTIONS = {
    xp.where: lambda condition, a, b: elementwise.where(condition, a, b),
    xp.broadcast_to: lambda a, shape: shape_ops.broadcast_to(a, shape),
    xp.expand_dims: lambda a, axis: shape_ops.expand_dims(a, axis),
    xp.squeeze: lambda a, axis=None: shape_ops.squeeze(a, axis),
    xp.swapaxes: lambda a, axis1, axis2: shape_ops.transpose(a, axis1, axis2),
    xp.reshape: lambda a, shape: shape_ops.reshape(a, shape),
    xp.transpose: _transpose,
    xp.concatenate: lambda arrays, axis=0: shape_ops.concatenate(arrays, axis),
    xp.stack: lambda arrays, axis=0: shape_ops.stack(arrays, axis),
    xp.sum: _sum,
    xp.mean: _mean,
    xp.clip: lambda a, a_min=None, a_max=None: elementwise.clip(a, a_min, a_max),
    # ----- shape, index, reduction ops (issue 9 ops)
    xp.flip: lambda m, axis=None: movement.flip(m, tuple(range(m.ndim)) if axis is None else axis),
    xp.cumsum: lambda a, axis=None: scan.cumsum(a.reshape(-1) if axis is None else a, 0 if axis is None else axis),
    xp.cumprod: lambda a, axis=None: scan.cumprod(a.reshape(-1) if axis is None else a,
                                                  0 if axis is None else axis),
    xp.einsum: lambda subscripts, *operands: linalg.einsum(subscripts, *operands),
    xp.prod: lambda a, axis=None, keepdims=False: reduce.prod(a, axis, keepdims),
    # NumPy's max/min are torch's amax/amin (Tensor.max(dim) returns values and indices).
    xp.max: lambda a, axis=None, keepdims=False: reduce.amax(a, axis, keepdims),
    xp.amax: lambda a, axis=None, keepdims=False: reduce.amax(a, axis, keepdims),
    xp.min: lambda a, axis=None, keepdims=False: reduce.amin(a, axis, keepdims),
    xp.amin: lambda a, axis=None, keepdims=False: reduce.amin(a, axis, keepdims),
}

# ----- elementwise math (issue9-math) ---------------------------------------------------
FUNCTIONS.update({
    xp.round: lambda a, decimals=0: math_ops.round(a, decimals),
    xp.around: lambda a, decimals=0: math_ops.round(a, decimals),
})


# ----- comparisons (issue 9 API): np.isclose / np.allclose on Tensors are dyngrad's
def _operand(value):
    return value if isinstance(value, Tensor) else asarray(value)


FUNCTIONS.update({
    xp.isclose: lambda a, b, rtol=1e-05, atol=1e-08, equal_nan=False: comparison.isclose(
        _operand(a), _operand(b), rtol, atol, equal_nan),
    xp.allclose: lambda a, b, rtol=1e-05, atol=1e-08, equal_nan=False: comparison.allclose(
        _operand(a), _operand(b), rtol, atol, equal_nan),
})


def array_ufunc(ufunc, method, inputs, kwargs):
    if method == "__call__" and not kwargs:
        op = UFUNCS.get(ufunc)
        if op is not None:
            return op(*inputs)
    if ufunc in NON_DIFFERENTIABLE:
        result = getattr(ufunc, method)(*_arrays(inputs), **kwargs)
        return result if "out" in kwargs else Tensor._make(asarray(result))
    _refuse_dropping_the_graph(f"numpy.{ufunc.__name__}", inputs)
    out = kwargs.get("out")
    if out is not None:
        kwargs = dict(kwargs, out=tuple(_writable_array(o, ufunc) for o in out))
    return getattr(ufunc, method)(*_arrays(inputs), **kwargs)


def array_function(func, args, kwargs):
    op = FUNCTIONS.get(func)
    if op is not None:
        return op(*args, **kwargs)
    _refuse_dropping_the_graph(f"numpy.{func.__name__}", list(args) + list(kwargs.values()))
    return func(*_arrays(args), **{k: _arrays(v) for k, v in kwargs.items()})


def _arrays(value):
    """Tensors (also inside lists and tuples) replaced by their arrays."""
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, (list, tuple)):
        return type(value)(_arrays(v) for v in value)
    return value


def _refuse_dropping_the_graph(name, values):
    if not _mode.enabled:
        return
    for v in values:
        items = v if isinstance(v, (list, tuple)) else (v,)
        if any(isinstance(t, Tensor) and t._requires_grad for t in items):
            raise TypeError(f"{name} has no dyngrad op, and on a Tensor that requires grad it would "
                            "silently drop the graph; use the Tensor's own ops, or .detach() first")


def _writable_array(out, ufunc):
    """An `out=` target: arrays as they are; a Tensor's array, changed in place like `t += x`."""
    if not isinstance(out, Tensor):
        return out
    if out._requires_grad and _mode.enabled:
        raise RuntimeError(f"numpy.{ufunc.__name__}(out=...): in-place operation on a tensor that "
                           "requires grad; do it inside `with no_grad():`")
    out._version.value += 1
    return out.data
