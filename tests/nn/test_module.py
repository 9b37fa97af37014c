"""Module and Parameter: registration, dotted names, modes, state_dict, repr, errors."""
import numpy as np
import pytest

import nn
from autograd import Tensor, no_grad


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(np.ones(4, dtype=np.float32))
        self.register_buffer("count", np.zeros(1, dtype=np.float32))
        self.note = "not registered"

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Block()
        self.act = nn.ReLU()
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.act(self.first(x)))


def test_parameter_defaults_and_types():
    p = nn.Parameter(np.zeros((2, 3), dtype=np.float64))
    assert p.requires_grad and p.dtype == np.float64 and p.is_leaf
    assert nn.Parameter([1.0, 2.0]).dtype == np.float32
    assert not nn.Parameter([1.0], requires_grad=False).requires_grad
    with pytest.raises(TypeError, match="floating point"):
        nn.Parameter(np.arange(3))
    t = Tensor(np.ones(3))
    assert nn.Parameter(t).data is t.data
    assert repr(p).startswith("Parameter containing:")


def test_named_parameters_dotted_in_registration_order():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["first.scale", "first.fc.weight", "first.fc.bias", "head.weight", "head.bias"]
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]
    assert [n for n, _ in net.named_parameters(prefix="net")][0] == "net.first.scale"
    assert [n for n, _ in net.first.named_parameters(recurse=False)] == ["scale"]


def test_buffers_in_state_dict_not_in_parameters():
    net = Net()
    assert "first.count" not in dict(net.named_parameters())
    assert [n for n, _ in net.named_buffers()] == ["first.count"]
    assert "first.count" in net.state_dict()
    net.first.register_buffer("scratch", np.zeros(2), persistent=False)
    assert "first.scratch" not in net.state_dict()


def test_children_and_modules():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["first", "act", "head"]
    assert list(net.children())[1] is net.act
    assert [n for n, _ in net.named_modules()] == ["", "first", "first.fc", "act", "head"]
    assert len(list(net.modules())) == 5


def test_shared_parameter_listed_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3


def test_unknown_attribute_raises_attribute_error():
    net = Net()
    with pytest.raises(AttributeError, match="wieght"):
        net.head.wieght
    assert net.first.note == "not registered"


def test_reassignment_and_deletion():
    block = Block()
    block.scale = None
    assert "scale" not in dict(block.named_parameters())
    with pytest.raises(TypeError, match="cannot assign ndarray as parameter 'scale'"):
        block.scale = np.ones(4)
    with pytest.raises(TypeError, match="child module 'fc'"):
        block.fc = 3
    block.fc = nn.Parameter(np.ones(2))        # a name changes kind: a parameter now
    assert "fc" in block._parameters and "fc" not in block._modules
    del block.fc
    assert "fc" not in dict(block.named_parameters())
    with pytest.raises(AttributeError):
        block.fc
    block.count = np.full(1, 5.0, dtype=np.float32)
    assert block.state_dict()["count"][0] == 5
    with pytest.raises(TypeError, match="buffer 'count'"):
        block.count = [1.0]


def test_register_before_init_is_a_clear_error():
    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Forgot()


def test_register_errors():
    m = nn.Module()
    with pytest.raises(KeyError, match="contain '.'"):
        m.register_parameter("a.b", nn.Parameter(np.ones(1)))
    with pytest.raises(TypeError, match="nn.Parameter"):
        m.register_parameter("w", Tensor(np.ones(1)))
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("x", 3)
    with pytest.raises(NotImplementedError, match="forward"):
        m(1)


def test_train_eval_recursive():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_sets_none():
    net = Net()
    net(Tensor(np.ones((2, 3), dtype=np.float32))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not np.asarray(p.grad).any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_is_a_copy_and_roundtrips_in_place():
    net, other = Net(), Net()
    state = net.state_dict()
    assert list(state) == ["first.scale", "first.count", "first.fc.weight", "first.fc.bias",
                           "head.weight", "head.bias"]
    state["head.bias"][...] = 123
    assert not (net.head.bias.data == 123).any()
    weight_array = other.head.weight.data
    other.load_state_dict(net.state_dict())
    assert other.head.weight.data is weight_array           # copied into the existing array
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[name], value)


