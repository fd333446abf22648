# `make run` sets up .venv (Python 3.12, from .python-version) and runs the default scenario;
# `make test` sets up the same environment and runs the test suite. ARGS passes overrides:
#   make run ARGS="scenario=endogenous seed=7"
PYTHON ?= python
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test setup bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/sahel-sim $(ARGS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q $(ARGS)

bench: $(STAMP)
	$(VENV)/bin/python experiments/benchmark.py $(ARGS)

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .hypothesis
