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

.PHONY: help venv test lint serve seed clean system-deps bench browser-claims multiserver instructions scale matrix report compare \
	locust load locust-master locust-worker fuzz soak

help: ## list the targets, one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Reinstall only when pyproject.toml changes (the stamp is older than it).
# A venv whose Python is too old (or gone) is removed and rebuilt (scripts/check-venv).
$(STAMP): pyproject.toml
	@set -e; \
	if [ -e $(VENV) ] && ! scripts/check-venv $(VENV); then rm -rf $(VENV); fi; \
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

# The stamp alone would keep a venv whose Python is too old "up to date": check first.
ifneq ($(shell scripts/check-venv $(VENV) 2>/dev/null || echo stale),)
.PHONY: $(STAMP)
endif

venv: $(STAMP) ## create .venv and install the project (done by every target)

system-deps: ## install Chromium (browser tests), Redis, valgrind and HAProxy from Debian packages, if missing and root
	@scripts/system-deps

# One pytest-xdist worker per core (TEST_JOBS=0: a single process); --dist loadgroup keeps
# the tests sharing a module-scoped fixture on one worker (tests/conftest.py marks them).
# With DB=postgres or CACHE=redis one process: the servers the tests start would share
# the one database and Redis that make started (migrations and cache.clear() would race).
TEST_JOBS ?= $(if $(filter postgres,$(DB))$(filter redis,$(CACHE)),0,auto)

# Bytecode is cached (__pycache__, gitignored; make clean removes it) even where the
# environment sets PYTHONDONTWRITEBYTECODE: the suite starts a few hundred Python
# processes (servers, generators, child pytests), each of which would compile the
# project again, and each pytest would rewrite its plugins' asserts again (~4 CPU s).
test: $(STAMP) system-deps ## run the test suite on every core (benchmarks run once, untimed; TEST_JOBS=0: serial)
	env -u PYTHONDONTWRITEBYTECODE $(WITH_STORES) $(VENV)/bin/pytest -n $(TEST_JOBS) --dist loadgroup

lint: $(STAMP) ## ruff check and format check
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

seed: $(STAMP) ## migrate and create the seeded users (COUNT=100)
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_users --count $(or $(COUNT),100)

serve: $(STAMP) ## migrate, seed, and serve the lab under gunicorn on HOST:PORT
	@exec $(WITH_STORES) $(PY) -m infra.serve --host $(HOST) --port $(PORT)

