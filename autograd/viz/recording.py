"""Recording at node creation: module scopes (one per call) and kept values.

Both work through `autograd.function.record_hooks`: while a scope or a recording is open
in some thread, the engine calls `_on_node(node, out)` for every node it records, and this module stores, on the node, the innermost open scope
(never the output: nodes don't point to their outputs) and, in the active recordings, the
output tensor (kept alive, with `retain_grad()`, so its value and gradient can be drawn).
"""
import itertools
import threading
import weakref

from ..function import record_hooks


class _State(threading.local):
    def __init__(self):
        self.scopes = []                    # the open Scopes of this thread, innermost last
        self.recordings = []                # the active Recordings of this thread


_state = _State()
_scope_numbers = itertools.count()


class Scope:
    """One call of `owner` (an nn.Module, or anything else) during which nodes were made."""

    __slots__ = ("owner", "parent", "number")

    def __init__(self, owner, parent, number):
        self.owner, self.parent, self.number = owner, parent, number

    def chain(self):
        """This scope and its enclosing scopes, outermost first."""
        out, s = [], self
        while s is not None:
            out.append(s)
            s = s.parent
        return out[::-1]

    def __repr__(self):
        return f"<Scope {type(self.owner).__name__} #{self.number}>"


# `_on_node` is in record_hooks only while some thread has a scope or a recording open,
# so ops outside any module call cost nothing extra.
_open = [0]
_open_lock = threading.Lock()


def _opened():
    with _open_lock:
        _open[0] += 1
        if _open[0] == 1:
            record_hooks.append(_on_node)


def _closed():
    with _open_lock:
        _open[0] -= 1
        if _open[0] == 0:
            record_hooks.remove(_on_node)


def enter_scope(owner):
    """Open a scope: nodes created until `exit_scope()` belong to this call of `owner`."""
    scopes = _state.scopes
    scopes.append(Scope(owner, scopes[-1] if scopes else None, next(_scope_numbers)))
    _opened()


def exit_scope():
    _state.scopes.pop()
    _closed()


class Recording:
    """The output tensors of the nodes created inside one `record()` block (by node)."""

    def __init__(self):
        self.outputs = {}

    def __len__(self):
        return len(self.outputs)

    def clear(self):
        self.outputs.clear()


_recordings = weakref.WeakSet()             # every Recording still alive
_last = [None]                              # the most recent one, kept after its block ends


class record:
    """Keep the value and, after backward, the gradient of every node created inside.

        with viz.record():
            f = (x + y) * z
            f.backward()
        viz.draw_graph(f, show_values=True)

    Returns a `Recording` from `__enter__`; it (the latest one) stays alive until the next
    `record()` starts or `forget()` is called. Recordings nest; grad mode is unchanged.
    """

    def __enter__(self):
        self.recording = Recording()
        _last[0] = self.recording
        _recordings.add(self.recording)
        _state.recordings.append(self.recording)
        _opened()
        return self.recording

    def __exit__(self, *exc):
        _state.recordings.remove(self.recording)
        _closed()
        return False


def forget():
    """Drop the values the latest `record()` kept (recordings you hold stay)."""
    _last[0] = None


def _on_node(node, out):
    scopes = _state.scopes
    if scopes:
        node._viz_scope = scopes[-1]
    if _state.recordings:
        for recording in _state.recordings:
            recording.outputs[node] = out
        out.retain_grad()



def topological_order(node):
    """The engine's order (root first), looked up at call time: `autograd.topological_order`
    is the public name, wherever the engine keeps it."""
    from .. import topological_order as order
    return order(node)


def _recorded(node):
    """The output tensor of `node` if a live recording kept it, else None."""
    for recording in list(_recordings):
        out = recording.outputs.get(node)
        if out is not None:
            return out
    return None
