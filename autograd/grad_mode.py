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


class no_grad(set_grad_enabled):
    """Build no graph: results of operations have `requires_grad=False`."""

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record the graph again, e.g. inside a `no_grad` block."""

    def __init__(self):
        super().__init__(True)
