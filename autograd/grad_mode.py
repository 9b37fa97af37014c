"""Grad mode: whether operations record a graph.

One thread-local switch, read by `Function.apply`. `no_grad` and `enable_grad` work as
context managers and as decorators, like their PyTorch namesakes.
"""
import functools
import threading


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()


def is_grad_enabled():
    """True when new operations are recorded for backward."""
    return _mode.enabled


class set_grad_enabled:
    """Set grad mode to `mode` inside a `with` block (or a decorated function)."""

    def __init__(self, mode):
        self.mode = bool(mode)

    def __enter__(self):
        self.previous = _mode.enabled
        _mode.enabled = self.mode

    def __exit__(self, *exc_info):
        _mode.enabled = self.previous

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)(self.mode) if type(self) is set_grad_enabled else type(self)():
                return func(*args, **kwargs)
        return wrapper


class _FixedMode(set_grad_enabled):
    """A mode switch with no argument; usable as `@no_grad()` and, like PyTorch, `@no_grad`."""

    enabled = True

    def __new__(cls, func=None):
        self = super().__new__(cls)
        if func is not None:
            self.__init__()
            return self(func)
        return self

    def __init__(self, func=None):
        super().__init__(self.enabled)


class no_grad(_FixedMode):
    """Build no graph: results of operations have `requires_grad=False`."""

    enabled = False


class enable_grad(_FixedMode):
    """Record the graph again, e.g. inside a `no_grad` block."""

    enabled = True
