"""The device paths of col2im and the pools (autograd/ops/device_kernels.py) against the CPU's
offset loops: values and gradients in float64 over a table of geometries, the kernels one
by one, and that on a device they are a fixed number of operations whatever the window.

On CPU-only machines the device is the stand-in; benchmarks/gpu_check.sh runs this file on
CuPy (DYNGRAD_TEST_CUDA=cupy), except the counting tests, which only the stand-in can count.
"""
import os

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from autograd import backend, standin
from autograd.ops import conv, device_kernels, pool

pytestmark = pytest.mark.device
ON_STANDIN = os.environ.get("DYNGRAD_TEST_CUDA", "standin") == "standin"
TOLERANCE = dict(rtol=1e-12, atol=1e-12)


@pytest.fixture(autouse=True, scope="module")
def cuda():
    previous = backend.use_cuda_backend(os.environ.get("DYNGRAD_TEST_CUDA", "standin"))
    yield
    backend.use_cuda_backend(previous)


# (name, function of tensors, input shapes): conv with stride, padding, dilation, groups;
# pools with overlapping windows, padding, dilation, ceil_mode.
CASES = [
    ("conv_3x3_pad1", lambda x, w, b: ag.conv2d(x, w, b, padding=1), [(2, 3, 7, 7), (4, 3, 3, 3), (4,)]),
    ("conv_stride2_pad1", lambda x, w, b: ag.conv2d(x, w, b, stride=2, padding=1), [(2, 3, 8, 7), (4, 3, 3, 3), (4,)]),
    ("conv_rect_stride_dilation", lambda x, w: ag.conv2d(x, w, stride=(2, 1), padding=(2, 1), dilation=(2, 3)),
     [(2, 2, 9, 10), (3, 2, 3, 2)]),
    ("conv_groups", lambda x, w, b: ag.conv2d(x, w, b, padding=1, groups=2), [(2, 4, 6, 6), (6, 2, 3, 3), (6,)]),
    ("conv_same_even_kernel", lambda x, w: ag.conv2d(x, w, padding="same"), [(1, 2, 6, 5), (2, 2, 4, 2)]),
    ("conv_5x5_stride3", lambda x, w: ag.conv2d(x, w, stride=3, padding=2), [(2, 1, 11, 11), (2, 1, 5, 5)]),
    ("conv1d_dilated", lambda x, w: F.conv1d(x, w, padding=2, dilation=2), [(2, 3, 9), (2, 3, 3)]),
    ("conv_transpose_stride2", lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), [(2, 3, 4, 4), (3, 2, 3, 3)]),
    ("max_pool_2x2", lambda x: ag.max_pool2d(x, 2), [(2, 3, 6, 6)]),
    ("max_pool_3x3_stride1_pad1", lambda x: ag.max_pool2d(x, 3, stride=1, padding=1), [(2, 3, 5, 5)]),
    ("max_pool_3x3_stride2", lambda x: ag.max_pool2d(x, 3, stride=2), [(2, 2, 9, 8)]),
    ("max_pool_dilated", lambda x: ag.max_pool2d(x, (2, 3), stride=(1, 2), dilation=(2, 1)), [(1, 2, 7, 8)]),
    ("max_pool_ceil_mode", lambda x: ag.max_pool2d(x, 3, stride=2, ceil_mode=True), [(2, 2, 8, 8)]),
    ("max_pool_floor_leftover", lambda x: ag.max_pool2d(x, 2), [(1, 2, 7, 5)]),
    ("max_pool1d_overlap", lambda x: F.max_pool1d(x, 4, stride=2, padding=2), [(2, 3, 9)]),
    ("avg_pool_3x3_stride2", lambda x: ag.avg_pool2d(x, 3, stride=2), [(2, 3, 7, 7)]),
    ("avg_pool_pad_overlap", lambda x: ag.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False),
     [(1, 2, 5, 6)]),
]
# Second order: the backward ops (Col2im, Im2col, MaxPoolScatter, MaxPoolGather, AvgPoolSpread)
# run forward on the device inside a create_graph backward.
SECOND_ORDER = [
    ("conv_dilated", lambda v: ag.conv2d(v, v[:2, :, :3, :3], stride=2, padding=2, dilation=2), (2, 3, 7, 7)),
    ("max_pool_overlap", lambda v: ag.max_pool2d(v, 3, stride=2, padding=1), (1, 2, 6, 6)),
    ("avg_pool_overlap", lambda v: ag.avg_pool2d(v, 3, stride=2), (1, 2, 7, 7)),
]


