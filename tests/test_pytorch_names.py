"""docs/pytorch.md lists only names that exist: every name in backticks in a table's dyngrad
column is imported or looked up.

A name is a dotted path from `autograd`, `nn` or `Tensor` (an `autograd.Tensor` method or
property); call arguments are ignored (`autograd.gradcheck(fn, *inputs)` checks
`autograd.gradcheck`) and `autograd.functional.*` checks the module. Other backticked
text in that column (an operator, a value) is not a name and is skipped.
"""
import importlib
import re
from pathlib import Path

import pytest

import autograd

PAGE = Path(__file__).resolve().parents[1] / "docs" / "pytorch.md"
NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
ROOTS = ("autograd", "nn", "Tensor")


def dyngrad_names():
    """(line number, name) for each name in a dyngrad column of the page's tables."""
    names, column = [], None
    for number, line in enumerate(PAGE.read_text().splitlines(), 1):
        if not line.startswith("|"):
            column = None
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if column is None:                               # a header row
            column = cells.index("dyngrad") if "dyngrad" in cells else -1
            continue
        if column < 0 or set(cells[0]) <= set("-: "):    # no dyngrad column, or the separator
            continue
        for text in re.findall(r"`([^`]+)`", cells[column]):
            name = text.split("(")[0].strip().removesuffix(".*")
            if NAME.fullmatch(name) and name.split(".")[0] in ROOTS:
                names.append((number, name))
    return names


def resolve(name):
    parts = name.split(".")
    if parts[0] == "Tensor":
        obj, rest = autograd.Tensor, parts[1:]
    else:
        # the longest importable module prefix, then attributes
        for end in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:end]))
            except ImportError:
                continue
            rest = parts[end:]
            break
        else:
            raise ImportError(f"no module {parts[0]!r}")
    for part in rest:
        obj = getattr(obj, part)
    return obj


def test_the_page_lists_names():
    assert len(dyngrad_names()) > 100


@pytest.mark.parametrize("line, name", dyngrad_names())
def test_every_listed_name_exists(line, name):
    try:
        resolve(name)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"docs/pytorch.md line {line} lists `{name}`, which does not exist: {error}")
