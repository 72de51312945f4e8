# The few verbs people type. Each bootstraps .venv by itself from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint demo bench bench-quick docs docs-serve clean compat

$(STAMP): pyproject.toml setup.py src/vial/_speedups.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy

demo: $(STAMP)
	$(BIN)/vial --app examples/demo/app.py run --host 127.0.0.1 --port $${PORT:-5000}

bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py

bench-quick: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py --quick

compat: $(STAMP)
	$(BIN)/python compat/run.py --check

docs: $(STAMP)
	$(BIN)/mkdocs build --strict

docs-serve: $(STAMP)
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache
