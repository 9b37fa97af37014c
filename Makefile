# Two commands on a fresh machine: `make demo` trains the main model, `make test` runs the tests.
# Both create .venv first (the import name `autograd` collides with HIPS autograd on PyPI,
# so dyngrad always lives in its own virtual environment).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test demo bench torch clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# PyTorch is the oracle for the parity tests and the reference for the benchmarks.
# Pinned: an unpinned torch pulls a multi-GB CUDA build.
torch: $(STAMP)
	$(PY) -m pip install -q torch==2.13.0

test: $(STAMP)
	$(PY) -m pytest -q

demo: $(STAMP)
	$(PY) -m examples.train --model convnet --epochs 3 --train-size 20000 --out runs/demo

bench: torch
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
