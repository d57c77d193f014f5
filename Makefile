# authlab — `make` lists the targets. Every target bootstraps .venv itself.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
# PYTHON may name an interpreter; otherwise scripts/find-python picks one >= 3.12.
PYTHON ?=

.PHONY: help venv test lint serve seed clean system-deps report compare

help: ## list the targets, one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Reinstall only when pyproject.toml changes (the stamp is older than it).
$(STAMP): pyproject.toml
	@set -e; \
	if [ ! -x $(PY) ]; then \
		interpreter="$(PYTHON)"; \
		[ -n "$$interpreter" ] || interpreter=$$(scripts/find-python); \
		echo "Creating $(VENV) with $$interpreter"; \
		"$$interpreter" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --upgrade pip; \
	echo "Installing authlab and its dependencies into $(VENV) ..."; \
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'; \
	touch $@

venv: $(STAMP) ## create .venv and install the project (done by every target)

system-deps: ## install Chromium (browser tests) and Redis from Debian packages, if missing and root
	@scripts/system-deps

test: $(STAMP) system-deps ## run the test suite (benchmarks run once, untimed)
	$(VENV)/bin/pytest

lint: $(STAMP) ## ruff check and format check
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

seed: $(STAMP) ## migrate and create the seeded users (COUNT=100)
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_users --count $(or $(COUNT),100)

serve: $(STAMP) ## migrate, seed, and serve the lab under gunicorn on HOST:PORT
	@exec $(PY) -m lab.serve --host $(HOST) --port $(PORT)

clean: ## remove generated files (keeps .venv and var/secrets.json)
	rm -rf reports/out .pytest_cache .benchmarks .hypothesis .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -f var/*.sqlite3 var/*.sqlite3-*

# --- report ---
# Rebuild one run's report (index.html, report.md, summary.csv, charts/) from its
# summary.json, or compare two runs' headline figures. A bad run folder exits 2.
report: $(STAMP) ## rebuild the report of a run folder (RUN=reports/out/latest)
	$(PY) -m reports build $(or $(RUN),reports/out/latest)

compare: $(STAMP) ## per-scheme change of every headline figure between two runs (A=<run> B=<run>)
	@[ -n "$(A)" ] && [ -n "$(B)" ] || { echo "usage: make compare A=<run folder> B=<run folder>"; exit 2; }
	$(PY) -m reports compare $(A) $(B)
