"""Containers: registration (names, order, state_dict keys as torch's), list/dict behaviour, errors."""
from collections import OrderedDict

import numpy as np
import pytest

import nn
from autograd import Tensor


def torch_or_skip():
    return pytest.importorskip("torch", reason="torch gives the reference container keys")


def keys_match_torch(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


def build(lib):
    """The same nested model from either library's containers."""
    return lib.Sequential(OrderedDict([
        ("stem", lib.Linear(3, 4)),
        ("blocks", lib.ModuleList([lib.Linear(4, 4), lib.ReLU(), lib.Linear(4, 4)])),
        ("heads", lib.ModuleDict({"cls": lib.Linear(4, 2), "reg": lib.Linear(4, 1)})),
        ("bn", lib.BatchNorm1d(4)),
    ]))


def build_params(lib, parameter):
    module = lib.Module()
    module.plist = lib.ParameterList([parameter(np.zeros(2, np.float32)), parameter(np.ones((2, 3), np.float32))])
    module.pdict = lib.ParameterDict({"b": parameter(np.zeros(1, np.float32)),
                                      "a": parameter(np.ones(1, np.float32))})
    return module


def test_state_dict_keys_and_order_match_torch():
    torch = torch_or_skip()
    keys_match_torch(build(nn), build(torch.nn))
    keys_match_torch(build_params(nn, nn.Parameter),
                     build_params(torch.nn, lambda a: torch.nn.Parameter(torch.from_numpy(a))))


def test_shared_module_state_dict_lists_each_name_like_torch():
    torch = torch_or_skip()
    ours_shared, theirs_shared = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    ours = nn.Sequential(ours_shared, nn.ReLU(), ours_shared)
    theirs = torch.nn.Sequential(theirs_shared, torch.nn.ReLU(), theirs_shared)
    keys_match_torch(ours, theirs)
    assert len(list(ours.parameters())) == 2


def test_sequential_list_operations_keep_keys_contiguous_like_torch():
    torch = torch_or_skip()
    ours = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 3))
    for seq, lib in ((ours, nn), (theirs, torch.nn)):
        seq.insert(1, lib.Tanh())
        seq.append(lib.Linear(3, 1))
        seq.extend([lib.Sigmoid()])
        del seq[0]
        seq.insert(-1, lib.Identity())
    keys_match_torch(ours, theirs)
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    assert len(ours) == len(theirs) == 6
    assert [type(m).__name__ for m in ours[1:3]] == [type(m).__name__ for m in theirs[1:3]]
    assert isinstance(ours[1:3], nn.Sequential) and isinstance(ours[-1], nn.Sigmoid)


def test_sequential_ordered_dict_names_slices_and_forward():
    seq = nn.Sequential(OrderedDict(fc=nn.Linear(2, 3), act=nn.ReLU(), out=nn.Linear(3, 1)))
    assert [n for n, _ in seq.named_children()] == ["fc", "act", "out"]
    assert seq.fc is seq[0] and list(seq[1:]._modules) == ["act", "out"]
    x = Tensor(np.ones((4, 2), np.float32))
    np.testing.assert_allclose(seq(x).data, seq.out(seq.act(seq.fc(x))).data)
    both = seq[:1] + seq[1:]
    assert len(both) == 3 and both[2] is seq.out
    act = seq.act
    assert seq.pop(1) is act
    assert len(seq) == 2 and list(seq._modules) == ["0", "1"]


def test_module_list_behaves_like_a_list_and_registers():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers += [nn.ReLU()]
    layers[0] = nn.Linear(2, 5)   # replaced in place: the keys keep their order
    assert list(layers._modules) == ["0", "1", "2", "3"]
    assert len(layers) == 4 and layers[0].out_features == 5 and layers[-1] is layers[3]
    assert isinstance(layers[1:], nn.ModuleList) and len(layers[1:]) == 3
    assert len(list(layers.parameters())) == 6
    del layers[1]
    assert list(layers._modules) == ["0", "1", "2"]
    layers.train(False)
    assert not layers[0].training
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        layers(Tensor(np.ones(2)))


