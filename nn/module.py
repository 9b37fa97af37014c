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

    def _forget(self, name):
        """Remove `name` from every registry (it is about to be re-registered or deleted)."""
        for kind in ("_parameters", "_buffers", "_modules"):
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
        self._forget(name)
        registry[name] = self.__dict__[name] = param

    def add_module(self, name, module):
        """Register `module` (a Module or None) as the child `self.<name>`."""
        registry = self._registry("_modules")
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name)
        registry[name] = self.__dict__[name] = module

    register_module = add_module

    def register_buffer(self, name, tensor, persistent=True):
        """Register an ndarray (or None) that is state but not a parameter, e.g. running statistics.

        Buffers appear in `state_dict()` unless persistent=False; a Tensor's array is stored.
        """
        registry = self._registry("_buffers")
        self._check_name(name, "buffer")
        self._forget(name)
        registry[name] = self.__dict__[name] = _buffer_array(name, tensor)
        if not persistent:
            self._non_persistent_buffers.add(name)

    # ----- traversal ----------------------------------------------------------------
    def named_modules(self, prefix="", memo=None):
        """(dotted name, module) for this module and every descendant, each module once."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo)

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

    def _named_members(self, kind, recurse):
        seen = set()
        modules = self.named_modules() if recurse else [("", self)]
        for prefix, module in modules:
            for name, value in getattr(module, kind).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{prefix}.{name}" if prefix else name), value

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, Parameter) pairs; a parameter shared by two modules appears once."""
        for name, param in self._named_members("_parameters", recurse):
            yield (f"{prefix}.{name}" if prefix else name), param

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True):
        for name, buf in self._named_members("_buffers", recurse):
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
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    # ----- state --------------------------------------------------------------------
    def _state_items(self):
        """(dotted name, live array) of every parameter and persistent buffer, in PyTorch's order."""
        for prefix, module in self.named_modules():
            dot = prefix + "." if prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    yield dot + name, param
            for name, buf in module._buffers.items():
                if buf is not None and name not in module._non_persistent_buffers:
                    yield dot + name, buf

    def state_dict(self):
        """A flat dict of dotted name -> ndarray copy, for every parameter and persistent buffer."""
        return {name: np.array(_raw(value), copy=True)
                for name, value in self._state_items()}

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
            value = np.asarray(_raw(state_dict[name]))
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
                    np.copyto(target, value)
        return _IncompatibleKeys(missing, unexpected)

    # ----- printing -----------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (subclasses override)."""
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_repr}")
        if not self._modules:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(lines)
        return f"{type(self).__name__}(\n  {body}\n)"


def _buffer_array(name, value):
    if value is None:
        return None
    data = _raw(value)
    if not isinstance(data, np.ndarray):
        raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}' "
                        "(an ndarray, a Tensor or None is expected)")
    return data


def _raw(value):
    """The array behind a Tensor; anything else unchanged (an ndarray's own .data is a buffer)."""
    return value.data if isinstance(value, Tensor) else value
