# One place for every project command. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# PyTorch: on a CPU-only machine, avoid the multi-GB CUDA wheel by setting up .venv with
#   make book TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_SPEC  ?= torch==2.13.0
TORCH_INDEX ?=
# The locked environment. requirements.lock pins one version of every package that the book and its tests use: the
# dependencies of pyproject.toml and its extras LOCK_EXTRAS, with everything they need (pyproject.toml keeps its
# ranges for those who `pip install mmcl` as a library). `make lock` regenerates it with uv (UV_SPEC) as a universal
# resolution for Python >= 3.11, keeping the versions already locked where they still fit (LOCK_ARGS=--upgrade
# moves every package to its newest release); it is made for, and tested on, Python 3.11 on Linux x86-64, as used by
# CI and Binder. tests/test_lock.py fails when pyproject.toml and the lock disagree.
# PyTorch: the lock pins torch at TORCH_SPEC and torch's own pure-Python requirements (filelock, sympy, networkx,
# jinja2, fsspec, ...), but not the CUDA libraries that PyPI's Linux wheel of torch requires: LOCK_EXCLUDE removes
# them, and whatever only they need, from the resolution (uv's --excludes), so installing the lock never downloads
# them. `make env` installs the build of torch that TORCH_SPEC and TORCH_INDEX choose (without its requirements),
# then exactly the lines of the lock (--no-deps; torch is already there), then whatever that build needs beyond the
# lock (the CUDA libraries for a CUDA build, nothing for a CPU build), and checks the result with pip check.
LOCK         = requirements.lock
LOCK_EXTRAS  = book test e2e cluster
LOCK_EXCLUDE = cuda-bindings cuda-toolkit nvidia-cudnn-cu13 nvidia-cusparselt-cu13 nvidia-nccl-cu13 nvidia-nvshmem-cu13 triton
LOCK_ARGS   ?=
UV_SPEC     ?= uv==0.13.10
NBVAL = $(BIN)/pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900 -p no:cacheprovider
export OMP_NUM_THREADS ?= 2

.PHONY: help env lock lint test unit nbval book e2e e2e-assets student notebooks benchmark clean

help:
	@echo "make book       set up .venv and build the site into _build/html"
	@echo "make test       set up .venv and run every test (unit, strict nbval, book build, browser test of the site)"
	@echo "make e2e        browser test of the built site (after make book; needs /usr/bin/chromium and npm)"
	@echo "make student    write the student edition (solutions removed) into dist/student"
	@echo "make notebooks  re-execute every chapter (the one execution of record)"
	@echo "make benchmark  run the trainer and sweep benchmarks"
	@echo "make env        set up .venv from the lock (requirements.lock)"
	@echo "make lock       regenerate requirements.lock from pyproject.toml (LOCK_ARGS=--upgrade: newest releases)"
	@echo "make lint       ruff on the repository"
	@echo "make grade      grade a class (SUBMISSIONS=folder OUT=grades.csv)"
	@echo "make pdf        the book as one PDF (after make book)"
	@echo "make otter      export a chapter to otter-grader and grade it with otter (installs .otter-venv)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install -q --no-deps $(TORCH_SPEC) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install -q --no-deps -r $(LOCK)
	$(BIN)/pip install -q $(TORCH_SPEC) -c $(LOCK) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pip check
	touch $@

env: $(VENV)/.installed

lock: | $(BIN)/python
	$(BIN)/pip install -q $(UV_SPEC)
	printf '%s\n' $(LOCK_EXCLUDE) > $(VENV)/lock-exclude.txt
	echo '$(TORCH_SPEC)' | $(BIN)/uv pip compile -q pyproject.toml - $(addprefix --extra ,$(LOCK_EXTRAS)) \
		--excludes $(VENV)/lock-exclude.txt --universal --python-version 3.11 \
		--custom-compile-command 'make lock' -o $(LOCK) $(LOCK_ARGS)
	@if grep -Ein '^(nvidia|cuda|triton)' $(LOCK); then \
		echo "$(LOCK): CUDA-only packages above; add torch's requirement that brings them to LOCK_EXCLUDE" >&2; \
		exit 1; fi

