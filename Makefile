# Zhili: `make demo` runs the platform with demo data, `make test` runs every test.
# Everything goes through the project's own virtualenv in .venv, created on first use.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install: make reinstalls only when pyproject.toml is newer.
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: help demo test lint openapi venv

help:
	@echo "make demo     set up, migrate, load demo data and serve on http://127.0.0.1:$${PORT:-8000}/"
	@echo "make test     run the whole test suite (DATABASE_URL=postgres://... to run it on PostgreSQL)"
	@echo "make lint     ruff, mypy, no missing migration, vendored assets unchanged"
	@echo "make openapi  regenerate docs/openapi.yaml"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
		|| { echo "Zhili needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) \
		|| { rm -rf $(VENV); echo "cannot create a virtualenv: on Debian, apt-get install python3-venv" >&2; exit 1; }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/zhili migrate --noinput
	$(BIN)/zhili seed-demo
	$(BIN)/zhili serve

# `zhili check` first: a configuration error then shows as one line, not once per test worker,
# and the local secret key under var/ is created before the workers start at the same time.
test: $(STAMP)
	$(BIN)/zhili check
	$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

# All three run even if one fails, so one pass reports every problem.
lint: $(STAMP)
	@status=0; \
	for cmd in "$(BIN)/ruff check ." "$(BIN)/mypy zhili" "$(BIN)/zhili makemigrations --check --dry-run" \
		"$(BIN)/python scripts/vendor_assets.py --check"; do \
		echo "$$cmd"; $$cmd || status=1; \
	done; \
	exit $$status

openapi: $(STAMP)
	@mkdir -p docs
	$(BIN)/zhili spectacular --file docs/openapi.yaml --validate