def _arrays(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


def _forward_backward(device, fn, arrays, seed):
    inputs = [ag.tensor(a, device=device, requires_grad=True) for a in arrays]
    out = fn(*inputs)
    out.backward(ag.tensor(np.random.default_rng(seed).standard_normal(out.shape), device=device))
    return out.detach().numpy(), [x.grad.numpy() for x in inputs]


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_the_cpu(name, fn, shapes):
    arrays = _arrays(shapes, len(name))
    want, want_grads = _forward_backward("cpu", fn, arrays, 1)
    got, grads = _forward_backward("cuda", fn, arrays, 1)
    np.testing.assert_allclose(got, want, **TOLERANCE, err_msg=f"{name}: forward")
    for i, (grad, want_grad) in enumerate(zip(grads, want_grads)):
        np.testing.assert_allclose(grad, want_grad, **TOLERANCE, err_msg=f"{name}: gradient of input {i}")


@pytest.mark.parametrize("name, fn, shape", SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_second_order_matches_the_cpu(name, fn, shape):
    def grad_of_grad(device):
        x = ag.tensor(_arrays([shape], 3)[0], device=device, requires_grad=True)
        (g,) = ag.grad((fn(x) ** 2).sum(), [x], create_graph=True)
        (gg,) = ag.grad((g * g).sum(), [x])
        return g.detach().numpy(), gg.numpy()

    for got, want in zip(grad_of_grad("cuda"), grad_of_grad("cpu")):
        np.testing.assert_allclose(got, want, **TOLERANCE, err_msg=name)


# (input shape, kernel, stride, padding (top, bottom, left, right), dilation), for the kernels alone.
GEOMETRIES = [
    ((2, 3, 7, 7), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),
    ((2, 2, 9, 8), (3, 2), (2, 3), (2, 1, 0, 1), (2, 1)),
    ((1, 1, 6, 6), (5, 5), (1, 1), (2, 2, 2, 2), (1, 1)),
    ((2, 4, 6, 6), (2, 2), (2, 2), (0, 0, 0, 0), (1, 1)),
    ((1, 2, 1, 9), (1, 4), (1, 3), (0, 0, 1, 2), (1, 2)),
]


def _device(array):
    return backend.to_device(array, "cuda")


@pytest.mark.parametrize("shape, kernel, stride, padding, dilation", GEOMETRIES)
def test_col2im_matches_the_cpu_loop(shape, kernel, stride, padding, dilation):
    Ho, Wo = conv._output_hw(shape, kernel, stride, padding, dilation)
    cols = np.random.default_rng(0).standard_normal((shape[0], shape[1] * kernel[0] * kernel[1], Ho * Wo))
    want = conv._col2im(cols, kernel, stride, padding, dilation, shape)
    got = conv._col2im(_device(cols), kernel, stride, padding, dilation, shape)
    assert backend.is_device(got) and got.shape == want.shape
    np.testing.assert_allclose(backend.to_numpy(got), want, **TOLERANCE)


@pytest.mark.parametrize("shape, kernel, stride, padding, dilation", GEOMETRIES)
def test_max_pool_kernels_match_the_cpu_loop(shape, kernel, stride, padding, dilation):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    x[:, :, 0, :3] = 5.0                           # ties: the first maximum wins on both paths
    out, arg = pool.window_argmax(x, kernel, stride, dilation)
    d_out, d_arg = pool.window_argmax(_device(x), kernel, stride, dilation)
    np.testing.assert_array_equal(backend.to_numpy(d_out), out)
    np.testing.assert_array_equal(backend.to_numpy(d_arg), arg)
    assert d_arg.dtype == arg.dtype
    geometry = dict(arg=arg, kernel_size=kernel, stride=stride, dilation=dilation)
    d_geometry = dict(geometry, arg=d_arg)
    g = rng.standard_normal(out.shape)
    ctx = type("Context", (), {})
    want = pool.MaxPoolScatter.forward(ctx(), g, input_shape=shape, **geometry)
    got = pool.MaxPoolScatter.forward(ctx(), _device(g), input_shape=shape, **d_geometry)
    np.testing.assert_allclose(backend.to_numpy(got), want, **TOLERANCE)
    np.testing.assert_array_equal(backend.to_numpy(pool.MaxPoolGather.forward(ctx(), _device(x), **d_geometry)),
                                  pool.MaxPoolGather.forward(ctx(), x, **geometry))


def _launches(run):
    run()                                           # builds and uploads the index maps
    standin.kernels["launched"] = 0
    standin.counts.update(upload=0)
    run()
    assert standin.counts["upload"] == 0, "the cached maps are not uploaded again"
    return standin.kernels["launched"]


@pytest.mark.skipif(not ON_STANDIN, reason="only the stand-in counts kernel launches")
def test_device_kernels_do_not_loop_over_window_offsets():
    """The same number of device operations for a 2x2 and a 5x5 window (the CPU loops make
    kh*kw), so the device path is the one taken and it has no per-offset Python loop."""
    x = _device(np.random.default_rng(2).standard_normal((2, 3, 12, 12)))
    ctx = type("Context", (), {})
    counts = {}
    for kernel in [(2, 2), (3, 3), (5, 5)]:
        geometry = dict(kernel_size=kernel, stride=(1, 1), dilation=(1, 1))
        Ho, Wo = conv._output_hw(x.shape, kernel, (1, 1), (1, 1, 1, 1), (1, 1))
        cols = _device(np.ones((2, 3 * kernel[0] * kernel[1], Ho * Wo)))
        out, arg = pool.window_argmax(x, kernel, (1, 1), (1, 1))
        counts[kernel] = [
            _launches(lambda: conv._col2im(cols, kernel, (1, 1), (1, 1, 1, 1), (1, 1), x.shape)),
            _launches(lambda: pool.window_argmax(x, kernel, (1, 1), (1, 1))),
            _launches(lambda: pool.MaxPoolScatter.forward(ctx(), out, arg=arg, input_shape=x.shape, **geometry)),
            _launches(lambda: pool.MaxPoolGather.forward(ctx(), x, arg=arg, **geometry)),
            _launches(lambda: pool.AvgPoolSpread.forward(ctx(), out, kernel_size=kernel, stride=(1, 1),
                                                         input_shape=x.shape)),
        ]
    assert counts[(2, 2)] == counts[(3, 3)] == counts[(5, 5)], counts
    assert max(counts[(5, 5)]) < 16, counts       # a few operations (reshapes count too); loops make 25+


def test_index_maps_are_cached_with_a_bound():
    device_kernels._table.cache_clear()
    for size in range(5, 5 + device_kernels.CACHE_SIZE + 10):
        device_kernels._table((size, size), (3, 3), (1, 1), (1, 1), (0, 0, 0, 0), "windows")
    info = device_kernels._table.cache_info()
    assert info.currsize == device_kernels.CACHE_SIZE and info.maxsize == device_kernels.CACHE_SIZE


def test_the_table_lists_each_pixels_entries_in_the_host_loops_order():
    # A 3-wide window with stride 1 over 5 pixels: pixel 2 is read by windows 0, 1, 2 at
    # offsets 2, 1, 0; the host loop adds them in ascending offset, so windows 2, 1, 0.
    table = device_kernels._table((1, 5), (1, 3), (1, 1), (1, 1), (0, 0, 0, 0), "windows")
    K, zero = 3, 9                                  # 3 windows of 3 offsets; slot 9 holds 0
    assert table[2].tolist() == [2 * K + 0, 1 * K + 1, 0 * K + 2]
    assert table[0].tolist() == [0, zero, zero]     # pixel 0: window 0, offset 0 only
    columns = device_kernels._table((1, 5), (1, 3), (1, 1), (1, 1), (0, 0, 1, 1), "columns")
    assert columns.shape == (3, 3) and columns[0].tolist() == [0 * 3 + 1, 1 * 3 + 0, zero]


@pytest.mark.skipif(not ON_STANDIN, reason="the stand-in's own rules")
def test_the_standin_has_ufunc_methods_only_where_cupy_does():
    a = _device(np.arange(4.0))
    np.add.at(a, _device(np.array([0, 0])), 1.0)  # CuPy: ufunc.at through scatter_add
    assert a.tolist() == [2.0, 1.0, 2.0, 3.0]
    for call in (lambda: np.multiply.at(a, _device(np.array([0])), 2.0),
                 lambda: np.maximum.accumulate(a), lambda: np.logaddexp.accumulate(a),
                 lambda: np.maximum.reduce(a)):
        with pytest.raises(NotImplementedError, match="is not supported yet"):
            call()
    assert np.add.accumulate(a).tolist() == [2.0, 3.0, 5.0, 8.0]


RESAMPLES = [
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3))),
    ("interpolate_bilinear", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)),
]