# ruff lints the package, the tests, the tools and the chapters' code (book/ruff.toml: 88 columns), and checks that
# all of it is formatted (`.venv/bin/ruff format .` formats it).
lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: export MPLBACKEND = Agg
unit: env
	$(BIN)/pytest tests -q --ignore=tests/e2e --deselect tests/test_otter.py::test_otter_grades_the_exported_assignment

# Kernels inherit the environment, which is that of the execution of record (tools/execute_notebooks.py:
# kernel_environment): one thread, CPU only even where a GPU is present, fixed hash seed, no MPLBACKEND so that
# figures render inline as in the stored outputs.
# NBVAL_PATHS: the chapters to run (all of book/ by default). ATEN_CPU_CAPABILITY, if set, is passed on, so that
# `make nbval ATEN_CPU_CAPABILITY=default` runs the chapters with PyTorch's kernels for another instruction set.
NBVAL_PATHS ?= book
nbval: env
	env -u MPLBACKEND OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 CUDA_VISIBLE_DEVICES= PYTHONHASHSEED=0 TQDM_DISABLE=1 \
		$(if $(ATEN_CPU_CAPABILITY),ATEN_CPU_CAPABILITY=$(ATEN_CPU_CAPABILITY)) $(NBVAL) $(NBVAL_PATHS) -q

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

test: lint unit nbval book pdf e2e otter

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

# Grade a class: SUBMISSIONS holds one folder per student with their chapter notebooks (as in the student edition);
# OUT is the CSV of points, the feedback files go to feedback/ next to it. GRADE_ARGS: more options of
# `python -m mmcl grade` (--chapters 2 3, --timeout SECONDS, --jobs N); the instructor guide has the details.
SUBMISSIONS ?= submissions
OUT         ?= grades.csv
GRADE_ARGS  ?=
.PHONY: grade
grade: env
	$(BIN)/python -m mmcl grade $(SUBMISSIONS) --out $(OUT) $(GRADE_ARGS)

# The book as one PDF, after make book: every page of the site in _toc.yml order, printed by headless Chromium
# (/usr/bin/chromium or MMCL_CHROMIUM, through Playwright, with no network) with the print styles of _static/, and
# merged by poppler's pdfunite (Debian: poppler-utils) into _build/pdf/mmcl-book.pdf, which is also copied into the
# site (every page's download menu links it). Fails when a page would miss a figure, formula, table or code cell
# (PDF_ARGS=--keep-going writes the PDF all the same). tests/e2e/test_pdf.py checks the result.
.PHONY: pdf
PDF_ARGS ?=
pdf: env
	$(BIN)/python -m tools.print_pdf $(PDF_ARGS)

# otter-grader (https://otter-grader.readthedocs.io) in a virtual environment of its own, .otter-venv, which also
# sees the book's packages (a .pth line to .venv's site-packages) so that its `otter run` can execute chapters; then
# the test that exports a chapter's exercises with tools/export_otter.py and grades it with otter itself. Needs the
# package index the first time; skipped (with the reason) when it cannot be installed, unless MMCL_E2E_REQUIRED=1.
OTTER_SPEC  ?= otter-grader==7.0.0
OTTER_VENV  ?= .otter-venv
.PHONY: otter otter-env
$(OTTER_VENV)/bin/otter: | $(VENV)/.installed
	rm -rf $(OTTER_VENV)
	$(PYTHON) -m venv $(OTTER_VENV)
	$(OTTER_VENV)/bin/pip install -q $(OTTER_SPEC)
	$(BIN)/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" \
		> "$$($(OTTER_VENV)/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/book_env.pth"

otter-env: $(OTTER_VENV)/bin/otter

otter: env
	$(MAKE) otter-env || test "$$MMCL_E2E_REQUIRED" != 1
	$(BIN)/pytest tests/test_otter.py -q
