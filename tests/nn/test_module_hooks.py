"""Module hooks with PyTorch's signatures, checked against torch where it is installed."""
import numpy as np
import pytest

import nn
from autograd import Tensor

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"


def test_forward_pre_hook_and_forward_hook_can_replace_args_and_output():
    layer = nn.ReLU()
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * -1,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append((m, args[0].shape)) or out + 1)
    out = layer(Tensor([1.0, -2.0]))
    np.testing.assert_array_equal(out.data, [1.0, 3.0])
    assert calls == [(layer, (2,))]
    pre.remove()
    post.remove()
    np.testing.assert_array_equal(layer(Tensor([1.0, -2.0])).data, [1.0, 0.0])


def test_full_backward_hook_matches_torch_and_can_replace_grad_input():
    torch = pytest.importorskip("torch", reason=TORCH)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2).double()
    ours.weight.data, ours.bias.data = rng.standard_normal((2, 3)), rng.standard_normal(2)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    seen = {}
    for name, layer, inp in (("ours", ours, Tensor(x, requires_grad=True)),
                             ("torch", theirs, torch.tensor(x, requires_grad=True))):
        def hook(module, grad_input, grad_output, name=name):
            seen[name] = [np.array(g.tolist()) for g in grad_input + grad_output]
            return (grad_input[0] * 3,)
        layer.register_full_backward_hook(hook)
        (layer(inp) ** 2).sum().backward()
        seen[name + " x.grad"] = np.array(inp.grad.tolist())
    for a, b in zip(seen["ours"], seen["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(seen["ours x.grad"], seen["torch x.grad"], rtol=1e-12)


def test_full_backward_hook_without_input_gradients_sees_none():
    layer = nn.Linear(3, 2)
    seen = []
    handle = layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
    layer(Tensor(np.ones((2, 3), dtype=np.float32))).sum().backward()
    assert seen == [((None,), (2, 2))]
    handle.remove()
    layer(Tensor(np.ones((2, 3), dtype=np.float32))).sum().backward()
    assert len(seen) == 1
