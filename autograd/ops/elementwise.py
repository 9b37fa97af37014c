"""Elementwise ops: y_i = f(x_i) or y_i = f(a_i, b_i) with NumPy broadcasting.

Each backward returns dL/dinput at the broadcast shape; the engine sums it back to each
input's shape (`engine.unbroadcast`). Notation: g = dL/dy. The rules are written with
operators and NumPy functions that Tensors dispatch, so they differentiate again
(`autograd.function`).
"""
from ..backend import array, array_module, asarray, xp
from ..function import Function
from ..tensor import Tensor
from ..threads import map_flat, worth_chunking

# ----- operands ---------------------------------------------------------------------


def _constant(value, dtype):
    """A non-Tensor operand, in the dtype of the Tensor it meets when that is floating.

    Plain Python numbers stay as they are: NumPy's weak scalar typing already keeps
    float32 float32. NumPy scalars and arrays are cast, so float32 never turns float64.
    """
    if type(value) in (int, float, bool):
        return value
    array = asarray(value)
    if dtype.kind == "f" and array.dtype != dtype:
        array = array.astype(dtype)
    return array


def operands(a, b, op_name):
    """Bring a binary op's operands (Tensors or constants) to one dtype."""
    if isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            return a, _constant(b, a.data.dtype)
        if a.data.dtype == b.data.dtype:
            return a, b
        float_a, float_b = a.data.dtype.kind == "f", b.data.dtype.kind == "f"
        if float_a and float_b:
            raise TypeError(
                f"{op_name}: dtype mismatch {a.dtype} vs {b.dtype}; convert one with .astype() "
                "(dyngrad never promotes float32 to float64 silently)")
        if float_a:
            return a, b.data.astype(a.data.dtype)
        if float_b:
            return a.data.astype(b.data.dtype), b
        return a, b
    if isinstance(b, Tensor):
        return _constant(a, b.data.dtype), b
    raise TypeError(f"{op_name}: expected at least one Tensor operand, got {type(a).__name__} "
                    f"and {type(b).__name__}")


def floating(x):
    """Integer and bool inputs as float32, PyTorch's default dtype (`exp(int tensor)` is
    float32, not NumPy's float64); floating inputs unchanged. A number or list (`exp(1.0)`)
    is an array of the default dtype, as Tensor() makes it."""
    if not hasattr(x, "dtype"):
        x = Tensor(x).data
    return x.astype(xp.float32) if x.dtype.kind in "biu" else x


def signum(x):
    """sign(x): -1, 0 or 1, and 0 at nan, as PyTorch's sign (NumPy's is nan there); written
    with where and comparisons, which Tensors dispatch, so rules that use it differentiate."""
    return xp.where(x == x, xp.sign(x), 0)


def in_float32(fn, x, *args, **kwargs):
    """fn(x, ...) of a float16 Tensor x computed in float32 and returned in float16, as
    PyTorch computes half-precision reductions (a float16 sum passes 65504 quickly: a
    variance or a norm of 70,000 values of 1 was inf). The casts are ops, so the gradient
    is computed in float32 too and comes back in float16. Other dtypes go straight to fn."""
    if x.dtype != xp.float16:
        return fn(x, *args, **kwargs)
    x = x if isinstance(x, Tensor) else Tensor(x)
    return astype(fn(astype(x, xp.float32), *args, **kwargs), xp.float16)


# ----- binary arithmetic ------------------------------------------------------------


class Add(Function):
    """y = a + b;  dL/da = g,  dL/db = g."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """y = a - b;  dL/da = g,  dL/db = -g."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


def _save_operands(ctx, a, b):
    """Save a and b, except that a Python-number b (x * 2.0) is kept as a plain attribute:
    then nothing is saved, so there is nothing to release or to check for in-place changes."""
    if type(b) is float or type(b) is int:
        ctx.number = b
    else:
        ctx.save_for_backward(a, b)


def _operands(ctx):
    number = ctx.__dict__.get("number")
    return (None, number) if number is not None else ctx.saved_tensors


class Mul(Function):
    """y = a * b;  dL/da = g * b,  dL/db = g * a."""

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = _operands(ctx)
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    """y = a / b;  dL/da = g / b,  dL/db = -g * a / b^2."""

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = _operands(ctx)
        grad_a = grad / b
        return grad_a, (-grad_a * a / b if ctx.needs_input_grad[1] else None)


class Pow(Function):
    """y = a ** b;  dL/da = g * b * a^(b-1),  dL/db = g * y * ln(a).

    As PyTorch, dL/da = 0 where b = 0 and dL/db = 0 where a = 0 and b >= 0 (the limits),
    instead of the nan of 0 * inf.
    """

    @staticmethod
    def forward(ctx, a, b):
        y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            grad_a = grad * b * a ** (b - 1)
            if not isinstance(b, (int, float)):  # x ** 2 needs no mask
                grad_a = xp.where(b == 0, 0, grad_a)
            elif b == 0:  # x ** 0 is constant (and CuPy's where takes no Python bool)
                grad_a = array_module(grad).zeros(grad.shape, dtype=grad.dtype)
        if need_b:
            grad_b = xp.where((a == 0) & (b >= 0), 0, grad * y * xp.log(a))
        return grad_a, grad_b


