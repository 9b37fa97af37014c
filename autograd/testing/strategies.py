"""Hypothesis strategies for tensors, broadcastable shapes and conv/pool parameters."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..ops.validation import output_size
from ..tensor import Tensor


def shapes(min_dims=0, max_dims=4, min_side=1, max_side=5):
    """Array shapes (size-1 axes included; no empty axes unless min_side=0)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def _elements(dtype, low, high):
    width = 32 if np.dtype(dtype) == np.float32 else 64
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=width)


@st.composite
def tensors(draw, shape=None, dtype=np.float64, elements=None, low=-5.0, high=5.0,
            requires_grad=True, **shape_kwargs):
    """A Tensor with the given (or a drawn) shape and dtype; values in [low, high] by default.

    `shape` may be a tuple or a strategy of tuples; `shape_kwargs` go to `shapes()`.
    """
    if shape is None:
        shape = shapes(**shape_kwargs)
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    data = draw(hnp.arrays(dtype, shape, elements=elements or _elements(dtype, low, high)))
    return Tensor(data, requires_grad=requires_grad and np.dtype(dtype).kind == "f")


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4):
    """Tuples of `num_shapes` shapes that broadcast together (size-1 and missing axes included)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda result: result.input_shapes)


@st.composite
def distinct_values(draw, shape, gap=0.1, dtype=np.float64):
    """An array of `shape` whose values are pairwise at least `gap` apart (no ties, no kinks).

    Use it where an op has a kink: max/min ties, relu at 0 (values are never 0), max pool.
    """
    size = int(np.prod(shape))
    order = draw(st.permutations(range(size)))
    # Values are k * gap + offset for integers k, with offset strictly inside (0, gap):
    # never 0, never a whole multiple of gap (so clip bounds at multiples of gap are safe).
    offset = draw(st.floats(0.1, 0.9)) * gap
    values = (np.asarray(order, dtype=np.float64) - size // 2) * gap + offset
    return values.reshape(shape).astype(dtype)


@st.composite
def conv2d_params(draw, max_batch=2, max_channels=3, max_out_channels=3, max_size=7, max_kernel=3,
                  max_stride=3, max_padding=2):
    """Valid conv2d settings: dict(N, C, H, W, out_channels, kernel_size, stride, padding).

    kernel_size, stride and padding are (height, width) pairs; the output is at least 1x1.
    """
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    padding = (draw(st.integers(0, max_padding)), draw(st.integers(0, max_padding)))
    height = draw(st.integers(max(1, kernel[0] - 2 * padding[0]), max(max_size, kernel[0])))
    width = draw(st.integers(max(1, kernel[1] - 2 * padding[1]), max(max_size, kernel[1])))
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    params = dict(N=draw(st.integers(1, max_batch)), C=draw(st.integers(1, max_channels)),
                  H=height, W=width, out_channels=draw(st.integers(1, max_out_channels)),
                  kernel_size=kernel, stride=stride, padding=padding)
    assert output_size(height, kernel[0], stride[0], padding[0]) >= 1
    assert output_size(width, kernel[1], stride[1], padding[1]) >= 1
    return params


@st.composite
def pool2d_params(draw, max_batch=2, max_channels=3, max_size=8, max_kernel=3, max_stride=3):
    """Valid pooling settings: dict(N, C, H, W, kernel_size, stride), pairs for kernel and stride."""
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    height = draw(st.integers(kernel[0], max(max_size, kernel[0])))
    width = draw(st.integers(kernel[1], max(max_size, kernel[1])))
    return dict(N=draw(st.integers(1, max_batch)), C=draw(st.integers(1, max_channels)),
                H=height, W=width, kernel_size=kernel, stride=stride)
