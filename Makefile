# `make run` sets up .venv (Python 3.12, from .python-version) and runs the default scenario;
# `make test` sets up the same environment (and Debian's chromium for the browser tests) and runs
# the test suite; `make app` starts the browser app. ARGS passes overrides:
#   make run ARGS="scenario=endogenous seed=7"
PYTHON ?= python
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test setup bench clean browser app

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Debian's Chromium for the browser tests (Playwright drives it; nothing is downloaded at test
# time). Installed with the system's package manager when it is missing (root, or sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q chromium >/dev/null 2>&1; } || \
	  echo "chromium could not be installed: the browser tests will be skipped"; }

setup: $(STAMP) browser

app: $(STAMP)
	$(VENV)/bin/sahel-sim-app $(ARGS)

run: $(STAMP)
	$(VENV)/bin/sahel-sim $(ARGS)

test: $(STAMP) browser
	$(VENV)/bin/python -m pytest -q $(ARGS)

bench: $(STAMP)
	$(VENV)/bin/python experiments/benchmark.py $(ARGS)

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .hypothesis