class _Choice(Function):
    """Shared by Maximum and Minimum: g goes to the chosen input, split evenly on ties (as PyTorch).

    The forward saves each input's share: 0 where it lost, 1/2 on ties, else 1 (a
    constant: the choice does not change under small perturbations), so
    dL/da = g * share_a,  dL/db = g * share_b. Where one is nan (y is nan) neither lost,
    and both get g, as PyTorch.
    """

    @staticmethod
    def choose(a, b):
        """(y, where a lost, where b lost)."""
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, a, b):
        y, a_lost, b_lost = cls.choose(a, b)
        tie = 0.5 * (a == b)
        ctx.save_for_backward((1 - a_lost - tie).astype(y.dtype, copy=False),
                              (1 - b_lost - tie).astype(y.dtype, copy=False))
        return y

    @staticmethod
    def backward(ctx, grad):
        share_a, share_b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * share_a if need_a else None), (grad * share_b if need_b else None)


class Maximum(_Choice):
    __doc__ = "y = max(a, b).  " + _Choice.__doc__

    @staticmethod
    def choose(a, b):
        return xp.maximum(a, b), a < b, a > b


class Minimum(_Choice):
    __doc__ = "y = min(a, b).  " + _Choice.__doc__

    @staticmethod
    def choose(a, b):
        return xp.minimum(a, b), a > b, a < b


class Where(Function):
    """y = a where condition else b;  dL/da = g * condition,  dL/db = g * (not condition)."""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        return xp.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        zero = array_module(grad).zeros((), dtype=grad.dtype)
        _, need_a, need_b = ctx.needs_input_grad
        return (None,
                xp.where(condition, grad, zero) if need_a else None,
                xp.where(condition, zero, grad) if need_b else None)


# ----- unary ------------------------------------------------------------------------


class UnaryFormula(Function):
    """Shared by the elementwise ops whose derivative is a formula: y = f(x), dL/dx = g * f'.

    A subclass gives three static methods, each with the op's parameters as keywords:
      function(x)      f on arrays (the forward)
      saved(x, y)      what f' needs, saved for backward: x (the default), y (`output`),
                       or a constant computed on arrays (a mask, for piecewise ops)
      derivative(v)    f' from the saved value, written with operators, NumPy functions
                       that Tensors dispatch and other ops' `call`, so it differentiates again
    Each op's class docstring states f and f'. Integer (and bool) inputs compute in float32,
    PyTorch's default dtype (`sin(int tensor)` is float32, not NumPy's float64), unless the
    class sets `keeps_integers` (square, as torch).
    """

    keeps_integers = False

    @staticmethod
    def function(x, **params):
        raise NotImplementedError

    @staticmethod
    def saved(x, y, **params):
        return x

    @staticmethod
    def output(x, y, **params):
        """For `saved = UnaryFormula.output`: f' written in terms of y."""
        return y

    @staticmethod
    def derivative(v, **params):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, x, **params):
        if not cls.keeps_integers:
            x = floating(x)
        y = cls.function(x, **params)
        ctx.save_for_backward(cls.saved(x, y, **params))
        ctx.__dict__.update(params)               # plain attributes, as ctx.stride (the graph shows them)
        ctx._param_names = tuple(params)
        return y

    @classmethod
    def backward(cls, ctx, grad):
        (v,) = ctx.saved_tensors
        return grad * cls.derivative(v, **{name: getattr(ctx, name) for name in ctx._param_names})

    @classmethod
    def call(cls, x, **params):
        """f(x) inside a derivative: the op on a Tensor (recorded), the array function on an array."""
        return cls.apply(x, **params) if isinstance(x, Tensor) else cls.function(x, **params)


