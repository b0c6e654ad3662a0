# Every target creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint console native clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

# The extraction rules compiled with mypyc (db/ingest/native.py): about a minute the first time and after
# a rule changes, nothing otherwise; without a C compiler they run as plain Python.
native: $(STAMP)
	$(BIN)/python -m db.ingest.native

run: native
	$(BIN)/clippings run

console: native
	$(BIN)/clippings console

test: native
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check bot cogs db tests benchmarks
	$(BIN)/mypy

bench: native
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info db/ingest/_native
