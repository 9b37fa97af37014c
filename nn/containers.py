"""Containers, as in torch.nn: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict.

Each one registers what it holds through Module's own registries (sub-modules under
"0", "1", ... or their keys, parameters likewise), so `named_parameters()`,
`state_dict()`, `to()`, `train()` and `repr()` see the contents with the same dotted
names and order as PyTorch's containers give.
"""
import numbers
from collections import OrderedDict

from autograd import Tensor

from .module import Module, Parameter

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]


def _check_int_index(container, index):
    if isinstance(index, bool) or not isinstance(index, numbers.Integral):
        raise TypeError(f"{container} indices must be integers or slices, not {type(index).__name__}")
    return int(index)


def _as_module(container, value, where):
    if not isinstance(value, Module):
        raise TypeError(f"{container}: {where} is a {type(value).__name__}, not a Module")
    return value


class _IndexedModules(Module):
    """Shared by Sequential and ModuleList: modules under the keys "0".."n-1", kept contiguous."""

    @classmethod
    def _new(cls, modules):
        raise NotImplementedError

    def _key(self, index):
        index = _check_int_index(type(self).__name__, index)
        size = len(self._modules)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range for a {type(self).__name__} of length {size}")
        return list(self._modules)[index % size]

    def _renumber(self, modules):
        """Replace the contents by `modules`, under "0".."n-1" (PyTorch's keys after del/insert)."""
        for key in list(self._modules):
            delattr(self, key)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._new(list(self._modules.values())[index])
        return self._modules[self._key(index)]

    def __setitem__(self, index, module):
        setattr(self, self._key(index), _as_module(type(self).__name__, module, "the assigned value"))

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[list(self._modules).index(self._key(index))]
        self._renumber(modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add `module` at the end; returns self."""
        self.add_module(str(len(self)), _as_module(f"{type(self).__name__}.append", module, "the argument"))
        return self

    def extend(self, modules):
        """Append every module of an iterable; returns self."""
        modules = list(modules)
        for i, module in enumerate(modules):
            _as_module(f"{type(self).__name__}.extend", module, f"item {i}")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Insert `module` before position `index` (list.insert's rule for out-of-range indices)."""
        _as_module(f"{type(self).__name__}.insert", module, "the module")
        modules = list(self._modules.values())
        modules.insert(_check_int_index(type(self).__name__, index), module)
        self._renumber(modules)
        return self

    def pop(self, index=-1):
        """Remove and return the module at `index`."""
        module = self[index]
        del self[index]
        return module

    def __iadd__(self, other):
        return self.extend(other)

    def __add__(self, other):
        if not isinstance(other, type(self)):
            raise TypeError(f"can only add a {type(self).__name__} to a {type(self).__name__}, "
                            f"not a {type(other).__name__}")
        return self._new(list(self) + list(other))


class Sequential(_IndexedModules):
    """Modules applied in order. Sequential(m0, m1, ...) or Sequential(OrderedDict(name=m)).

    Indexable (ints, negative ints, slices give a Sequential), iterable, len(), append,
    extend, insert, pop, `del seq[i]`, `+`. With an OrderedDict the keys are the names.
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, _as_module("Sequential", module, f"entry {name!r}"))
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), _as_module("Sequential", module, f"argument {index}"))

    @classmethod
    def _new(cls, modules):
        return cls(*modules)

    def __getitem__(self, index):
        if isinstance(index, slice):   # keeps the names, as PyTorch's slice does
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return super().__getitem__(index)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_IndexedModules):
    """A list of modules, registered under "0", "1", ...; it has no forward of its own."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @classmethod
    def _new(cls, modules):
        return cls(modules)

    def __repr__(self):
        """PyTorch's: a run of modules with the same repr is one line, "(0-2): 3 x Linear(...)"."""
        if not len(self):
            return "ModuleList()"
        runs = []                       # [first index, last index, repr]
        for i, text in enumerate(repr(m) for m in self):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [(f"({a}): " if a == b else f"({a}-{b}): {b - a + 1} x ") + text.replace("\n", "\n  ")
                 for a, b, text in runs]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


def _pairs(container, values):
    """(key, value) pairs from a mapping or an iterable of pairs, as dict.update takes them."""
    if hasattr(values, "keys"):
        return [(key, values[key]) for key in values.keys()]
    pairs = []
    for i, item in enumerate(values):
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise TypeError(f"{container}.update: item {i} should be a (key, value) pair, "
                            f"got {type(item).__name__}")
        pairs.append(tuple(item))
    return pairs


class _Mapping(Module):
    """Shared by ModuleDict and ParameterDict: dict methods over one of Module's registries."""

    _kind = ""

    def _store(self):
        return self.__dict__[self._kind]

    def _register(self, key, value):
        raise NotImplementedError

    def _check_key(self, key):
        if isinstance(key, str) and hasattr(self, key) and key not in self._store():
            raise KeyError(f"{type(self).__name__}: key {key!r} would hide the attribute of that name")

    def __getitem__(self, key):
        try:
            return self._store()[key]
        except KeyError:
            raise KeyError(f"{type(self).__name__} has no key {key!r}") from None

    def __setitem__(self, key, value):
        self._register(key, value)

    def __delitem__(self, key):
        self[key]   # a missing key is a KeyError, as for a dict
        delattr(self, key)

    def __len__(self):
        return len(self._store())

    def __iter__(self):
        return iter(self._store())

    def __contains__(self, key):
        return key in self._store()

    def keys(self):
        return self._store().keys()

    def items(self):
        return self._store().items()

    def values(self):
        return self._store().values()

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def clear(self):
        for key in list(self._store()):
            delattr(self, key)

    def update(self, values):
        """Add or replace entries from a mapping or an iterable of (key, value) pairs."""
        for key, value in _pairs(type(self).__name__, values):
            self[key] = value


class ModuleDict(_Mapping):
    """Modules by name (insertion order kept); it has no forward of its own."""

    _kind = "_modules"

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _register(self, key, module):
        self._check_key(key)
        self.add_module(key, _as_module("ModuleDict", module, f"the value for {key!r}"))


def _as_parameter(container, value, where):
    """A Parameter as is; a Tensor or array wrapped as one (sharing its data), as PyTorch does."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor) or hasattr(value, "__array__"):
        return Parameter(value)
    raise TypeError(f"{container}: {where} is a {type(value).__name__}; a Parameter, Tensor or array "
                    "is expected")


def _describe(param):
    return f"Parameter containing: [{param.dtype} of size {'x'.join(map(str, param.shape))}]"


class ParameterList(Module):
    """A list of parameters, registered under "0", "1", ...; Tensors are wrapped as Parameters."""

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def _key(self, index):
        index = _check_int_index("ParameterList", index)
        size = len(self._parameters)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range for a ParameterList of length {size}")
        return str(index % size)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(list(self._parameters.values())[index])
        return self._parameters[self._key(index)]

    def __setitem__(self, index, value):
        key = self._key(index)
        self.register_parameter(key, _as_parameter("ParameterList", value, "the assigned value"))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def append(self, value):
        self.register_parameter(str(len(self)), _as_parameter("ParameterList.append", value, "the argument"))
        return self

    def extend(self, values):
        values = [_as_parameter("ParameterList.extend", v, f"item {i}") for i, v in enumerate(values)]
        for value in values:
            self.append(value)
        return self

    def __iadd__(self, values):
        return self.extend(values)

    def extra_repr(self):
        return "\n".join(f"({i}): {_describe(p)}" for i, p in enumerate(self))


class ParameterDict(_Mapping):
    """Parameters by name (insertion order kept); Tensors are wrapped as Parameters."""

    _kind = "_parameters"

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def update(self, values):
        """As _Mapping.update, but a plain dict is added in sorted key order (PyTorch's rule)."""
        if hasattr(values, "keys") and not isinstance(values, (OrderedDict, ParameterDict)):
            values = OrderedDict(sorted(values.items()))
        super().update(values)

    def _register(self, key, value):
        self._check_key(key)
        self.register_parameter(key, _as_parameter("ParameterDict", value, f"the value for {key!r}"))

    def extra_repr(self):
        return "\n".join(f"({key}): {_describe(p)}" for key, p in self.items())
