# OpenHAT: two commands on a fresh machine.
#   make demo   virtual environment, embedded PostgreSQL, migrations, demo clinic, server on :8000
#   make test   everything the tests need (Debian's chromium too), then the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo serve test test-fast lint chromium pdf-libs clean-db help

help:
	@echo "make demo   - install, start the embedded PostgreSQL, migrate, load the demo clinic, serve it"
	@echo "make test   - install test tools (and Debian's chromium), run the whole test suite"
	@echo "make lint   - ruff, mypy and import-linter"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "Installing OpenHAT and its dependencies into $(VENV) (the first time takes a minute or two)..."
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@echo "Installing OpenHAT with its test tools into $(VENV) (the first time takes a few minutes)..."
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(VENV)/.installed $@

demo: $(VENV)/.installed pdf-libs
	$(BIN)/openhat demo --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed pdf-libs
	$(BIN)/openhat serve --host $(HOST) --port $(PORT)

# Page tests drive Debian's chromium; install it when it is missing and we may (root).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  echo "Installing Debian's chromium for the page tests..."; \
	  (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) \
	  && echo "chromium installed: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	else echo "NOTE: /usr/bin/chromium is missing and we are not root; page tests will fail. Install it with: apt-get install chromium"; fi

# The narcotics register's PDF is WeasyPrint, which renders with Debian's pango and harfbuzz and
# needs a font; install them when missing and we may (root).
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf-libs:
	@missing=""; for package in $(PDF_LIBS); do dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  echo "Installing$$missing for the register's PDF..."; \
	  apt-get install -y -q $$missing >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q $$missing >/dev/null); \
	else echo "NOTE:$$missing missing and we are not root; the register's PDF cannot render. Install with: apt-get install$$missing"; fi

# The rules engine first, on its own (on every core), with 100% branch coverage required; then everything else on
# one pytest-xdist worker per core (each with its own test database; tests/parallel.py keeps the
# demo package on one worker and the concurrency tests one at a time). `openhat check` first starts the embedded PostgreSQL (when
# DATABASE_URL is unset), so the workers find it running rather than racing to start it.
PARALLEL := -n auto --dist loadfile
test: $(VENV)/.installed-dev chromium pdf-libs
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/rules -n auto --cov=openhat.rules --cov-branch --cov-report=term-missing --cov-fail-under=100
	$(BIN)/openhat check -v 0
	$(BIN)/python -m pytest -q -p no:cacheprovider --ignore=tests/rules --durations=15 $(PARALLEL)

test-fast: $(VENV)/.installed-dev pdf-libs
	$(BIN)/openhat check -v 0
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser" $(PARALLEL)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean-db:
	@echo "This deletes the embedded database in var/pg (all local data) and its signed checkpoints in var/checkpoints."
	@read -p "Type 'delete' to confirm: " answer && [ "$$answer" = "delete" ] && $(BIN)/openhat embedded_db stop && rm -rf var/pg var/checkpoints