def test_load_state_dict_errors_name_the_key_and_change_nothing():
    net = Net()
    before = net.state_dict()
    state = net.state_dict()
    del state["head.bias"]
    state["head.extra"] = np.ones(1)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    assert "missing key(s) in state_dict: 'head.bias'" in str(info.value)
    assert "unexpected key(s) in state_dict: 'head.extra'" in str(info.value)
    state = {k: v + 1 for k, v in before.items()}
    state["first.fc.weight"] = np.ones((3, 4), dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"size mismatch for 'first.fc.weight'.*\(3, 4\).*\(4, 3\)"):
        net.load_state_dict(state)
    for name, value in net.state_dict().items():            # nothing half-loaded
        np.testing.assert_array_equal(value, before[name])
    result = net.load_state_dict({"head.bias": np.zeros(2), "junk": np.ones(1)}, strict=False)
    assert result.unexpected_keys == ["junk"] and "head.weight" in result.missing_keys
    assert not net.head.bias.data.any()


def test_load_state_dict_checks_every_dtype_before_copying_anything():
    net = Net()
    before = net.state_dict()
    state = {name: value + 1 for name, value in before.items()}
    last = list(state)[-1]
    state[last] = np.full(before[last].shape, "x")
    with pytest.raises(RuntimeError, match=rf"dtype mismatch for '{last}': cannot convert an array "
                                           r"of dtype <U1 to the model's float32"):
        net.load_state_dict(state)
    for name, value in net.state_dict().items():            # the earlier keys were not written
        np.testing.assert_array_equal(value, before[name])


def test_load_state_dict_bumps_version_so_saved_graphs_notice():
    lin = nn.Linear(2, 2)
    out = lin(Tensor(np.ones((1, 2), dtype=np.float32))).sum()
    lin.load_state_dict(lin.state_dict())
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.backward()


def test_repr_tree_like_pytorch():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.1)))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.1)\n"
        "  )\n"
        ")")


def test_each_call_is_a_scope_that_its_nodes_remember():
    net = Net()
    x = Tensor(np.ones((2, 3), dtype=np.float32))
    out = net(x)
    head = out.grad_fn._viz_scope                   # the node made in net.head's call
    assert head.owner is net.head and head.parent.owner is net
    again = net(x)
    assert again.grad_fn._viz_scope is not head      # a second call is a second scope
    assert out.grad_fn._viz_scope is head            # and leaves the first graph alone
    with no_grad():
        assert net(x).grad_fn is None


def test_a_failing_forward_closes_its_scope():
    from autograd.viz.recording import _state

    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        Broken()(Tensor(np.ones(2, dtype=np.float32)))
    w = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    assert not hasattr((w * 2).grad_fn, "_viz_scope") and _state.scopes == []


def test_apply_and_requires_grad():
    net = Net()
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen.count("Linear") == 2
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_deepcopy_gives_an_independent_working_module():
    import copy
    net = Net()
    clone = copy.deepcopy(net)
    assert clone.head.weight.data is not net.head.weight.data
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]
    clone(Tensor(np.ones((2, 3), dtype=np.float32))).sum().backward()
    assert clone.head.weight.grad is not None and net.head.weight.grad is None


# ----- issue10-nn: the rest of torch's Module API --------------------------------------

def torch_or_skip():
    return pytest.importorskip("torch", reason="torch gives the reference Module behaviour")


def test_to_converts_floating_parameters_grads_and_buffers_in_place():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    weight = model[0].weight
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    (model(Tensor(np.ones((4, 3), np.float32))) ** 2).sum().backward()
    assert model.double() is model
    assert model[0].weight is weight and weight.dtype == np.float64 and weight.grad.dtype == np.float64
    assert model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64          # integer buffers keep theirs
    assert opt.param_groups[0]["params"][0] is weight
    model.float()
    assert all(p.dtype == np.float32 for p in model.parameters())
    model.half()
    assert model[0].bias.dtype == np.float16
    model.to("cpu", np.float64)
    assert model[0].weight.dtype == np.float64
    model.to(Tensor(np.zeros(1, np.float32)))
    assert model[0].weight.dtype == np.float32
    assert model.to("cpu") is model and model.cpu() is model and model.to(device="cpu:0") is model


