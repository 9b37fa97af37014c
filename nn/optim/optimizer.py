"""The Optimizer base class: parameter groups, per-parameter state, hyperparameter checks,
zero_grad and state dicts. The update rules live in sgd.py, adaptive.py, adam.py, lbfgs.py.

Each `step()` updates `p.data` in place, outside the graph, following PyTorch's update
rule operation for operation (so runs can be compared step by step), and skips
parameters whose `.grad` is None. State is kept per parameter (`optimizer.state[p]`).
`state_dict()` is a flat dict of str -> ndarray, so it can go through `nn.save`:
    "state.<i>.<name>"          per-parameter state of the i-th parameter (over all groups)
    "param_groups.<g>.<name>"   hyperparameters of group g, and its parameter indices
(a None hyperparameter, e.g. LBFGS's line_search_fn, is saved as the empty string).
"""
import numbers

import numpy as np

import autograd
from autograd import Tensor
from autograd.backend import device_of, is_array, to_device, to_numpy

from ..module import zero_grads

__all__ = ["Optimizer"]

# Keys that schedulers (LRScheduler, OneCycleLR, CyclicLR) add to a parameter group: they
# are not the optimizer's hyperparameters, so a state saved with them loads without them.
SCHEDULER_KEYS = frozenset({"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"})
# Options added after states were first saved: a state without them keeps the current values.
LATER_OPTIONS = frozenset({"maximize", "decoupled_weight_decay"})


def _check(condition, message):
    if not condition:
        raise ValueError(message)


