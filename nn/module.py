"""Module and Parameter: the containers a network is built from, as in PyTorch.

Assigning a `Parameter` or a `Module` to an attribute registers it (`__setattr__`), so
`named_parameters()` finds every parameter with a dotted name without any per-class
code. Running statistics are buffers (`register_buffer`): plain ndarrays that are
saved in `state_dict()` but are not parameters. Registered values are also kept in the
instance `__dict__`, so reading `self.weight` in `forward` is an ordinary attribute
lookup; an unknown attribute raises AttributeError.
"""
from collections import namedtuple

import numpy as np

from autograd import Tensor, no_grad
from autograd.hooks import RemovableHandle
from autograd.backend import CPU, device_of, is_array, to_device, to_numpy
from autograd.backend import device as autograd_device
from autograd.device import as_device
from autograd.viz import enter_scope, exit_scope

from .hooks import BackwardHookCall


class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable parameter (requires_grad=True).

    Parameter(data, requires_grad=True): data as for Tensor (a Tensor's array is shared,
    not copied); parameters are always floating point.
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data)
        if self.data.dtype.kind != "f":
            raise TypeError(f"Parameter: data must be floating point, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def zero_grads(params, set_to_none=True):
    """Set each parameter's `.grad` to None, or (set_to_none=False) to zeros cut from any graph."""
    for param in params:
        if set_to_none:
            param.grad = None
        elif param.grad is not None:
            if param.grad.requires_grad:  # a create_graph gradient: keep the data, drop the graph
                param.grad = param.grad.detach()
            param.grad.zero_()


_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer and model: subclasses set attributes in `__init__`
    (after `super().__init__()`) and define `forward`."""

    training: bool

    def __init__(self):
        d = self.__dict__
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers"] = set()
        d["_modules"] = {}
        d["training"] = True
        d["_forward_pre_hooks"] = {}
        d["_forward_hooks"] = {}
        d["_backward_hooks"] = {}

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); subclasses of Module define it")

    def __call__(self, *args, **kwargs):
        d = self.__dict__
        for hook in list(d["_forward_pre_hooks"].values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        boundary = BackwardHookCall(self, d["_backward_hooks"]) if d["_backward_hooks"] else None
        if boundary is not None:
            args = boundary.wrap_inputs(args)
        # Nodes made by forward remember this call (autograd.viz draws one box per call).
        enter_scope(self)
        try:
            out = self.forward(*args, **kwargs)
        finally:
            exit_scope()
        for hook in list(d["_forward_hooks"].values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        if boundary is not None:
            out = boundary.wrap_outputs(out)
        return out

    # ----- hooks (PyTorch's signatures) ---------------------------------------------
    def register_forward_pre_hook(self, hook):
        """hook(module, args) before forward; a returned value replaces args (a non-tuple is wrapped)."""
        return RemovableHandle(self.__dict__["_forward_pre_hooks"], hook)

    def register_forward_hook(self, hook):
        """hook(module, args, output) after forward; a returned value replaces the output."""
        return RemovableHandle(self.__dict__["_forward_hooks"], hook)

    def register_full_backward_hook(self, hook):
        """hook(module, grad_input, grad_output) once the gradients of the inputs are computed.

        grad_input and grad_output are tuples with one entry per positional Tensor input
        and per output (None where there is no gradient); a returned tuple replaces
        grad_input.
        """
        return RemovableHandle(self.__dict__["_backward_hooks"], hook)

    # ----- registration -------------------------------------------------------------
    def _registry(self, kind):
        registry = self.__dict__.get(kind)
        if registry is None:
            raise AttributeError(f"cannot register attributes on {type(self).__name__} before "
                                 "Module.__init__() is called; call super().__init__() first")
        return registry

    def _forget(self, name, keep=None):
        """Remove `name` from every registry but `keep` (it is about to be re-registered there,
        in its old place, as PyTorch keeps it) or from all of them (it is being deleted)."""
        for kind in ("_parameters", "_buffers", "_modules"):
            if kind != keep:
                self.__dict__.get(kind, {}).pop(name, None)
        self.__dict__.get("_non_persistent_buffers", set()).discard(name)

    def _check_name(self, name, what):
        if not isinstance(name, str):
            raise TypeError(f"{what} name must be a str, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{what} name can't be empty or contain '.', got {name!r}")

    def __setattr__(self, name, value):
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif name in self.__dict__.get("_parameters", ()):
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter '{name}' of "
                                f"{type(self).__name__} (a Parameter or None is expected)")
            self.register_parameter(name, None)
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module '{name}' of "
                                f"{type(self).__name__} (a Module or None is expected)")
            self.add_module(name, None)
        elif name in self.__dict__.get("_buffers", ()):
            self._buffers[name] = self.__dict__[name] = _buffer_array(name, value)
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._forget(name)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register `param` (a Parameter or None) as `self.<name>`."""
        registry = self._registry("_parameters")
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot register {type(param).__name__} as parameter '{name}' "
                            "(a Parameter or None is expected; wrap it: nn.Parameter(tensor))")
        self._forget(name, keep="_parameters")
        registry[name] = self.__dict__[name] = param

    def add_module(self, name, module):
        """Register `module` (a Module or None) as the child `self.<name>`."""
        registry = self._registry("_modules")
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name, keep="_modules")
        registry[name] = self.__dict__[name] = module

    register_module = add_module

    def register_buffer(self, name, tensor, persistent=True):
        """Register an ndarray (or None) that is state but not a parameter, e.g. running statistics.

        Buffers appear in `state_dict()` unless persistent=False; a Tensor's array is stored.
        """
        registry = self._registry("_buffers")
        self._check_name(name, "buffer")
        self._forget(name, keep="_buffers")
        registry[name] = self.__dict__[name] = _buffer_array(name, tensor)
        if not persistent:
            self._non_persistent_buffers.add(name)

    # ----- traversal ----------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module and every descendant, pre-order.

        A module reached twice (shared) is listed once unless remove_duplicate=False.
        """
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, kind, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(remove_duplicate=remove_duplicate) if recurse else [("", self)]
        for prefix, module in modules:
            for name, value in getattr(module, kind).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{prefix}.{name}" if prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) pairs; a parameter shared by two modules appears once
        unless remove_duplicate=False."""
        for name, param in self._named_members("_parameters", recurse, remove_duplicate):
            yield (f"{prefix}.{name}" if prefix else name), param

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, ndarray) pairs of the buffers, as named_parameters."""
        for name, buf in self._named_members("_buffers", recurse, remove_duplicate):
            yield (f"{prefix}.{name}" if prefix else name), buf

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn):
        """Call fn(module) on every descendant, then on self (as PyTorch); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- modes and gradients ------------------------------------------------------
    def train(self, mode=True):
        """Set the `training` flag of this module and all descendants; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode must be a bool, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters (to None by default, as PyTorch)."""
        zero_grads(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad on every parameter (freeze with False); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    # ----- dtype and device ---------------------------------------------------------
    def to(self, *args, **kwargs):
        """to(device), to(dtype), to(device, dtype), to(tensor): in place; returns self.

        Floating-point parameters, their gradients and floating-point buffers take the
        dtype (integer buffers such as num_batches_tracked keep theirs), as in PyTorch.
        The Parameter objects stay the same, so an optimizer made earlier still holds
        them; their state (moments, ...) follows the parameters' device on the next step.
        """
        device, dtype = _parse_to(*args, **kwargs)
        if device is not None:
            self._move(device)
        if dtype is not None:
            self._convert(dtype)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def half(self):
        return self.to(np.float16)

    def _convert(self, dtype):
        for module in self.modules():
            for param in module._parameters.values():
                if param is None or param.dtype.kind != "f" or param.dtype == dtype:
                    continue
                grad = param.grad
                param.data = param.data.astype(dtype)
                param._version.value += 1
                if grad is not None:
                    param.grad = Tensor(grad.data.astype(dtype))
            for name, buf in module._buffers.items():
                if buf is not None and buf.dtype.kind == "f":
                    module._buffers[name] = module.__dict__[name] = buf.astype(dtype, copy=False)

    # ----- devices (issue 15) ---------------------------------------------------------
    def _move(self, device):
        """Parameters (with their gradients) and buffers onto `device`, in place."""
        for module in self.modules():
            for param in module._parameters.values():
                if param is None or param.device == device:
                    continue
                param.data = to_device(param.data, device)
                param._version.value += 1
                if param._grad is not None:
                    param._grad = Tensor(to_device(param._grad.data, device))
            for name, buf in module._buffers.items():
                if buf is not None:
                    moved = buf.to(device) if isinstance(buf, Tensor) else to_device(buf, device)
                    module._buffers[name] = module.__dict__[name] = moved

    # ----- lookup by dotted name ----------------------------------------------------
    def get_submodule(self, target):
        """The module at dotted path `target` ("" is self); AttributeError naming what is missing."""
        if not isinstance(target, str):
            raise TypeError(f"get_submodule: target must be a str, got {type(target).__name__}")
        module = self
        if target == "":
            return module
        for name in target.split("."):
            if name not in module._modules or module._modules[name] is None:
                if name in module.__dict__ or hasattr(type(module), name):
                    raise AttributeError(f"`{name}` (in {target!r}) is not an nn.Module")
                raise AttributeError(f"{type(module).__name__} has no attribute `{name}` (in {target!r})")
            module = module._modules[name]
        return module

    def _get_member(self, target, kind, what):
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        registry = getattr(module, kind)
        if name not in registry:
            if name in module.__dict__ or hasattr(type(module), name):
                raise AttributeError(f"`{name}` (in {target!r}) is not {what}")
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}` (in {target!r})")
        return registry[name]

    def get_parameter(self, target):
        """The Parameter at dotted path `target`, e.g. "0.weight"."""
        return self._get_member(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target):
        """The buffer at dotted path `target`, e.g. "bn.running_mean"."""
        return self._get_member(target, "_buffers", "a buffer")

    # ----- state --------------------------------------------------------------------
    def _state_items(self):
        """(dotted name, live value) of every parameter and persistent buffer, in PyTorch's order:
        each module's own parameters, then its buffers, then its children's; a shared
        module or parameter under each of its names (as PyTorch's state_dict)."""
        for prefix, module in self.named_modules(remove_duplicate=False):
            dot = prefix + "." if prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    yield dot + name, param
            for name, buf in module._buffers.items():
                if buf is not None and name not in module._non_persistent_buffers:
                    yield dot + name, buf

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """A flat dict of dotted name -> ndarray copy, for every parameter and persistent buffer.

        Host arrays, so a saved file is device-independent (DESIGN.md). keep_vars=True gives
        the live Parameters and buffer arrays instead of copies; `prefix` goes before every
        name; `destination` (a dict) is filled and returned instead of a new one.
        """
        destination = {} if destination is None else destination
        for name, value in self._state_items():
            destination[prefix + name] = value if keep_vars else np.array(to_numpy(_raw(value)), copy=True)
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from `state_dict` into this module's parameters and buffers, in place.

        Every key is checked before anything is copied, so a failed load changes nothing.
        strict=True: a missing or unexpected key is an error. A wrongly shaped value is
        always an error. Returns (missing_keys, unexpected_keys).
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a dict of name -> array, got {type(state_dict).__name__}")
        own = dict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and unexpected:
            errors.append("unexpected key(s) in state_dict: " + ", ".join(repr(k) for k in unexpected))
        if strict and missing:
            errors.append("missing key(s) in state_dict: " + ", ".join(repr(k) for k in missing))
        values = {}
        for name, target in own.items():
            if name not in state_dict:
                continue
            value = np.asarray(to_numpy(_raw(state_dict[name])))
            target_array = _raw(target)
            if value.shape != target_array.shape:
                errors.append(f"size mismatch for {name!r}: copying an array of shape {value.shape}, "
                              f"the parameter in the current model has shape {target_array.shape}")
            elif value.dtype.kind not in "biuf":
                errors.append(f"dtype mismatch for {name!r}: cannot convert an array of dtype "
                              f"{value.dtype} to the model's {target_array.dtype}")
            else:   # converted now, so a failed load changes nothing
                values[name] = value.astype(target_array.dtype, copy=False)
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n  "
                               + "\n  ".join(errors))
        with no_grad():
            for name, value in values.items():
                target = own[name]
                if isinstance(target, Tensor):
                    target.copy_(value)
                else:
                    target[...] = to_device(value, device_of(target))
        return _IncompatibleKeys(missing, unexpected)

    # ----- printing -----------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (subclasses override)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        if len(lines) <= 1 and not children:      # PyTorch's layout: one line, or one item per line
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(lines + children)
        return f"{type(self).__name__}(\n  {body}\n)"


_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hip")


def _parse_device(device):
    """A usable device ('cpu', 'cpu:0', 'cuda', 'cuda:N' or a device object) or a clear error."""
    text = str(device) if not isinstance(device, str) else device
    kind, _, index = text.partition(":")
    if kind == "cpu" and index in ("", "0"):
        return CPU
    if kind == "cuda":
        target = as_device(text, "Module.to")
        return target if target.index is not None else autograd_device("cuda", 0)
    if kind in _DEVICE_TYPES:
        raise RuntimeError(f"Module.to: device {text!r} is not available: dyngrad runs on cpu and cuda")
    raise ValueError(f"Module.to: unknown device {text!r}; expected 'cpu' or 'cuda'")


def _parse_dtype(dtype):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"Module.to: {dtype!r} is not a dtype") from None
    if dtype.kind != "f":
        raise TypeError(f"Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
    return dtype


def _parse_to(*args, device=None, dtype=None, non_blocking=False, copy=False):
    """(device, dtype) from Module.to's forms: (device), (dtype), (device, dtype), (tensor)."""
    if len(args) > 2:
        raise TypeError(f"Module.to takes at most 2 positional arguments, got {len(args)}")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype, device = arg.dtype, getattr(arg, "device", "cpu")
        elif isinstance(arg, (np.dtype, type)):
            dtype = arg
        elif isinstance(arg, str) or hasattr(arg, "type"):   # a device, or an object naming one
            device = arg
        else:
            dtype = arg
    return (None if device is None else _parse_device(device),
            None if dtype is None else _parse_dtype(dtype))


def _buffer_array(name, value):
    if value is None:
        return None
    data = _raw(value)
    if not is_array(data):
        raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}' "
                        "(an ndarray, a Tensor or None is expected)")
    return data


def _raw(value):
    """The array behind a Tensor; anything else unchanged (an ndarray's own .data is a buffer)."""
    return value.data if isinstance(value, Tensor) else value
