# One place for every project command. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# PyTorch: on a CPU-only machine, avoid the multi-GB CUDA wheel by setting up .venv with
#   make book TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_SPEC  ?= torch==2.13.0
TORCH_INDEX ?=
NBVAL = $(BIN)/pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900 -p no:cacheprovider
export OMP_NUM_THREADS ?= 2

.PHONY: help env test unit nbval book e2e e2e-assets student notebooks benchmark clean

help:
	@echo "make book       set up .venv and build the site into _build/html"
	@echo "make test       set up .venv and run every test (unit, strict nbval, book build, browser test of the site)"
	@echo "make e2e        browser test of the built site (after make book; needs /usr/bin/chromium and npm)"
	@echo "make student    write the student edition (solutions removed) into dist/student"
	@echo "make notebooks  re-execute every chapter (the one execution of record)"
	@echo "make benchmark  run the trainer and sweep benchmarks"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q $(TORCH_SPEC) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install -q -e ".[book,test,e2e]"
	touch $@

env: $(VENV)/.installed

unit: export MPLBACKEND = Agg
unit: env
	$(BIN)/pytest tests -q --ignore=tests/e2e

# Kernels inherit the environment, which is that of the execution of record (tools/execute_notebooks.py:
# kernel_environment): one thread, CPU only even where a GPU is present, fixed hash seed, no MPLBACKEND so that
# figures render inline as in the stored outputs.
nbval: env
	env -u MPLBACKEND OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 CUDA_VISIBLE_DEVICES= PYTHONHASHSEED=0 TQDM_DISABLE=1 \
		$(NBVAL) book -q

book: env
	rm -rf _build/html
	$(BIN)/jupyter-book build . -W -n --keep-going

# Local copies of the scripts the pages load from CDNs (MathJax, require.js, the widget manager), for the browser test.
node_modules/.copies: package.json | $(BIN)/python
	$(BIN)/python -m tools.cdn_copies
	touch $@

e2e-assets: node_modules/.copies

# The built site in headless Chromium (Debian's /usr/bin/chromium, or MMCL_CHROMIUM); skips with the reason when
# something is missing, unless MMCL_E2E_REQUIRED=1 (.ci/run). Screenshots: _build/screenshots/.
e2e: env
	$(MAKE) e2e-assets || test "$$MMCL_E2E_REQUIRED" != 1
	$(BIN)/pytest tests/e2e -q

test: unit nbval book e2e

student: env
	$(BIN)/python -m tools.make_student

notebooks: export OMP_NUM_THREADS = 1
notebooks: env
	$(BIN)/python -m tools.execute_notebooks

benchmark: env
	$(BIN)/python benchmarks/bench_trainer.py
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf _build