def _real(owner, name, value):
    """``value`` when it is a real number (not a bool, not a str); else TypeError naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__} {value!r}")
    return value


def _integer(owner, name, value):
    """``value`` when it is an int (not a bool); else TypeError naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def _flag(owner, name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _pair(owner, name, value):
    """A (tuple or list) pair of real numbers, returned as a tuple; else TypeError naming it."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{owner}: {name} must be a pair of numbers, got {type(value).__name__} {value!r}")
    for item in value:
        _real(owner, name, item)
    return tuple(value)


# Range rules of the hyperparameter tables: (what the message says, predicate).
NONNEGATIVE = ("must be >= 0", lambda v: v >= 0)
POSITIVE = ("must be > 0", lambda v: v > 0)
ANY = ("", lambda v: True)
UNIT_OPEN = ("must be in [0, 1)", lambda v: 0 <= v < 1)
UNIT_CLOSED = ("must be in [0, 1]", lambda v: 0 <= v <= 1)


def integer(rule, optional=False):
    """Table kind: an int in ``rule`` (None allowed when ``optional``)."""
    return ("int", rule, optional)


def pair(rule):
    """Table kind: a pair of real numbers, each in ``rule``."""
    return ("pair", rule)


def choice(*options):
    """Table kind: one of ``options``."""
    return ("choice", options)


def _form(kind):
    if kind == "bool":
        return "bool"
    return kind[0] if kind[0] in ("int", "pair", "choice") else "real"


def _in_range(owner, name, value, rule):
    text, ok = rule
    _check(ok(value), f"{owner}: invalid {name}: {value!r} ({text})")


# ----- devices (issue 15): state lives where its parameter does ----------------------------
def _follow(state, p):
    """Move a parameter's state arrays to its device (after Module.to): once, on the next step."""
    for name, value in state.items():
        if is_array(value) and device_of(value) != p.device:
            state[name] = to_device(value, p.device)


def to_saved(value):
    """A hyperparameter or scheduler attribute as an array nn.save can write (None -> '')."""
    return np.array("" if value is None else value, copy=True)


def from_saved(array):
    """Back from `to_saved`: 0-d -> Python scalar ('' -> None), n-d -> list."""
    value = np.asarray(array).tolist()
    return None if value == "" else value


class Optimizer:
    """Base class: parameter groups, state, zero_grad, state_dict. Subclasses define `_update`.

    ``hyperparameters`` maps each name to its kind: a range rule such as NONNEGATIVE (a real
    number), "bool", integer(rule), pair(rule) or choice(*values); `_validate` checks every
    group with it (types first, then ranges) and `_check_group` adds cross-argument rules.
    """

    hyperparameters = {}

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}                       # Parameter -> dict of arrays/step counts
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or dicts, got a single Tensor; "
                            "pass model.parameters() or [tensor]")
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(f"params must be an iterable of Tensors or dicts, got a "
                            f"{type(params).__name__}; pass model.parameters()")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if len({isinstance(group, dict) for group in groups}) == 2:
            raise TypeError(f"{type(self).__name__}: params mixes parameter-group dicts and "
                            "Tensors; pass either Tensors or dicts like {'params': [...], 'lr': ...}")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a dict {'params': [...], <hyperparameter>: value, ...}; missing options take
        the optimizer's defaults. Checked (types, ranges, duplicates) before it is added.
        'params' may hold (name, parameter) pairs, as model.named_parameters() gives."""
        if not isinstance(param_group, dict):
            raise TypeError(f"{type(self).__name__}.add_param_group: param_group must be a dict, "
                            f"got {type(param_group).__name__}")
        if "params" not in param_group:
            raise KeyError(f"{type(self).__name__}.add_param_group: the group has no 'params'")
        group = dict(param_group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        named = [isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params]
        if any(named):      # model.named_parameters(): the names go to group["param_names"]
            if not all(named) or any("param_names" not in g for g in self.param_groups):
                raise ValueError(f"{type(self).__name__}: give every parameter a name (as "
                                 "model.named_parameters() does) or none")
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        elif any("param_names" in g for g in self.param_groups):
            raise ValueError(f"{type(self).__name__}: the other groups have parameter names; give "
                             "every parameter a name (as model.named_parameters() does) or none")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
            if id(p) in seen:
                raise ValueError("some parameters appear in more than one parameter group")
            seen.add(id(p))
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group):
        """Check a group's hyperparameters, types first (an error names the argument)."""
        owner = type(self).__name__
        present = [(name, kind) for name, kind in self.hyperparameters.items() if name in group]
        for name, kind in present:                  # types first, for every argument
            value, form = group[name], _form(kind)
            if form == "bool":
                group[name] = _flag(owner, name, value)
            elif form == "pair":
                group[name] = _pair(owner, name, value)
            elif form == "int" and not (value is None and kind[2]):
                group[name] = _integer(owner, name, value)
            elif form == "choice" and value not in kind[1]:
                raise ValueError(f"{owner}: invalid {name}: {value!r} (must be one of "
                                 f"{', '.join(map(repr, kind[1]))})")
            elif form == "real":
                _real(owner, name, value)
        for name, kind in present:                  # then ranges
            value, form = group[name], _form(kind)
            if form == "pair":
                for index, item in enumerate(value):
                    _in_range(owner, f"{name}[{index}]", item, kind[1])
            elif form == "int" and value is not None:
                _in_range(owner, name, value, kind[1])
            elif form == "real":
                _in_range(owner, name, value, kind)
        self._check_group(group)

    def _check_group(self, group):
        """Rules between hyperparameters (e.g. SGD's nesterov needs momentum); none here."""

    def zero_grad(self, set_to_none=True):
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure`` (optional, as in
        torch.optim) re-evaluates the model and returns the loss; it runs first, with
        gradients enabled, and its loss is returned."""
        loss = None
        if closure is not None:
            with autograd.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad.data
                if grad.shape != p.data.shape:
                    raise ValueError(f"{type(self).__name__}.step: gradient of shape {grad.shape} does "
                                     f"not match its parameter's shape {p.data.shape}")
                if group.get("maximize"):
                    grad = -grad
                state = self.state.setdefault(p, {})
                if type(p.data) is not np.ndarray:
                    _follow(state, p)
                self._update(p, grad, state, group)
                p._version.value += 1
        return loss

    def _update(self, p, grad, state, group):
        raise NotImplementedError

    # ----- state ----------------------------------------------------------------------
    def _params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def _saved_state(self, p):
        """The state of one parameter as name -> array (LBFGS overrides it)."""
        return {name: np.array(to_numpy(value), copy=True) for name, value in self.state.get(p, {}).items()}

    def state_dict(self):
        out = {}
        for i, p in enumerate(self._params()):
            for name, value in self._saved_state(p).items():
                out[f"state.{i}.{name}"] = value
        index = 0
        for g, group in enumerate(self.param_groups):
            for name, value in group.items():
                if name == "params":
                    value = np.arange(index, index + len(group["params"]))
                    index += len(group["params"])
                out[f"param_groups.{g}.{name}"] = to_saved(value)
        return out

    def _check_saved_state(self, i, name, value, param):
        if value.ndim and value.shape != param.shape:
            raise ValueError(f"{type(self).__name__}.load_state_dict: state {name!r} of parameter {i} "
                             f"has shape {value.shape}, the parameter has shape {param.shape}")

    def _restored_state(self, param, state):
        """Saved arrays back as state. Integer scalars (step counts) become ints; float
        state stays an array in the parameter's dtype, even 0-d, so the in-place updates
        of step() keep working."""
        return {name: (int(value) if value.ndim == 0 and value.dtype.kind in "iub"
                       else to_device(value.astype(param.dtype, copy=True), param.device))
                for name, value in state.items()}

    def load_state_dict(self, state_dict):
        """Restore state and hyperparameters saved by `state_dict()` (checked before anything changes)."""
        params = self._params()
        groups = {}
        states = {}
        for key, value in state_dict.items():
            kind, _, rest = key.partition(".")
            index, _, name = rest.partition(".")
            if kind not in ("state", "param_groups") or not index.isdigit() or not name:
                raise KeyError(f"{type(self).__name__}.load_state_dict: unexpected key {key!r}")
            target = states if kind == "state" else groups
            target.setdefault(int(index), {})[name] = np.asarray(to_numpy(value))
        for g, group in enumerate(self.param_groups):
            names = set(groups.get(g, {})) - {"params"} - SCHEDULER_KEYS
            expected = set(group) - {"params"} - SCHEDULER_KEYS
            if g in groups and not expected - LATER_OPTIONS <= names <= expected:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: group {g} of the state has the "
                    f"hyperparameters {sorted(names)}, this optimizer has {sorted(expected)} "
                    "(was the state saved by another optimizer type?)")
        if sorted(groups) != list(range(len(self.param_groups))):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state has {len(groups)} parameter "
                             f"groups, the optimizer has {len(self.param_groups)}")
        for g, group in enumerate(self.param_groups):
            saved = groups[g].get("params")
            if saved is None or len(saved) != len(group["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: group {g} has "
                                 f"{len(group['params'])} parameters, the state has "
                                 f"{'none' if saved is None else len(saved)}")
        for i, state in states.items():
            if i >= len(params):
                raise ValueError(f"{type(self).__name__}.load_state_dict: state for parameter {i}, "
                                 f"but the optimizer has only {len(params)} parameters")
            for name, value in state.items():
                self._check_saved_state(i, name, value, params[i])
        self.state = {params[i]: self._restored_state(params[i], state) for i, state in states.items()}
        for g, group in enumerate(self.param_groups):
            for name, value in groups[g].items():
                if name != "params":
                    value = from_saved(value)
                    if isinstance(value, list) and not isinstance(group.get(name), list):
                        value = tuple(value)            # betas, etas: tuples; param_names: a list
                    group[name] = value

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for g, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {g}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])
