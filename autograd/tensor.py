"""Tensor: an array, its gradient, and the node of the graph that produced it.

This class stays thin: data, grad, flags, the producing node, operators and a few
methods that are one call each into `autograd.ops`. The backward rules live in the ops;
the graph walk lives in `engine.py`.
"""
import operator
import weakref

from . import dtypes
from .backend import ARRAYS, device_of, to_device, to_numpy, xp
from .grad_mode import _mode
from .hooks import RemovableHandle
from .ops.validation import check_axis


class VersionCounter:
    """How many times a tensor's data has been changed in place (shared between views)."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


def _is_floating(dtype):
    return dtype.kind == "f"


class Size(tuple):
    """A tensor's shape, as torch.Size: a tuple of ints that also knows its element count."""

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n

    def __repr__(self):
        return f"autograd.Size({list(self)})"


def _in_place(ufunc):
    """`ufunc(data, *args)` written into data itself: a `change` for `Tensor._inplace`."""
    def change(data, *args):
        ufunc(data, *args, out=data)
    return change


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Tensor(data, requires_grad=False, dtype=None)
      data: array, list or number. Python scalars and lists become the default dtype
      (float32, see `autograd.set_default_dtype`) unless `dtype` says otherwise, as
      `torch.Tensor(data)`; NumPy arrays keep their dtype and are not copied (except a
      non-native byte order, which is copied to native; a read-only array is shared, and
      in-place operations on it raise).
      (`autograd.tensor(data)` infers int64 and bool as `torch.tensor` does.)

    `.grad` is None or a Tensor of the same shape and dtype. NumPy interop goes both
    ways: `np.asarray(t)`, `array * t` (a Tensor, in the graph), `array -= t` (in place
    on the array), and NumPy functions with a dyngrad op (`np.exp(t)`, `np.where(c, t, 0)`)
    stay in the graph (`autograd.interop`).
    """

    __slots__ = ("data", "_grad", "_requires_grad", "_node", "_version", "_hooks", "__weakref__")

    def __init__(self, data, requires_grad=False, dtype=None):
        source = data
        if isinstance(data, Tensor):
            data = data.data
        if type(data) in ARRAYS and type(data) is not xp.ndarray:   # a device array stays there
            data = data if dtype is None else data.astype(dtypes.as_dtype(dtype, "Tensor"), copy=False)
        elif isinstance(data, (xp.ndarray, xp.generic)):
            data = xp.asarray(data, dtype=dtype)
        else:
            data = xp.asarray(data, dtype=dtypes.get_default_dtype() if dtype is None else dtype)
        if data.dtype.kind not in "biufc":   # strings, bytes, datetimes, objects, records
            raise TypeError(f"Tensor data must be numeric (bool, integer, float or complex); "
                            f"got an array of dtype {data.dtype}")
        if not data.dtype.isnative:   # big-endian on this machine: a native copy, as torch.tensor
            data = data.astype(data.dtype.newbyteorder("="))
        if requires_grad and not _is_floating(data.dtype):
            raise TypeError(f"only floating-point tensors can require gradients; got dtype {data.dtype}")
        self.data = data
        self._grad = None
        self._requires_grad = bool(requires_grad)
        self._node = None
        self._hooks = None
        # A tensor made from another one without a copy shares its data, so it shares
        # the version counter too: in-place changes through either are seen by both.
        shares = isinstance(source, Tensor) and data is source.data
        self._version = source._version if shares else VersionCounter()

    @classmethod
    def _make(cls, data):
        """Wrap an op's output without the checks of __init__ (the hot path)."""
        t = object.__new__(cls)
        t.data = data if type(data) in ARRAYS else xp.asarray(data)
        t._grad = None
        t._requires_grad = False
        t._node = None
        t._hooks = None
        t._version = VersionCounter()
        return t

    # ----- properties -------------------------------------------------------------
    @property
    def grad(self):
        """The gradient accumulated by backward: None or a Tensor of this tensor's shape and dtype."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}; "
                                "wrap an array as Tensor(array)")
            if value.shape != self.data.shape or value.dtype != self.data.dtype:
                raise ValueError(f"assigned grad has shape {value.shape} and dtype {value.dtype}; "
                                 f"the tensor has shape {self.data.shape} and dtype {self.data.dtype}")
        self._grad = value

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def is_leaf(self):
        """True for tensors the user made (and for results of ops that needed no grad)."""
        return self._node is None

    @property
    def grad_fn(self):
        """The node that produced this tensor, or None for a leaf."""
        return self._node

    @property
    def T(self):
        return self.transpose()

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise RuntimeError(f"a Tensor with {self.data.size} elements cannot be converted to Scalar")
        return self.data.item()

    def numpy(self, force=False):
        """The underlying array on the CPU (shares memory), a host copy on a GPU (a sync). As
        PyTorch, refused on a tensor that requires grad unless force=True: use `t.detach().numpy()`."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return to_numpy(self.data)

    def tolist(self):
        return self.data.tolist()

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        """Iterate over the first axis (each row is a differentiable `self[i]`), as PyTorch."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    # Without __bool__, Python would judge truth by __len__: Tensor([0.0]) would be True.
    def __bool__(self):
        if self.data.size != 1:
            kind = "no values" if self.data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {kind} is ambiguous")
        return bool(self.data.item())

    def __format__(self, spec):
        return format(self.data.item() if self.data.ndim == 0 else self.data, spec)

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def _scalar(self):
        if self.data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.data.item()

    def __repr__(self):
        extra = ""
        if self._node is not None:
            extra = f", grad_fn=<{self._node.name}>"
        elif self._requires_grad:
            extra = ", requires_grad=True"
        body = xp.array2string(to_numpy(self.data), prefix="Tensor(", separator=", ", threshold=20)
        where = "" if type(self.data) is xp.ndarray else f", device='{self.device}'"
        return f"Tensor({body}{where}, dtype={self.dtype}{extra})"

    # ----- NumPy protocols (autograd.interop) -----------------------------------------
    def __array__(self, dtype=None, copy=None):
        if type(self.data) is not xp.ndarray:
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. "
                            "Use Tensor.cpu() to copy the tensor to host memory first.")
        if copy:
            return xp.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return interop.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return interop.array_function(func, args, kwargs)

    # ----- graph ------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) * gradient into `.grad` of every leaf that requires grad.

        `gradient` defaults to 1 for a one-element tensor and is required otherwise.
        `retain_graph` defaults to `create_graph`; with create_graph=True the gradients
        carry a graph (for second derivatives); `inputs` limits which tensors accumulate.
        """
        from .engine import backward
        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def detach(self):
        """A new leaf sharing this tensor's data, cut from the graph."""
        t = Tensor._make(self.data)
        t._version = self._version
        return t

    def register_hook(self, hook):
        """Call hook(grad) with this tensor's gradient during backward; a returned Tensor replaces it.

        Returns a handle whose `.remove()` unregisters the hook.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is not None:
            return self._node.register_hook(hook)
        if self._hooks is None:
            self._hooks = {}
        return RemovableHandle(self._hooks, hook)

    def retain_grad(self):
        """Ask backward to store `.grad` on this non-leaf tensor too (it accumulates, as for leaves)."""
        if self._node is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
            return
        if getattr(self._node, "retains_grad", False):
            return
        tensor = weakref.ref(self)

        def store(grad):
            t = tensor()
            if t is not None:
                g = grad if grad._requires_grad else Tensor._make(grad.data.copy())
                t.grad = g if t.grad is None else t.grad + g

        self._node.register_hook(store)
        self._node.retains_grad = True

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not _is_floating(self.dtype):
            raise TypeError(f"only floating-point tensors can require gradients; got dtype {self.dtype}")
        if self._node is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf tensors; use detach()")
        self._requires_grad = bool(requires_grad)
        return self

    def draw(self, **kwargs):
        """Render the graph that produced this tensor (see `autograd.draw_graph`)."""
        from .viz import draw_graph
        return draw_graph(self, **kwargs)

    # ----- in-place changes (outside the graph) -------------------------------------
    def _inplace(self, op_name, change, *args):
        """Apply `change(self.data, *args)` in place, outside the graph, and bump the version."""
        if self._requires_grad and _mode.enabled:
            kind = "a leaf tensor" if self._node is None else "a tensor"
            raise RuntimeError(
                f"{op_name}: in-place operation on {kind} that requires grad; use an out-of-place "
                "operation, or do it inside `with no_grad():` (as optimizers do)")
        if not getattr(getattr(self.data, "flags", None), "writeable", True):
            raise ValueError(f"{op_name}: the tensor's data is a read-only array (e.g. from "
                             "np.load(mmap_mode='r') or with writeable=False), which in-place "
                             "operations can't change; make the tensor from a copy")
        change(self.data, *args)
        self._version.value += 1  # only once the change has happened: a failed one changes nothing
        return self

    def __iadd__(self, other):
        return self._inplace("+=", operator.iadd, _raw(other))

    def __isub__(self, other):
        return self._inplace("-=", operator.isub, _raw(other))

    def __imul__(self, other):
        return self._inplace("*=", operator.imul, _raw(other))

    def __itruediv__(self, other):
        return self._inplace("/=", operator.itruediv, _raw(other))

    def __setitem__(self, index, value):
        self._inplace("setitem", operator.setitem, _raw(index), _raw(value))

    def add_(self, other, *, alpha=1):
        return self._inplace("add_", operator.iadd, _raw(other) if alpha == 1 else _raw(other) * alpha)

    def sub_(self, other, *, alpha=1):
        return self._inplace("sub_", operator.isub, _raw(other) if alpha == 1 else _raw(other) * alpha)

    def mul_(self, other):
        return self._inplace("mul_", operator.imul, _raw(other))

    def div_(self, other):
        return self._inplace("div_", operator.itruediv, _raw(other))

    def zero_(self):
        return self._inplace("zero_", xp.copyto, 0)

    def fill_(self, value):
        return self._inplace("fill_", xp.copyto, value)

    def copy_(self, other):
        return self._inplace("copy_", xp.copyto, to_device(_raw(other), self.device))

    # ----- operators ----------------------------------------------------------------
    def __add__(self, other):
        return elementwise.add(self, other)

    def __radd__(self, other):
        return elementwise.add(other, self)

    def __sub__(self, other):
        return elementwise.sub(self, other)

    def __rsub__(self, other):
        return elementwise.sub(other, self)

    def __mul__(self, other):
        return elementwise.mul(self, other)

    def __rmul__(self, other):
        return elementwise.mul(other, self)

    def __truediv__(self, other):
        return elementwise.div(self, other)

    def __rtruediv__(self, other):
        return elementwise.div(other, self)

    def __pow__(self, other):
        return elementwise.pow(self, other)

    def __rpow__(self, other):
        return elementwise.pow(other, self)

    def __matmul__(self, other):
        return linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return linalg.matmul(other, self)

    def __neg__(self):
        return elementwise.neg(self)

    def __pos__(self):
        return self

    def __getitem__(self, index):
        return shape_ops.getitem(self, index)

    # Comparisons give bool Tensors outside the graph (they are not differentiable).
    def __lt__(self, other):
        return comparison.lt(self, other) if comparison.supported(other) else NotImplemented

    def __le__(self, other):
        return comparison.le(self, other) if comparison.supported(other) else NotImplemented

    def __gt__(self, other):
        return comparison.gt(self, other) if comparison.supported(other) else NotImplemented

    def __ge__(self, other):
        return comparison.ge(self, other) if comparison.supported(other) else NotImplemented

    def __eq__(self, other):
        return comparison.eq(self, other) if comparison.supported(other) else NotImplemented

    def __ne__(self, other):
        return comparison.ne(self, other) if comparison.supported(other) else NotImplemented

    __hash__ = object.__hash__

    # ----- elementwise --------------------------------------------------------------
    def exp(self):
        return elementwise.exp(self)

    def log(self):
        return elementwise.log(self)

    def sqrt(self):
        return elementwise.sqrt(self)

    def abs(self):
        return elementwise.abs(self)

    def clip(self, min=None, max=None):
        return elementwise.clip(self, min, max)

    def maximum(self, other):
        return elementwise.maximum(self, other)

    def minimum(self, other):
        return elementwise.minimum(self, other)

    def relu(self):
        return elementwise.relu(self)

    def leaky_relu(self, negative_slope=0.01):
        return elementwise.leaky_relu(self, negative_slope)

    def sigmoid(self):
        return elementwise.sigmoid(self)

    def tanh(self):
        return elementwise.tanh(self)

    def softmax(self, axis=-1, *, dim=None):
        return loss.softmax(self, axis, dim=dim)

    def log_softmax(self, axis=-1, *, dim=None):
        return loss.log_softmax(self, axis, dim=dim)

    def astype(self, dtype):
        return elementwise.astype(self, dtype)

    # ----- reductions ---------------------------------------------------------------
    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
        return reduce.sum(self, axis, keepdims, dim=dim, keepdim=keepdim, dtype=dtype)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
        return reduce.mean(self, axis, keepdims, dim=dim, keepdim=keepdim, dtype=dtype)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return reduce.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return reduce.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    # ----- shape --------------------------------------------------------------------
    def reshape(self, *shape):
        return shape_ops.reshape(self, *shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        return shape_ops.flatten(self, start_dim, end_dim)

    def transpose(self, *axes):
        return shape_ops.transpose(self, *axes)

    def permute(self, *dims):
        return shape_ops.permute(self, *dims)

    def pad(self, pad_width, value=0.0):
        return shape_ops.pad(self, pad_width, value)

    def broadcast_to(self, shape):
        return shape_ops.broadcast_to(self, shape)

    def expand_dims(self, axis):
        return shape_ops.expand_dims(self, axis)

    def swapaxes(self, axis1, axis2):
        return shape_ops.transpose(self, axis1, axis2)

    def squeeze(self, dim=None, *, axis=None):
        return shape_ops.squeeze(self, axis, dim=dim)

    # ----- shape, index, reduction ops (issue 9 ops) ------------------------------------
    def view_as(self, other):
        return shape_ops.view_as(self, other)

    def unsqueeze(self, dim):
        return shape_ops.unsqueeze(self, dim)

    def unflatten(self, dim, sizes):
        return shape_ops.unflatten(self, dim, sizes)

    def expand(self, *sizes):
        return shape_ops.expand(self, *sizes)

    def expand_as(self, other):
        return shape_ops.expand(self, other.shape)

    def t(self):
        return shape_ops.t(self)

    @property
    def mT(self):
        return shape_ops.matrix_transpose(self)

    def repeat(self, *sizes):
        return movement.repeat(self, *sizes)

    def repeat_interleave(self, repeats, dim=None):
        return movement.repeat_interleave(self, repeats, dim)

    def flip(self, *dims_args, dims=None):
        return movement.flip(self, dims if dims is not None else
                             dims_args[0] if len(dims_args) == 1 else dims_args)

    def roll(self, shifts, dims=None):
        return movement.roll(self, shifts, dims)

    def chunk(self, chunks, dim=0):
        return movement.chunk(self, chunks, dim)

    def split(self, split_size_or_sections, dim=0):
        return movement.split(self, split_size_or_sections, dim)

    def unbind(self, dim=0):
        return movement.unbind(self, dim)

    def unfold(self, dimension, size, step):
        return movement.unfold(self, dimension, size, step)

    def tril(self, diagonal=0):
        return index_ops.tril(self, diagonal)

    def triu(self, diagonal=0):
        return index_ops.triu(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return index_ops.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal=0):
        return index_ops.diag(self, diagonal)

    def gather(self, dim, index):
        return index_ops.gather(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None):
        return index_ops.scatter(self, dim, index, src, value=value)

    def scatter_add(self, dim, index, src):
        return index_ops.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        return index_ops.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        return index_ops.masked_fill(self, mask, value)

    def where(self, condition, other):
        return elementwise.where(condition, self, other)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return reduce.amax(self, axis, keepdim if keepdims is None else keepdims, dim=dim)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return reduce.amin(self, axis, keepdim if keepdims is None else keepdims, dim=dim)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return reduce.argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return reduce.argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def prod(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        return reduce.prod(self, axis, keepdim if keepdims is None else keepdims, dim=dim, dtype=dtype)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        return reduce.var(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        return reduce.std(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return reduce.logsumexp(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        """The vector p-norm over dim, all elements by default (e.g. `w.grad.norm()`)."""
        return reduce.norm(self, p, dim, keepdim, dtype, axis=axis, keepdims=keepdims)

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return reduce.all(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return reduce.any(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def count_nonzero(self, dim=None):
        return reduce.count_nonzero(self, dim)

    def cumsum(self, dim, *, dtype=None):
        return scan.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim, *, dtype=None):
        return scan.cumprod(self, dim, dtype=dtype)

    def cummax(self, dim):
        return scan.cummax(self, dim)

    def cummin(self, dim):
        return scan.cummin(self, dim)

    def logcumsumexp(self, dim):
        return scan.logcumsumexp(self, dim)

    def sort(self, dim=-1, descending=False, stable=False):
        return sort_ops.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return sort_ops.argsort(self, dim, descending, stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return sort_ops.topk(self, k, dim, largest, sorted)

    def matmul(self, other):
        return linalg.matmul(self, other)

    def mm(self, other):
        return linalg.mm(self, other)

    def bmm(self, other):
        return linalg.bmm(self, other)

    def dot(self, other):
        return linalg.dot(self, other)

    def outer(self, other):
        return linalg.outer(self, other)

    # ----- creation, conversion, comparison (issue 9 API) ------------------------------
    def size(self, dim=None):
        """The shape as an `autograd.Size` (a tuple), or the length of dimension `dim` (PyTorch)."""
        if dim is None:
            return Size(self.data.shape)
        return self.data.shape[check_axis("size", dim, self.data.ndim)]

    def numel(self):
        """The number of elements."""
        return self.data.size

    def dim(self):
        return self.data.ndim

    def element_size(self):
        """Bytes per element."""
        return self.data.itemsize

    @property
    def device(self):
        return device_of(self.data)

    @property
    def is_cuda(self):
        return type(self.data) is not xp.ndarray

    def is_floating_point(self):
        return self.data.dtype.kind == "f"

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """`to(dtype)`, `to(device)`, `to(device, dtype)` or `to(other)`; self when nothing changes."""
        return conversion.to(self, *args, dtype=dtype, device=device, copy=copy)

    def cpu(self):
        return conversion.to(self, "cpu")

    def cuda(self, device=None):
        """The tensor on CUDA device `device` (an index, a string or a device; the current one by default)."""
        return conversion.to(self, f"cuda:{device}" if isinstance(device, int) else (device or "cuda"))

    def float(self):
        return conversion.to(self, dtypes.float32)

    def double(self):
        return conversion.to(self, dtypes.float64)

    def half(self):
        return conversion.to(self, dtypes.float16)

    def long(self):
        return conversion.to(self, dtypes.int64)

    def int(self):
        return conversion.to(self, dtypes.int32)

    def bool(self):
        return conversion.to(self, dtypes.bool)

    def type(self, dtype=None, non_blocking=False):
        """PyTorch's type name ("torch.FloatTensor"), or the tensor converted to `dtype`."""
        return conversion.type_(self, dtype)

    def clone(self):
        return conversion.clone(self)

    def contiguous(self):
        return conversion.contiguous(self)

    def is_contiguous(self):
        return bool(self.data.flags.c_contiguous)

    def new_tensor(self, data, *, dtype=None, requires_grad=False):
        return creation.tensor(data, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad,
                               device=self.device)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        return creation.zeros(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad,
                              device=self.device)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        return creation.ones(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad,
                             device=self.device)

    def new_empty(self, *size, dtype=None, requires_grad=False):
        return creation.empty(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad,
                              device=self.device)

    def new_full(self, size, fill_value, *, dtype=None, requires_grad=False):
        return creation.full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                             requires_grad=requires_grad, device=self.device)

    # in place, outside the graph (the rules of `_inplace`)
    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill with N(mean, std^2) draws from `generator` (default: the thread's default)."""
        if std < 0:
            raise ValueError(f"normal_: std must be non-negative, got {std}")
        values = _generator(generator, "normal_").normal(mean, std, self.data.shape)
        return self._inplace("normal_", xp.copyto, to_device(values, self.device))

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fill with U(a, b) draws from `generator` (default: the thread's default)."""
        if a > b:
            raise ValueError(f"uniform_: expects a [from, to) range, but got from={a} > to={b}")
        values = _generator(generator, "uniform_").uniform(a, b, self.data.shape)
        return self._inplace("uniform_", xp.copyto, to_device(values, self.device))

    def pow_(self, exponent):
        return self._inplace("pow_", _in_place(xp.power), _raw(exponent))

    def neg_(self):
        return self._inplace("neg_", _in_place(xp.negative))

    def abs_(self):
        return self._inplace("abs_", _in_place(xp.absolute))

    def sqrt_(self):
        return self._inplace("sqrt_", _in_place(xp.sqrt))

    def exp_(self):
        return self._inplace("exp_", _in_place(xp.exp))

    def log_(self):
        return self._inplace("log_", _in_place(xp.log))

    def clamp_(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        return self._inplace("clamp_", _in_place(xp.clip), _raw(min), _raw(max))

    clip_ = clamp_

    def addcmul_(self, tensor1, tensor2, *, value=1):
        """self += value * tensor1 * tensor2."""
        return self._inplace("addcmul_", operator.iadd, value * _raw(tensor1) * _raw(tensor2))

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        """self += value * tensor1 / tensor2."""
        return self._inplace("addcdiv_", operator.iadd, value * _raw(tensor1) / _raw(tensor2))

    def lerp_(self, end, weight):
        """self += weight * (end - self)."""
        return self._inplace("lerp_", operator.iadd, _raw(weight) * (_raw(end) - self.data))

    # comparisons (bool Tensors outside the graph), and & | ^ ~ on bool or integer tensors
    def eq(self, other):
        return comparison.eq(self, other)

    def ne(self, other):
        return comparison.ne(self, other)

    def lt(self, other):
        return comparison.lt(self, other)

    def le(self, other):
        return comparison.le(self, other)

    def gt(self, other):
        return comparison.gt(self, other)

    def ge(self, other):
        return comparison.ge(self, other)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return comparison.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return comparison.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        return comparison.equal(self, other)

    def isnan(self):
        return comparison.isnan(self)

    def isinf(self):
        return comparison.isinf(self)

    def isfinite(self):
        return comparison.isfinite(self)

    def logical_and(self, other):
        return comparison.logical_and(self, other)

    def logical_or(self, other):
        return comparison.logical_or(self, other)

    def logical_xor(self, other):
        return comparison.logical_xor(self, other)

    def logical_not(self):
        return comparison.logical_not(self)

    def __and__(self, other):
        return comparison.bitwise_and(self, other)

    def __rand__(self, other):
        return comparison.bitwise_and(other, self)

    def __or__(self, other):
        return comparison.bitwise_or(self, other)

    def __ror__(self, other):
        return comparison.bitwise_or(other, self)

    def __xor__(self, other):
        return comparison.bitwise_xor(self, other)

    def __rxor__(self, other):
        return comparison.bitwise_xor(other, self)

    def __invert__(self):
        return comparison.bitwise_not(self)


    # ----- elementwise math and activations (issue9-math) -------------------------------
    def sin(self):
        return math_ops.sin(self)

    def cos(self):
        return math_ops.cos(self)

    def tan(self):
        return math_ops.tan(self)

    def asin(self):
        return math_ops.asin(self)

    def acos(self):
        return math_ops.acos(self)

    def atan(self):
        return math_ops.atan(self)

    def sinh(self):
        return math_ops.sinh(self)

    def cosh(self):
        return math_ops.cosh(self)

    def asinh(self):
        return math_ops.asinh(self)

    def acosh(self):
        return math_ops.acosh(self)

    def atanh(self):
        return math_ops.atanh(self)

    def erf(self):
        return math_ops.erf(self)

    def erfc(self):
        return math_ops.erfc(self)

    def exp2(self):
        return math_ops.exp2(self)

    def expm1(self):
        return math_ops.expm1(self)

    def log2(self):
        return math_ops.log2(self)

    def log10(self):
        return math_ops.log10(self)

    def log1p(self):
        return math_ops.log1p(self)

    def rsqrt(self):
        return math_ops.rsqrt(self)

    def reciprocal(self):
        return math_ops.reciprocal(self)

    def square(self):
        return math_ops.square(self)

    def sign(self):
        return math_ops.sign(self)

    def floor(self):
        return math_ops.floor(self)

    def ceil(self):
        return math_ops.ceil(self)

    def trunc(self):
        return math_ops.trunc(self)

    def frac(self):
        return math_ops.frac(self)

    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh

    def round(self, decimals=0):
        return math_ops.round(self, decimals)

    def atan2(self, other):
        return math_ops.atan2(self, other)

    arctan2 = atan2

    def hypot(self, other):
        return math_ops.hypot(self, other)

    def copysign(self, other):
        return math_ops.copysign(self, other)

    def logaddexp(self, other):
        return math_ops.logaddexp(self, other)

    def lerp(self, end, weight):
        return math_ops.lerp(self, end, weight)

    def pow(self, exponent):
        return elementwise.pow(self, exponent)

    def float_power(self, exponent):
        return math_ops.float_power(self, exponent)

    def clamp(self, min=None, max=None):
        return math_ops.clamp(self, min, max)

    def clamp_min(self, min):
        return math_ops.clamp_min(self, min)

    def clamp_max(self, max):
        return math_ops.clamp_max(self, max)

    def prelu(self, weight):
        return activation.prelu(self, weight)


def _raw(value):
    """The array behind a Tensor; anything else unchanged."""
    return value.data if isinstance(value, Tensor) else value


# The ops import Tensor, so they are imported after it is defined.
from . import interop  # noqa: E402
from .ops import elementwise, linalg, loss, reduce  # noqa: E402
from .ops import shape as shape_ops  # noqa: E402
from .ops import index as index_ops, movement, scan  # noqa: E402
from .ops import sort as sort_ops  # noqa: E402
from .ops import activation, math as math_ops  # noqa: E402  (issue9-math)
# creation, conversion, comparison (issue 9 API)
from .ops import comparison, conversion  # noqa: E402
from . import creation  # noqa: E402
from .random import resolve as _generator  # noqa: E402