class Neg(Function):
    """y = -x;  dL/dx = -g."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    """y = e^x;  dL/dx = g * y."""

    @staticmethod
    def forward(ctx, x):
        y = xp.exp(floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Function):
    """y = ln x;  dL/dx = g / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.log(floating(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    """y = sqrt(x);  dL/dx = g / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        y = xp.sqrt(floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class Abs(Function):
    """y = |x|;  dL/dx = g * sign(x) (0 at x = 0 and at nan, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * signum(x)


class Clip(Function):
    """y = min(max(x, low), high);  dL/dx = g where low <= x <= high, else 0."""

    @staticmethod
    def forward(ctx, x, low, high):
        inside = array_module(x).ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        ctx.save_for_backward(inside)
        return xp.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return grad * inside, None, None


class ReLU(Function):
    """y = max(x, 0);  dL/dx = g * [y != 0], i.e. g where x > 0 and, as PyTorch, where x is nan.

    The mask comes from the output (nan stays nan there, and nan != 0), at the cost of
    the `x > 0` it replaces.
    """

    @staticmethod
    def forward(ctx, x):
        # Not x * mask (-inf * 0 is nan) and not where(): maximum is one fast pass.
        if not worth_chunking(x):
            y = xp.maximum(x, 0)
            ctx.save_for_backward(y != 0)
            return y
        # Large inputs (conv activations): both passes per ~1 MB chunk, on the thread pool.
        y, passes = xp.empty(x.shape, dtype=x.dtype), xp.empty(x.shape, dtype=bool)   # host arrays
        map_flat(lambda xs, ys, ps: (xp.maximum(xs, 0, out=ys), xp.not_equal(ys, 0, out=ps)), x, y, passes)
        ctx.save_for_backward(passes)
        return y

    @staticmethod
    def backward(ctx, grad):
        (passes,) = ctx.saved_tensors
        if isinstance(grad, Tensor) or not worth_chunking(grad):
            return grad * passes
        dx = xp.empty(grad.shape, dtype=grad.dtype)
        map_flat(lambda gs, ps, ds: xp.multiply(gs, ps, out=ds), grad, passes, dx)
        return dx


class LeakyReLU(Function):
    """y = x if x > 0 else s x;  dL/dx = g if x > 0 else s g.

    Both are a product with the slope k = 1 where x > 0, else s, which the forward saves.
    """

    @staticmethod
    def forward(ctx, x, negative_slope):
        x = floating(x)
        slope = (x > 0).astype(x.dtype)
        slope *= 1 - negative_slope
        slope += negative_slope                   # 1 where x > 0, else s
        ctx.save_for_backward(slope)
        ctx.negative_slope = negative_slope
        return x * slope

    @staticmethod
    def backward(ctx, grad):
        (slope,) = ctx.saved_tensors
        return grad * slope, None


class Sigmoid(UnaryFormula):
    """y = 1 / (1 + e^-x);  dL/dx = g * y * (1 - y)."""

    @staticmethod
    def function(x):
        # With e = e^-|x| in (0, 1]: 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0. No
        # overflow for large |x|, and full relative precision for large negative x
        # (sigmoid(-40) = 4.2e-18, not 0).
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1, e) / (1 + e)

    saved = UnaryFormula.output

    @staticmethod
    def derivative(y):
        return y * (1 - y)


class Tanh(Function):
    """y = tanh x;  dL/dx = g * (1 - y^2)."""

    @staticmethod
    def forward(ctx, x):
        y = xp.tanh(floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class Astype(Function):
    """y = x converted to `dtype`;  dL/dx = g converted back to x's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.input_dtype), None


# ----- public functions -------------------------------------------------------------


def _binary(op, a, b, op_name):
    """Apply a broadcasting binary op; a shape mismatch names the op and both shapes."""
    a, b = operands(a, b, op_name)
    try:
        return op.apply(a, b)
    except ValueError as error:
        raise ValueError(f"{op_name}: {error}") from None


def add(a, b):
    return _binary(Add, a, b, "add")


def sub(a, b):
    return _binary(Sub, a, b, "sub")


def mul(a, b):
    return _binary(Mul, a, b, "mul")


def div(a, b):
    return _binary(Div, a, b, "div")


def pow(a, b):
    return _binary(Pow, a, b, "pow")


def maximum(a, b):
    return _binary(Maximum, a, b, "maximum")


def minimum(a, b):
    return _binary(Minimum, a, b, "minimum")


def where(condition, a, b):
    """Elements of `a` where `condition` holds, else of `b` (condition is not differentiated)."""
    # A copy: the caller may change the condition array before backward.
    condition = array(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        return Tensor(xp.where(condition, a, b))
    return Where.apply(condition, *operands(a, b, "where"))


def neg(x):
    return Neg.apply(x)


def exp(x):
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def sqrt(x):
    return Sqrt.apply(x)


def abs(x):
    return Abs.apply(x)


def clip(x, min=None, max=None):
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clip: min ({min}) is greater than max ({max})")
    # Bounds as Python floats: NumPy float64 scalars would promote a float32 result.
    return Clip.apply(x, None if min is None else float(min), None if max is None else float(max))


def relu(x):
    return ReLU.apply(x)


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, float(negative_slope))  # a NumPy float64 would promote float32


def sigmoid(x):
    return Sigmoid.apply(x)


def tanh(x):
    return Tanh.apply(x)


def astype(x, dtype):
    dtype = xp.dtype(dtype)
    if dtype == x.dtype:
        return x
    if x.requires_grad and dtype.kind != "f":
        raise TypeError(f"astype: cannot convert a tensor that requires grad to {dtype} "
                        "(not differentiable); detach() it first")
    return Astype.apply(x, dtype)
