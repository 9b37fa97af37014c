"""Grad mode: whether operations record a graph.

One thread-local switch, read by `Function.apply`. `no_grad`, `enable_grad` and
`set_grad_enabled` behave as their PyTorch namesakes: context managers and decorators,
and `set_grad_enabled(mode)` called on its own also switches the mode at once.
"""
import functools
import inspect
import threading


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()


def is_grad_enabled():
    """True when new operations are recorded for backward."""
    return _mode.enabled


class _Switch:
    """Grad mode `mode` inside a `with` block; the previous mode comes back after it."""

    def __init__(self, mode):
        self.mode = bool(mode)

    def __enter__(self):
        self.previous = _mode.enabled
        _mode.enabled = self.mode

    def __exit__(self, *exc_info):
        _mode.enabled = self.previous

    def __call__(self, func):
        return _decorate(func, self.mode)


def _decorate(func, mode):
    """`func` run with grad mode `mode` (a fresh switch per call, so recursion is safe).

    A generator function runs each step of its body in that mode, while the caller's
    code between steps keeps its own mode (as PyTorch's decorators do).
    """
    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def generator(*args, **kwargs):
            steps = func(*args, **kwargs)
            sent, thrown = None, None
            while True:
                try:
                    with _Switch(mode):
                        item = steps.throw(thrown) if thrown is not None else steps.send(sent)
                except StopIteration as stop:
                    return stop.value
                sent, thrown = None, None
                try:
                    sent = yield item
                except GeneratorExit:
                    with _Switch(mode):
                        steps.close()
                    raise
                except BaseException as error:
                    thrown = error
        return generator

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _Switch(mode):
            return func(*args, **kwargs)
    return wrapper


class set_grad_enabled(_Switch):
    """Set grad mode to `mode`: at once, for a `with` block, or for a decorated function."""

    def __init__(self, mode):
        super().__init__(mode)
        self.previous = _mode.enabled
        _mode.enabled = self.mode

    def __enter__(self):
        pass  # __init__ already switched

    def __call__(self, func):
        _mode.enabled = self.previous  # decorating a function must not switch the mode now
        return super().__call__(func)


class _FixedSwitch(_Switch):
    """A switch with no argument: `with no_grad():`, `@no_grad()` and, like PyTorch, `@no_grad`."""

    fixed_mode = True

    def __new__(cls, func=None):
        if func is not None:
            return _decorate(func, cls.fixed_mode)
        return super().__new__(cls)

    def __init__(self, func=None):
        super().__init__(self.fixed_mode)


class no_grad(_FixedSwitch):
    """Build no graph: results of operations have `requires_grad=False`."""

    fixed_mode = False


class enable_grad(_FixedSwitch):
    """Record the graph again, e.g. inside a `no_grad` block."""

    fixed_mode = True
