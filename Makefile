# Two commands on a fresh machine: `make demo` and `make test`. Everything else is a step they take.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := dbt_project/dbt_project.yml dbt_project/profiles.yml \
	$(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f 2>/dev/null)

.PHONY: install manifest demo test test-reliability test-all bench lint format clean

install: $(INSTALLED)

manifest: $(MANIFEST)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "fakestore-platform needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# dbt parse renders the profile but never connects; the profile's defaults name the warehouse.
$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet
	@touch $@

demo: install manifest
	$(BIN)/fakestore-platform demo

# Everything but the slowest reliability scenarios, which make test-reliability runs. Two workers,
# each taking whole files (their module fixtures build a warehouse once).
test: install manifest
	$(BIN)/pytest -m "not slow" -n 2 --dist loadfile

# The whole reliability suite, slow scenarios included, writing its figures to docs/RELIABILITY.md.
test-reliability: install manifest
	FAKESTORE_RELIABILITY_REPORT=docs/RELIABILITY.md $(BIN)/pytest -m reliability

# Every test, the slow ones included (the reliability scenarios, the warehouse at 100,000 carts).
test-all: install manifest
	$(BIN)/pytest

# Ingest, incremental, full-graph and fixed-cost figures at CARTS carts over a year; writes BENCHMARKS.md.
CARTS ?= 1000000
bench: install manifest
	$(BIN)/fakestore-platform bench --carts $(CARTS) --report BENCHMARKS.md

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	-$(BIN)/fakestore-platform db stop
	rm -rf $(VENV) .fakestore .pytest_cache