@pytest.mark.parametrize("args, error, message", [
    (("cuda",), RuntimeError, "device 'cuda' is not available"),
    (("cuda:1",), RuntimeError, "device 'cuda:1' is not available"),
    (("gpu",), ValueError, "unknown device 'gpu'; expected 'cpu' or 'cuda'"),
    ((np.int64,), TypeError, "only accepts floating point dtypes, but got desired dtype=int64"),
    (("cpu", "cpu", "cpu"), TypeError, "at most 2 positional arguments"),
])
def test_to_errors(args, error, message):
    with pytest.raises(error, match=message):
        nn.Linear(2, 2).to(*args)
    with pytest.raises(RuntimeError, match="not available"):
        nn.Linear(2, 2).cuda()


def test_to_dtype_matches_torch_on_buffers_and_parameters():
    torch = torch_or_skip()
    ours, theirs = nn.BatchNorm2d(3).double(), torch.nn.BatchNorm2d(3).double()
    for (name, a), (_, b) in zip(ours.state_dict(keep_vars=True).items(), theirs.state_dict(keep_vars=True).items()):
        assert a.dtype == np.dtype(str(b.dtype).replace("torch.", "")), name


def test_get_submodule_parameter_buffer_and_their_errors():
    net = Net()
    assert net.get_submodule("") is net and net.get_submodule("first.fc") is net.first.fc
    assert net.get_parameter("first.fc.weight") is net.first.fc.weight
    assert net.get_parameter("first.scale") is net.first.scale
    assert net.get_buffer("first.count") is net.first.count
    with pytest.raises(AttributeError, match="Block has no attribute `fc2`"):
        net.get_submodule("first.fc2")
    with pytest.raises(AttributeError, match="`note` .* is not an nn.Module"):
        net.get_submodule("first.note")
    with pytest.raises(AttributeError, match="`count` .* is not an nn.Parameter"):
        net.get_parameter("first.count")
    with pytest.raises(AttributeError, match="Linear has no attribute `kernel`"):
        net.get_parameter("head.kernel")
    with pytest.raises(AttributeError, match="`scale` .* is not a buffer"):
        net.get_buffer("first.scale")


def test_register_module_add_module_and_named_buffers():
    net = Net()
    net.register_module("extra", nn.BatchNorm1d(2))
    net.add_module("more", nn.ReLU())
    assert [n for n, _ in net.named_children()][-2:] == ["extra", "more"]
    assert [n for n, _ in net.named_buffers()] == ["first.count", "extra.running_mean", "extra.running_var",
                                                   "extra.num_batches_tracked"]
    assert len(list(net.buffers())) == 4
    assert [n for n, _ in net.named_buffers(recurse=False)] == []


def test_state_dict_prefix_keep_vars_and_destination():
    net = Net()
    state = net.state_dict(prefix="model.")
    assert list(state)[0] == "model.first.scale"
    live = net.state_dict(keep_vars=True)
    assert live["head.weight"] is net.head.weight and live["first.count"] is net.first.count
    destination = {"other": 1}
    assert net.state_dict(destination=destination) is destination and "head.bias" in destination


def test_state_dict_keys_and_load_strict_false_match_torch():
    torch = torch_or_skip()

    def make(lib):
        return lib.Sequential(lib.Conv2d(1, 2, 3), lib.BatchNorm2d(2), lib.Flatten(), lib.Linear(2, 3))
    ours, theirs = make(nn), make(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    partial = {k: v for k, v in ours.state_dict().items() if not k.startswith("3.")}
    partial["extra.weight"] = np.zeros(1, np.float32)
    result = ours.load_state_dict(partial, strict=False)
    expected = theirs.load_state_dict({k: torch.from_numpy(v) for k, v in partial.items()}, strict=False)
    assert result.missing_keys == expected.missing_keys == ["3.weight", "3.bias"]
    assert result.unexpected_keys == expected.unexpected_keys == ["extra.weight"]


def test_reassigning_a_child_keeps_its_place_like_torch():
    net = Net()
    net.first = nn.Linear(3, 4)
    assert [n for n, _ in net.named_children()] == ["first", "act", "head"]


def test_zero_grad_set_to_none_false_keeps_zero_tensors():
    model = nn.Linear(2, 2)
    (model(Tensor(np.ones((1, 2), np.float32))).sum()).backward()
    grad = model.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is grad and not grad.data.any()
    model.zero_grad()
    assert model.weight.grad is None


def test_train_mode_and_requires_grad_and_apply():
    net = Net()
    assert net.train(False) is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="mode must be a bool"):
        net.train("yes")
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Block", "ReLU", "Linear", "Net"]       # children first, as torch


