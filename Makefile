# One place for every project command. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# PyTorch: on a CPU-only machine, avoid the multi-GB CUDA wheel with
#   make test TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_SPEC  ?= torch==2.13.0
TORCH_INDEX ?=
NBVAL = $(BIN)/pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900 -p no:cacheprovider
export OMP_NUM_THREADS ?= 2

.PHONY: help env test unit nbval book notebooks benchmark clean

help:
	@echo "make book       set up .venv and build the site into _build/html"
	@echo "make test       set up .venv and run every test (unit, strict nbval, book build)"
	@echo "make notebooks  re-execute every chapter (the one execution of record)"
	@echo "make benchmark  run the trainer and sweep benchmarks"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q $(TORCH_SPEC) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install -q -e ".[book,test]"
	touch $@

env: $(VENV)/.installed

unit: export MPLBACKEND = Agg
unit: env
	$(BIN)/pytest tests -q

# Kernels inherit the environment: no MPLBACKEND here, so figures render inline as in the stored outputs.
nbval: env
	env -u MPLBACKEND OMP_NUM_THREADS=1 $(NBVAL) book -q

book: env
	rm -rf _build/html
	$(BIN)/jupyter-book build . -W -n --keep-going

test: unit nbval book

notebooks: export OMP_NUM_THREADS = 1
notebooks: env
	$(BIN)/python -m tools.execute_notebooks

benchmark: env
	$(BIN)/python benchmarks/bench_trainer.py
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf _build
