# Quick start: `make run` then `make test`. Everything else is here too.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests also run on PostgreSQL when it answers here (skipped otherwise).
export BANGFU_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: run test bench lint format check tenants clean venv browser

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/bangfu serve --local-demo --host $(HOST) --port $(PORT)

test: $(STAMP) browser
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The dashboard's browser tests drive Debian's chromium through Playwright: install both
# when missing (the tests skip, saying so, where no Chromium can be installed).
browser: $(STAMP)
	@$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/python -m pip install --quiet playwright \
	  || echo "playwright could not be installed: the dashboard's browser tests will be skipped"
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium could not be installed: the dashboard's browser tests will be skipped"

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

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(STAMP)
	$(BIN)/bangfu check

tenants: $(STAMP)
	$(BIN)/bangfu tenants

clean:
	rm -rf $(VENV) .venv-bench build *.egg-info .pytest_cache .ruff_cache bangfu.db artifacts
