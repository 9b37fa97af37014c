"""CuPy's rules that the stand-in device copies (autograd/standin.py), checked on CuPy itself.

Two levels, both skipped where CuPy is not installed (`pip install 'dyngrad[cuda]'`):
- without a GPU (CuPy imports; nothing reaches a kernel): which ufunc methods CuPy has
  (they raise NotImplementedError before touching their array), and that a host array is
  no kernel operand (what `_kernel._preprocess_arg` does with a non-CuPy argument);
- with a GPU (benchmarks/gpu_check.sh): the same rules on real arrays, and the first-maximum
  and nan behaviour of max/argmax that the device max-pool relies on.
docs/devices.md "What was checked in CuPy" says where each rule lives in CuPy's source.
"""
import numpy as np
import pytest

from autograd import standin

pytestmark = pytest.mark.device
cupy = pytest.importorskip("cupy", reason="CuPy not installed (pip install 'dyngrad[cuda]')")


def _has_gpu():
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # CUDA's errors on a machine without a GPU or driver
        return False


needs_gpu = pytest.mark.skipif(not _has_gpu(), reason="no GPU: CuPy imports, but no kernel runs")
UFUNCS = ["add", "subtract", "multiply", "maximum", "minimum", "logaddexp", "divide"]


def _cupy_has(ufunc, method):
    args = {"at": (None, None, None), "reduceat": (None, None)}.get(method, (None,))
    try:
        getattr(getattr(cupy, ufunc), method)(*args)
    except NotImplementedError:
        return False
    except Exception:  # it went on to use the (missing) array: the method exists
        return True
    return True


def test_the_standin_has_the_ufunc_methods_cupy_has():
    for method, names in standin.UFUNC_METHODS.items():
        assert {name for name in UFUNCS if _cupy_has(name, method)} == names & set(UFUNCS), method


def test_a_host_array_is_no_kernel_operand():
    from cupy._core import _scalar
    _scalar.CScalar(np.float64(2.0))                 # NumPy and Python scalars are
    _scalar.CScalar(2.0)
    for host in (np.array(2.0), np.ones(3)):         # arrays, 0-d included, are not
        with pytest.raises(TypeError, match="Unsupported type"):
            _scalar.CScalar(host)


@needs_gpu
def test_cupys_rules_on_a_gpu():
    a = cupy.arange(4.0)
    with pytest.raises(TypeError):
        a + np.array(2.0)                            # a 0-d host array
    with pytest.raises(TypeError):
        np.asarray(a)                                # no implicit download
    assert a[np.array([3, 0])].tolist() == [3.0, 0.0]     # a host index: uploaded, accepted
    np.add.at(a, cupy.array([0, 0]), 1.0)            # NumPy's dispatch reaches cupy.add.at
    assert a.tolist() == [2.0, 1.0, 2.0, 3.0]
    with pytest.raises(NotImplementedError):
        np.maximum.accumulate(a)
    view = cupy.lib.stride_tricks.as_strided(a, (3, 2), (8, 8))
    assert view.tolist() == [[2.0, 1.0], [1.0, 2.0], [2.0, 3.0]]


@needs_gpu
def test_max_and_argmax_as_the_device_max_pool_needs():
    x = cupy.array([[1.0, 3.0, 3.0, 0.0], [1.0, np.nan, 5.0, np.nan]])
    assert x.argmax(axis=1).tolist() == [1, 1]       # the first maximum; the first nan
    assert np.isnan(x.max(axis=1)[1].item()) and x.max(axis=1)[0].item() == 3.0