def test_repr_layout_and_extra_repr_match_torch():
    torch = torch_or_skip()
    for make in (lambda lib: lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 1, bias=False)),
                 lambda lib: lib.Flatten(), lambda lib: lib.Linear(2, 2),
                 lambda lib: lib.Sequential(lib.Sequential(lib.Tanh()))):
        assert repr(make(nn)) == repr(make(torch.nn))


def test_unflatten_matches_torch_and_checks_sizes():
    torch = torch_or_skip()
    x = np.arange(24, dtype=np.float32).reshape(2, 12)
    for dim, sizes in ((1, (3, 4)), (-1, (2, -1, 3)), (0, (1, 2))):
        ours = nn.Unflatten(dim, sizes)(Tensor(x)).data
        theirs = torch.nn.Unflatten(dim, sizes)(torch.from_numpy(x)).numpy()
        np.testing.assert_array_equal(ours, theirs)
    assert repr(nn.Unflatten(1, (3, 4))) == repr(torch.nn.Unflatten(1, (3, 4)))
    with pytest.raises(ValueError, match=r"Unflatten: sizes \(5, 2\) don't multiply to 12"):
        nn.Unflatten(1, (5, 2))(Tensor(x))
    with pytest.raises(ValueError, match="unflattened_size must be a non-empty tuple"):
        nn.Unflatten(1, 12)


@pytest.mark.parametrize("make, shape, real", [
    (lambda: nn.LazyLinear(3), (4, 5), nn.Linear),
    (lambda: nn.LazyLinear(3, bias=False), (2, 7, 5), nn.Linear),
    (lambda: nn.LazyConv2d(4, 3, padding=1), (2, 3, 6, 6), nn.Conv2d),
    (lambda: nn.LazyConv2d(2, kernel_size=2, stride=2, bias=False), (1, 5, 4, 4), nn.Conv2d),
])
def test_lazy_modules_infer_the_input_size_and_become_the_real_layer(make, shape, real):
    layer = make()
    placeholders = list(layer.parameters())
    assert all(p.shape == (0,) for p in placeholders)
    opt = nn.optim.SGD(layer.parameters(), lr=0.1)       # made before the shapes are known
    seen = []
    layer.register_forward_hook(lambda module, args, out: seen.append(out.shape))
    x = Tensor(np.ones(shape, np.float32))
    out = layer(x)
    assert type(layer) is real and list(layer.parameters()) == placeholders and seen == [out.shape]
    assert layer.weight.shape[1] == shape[1 if real is nn.Conv2d else -1]
    out.sum().backward()
    opt.step()
    assert layer(x).shape == out.shape


def test_lazy_linear_matches_torch_shapes_and_init_statistics():
    torch = torch_or_skip()
    ours, theirs = nn.LazyLinear(300), torch.nn.LazyLinear(300)
    assert repr(ours) == repr(theirs)
    ours(Tensor(np.ones((2, 400), np.float32)))
    theirs(torch.ones(2, 400))
    assert ours.weight.shape == tuple(theirs.weight.shape) and repr(ours) == repr(theirs)
    bound = 1 / np.sqrt(400)
    assert np.abs(ours.weight.data).max() <= bound and np.abs(ours.weight.data).max() > 0.95 * bound


def test_lazy_conv2d_passes_every_conv2d_option_on_and_matches_torch():
    torch = torch_or_skip()
    ours = nn.LazyConv2d(6, 3, stride=2, padding=2, dilation=2, groups=3, bias=True)
    theirs = torch.nn.LazyConv2d(6, 3, stride=2, padding=2, dilation=2, groups=3, bias=True)
    x = np.random.default_rng(0).normal(size=(2, 3, 9, 9)).astype(np.float32)
    ours(Tensor(x))
    theirs(torch.from_numpy(x))
    assert repr(ours) == repr(theirs) and ours.weight.shape == tuple(theirs.weight.shape)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
