# Quick start: `make run` then `make test`. Everything else is here too.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# GraphiQL's scripts (served by us, no CDN) and axe-core (browser tests), from npm
ASSETS_STAMP := assets/node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests also run on PostgreSQL when it answers here (skipped otherwise).
export BANGFU_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: run test bench bench-million bench-scale lint format check tenants clean venv browser lock floors mypy

venv: $(STAMP) $(ASSETS_STAMP)

# Installed from the lock (exact versions, hashes checked), then Bangfu itself without
# dependencies: what runs is what was locked. requirements/server.txt is what a server
# needs (no simulation files, Dask or PDF printing); requirements/dev.txt adds every extra
# and the tools `make test` uses.
LOCK := requirements/dev.txt
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# `make lock` writes the lock files from pyproject.toml, keeping every pin that still fits
# (`make lock UPGRADE=1` moves every package to its newest release). uv resolves for every
# platform and Python >= 3.11 at once; the server's lock is constrained to the dev lock,
# so both pin the same versions. tests/test_lock.py fails when they disagree with pyproject.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(UV_COMPILE) --all-extras -o requirements/dev.txt
	$(UV_COMPILE) --constraint requirements/dev.txt -o requirements/server.txt

# The floors of pyproject.toml, tested: every direct dependency at the oldest version it
# admits (uv's lowest-direct resolution), in a venv of its own, running the suite (or
# FLOORS_TESTS). Resolved afresh each time (--upgrade: no preference for the last run's pins).
FLOORS_VENV := .venv-floors
floors: $(STAMP)
	test -x $(FLOORS_VENV)/bin/python || $(PYTHON) -m venv $(FLOORS_VENV)
	$(BIN)/uv pip compile pyproject.toml --quiet --all-extras --python-version 3.11 \
	  --resolution lowest-direct --upgrade -o $(FLOORS_VENV)/floors.txt
	$(BIN)/uv pip sync --quiet --python $(FLOORS_VENV)/bin/python $(FLOORS_VENV)/floors.txt
	$(BIN)/uv pip install --quiet --python $(FLOORS_VENV)/bin/python --no-deps -e .
	$(FLOORS_VENV)/bin/python -m pytest -q -p no:cacheprovider -x $(FLOORS_TESTS)

# npm comes from apt when missing; without it GraphiQL says its scripts are not installed
$(ASSETS_STAMP): assets/package.json assets/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq npm >/dev/null; } \
	  || echo "npm could not be installed: GraphiQL and the accessibility checks need it"
	cd assets && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed \
	  || echo "npm install failed: GraphiQL will say its scripts are missing; axe checks skip"

# The browser tests drive Debian's chromium (with a CJK font, so pages show Chinese);
# installed when missing. Where it cannot be, those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; } \
	  || echo "Chromium could not be installed: the browser tests will skip"

run: $(STAMP) $(ASSETS_STAMP)
	$(BIN)/bangfu serve --local-demo --host $(HOST) --port $(PORT)

test: $(STAMP) $(ASSETS_STAMP) browser
	$(BIN)/python -m pytest -q -p no:cacheprovider

# `make bench` (or `make bench BENCHES="engine http compare batch review"`): prints every
# figure (median of >= 3 rounds, min - max) with its target and met / not met, and how busy
# the machine was; compares it with bench-results.json as last committed and fails when a
# figure is more than 20% worse; writes bench-results.json (commit it to move the baseline).
# OpenFisca, the batch baseline, lives in its own venv only (it is no dependency of ours);
# wrk, the HTTP load generator, comes from apt when missing.
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
OPENFISCA ?= openfisca-core==46.0.1
BENCHES ?=

$(BENCH_STAMP): Makefile
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet '$(OPENFISCA)' numpy
	touch $(BENCH_STAMP)

bench: $(STAMP) $(BENCH_STAMP)
	@command -v wrk >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; } \
	  || echo "wrk could not be installed: the HTTP benchmark will say so"
	$(BIN)/python -m tests.benchmarks $(BENCHES)

# A province of a million files (CI does not run it: about half an hour and 15 GB of
# PostgreSQL on a 2-core machine): every request at 10,000 and 1,000,000 realistic files,
# its growth per control. `make bench-scale` does 10,000 against 100,000.
bench-million: $(STAMP)
	BANGFU_BENCH_SCALE_SIZES=10000,1000000 $(BIN)/python -m tests.benchmarks scale
bench-scale: $(STAMP)
	BANGFU_BENCH_SCALE_SIZES=10000,100000 $(BIN)/python -m tests.benchmarks scale

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

mypy: $(STAMP)
	$(BIN)/mypy core

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(STAMP)
	$(BIN)/bangfu check

tenants: $(STAMP)
	$(BIN)/bangfu tenants

clean:
	rm -rf $(VENV) .venv-bench $(FLOORS_VENV) build *.egg-info .pytest_cache .ruff_cache bangfu.db test-artefacts