@pytest.mark.parametrize("name, fn", RESAMPLES, ids=[r[0] for r in RESAMPLES])
def test_resample_on_a_device_does_not_sync_and_keeps_nan_where_the_cpu_does(name, fn):
    x = np.random.default_rng(4).standard_normal((2, 3, 5, 7))
    x[0, 0, 1, 2], x[1, 2, 4, 0], x[1, 1, 0, 6] = np.nan, np.inf, -np.inf
    for values in (x, np.nan_to_num(x)):                # non-finite inputs, and all finite
        want, (want_grad,) = _forward_backward("cpu", fn, [values], 5)
        got, (grad,) = _forward_backward("cuda", fn, [values], 5)
        np.testing.assert_allclose(got, want, **TOLERANCE, err_msg=f"{name}: forward")
        np.testing.assert_allclose(grad, want_grad, **TOLERANCE, err_msg=f"{name}: gradient")
    if ON_STANDIN:                                      # a forward and backward make no transfer or sync
        inputs = ag.tensor(x, device="cuda", requires_grad=True)
        seed = ag.ones(*fn(inputs).shape, dtype=inputs.dtype, device="cuda")
        standin.counts.update(upload=0, download=0, sync=0)
        fn(inputs).backward(seed)
        assert standin.counts == {"upload": 0, "download": 0, "sync": 0}, name


@pytest.mark.skipif(not ON_STANDIN and backend.device_count() < 2, reason="one GPU")
def test_index_maps_are_kept_per_device():
    x = np.random.default_rng(6).standard_normal((1, 2, 6, 6))
    want = pool.window_argmax(x, (3, 3), (1, 1), (1, 1))
    for device in ("cuda:0", "cuda:1"):
        out, arg = pool.window_argmax(backend.to_device(x, device), (3, 3), (1, 1), (1, 1))
        assert backend.device_of(out) == backend.device_of(arg) == ag.device(device)
        np.testing.assert_array_equal(backend.to_numpy(arg), want[1])
