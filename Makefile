# Quick start: `make run` (demo on http://127.0.0.1:8000) and `make test` (the whole suite).
# With DATABASE_URL and REDIS_URL set, both use PostgreSQL and Redis instead of SQLite and eager Celery.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
CHROMIUM := /usr/bin/chromium

.PHONY: run test test-fast e2e lint typecheck messages migrate demo chromium clean worker bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

migrate: $(RUNTIME_STAMP)
	$(PY) manage.py migrate --noinput -v0

demo: migrate
	DEBUG=1 $(PY) manage.py load_demo

## Serve the demo (embedded default: SQLite under var/, Celery inline) on 127.0.0.1:8000.
run: $(RUNTIME_STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

## Background tasks as in production: a Celery worker with the beat (morning summaries, reminders).
## Needs REDIS_URL (and DATABASE_URL for PostgreSQL). Run the beat in one process only.
worker: $(RUNTIME_STAMP)
	@test -n "$$REDIS_URL" || (echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0): the worker needs a broker." && exit 1)
	$(VENV)/bin/celery -A config worker --beat --concurrency=2 -l info

## Debian's chromium for the browser tests (never a downloaded browser).
chromium:
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

## The whole suite, browser tests included, after lint and type checks.
test: $(DEV_STAMP) chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	$(PY) -m pytest

## Everything but the browser tests.
test-fast: $(DEV_STAMP)
	$(PY) -m pytest -m "not e2e"

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy .

## Benchmarks at 100,000 and 1,000,000 synthetic tips; writes docs/benchmarks.md (takes about an hour).
## Needs PostgreSQL: DATABASE_URL if set, else postgres://postgres@127.0.0.1:5432/tipline_bench, which is
## dropped and created again (a database whose name starts with "test" is refused). Files go to var/bench/.
## BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--sizes 10000 --runs 20".
bench: $(RUNTIME_STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

## Rebuild the translation catalogues (needs GNU gettext) and compile them.
messages: $(DEV_STAMP)
	$(PY) manage.py makemessages -l es -l en --no-location --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
