"""Anomaly mode: find the forward line behind a failing or non-finite backward.

    with autograd.detect_anomaly():
        loss = model(x).sum()
        loss.backward()      # a rule that raises, or returns nan/inf, names the op
                             # and shows where in your code that op was called

Inside it (per thread, as in PyTorch) every recorded node keeps the traceback of the
code that created it, and backward checks each rule's gradients. Off, it costs nothing:
no hook is installed and backward does not check.
"""
import functools
import threading
import traceback

from .backend import xp
from .function import record_hooks


class _AnomalyMode(threading.local):
    enabled = False
    check_nan = True


_mode = _AnomalyMode()
_users = 0                      # threads with anomaly mode on; the hook is installed while > 0
_users_lock = threading.Lock()


def is_enabled():
    """True when anomaly mode is on in this thread."""
    return _mode.enabled


def _remember_trace(node, output):
    if _mode.enabled:
        node.forward_trace = "".join(traceback.format_stack()[:-2])  # without apply and this hook


def _switch(enabled, check_nan):
    """Set this thread's mode; install the trace hook while any thread uses anomaly mode."""
    global _users
    was = _mode.enabled
    _mode.enabled, _mode.check_nan = bool(enabled), bool(check_nan)
    with _users_lock:
        _users += int(_mode.enabled) - int(was)
        installed = _remember_trace in record_hooks
        if _users > 0 and not installed:
            record_hooks.append(_remember_trace)
        elif _users == 0 and installed:
            record_hooks.remove(_remember_trace)


class detect_anomaly:
    """Anomaly mode for a `with` block or a decorated function (`check_nan`: also check gradients)."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self.previous = (_mode.enabled, _mode.check_nan)
        _switch(True, self.check_nan)

    def __exit__(self, *exc_info):
        _switch(*self.previous)

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)
        return wrapper


def set_detect_anomaly(mode, check_nan=True):
    """Turn anomaly mode on or off for this thread."""
    _switch(mode, check_nan)


def _where_created(node):
    trace = getattr(node, "forward_trace", None)
    if trace is None:
        return (f"\n(no forward traceback: {node.name} was created outside anomaly mode; "
                "run the forward inside detect_anomaly() too)")
    return f"\nTraceback of the forward call that created {node.name}:\n{trace}"


def checked_gradients(node, grad, run):
    """`run(node, grad)`'s (parent, gradient) pairs, with errors and non-finite gradients
    reported as a RuntimeError naming the op and its forward traceback."""
    try:
        results = list(run(node, grad))
    except Exception as error:
        raise RuntimeError(f"{node.name}.backward raised {type(error).__name__}: {error}"
                           f"{_where_created(node)}") from error
    if _mode.check_nan:
        for i, (_, g) in enumerate(results):
            values = getattr(g, "data", g)
            if not xp.isfinite(values).all():
                kind = "nan" if xp.isnan(values).any() else "inf"
                raise RuntimeError(f"Function '{node.name}' returned {kind} values in its gradient for "
                                   f"input {i}{_where_created(node)}")
    return results
