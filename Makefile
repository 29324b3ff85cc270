# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= development.ini

.PHONY: run test lint bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## run: install, migrate the embedded SQLite database and serve http://127.0.0.1:6543
run: $(VENV)/.installed
	$(BIN)/seedpod --config $(CONFIG) db upgrade
	$(BIN)/seedpod --config $(CONFIG) serve

# One worker more than there are cores: many tests wait on PostgreSQL, Redis or a browser.
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(len(os.sched_getaffinity(0)) + 1)")

## test: the whole suite, on SQLite and PostgreSQL, with Redis and Chromium
test: $(VENV)/.installed-test
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## lint: unused imports, undefined names and the like
lint: $(VENV)/.installed-test
	$(BIN)/python -m pyflakes core plugins themes tests bench

## bench: the benchmarks under bench/ (numbers go to docs/performance.md)
bench: $(VENV)/.installed-test
	$(BIN)/python bench/embedded_at_rest.py
	$(BIN)/python bench/stream_pages.py
	$(BIN)/python bench/federation_throughput.py

## docs: regenerate docs/configuration.md from the settings
docs: $(VENV)/.installed
	$(BIN)/seedpod --config $(CONFIG) config docs > docs/configuration.md

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
