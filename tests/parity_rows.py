"""Every PyTorch parity row of tests/ops, as ParityRow(id, ours, theirs, arrays).

The op tables of tests/ops each drive a parity test that ends in
`assert_matches_torch(ours, theirs, *arrays, dtype=...)`, written in the test file or made
by autograd.testing's factories (`op_tests`, `parity_test`). Running those tests (float64
cases) with that function replaced by a recorder gives every row of every table in one
form, so the numerics and layout tests (test_numerics_nonfinite.py, test_layouts.py) reach
each op the tables reach, and a row added to a table reaches them too, without a second
list of ops.
"""
import importlib.util
import itertools
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from autograd.testing import assert_matches_torch, factories

OPS = Path(__file__).parent / "ops"


class ParityRow(NamedTuple):
    id: str
    ours: Callable        # ours(*Tensors) -> Tensor
    theirs: Callable      # theirs(*torch tensors) -> torch tensor
    arrays: tuple         # the floating inputs (float64); each gets a gradient on both sides


def _load(path):
    spec = importlib.util.spec_from_file_location(f"parity_rows_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parameter_sets(function):
    """Each combination of the function's pytest.mark.parametrize values, as kwargs."""
    axes = []
    for mark in getattr(function, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names = mark.args[0]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        values = [getattr(v, "values", v) if type(v).__name__ == "ParameterSet" else v
                  for v in mark.args[1]]
        axes.append([dict(zip(names, v if len(names) > 1 else (v,))) for v in values])
    for combination in itertools.product(*axes):
        kwargs = {}
        for part in combination:
            kwargs.update(part)
        yield kwargs


def _label(kwargs):
    return ",".join(str(v) for k, v in kwargs.items() if k != "dtype")


def parity_rows():
    """All float64 parity rows, in file and table order."""
    rows = []
    for path in sorted(OPS.glob("test_*.py")):
        module = _load(path)
        written = hasattr(module, "assert_matches_torch")
        for name, function in list(vars(module).items()):
            if not (name.startswith("test_") and "torch" in name and callable(function)
                    and not getattr(function, "is_hypothesis_test", False)
                    and (written or getattr(function, "__module__", None) == factories.__name__)):
                continue
            for kwargs in _parameter_sets(function):
                if kwargs.get("dtype", np.float64) is not np.float64:
                    continue
                calls = []
                record = (lambda ours, theirs, *arrays, dtype=np.float64, seed=0:
                          calls.append((ours, theirs, tuple(np.asarray(a, np.float64) for a in arrays))))
                module.assert_matches_torch = factories.assert_matches_torch = record
                try:
                    function(**kwargs)
                except Exception:      # a test that checks more after its parity call
                    pass
                finally:
                    factories.assert_matches_torch = assert_matches_torch
                for i, (ours, theirs, arrays) in enumerate(calls):
                    suffix = f"#{i}" if len(calls) > 1 else ""
                    rows.append(ParityRow(f"{path.stem[5:]}.{name[5:]}[{_label(kwargs)}]{suffix}",
                                          ours, theirs, arrays))
    return rows
