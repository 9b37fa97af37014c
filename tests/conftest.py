"""Shared test settings.

- Hypothesis profiles from autograd.testing (`dev`, the default, and `thorough`), chosen
  with HYPOTHESIS_PROFILE; an unknown name stops the run with the known names.
- Quiet output: skips are not listed test by test; the summary says once per missing
  optional component (PyTorch, graphviz's dot, a dataset) how many tests it skipped and why.
"""
from collections import Counter

import pytest

from autograd.testing import load_profile

load_profile()

_skips = Counter()


def _component(reason):
    """The reason a skip is reported under: one line per missing component."""
    lowered = reason.lower()
    if "torch" in lowered:
        return "PyTorch not installed: the parity tests need it (`make torch` installs torch==2.13.0)"
    if "dot" in lowered or "graphviz" in lowered:
        return "graphviz `dot` not installed: the rendering tests need it (apt-get install graphviz)"
    return reason


def pytest_configure(config):
    # -ra would list every skipped test's location; the summary below replaces that.
    config.option.reportchars = config.option.reportchars.replace("s", "").replace("a", "fExX")


def pytest_runtest_logreport(report):
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2].removeprefix("Skipped: ")
        _skips[_component(reason)] += 1


def pytest_terminal_summary(terminalreporter):
    for reason, count in sorted(_skips.items()):
        terminalreporter.write_line(f"skipped {count} test{'s' * (count != 1)}: {reason}")


@pytest.fixture(scope="module")
def one_torch_thread():
    """torch on one thread for a module of tiny-tensor parity tests: its thread pool only
    waits on a busy machine (about 30x slower on 2 shared cores). Restored afterwards."""
    try:
        import torch
    except ImportError:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
