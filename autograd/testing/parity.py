"""Compare an op with its PyTorch counterpart: same inputs, forward values and gradients."""
import numpy as np

from ..tensor import Tensor

# Float32 results differ from PyTorch's by summation order and libm, never by more.
TOLERANCES = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-6)}


def assert_matches_torch(fn, torch_fn, *arrays, dtype=np.float64, seed=0):
    """Assert fn(*Tensors) and torch_fn(*torch tensors) agree, forward and backward.

    `arrays` are the floating inputs (cast to `dtype`, all requiring grad); anything else
    the two functions need (parameters, index arrays) they should close over. The
    backward uses the same random output gradient on both sides. Needs torch.
    """
    import torch

    dtype = np.dtype(dtype).type
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    out, expected = fn(*ours), torch_fn(*theirs)
    tol = TOLERANCES[dtype]
    assert out.dtype == dtype, f"forward returned {out.dtype} for {np.dtype(dtype)} inputs"
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), err_msg="forward", **tol)
    grad = np.random.default_rng(seed).standard_normal(out.shape).astype(dtype)
    out.backward(grad)
    expected.backward(torch.from_numpy(grad))
    for i, (x, t) in enumerate(zip(ours, theirs)):
        want = np.zeros(x.shape, x.dtype) if t.grad is None else t.grad.numpy()
        assert x.grad is not None, f"input {i} got no gradient"
        assert x.grad.dtype == dtype, f"input {i}: gradient dtype {x.grad.dtype}"
        np.testing.assert_allclose(x.grad, want, err_msg=f"gradient of input {i}", **tol)