def test_module_dict_behaves_like_a_dict():
    heads = nn.ModuleDict([("a", nn.Linear(1, 1)), ("b", nn.ReLU())])
    heads.update({"c": nn.Tanh()})
    assert list(heads) == list(heads.keys()) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert isinstance(heads.pop("b"), nn.ReLU) and "b" not in heads
    assert [type(m).__name__ for m in heads.values()] == ["Linear", "Tanh"]
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias"]
    heads.clear()
    assert len(heads) == 0 and list(heads.parameters()) == []


def test_parameter_containers_wrap_tensors_and_register():
    plist = nn.ParameterList([Tensor(np.zeros(2)), np.ones(3)])
    plist.append(nn.Parameter(np.zeros((2, 2))))
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in plist)
    assert [n for n, _ in plist.named_parameters()] == ["0", "1", "2"] and len(plist) == 3
    pdict = nn.ParameterDict({"w": np.zeros(2)})
    pdict["b"] = Tensor(np.ones(1))
    assert list(pdict.state_dict()) == ["w", "b"] and isinstance(pdict["b"], nn.Parameter)
    assert "Parameter containing: [float64 of size 2x2]" in repr(plist)
    pdict.to(np.float32)
    assert pdict["w"].dtype == np.float32


@pytest.mark.parametrize("action, error, message", [
    (lambda: nn.Sequential(nn.ReLU(), 3), TypeError, "Sequential: argument 1 is a int, not a Module"),
    (lambda: nn.ModuleList([nn.ReLU(), "x"]), TypeError, "ModuleList.extend: item 1 is a str"),
    (lambda: nn.ModuleList().append(np.zeros(2)), TypeError, "ModuleList.append: the argument is a ndarray"),
    (lambda: nn.ModuleList([nn.ReLU()])[3], IndexError, "index 3 is out of range for a ModuleList of length 1"),
    (lambda: nn.Sequential(nn.ReLU())["0"], TypeError, "Sequential indices must be integers or slices, not str"),
    (lambda: nn.ModuleDict({"a": 1}), TypeError, "ModuleDict: the value for 'a' is a int, not a Module"),
    (lambda: nn.ModuleDict()["missing"], KeyError, "ModuleDict has no key 'missing'"),
    (lambda: nn.ModuleDict({"items": nn.ReLU()}), KeyError, "key 'items' would hide the attribute"),
    (lambda: nn.ParameterDict({"training": np.zeros(1)}), KeyError, "key 'training' would hide the attribute"),
    (lambda: nn.ParameterList(["w"]), TypeError, "ParameterList.extend: item 0 is a str"),
    (lambda: nn.ParameterDict({"a.b": np.zeros(1)}), KeyError, "can't be empty or contain '.'"),
    (lambda: nn.ModuleList() + [nn.ReLU()], TypeError, "can only add a ModuleList to a ModuleList"),
])
def test_errors_name_the_container_and_the_argument(action, error, message):
    with pytest.raises(error, match=message):
        action()


def test_a_model_of_containers_trains_and_round_trips_its_state():
    model = build(nn)
    params = list(model.parameters())
    opt = nn.optim.SGD(params, lr=0.1)
    x = Tensor(np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32))
    h = model.stem(x)
    for block in model.blocks:
        h = block(h)
    loss = (model.heads["cls"](model.bn(h)) ** 2).sum()
    loss.backward()
    opt.step()
    state = model.state_dict()
    fresh = build(nn)
    fresh.load_state_dict(state)
    for name, value in fresh.state_dict().items():
        np.testing.assert_array_equal(value, state[name])


def test_module_list_repr_folds_repeated_modules_like_torch():
    torch = torch_or_skip()

    def make(lib):
        return lib.ModuleList([lib.Linear(2, 2), lib.Linear(2, 2), lib.Linear(2, 2), lib.ReLU(),
                               lib.Sequential(lib.Linear(2, 3)), lib.Sequential(lib.Linear(2, 3))])
    assert repr(make(nn)) == repr(make(torch.nn))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    assert repr(nn.Sequential(make(nn))) == repr(torch.nn.Sequential(make(torch.nn)))
