# Two commands on a fresh machine: `make demo` trains the main model, `make test` runs the tests.
# Both create .venv first (the import name `autograd` collides with HIPS autograd on PyPI,
# so dyngrad always lives in its own virtual environment), with the optional extras sweep
# (Optuna) and mpi (mpi4py and the MPICH wheel, which brings mpiexec) so their tests run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test demo bench bench-peers torch clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,sweep,mpi]'
	touch $(STAMP)

install: $(STAMP)

# PyTorch is the oracle for the parity tests and the reference for the benchmarks.
# Pinned: on the project's machines pip finds this version's CPU build on disk, while an
# unpinned torch would pull a newer, multi-GB CUDA build.
torch: $(STAMP)
	$(PY) -m pip install -q torch==2.13.0

test: $(STAMP)
	$(PY) -m pytest -q

# --weight-scale 1e-3: from a near-zero start the first-layer filters in filters.png are
# what training learned (edge and blob detectors; correlation with the initialisation about
# 0.14 on the embedded subset), where the model's default 5e-2 leaves them looking like the
# random initialisation (0.96). docs/visualizing.md has the measurements. --overwrite: each
# `make demo` replaces runs/demo (dyngrad refuses an --out that holds a run otherwise).
demo: $(STAMP)
	$(VENV)/bin/dyngrad train --model convnet --epochs 3 --train-size 20000 --weight-scale 1e-3 --out runs/demo --overwrite

# The peers (MyGrad, HIPS autograd) get their own venv: HIPS autograd's import name is
# `autograd`, like ours. `make bench` adds their columns once `make bench-peers` has run.
PEERS_VENV := .venv-peers
PEERS_PY := $(PEERS_VENV)/bin/python

$(PEERS_VENV)/.installed:
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_PY) -m pip install -q --upgrade pip
	$(PEERS_PY) -m pip install -q mygrad autograd
	touch $@

bench-peers: $(PEERS_VENV)/.installed

bench: torch
	$(PY) -m benchmarks.run $(if $(wildcard $(PEERS_PY)),--peers-python $(PEERS_PY))
	$(PY) -m benchmarks.run --threads 1 --no-memory

clean:
	rm -rf $(VENV) $(PEERS_VENV) runs .pytest_cache .hypothesis