clean: ## remove generated files (keeps .venv and var/secrets.json)
	rm -rf reports/out .pytest_cache .benchmarks .hypothesis .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -f var/*.sqlite3 var/*.sqlite3-*

# --- benchmarks ---
# Every registry scheme in-process through Django's WSGI handler (pytest-benchmark suites
# in benchmarks/), then the load phase and the report, all into reports/out/<run-id>/;
# reports/out/latest moves only when a run completes. QUICK=1: fewer rounds, same
# coverage; LOAD=0: no load phase; SERVERS=0: no servers dimension (every scheme under
# gunicorn sync/gthread, uvicorn and granian; benchmarks/servers.py). DB= and CACHE= work
# as for the other targets.
bench: $(STAMP) ## measure every scheme; prints the run folder and report path (QUICK=1, LOAD=0, SERVERS=0)
	$(WITH_STORES) $(PY) -m benchmarks $(if $(filter 1 yes true,$(QUICK)),--quick) \
		$(if $(filter 0 no false,$(LOAD)),--no-load) $(if $(filter 0 no false,$(SERVERS)),--no-servers)

# The notes' browser claims (4, 6, 7, 8) in real Chromium through Playwright against the
# lab under gunicorn on 127.0.0.1, with a second origin allowed by CORS: writes
# browser_claims.json into RUN (default reports/out/latest), then rebuilds its report.
# make bench runs it too when Chromium and Playwright are present.
browser-claims: $(STAMP) system-deps ## the browser claims in Chromium into RUN (reports/out/latest)
	$(PY) -m benchmarks.browser_claims --out $(or $(RUN),reports/out/latest)
	$(PY) -m reports build $(or $(RUN),reports/out/latest)

# Claim 5: two gunicorn instances (one worker each, one database, one secrets file) behind
# HAProxy on 127.0.0.1, round robin, no stickiness; per session engine (db, cache on local
# memory, cache on Redis, signed cookies) and per token scheme, the share of REQUESTS
# (50) authenticated after one login, and whether a logout on the other server reaches
# the first (benchmarks/multiserver.py). Writes multiserver.json into RUN (default
# reports/out/latest), then rebuilds its report. make bench runs it when HAProxy is there.
multiserver: $(STAMP) system-deps ## two servers behind HAProxy, per session engine (claim 5) into RUN
	$(WITH_STORES) $(PY) -m benchmarks.multiserver --out $(or $(RUN),reports/out/latest) \
		$(if $(REQUESTS),--requests $(REQUESTS))
	$(PY) -m reports build $(or $(RUN),reports/out/latest)

# CPU instructions per request (GET, POST, authenticate()) of every scheme under valgrind
# (benchmarks/instructions.py): deterministic where wall time is noisy. Writes
# instructions.json into RUN (default reports/out/latest); SCHEMES=a,b for some only.
# make bench runs it too, after the timed suites, beside the other untimed jobs (the
# browser and two-server claims, the untimed evidence); INSTRUCTIONS=0 skips it there.
instructions: $(STAMP) system-deps ## count instructions per request under valgrind into RUN (reports/out/latest)
	$(PY) -m benchmarks.instructions --out $(or $(RUN),reports/out/latest) $(if $(SCHEMES),--schemes $(SCHEMES))

# --- stores ---
# DB=sqlite|postgres and CACHE=locmem|redis (make passes command-line variables to the
# environment). WITH_STORES starts a throwaway PostgreSQL / Redis on 127.0.0.1 for the
# length of one command, unless DATABASE_URL / REDIS_URL name one, and stops it after;
# with the defaults it just runs the command. Targets touching the stores run through it.
WITH_STORES = $(PY) -m infra.services run --
SCALE_MAX ?=

scale: $(STAMP) ## lookup cost vs 10^3..10^6 rows on SQLite and PostgreSQL (SCALE_MAX=N stops earlier)
	$(PY) -m scale $(if $(SCALE_MAX),--max $(SCALE_MAX))

matrix: $(STAMP) ## QUICK bench on sqlite/postgres x locmem/redis, compared in matrix.md
	$(PY) -m infra.matrix

# --- report ---
# Rebuild one run's report (index.html, report.md, summary.csv, charts/) from its
# summary.json, or compare two runs' headline figures. A bad run folder exits 2.
report: $(STAMP) ## rebuild the report of a run folder (RUN=reports/out/latest)
	$(PY) -m reports build $(or $(RUN),reports/out/latest)

compare: $(STAMP) ## per-scheme change of every headline figure between two runs (A=<run> B=<run>)
	@[ -n "$(A)" ] && [ -n "$(B)" ] || { echo "usage: make compare A=<run folder> B=<run folder>"; exit 2; }
	$(PY) -m reports compare $(A) $(B)

# --- load tests ---
# locust drives every scheme over real HTTP (loadtests/). Defaults fit a 2-core machine:
# WORKERS=2 sync gunicorn workers (THREADS>1: gthread), USERS=4 closed-loop users, one
# locust process (LOCUST_WORKERS=N: a master and N local workers). QUICK=1 shortens
# each scheme to WARMUP=0.25 + DURATION=1.5 s. The defaults of USERS, DURATION and
# WARMUP are declared once, in loadtests/options.py; set them here only to override.
# HOST=http://host:port loads a running lab (seeded with make seed, login throttle
# lifted) instead of starting one. A make load run moves reports/out/latest-load
# (latest stays on the newest bench run).
WORKERS        ?= 2
THREADS        ?= 1
LOCUST_WORKERS ?= 0
EXPECT_WORKERS ?= 0
MASTER         ?= 127.0.0.1
MASTER_BIND    ?= 127.0.0.1
MASTER_PORT    ?= 5557
WEB_PORT       ?= 8089
LOAD_TARGET     = $(if $(findstring ://,$(HOST)),$(HOST),http://$(HOST):$(PORT))

locust: $(STAMP) ## seeded lab under gunicorn + locust web UI on 127.0.0.1:8089 (Ctrl-C stops both)
	@exec $(WITH_STORES) $(PY) -m loadtests.ui --web-port $(WEB_PORT) --workers $(WORKERS) --threads $(THREADS)

load: $(STAMP) ## headless load on every scheme (USERS, DURATION, WORKERS, THREADS, LOCUST_WORKERS, SCHEMES)
	$(WITH_STORES) $(PY) -m loadtests.orchestrate $(if $(filter 1 yes true,$(QUICK)),--quick) \
		$(if $(USERS),--users $(USERS)) $(if $(DURATION),--duration $(DURATION)) \
		$(if $(WARMUP),--warmup $(WARMUP)) \
		--workers $(WORKERS) --threads $(THREADS) --locust-workers $(LOCUST_WORKERS) \
		$(if $(SCHEMES),--schemes $(SCHEMES)) $(if $(findstring ://,$(HOST)),--target $(HOST)) \
		$(if $(filter-out 0,$(EXPECT_WORKERS)),--remote-workers $(EXPECT_WORKERS) \
		--master-bind $(MASTER_BIND) --master-port $(MASTER_PORT))

locust-master: $(STAMP) ## locust master + web UI for workers on other machines (HOST=target, MASTER_BIND=0.0.0.0)
	@exec $(VENV)/bin/locust --master --host $(LOAD_TARGET) --web-port $(WEB_PORT) \
		--master-bind-host $(MASTER_BIND) --master-bind-port $(MASTER_PORT)

locust-worker: $(STAMP) ## a locust worker running the same user classes (MASTER=<master host>)
	@exec $(VENV)/bin/locust --worker --master-host $(MASTER) --master-port $(MASTER_PORT)

# --- hardening ---
# Longer versions of what make test runs: ten times the fuzz examples (FUZZ=long), a
# sustained login/logout load of SOAK_SECONDS (default 60), and whole QUICK bench runs
# killed with SIGKILL (INTERRUPT_FULL=1). These knobs are read by the tests themselves.
SOAK_SECONDS ?= 60

fuzz: $(STAMP) ## fuzz every scheme with 10x the examples of make test (FUZZ=long)
	FUZZ=long $(VENV)/bin/pytest tests/test_fuzz.py

soak: $(STAMP) ## logins/logouts + whoami on gunicorn+SQLite for SOAK_SECONDS (60); kill full bench runs
	SOAK_SECONDS=$(SOAK_SECONDS) INTERRUPT_FULL=1 $(VENV)/bin/pytest -s \
		tests/test_sustained_load.py tests/test_interrupted_run.py
