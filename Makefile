# `make run` sets up .venv (Python 3.12, from .python-version) and runs the default scenario;
# `make test` sets up the same environment (and Debian's chromium for the browser tests) and runs
# the test suite; `make app` starts the browser app. ARGS passes overrides:
#   make run ARGS="scenario=endogenous seed=7"
# `make bench` measures issue 27's four performance figures as whole commands
# (experiments/bench_figures.py; ARGS="--against <commit>" side by side with another revision);
# `make bench-engine` the engine's own benchmark (experiments/benchmark.py; ARGS="--parts profile").
# Each long step says what it does and how long it takes before it starts, and its time after.
PYTHON ?= python
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test setup bench bench-engine clean browser app bytecode

# The environment, once (again when pyproject.toml changes): pip shows what it downloads.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' 2>/dev/null || { \
	  echo "sahel-sim needs Python 3.12 or later; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "Give make another one, e.g.: make $(or $(MAKECMDGOALS),run) PYTHON=python3.12"; exit 1; }
	@echo "== setting up $(VENV): the package and its development extras (Mesa, numpy, Numba, Hydra,"
	@echo "   pandas, matplotlib, SALib, Dask, Solara, pytest, Playwright); about 1-2 minutes and 1.7 GB,"
	@echo "   once (again only when pyproject.toml changes). pip's progress follows."
	@start=$$(date +%s); \
	$(PYTHON) -m venv $(VENV) && \
	$(VENV)/bin/python -m pip install -q --upgrade pip && \
	$(VENV)/bin/python -m pip install -e '.[dev]' && \
	touch $(STAMP) && \
	echo "== $(VENV) is ready ($$(( $$(date +%s) - start )) s)"

# Debian's Chromium for the browser tests (Playwright drives it; nothing is downloaded at test
# time). Installed with apt-get when it is missing and this user is root or has sudo without a
# password; otherwise the command to run is printed and the browser tests are skipped.
browser:
	@command -v chromium >/dev/null 2>&1 && exit 0; \
	echo "== chromium is missing: the browser tests (tests/app) drive Debian's chromium package"; \
	echo "   with Playwright; without it they are skipped, and every other test runs."; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "   No apt-get here: install Chromium with your package manager (a 'chromium' command"; \
	  echo "   on PATH) to run them. Going on without it."; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	else \
	  echo "   Installing it needs root: run 'sudo apt-get install chromium' (or 'sudo make browser')"; \
	  echo "   and then make test again. Going on without it."; exit 0; fi; \
	echo "== installing chromium with $${SUDO:+sudo }apt-get (about 1-2 minutes, once)..."; \
	start=$$(date +%s); \
	apt="$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get"; \
	{ apt-cache show chromium >/dev/null 2>&1 || $$apt update -q; } && \
	$$apt install -y -q chromium && \
	echo "== chromium installed ($$(( $$(date +%s) - start )) s)" || \
	echo "== chromium could not be installed (see apt-get's messages above): the browser tests will be skipped"

setup: $(STAMP) browser bytecode

# The package's .pyc files, as an installed package has them (an editable install has none, and
# where PYTHONDONTWRITEBYTECODE is set Python compiles every module again in every command, some
# 0.2-0.5 s of each); only the modules changed since are compiled again (about 0.1 s).
bytecode: $(STAMP)
	@$(VENV)/bin/python -m compileall -q sim

app: $(STAMP) bytecode
	$(VENV)/bin/sahel-sim-app $(ARGS)

run: $(STAMP) bytecode
	$(VENV)/bin/sahel-sim $(ARGS)

test: $(STAMP) browser bytecode
	@echo "== running the tests (pytest, about 1,400 tests: about 12-15 minutes on 2 cores)"
	$(VENV)/bin/python -m pytest -q $(ARGS)

bench: $(STAMP) bytecode
	@echo "== issue 27's four figures (experiments/bench_figures.py): about 3 minutes on 2 cores,"
	@echo "   twice that with --against"
	$(VENV)/bin/python experiments/bench_figures.py $(ARGS)

bench-engine: $(STAMP) bytecode
	$(VENV)/bin/python experiments/benchmark.py $(ARGS)

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .hypothesis
