"""autograd.threads: the thread count (set/get, OMP_NUM_THREADS), and chunked ops whose
results do not depend on it (bit for bit) and match PyTorch with many chunks."""
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import autograd as ag
from autograd.ops.conv import conv2d
from autograd.ops.conv_transpose import conv_transpose2d
from autograd.ops.pool import max_pool2d
from autograd.threads import chunk_size, map_chunks

torch = pytest.importorskip("torch")


@pytest.fixture
def restore_threads():
    before = ag.get_num_threads()
    yield
    ag.set_num_threads(before)


def net_step(seed, groups=1, padding=2):
    """conv2d (+ bias) -> relu -> max_pool2d, and every gradient, on a batch large enough
    for several chunks (about 1 MB of work per chunk: 40 for conv2d, 2 for max_pool2d)."""
    rng = np.random.default_rng(seed)
    x = ag.Tensor(rng.standard_normal((40, 4, 40, 40)).astype(np.float32), requires_grad=True)
    w = ag.Tensor(rng.standard_normal((8, 4 // groups, 5, 5)).astype(np.float32), requires_grad=True)
    b = ag.Tensor(rng.standard_normal(8).astype(np.float32), requires_grad=True)
    y = max_pool2d(conv2d(x, w, b, padding=padding, groups=groups).relu(), 2)
    (y * y).sum().backward()
    return [t.data for t in (y, x.grad, w.grad, b.grad)]


@pytest.mark.parametrize("groups", [1, 2])
def test_results_do_not_depend_on_the_thread_count(restore_threads, groups):
    results = {}
    for n in (1, 2, 3):
        ag.set_num_threads(n)
        results[n] = net_step(0, groups)
    for n in (2, 3):
        for ours, single in zip(results[n], results[1]):
            np.testing.assert_array_equal(ours, single)


def test_chunked_net_matches_pytorch(restore_threads):
    ag.set_num_threads(2)
    ours = net_step(1)
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((40, 4, 40, 40)).astype(np.float32), requires_grad=True)
    w = torch.tensor(rng.standard_normal((8, 4, 5, 5)).astype(np.float32), requires_grad=True)
    b = torch.tensor(rng.standard_normal(8).astype(np.float32), requires_grad=True)
    y = torch.nn.functional.max_pool2d(torch.relu(torch.nn.functional.conv2d(x, w, b, padding=2)), 2)
    (y * y).sum().backward()
    for got, want in zip(ours, (y, x.grad, w.grad, b.grad)):
        want = want.detach().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_conv_transpose_of_a_chunked_batch_matches_pytorch(restore_threads):
    ag.set_num_threads(2)
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((40, 6, 12, 12)), rng.standard_normal((6, 4, 3, 3))
    xs, ws = ag.Tensor(x, requires_grad=True), ag.Tensor(w, requires_grad=True)
    y = conv_transpose2d(xs, ws, stride=2, padding=1)
    (y * y).sum().backward()
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yt = torch.nn.functional.conv_transpose2d(xt, wt, stride=2, padding=1)
    (yt * yt).sum().backward()
    for got, want in ((y, yt), (xs.grad, xt.grad), (ws.grad, wt.grad)):
        np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-9, atol=1e-9)


def test_map_chunks_runs_every_chunk_in_order(restore_threads):
    ag.set_num_threads(3)
    assert map_chunks(lambda s: (s.start, s.stop), 10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert chunk_size(64, 300_000) == 3 and chunk_size(64, 10**9) == 1 and chunk_size(4, 1) == 4


def test_set_num_threads_sets_blas_threads_too(restore_threads):
    from threadpoolctl import threadpool_info
    ag.set_num_threads(1)
    assert ag.get_num_threads() == 1
    assert all(lib["num_threads"] == 1 for lib in threadpool_info() if lib["user_api"] == "blas")


@pytest.mark.parametrize("bad,error,message", [
    (0, ValueError, "n must be a positive int, got 0"),
    (-1, ValueError, "n must be a positive int, got -1"),
    (1.5, TypeError, "n must be an int, got float 1.5"),
    (True, TypeError, "n must be an int, got bool True"),
    ("2", TypeError, "n must be an int, got str '2'")])
def test_set_num_threads_refuses_a_non_positive_int(bad, error, message):
    with pytest.raises(error, match=f"set_num_threads: {message}"):
        ag.set_num_threads(bad)


def test_default_honors_omp_num_threads():
    code = "import autograd; print(autograd.get_num_threads())"
    env = {**os.environ, "OMP_NUM_THREADS": "3"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "3"


def test_an_error_in_any_chunk_reaches_the_caller(restore_threads):
    ag.set_num_threads(2)

    def fail_on_last(span):
        if span.stop == 10:
            raise ArithmeticError(f"chunk {span}")
        return span.start

    with pytest.raises(ArithmeticError, match="chunk"):
        map_chunks(fail_on_last, 10, 1)
    assert map_chunks(lambda s: s.start, 10, 1) == list(range(10))   # the pool still works


def test_a_chunk_may_call_map_chunks_again(restore_threads):
    ag.set_num_threads(2)                                  # one pool thread: a nested wait would hang
    got = []
    run = threading.Thread(target=lambda: got.append(
        map_chunks(lambda s: map_chunks(lambda t: t.stop - t.start, 4, 1), 4, 1)), daemon=True)
    run.start()
    run.join(timeout=30)
    assert not run.is_alive(), "a nested map_chunks deadlocked"
    assert got == [[[1, 1, 1, 1]] * 4]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_gets_a_working_pool(restore_threads):
    ag.set_num_threads(2)
    map_chunks(lambda s: s.start, 4, 1)                    # the parent's pool exists now
    pid = os.fork()
    if pid == 0:                                           # child: would wait forever on dead threads
        os._exit(0 if map_chunks(lambda s: s.start, 4, 1) == [0, 1, 2, 3] else 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    pytest.fail("map_chunks in a forked child hung")


def test_importing_autograd_before_numpy_shortens_openblas_spin_unless_the_user_set_it():
    import subprocess
    import sys
    code = "import autograd, os, sys; print(os.environ['OPENBLAS_THREAD_TIMEOUT'], 'numpy' in sys.modules)"
    env = {k: v for k, v in __import__("os").environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["20", "True"]
    env["OPENBLAS_THREAD_TIMEOUT"] = "8"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "8"
