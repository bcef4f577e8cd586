# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export RUQI_DATA_DIR ?= var

.PHONY: run test lint install install-test chromium faketime messages openapi bench bench-province

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Install, create the embedded database (SQLite file in var/), load the SAMPLE district, serve on :8000.
run: install
	$(BIN)/ruqi migrate
	$(BIN)/ruqi seed --if-empty
	$(BIN)/ruqi run --host 127.0.0.1 --port 8000

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here), with Noto CJK so that
# Chinese text renders (the phone app's tests fail on a character drawn as an empty box).
chromium:
	@command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

# Debian's faketime moves the whole process clock (libc included) for the any-date run below.
faketime:
	@command -v faketime >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null)

## Install test dependencies, lint, and run every test (SQLite and PostgreSQL + Redis on loopback),
## then the unit and integration tests again on SQLite with the clock 400 days ahead: green on any date.
test: lint chromium faketime
	$(BIN)/pytest
	faketime -f '+400d' $(BIN)/pytest -q -p no:cacheprovider tests/unit tests/integration -k "not postgres"

## Add the msgids the code uses (api.i18n.tr) to the Chinese catalog; translate the new entries by hand.
messages: install-test
	$(BIN)/pybabel extract -F babel.cfg -k tr --no-default-keywords --omit-header --sort-by-file -o var/messages.pot api schedules qr
	$(BIN)/pybabel update -i var/messages.pot -d api/locale -D messages -l zh_CN --omit-header --no-fuzzy-matching

## Rewrite docs/openapi.json from the app after an intended change of the HTTP interface (a test compares them).
openapi: install-test
	$(BIN)/python -m tests.support.openapi_document docs/openapi.json

## Issue 17's benchmarks in one run (needs wrk, PostgreSQL and Redis on loopback): ruqi's verify and scan-in as
## ratios to the same work written by hand, then the embedded default (SQLite). BENCH_ARGS="--rounds 1 --duration 5"
## for a quick look. Results: bench/results/handwritten.json, sqlite.json; docs/benchmarks.md.
BENCH_ARGS ?=
bench: install-test
	$(BIN)/python bench/bench_handwritten.py $(BENCH_ARGS)
	$(BIN)/python bench/bench_sqlite.py $(BENCH_ARGS)

## Issue 17, part 4: SCALE× the sample district (1, 10 or 100) on a throw-away PostgreSQL database, loaded with
## COPY; metrics, audit verify from the last checkpoint, the public schedule and the lists measured on it.
## Results: bench/results/province_<SCALE>x.json; docs/benchmarks.md.
## BENCH_PROVINCE_ARGS=--keep keeps the loaded data set; --reuse measures it again (after ruqi migrate).
SCALE ?= 1
BENCH_PROVINCE_ARGS ?=
bench-province: install-test
	$(BIN)/python bench/bench_province.py --scale $(SCALE) $(BENCH_PROVINCE_ARGS)
