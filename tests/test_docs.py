"""Every python block in README.md and docs/*.md runs, in order, one namespace per page, in a
temporary folder: a page whose example rots fails here.

A ```text block right after a python block is the output the page shows for it: what the
block prints must match it line by line (trailing spaces aside).
"""
import contextlib
import io
import re
import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))
# A python block (indented in lists too), and the text block that may follow it.
BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```\n(?:\s*^\1```text\n(.*?)^\1```)?", re.S | re.M)


def blocks(page):
    """(code, shown output or None) for each python block of the page."""
    return [(textwrap.dedent(code), textwrap.dedent(shown) if shown else None)
            for _, code, shown in BLOCK.findall((ROOT / page).read_text())]


# What a page's last block leaves behind, checked beyond "it ran".
CHECKS = {
    "docs/tutorial.md": lambda ns: ns["history"]["best_val_acc"] > 0.5,
    "README.md": lambda ns: ns["test_softsign_gradient"]() is None,
}


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)])
def test_python_blocks_run_in_order(page, tmp_path, monkeypatch):
    code = "\n".join(source for source, _ in blocks(page))
    if shutil.which("dot") is None and ("render(" in code or "animate_backward(" in code):
        pytest.skip("graphviz `dot` binary not installed: this page renders graphs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": f"docs_{Path(page).stem}"}
    for number, (source, shown) in enumerate(blocks(page), 1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(source, f"{page} python block {number}", "exec"), namespace)
        if shown is not None:
            got = [line.rstrip() for line in printed.getvalue().splitlines()]
            assert got == [line.rstrip() for line in shown.splitlines()], \
                f"{page} python block {number} printed:\n{printed.getvalue()}"
    check = CHECKS.get(page)
    assert check is None or check(namespace)


def test_every_page_with_code_is_collected():
    with_code = [p for p in PAGES if blocks(p)]
    assert "README.md" in with_code and "docs/visualizing.md" in with_code
    assert len(with_code) >= 6
    shown = [shown for source, shown in blocks("docs/higher_order.md") if shown]
    assert len(shown) >= 3      # the worked examples' outputs are checked, not only run
