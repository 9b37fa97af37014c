"""docs/higher_order.md runs as written: its python blocks, in order, in one namespace.

A ```text block right after a python block is the output the page shows for it; what
the block prints must match it line by line (trailing spaces aside).
"""
import contextlib
import io
import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "higher_order.md"
BLOCK = re.compile(r"```python\n(.*?)```(?:\s*```text\n(.*?)```)?", re.DOTALL)


def blocks():
    return BLOCK.findall(PAGE.read_text())


def test_the_page_has_the_three_worked_examples():
    code = "\n".join(source for source, _ in blocks())
    assert len(blocks()) >= 3
    assert "functional.hvp" in code and "create_graph=True" in code and "np.linalg.solve" in code


def test_every_block_runs_and_prints_what_the_page_shows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a block writes lands in a temporary folder
    namespace = {"__name__": "docs_higher_order"}
    for number, (source, shown) in enumerate(blocks(), start=1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(source, f"{PAGE.name} block {number}", "exec"), namespace)
        if shown:
            got = [line.rstrip() for line in printed.getvalue().splitlines()]
            expected = [line.rstrip() for line in shown.splitlines()]
            assert got == expected, f"block {number} printed:\n{printed.getvalue()}"
