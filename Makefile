# Quick start: `make run` (demo on http://127.0.0.1:8000) and `make test` (the whole suite).
# With DATABASE_URL and REDIS_URL set, both use PostgreSQL and Redis instead of SQLite and eager Celery.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
CHROMIUM := /usr/bin/chromium
CLAMD := /usr/sbin/clamd
NGINX := /usr/sbin/nginx
TOR := /usr/sbin/tor

.PHONY: run test test-fast e2e lint typecheck messages migrate demo chromium clamav clamd nginx tor up down clean worker bench restore-drill chaos scale-drill fuzz eval-linking public-css page-weight

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

## The demo's database (DEBUG on: the demo's secrets are generated into var/secrets/).
migrate: $(RUNTIME_STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput -v0

demo: migrate
	DEBUG=1 $(PY) manage.py load_demo

## Serve the demo (embedded default: SQLite under var/, Celery inline) on 127.0.0.1:8000.
run: $(RUNTIME_STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

## Background tasks on one host: a Celery worker with an embedded beat (morning summaries, reminders).
## Needs REDIS_URL (and DATABASE_URL for PostgreSQL). The beat is RedBeat, whose lock in Redis keeps it single:
## a second one started by mistake waits. Production runs the beat as its own service (docs/operations.md).
worker: $(RUNTIME_STAMP)
	@test -n "$$REDIS_URL" || (echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0): the worker needs a broker." && exit 1)
	$(VENV)/bin/celery -A config worker --beat -S redbeat.RedBeatScheduler --concurrency=2 -l info

## The public pages' stylesheet: Bootstrap trimmed to the rules they use (tipline/public_css.py). Run it after
## a public template starts using another Bootstrap class, and commit the result (a test compares).
public-css: $(RUNTIME_STAMP)
	$(PY) -m tipline.public_css

## What a first visit to / and /report/ transfers (gzip), against BASE_URL (default: the demo), 30 KB budget.
page-weight: $(RUNTIME_STAMP)
	$(PY) -m bench.page_weight $(or $(BASE_URL),http://127.0.0.1:8000)

## Debian's chromium for the browser tests (never a downloaded browser).
chromium:
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

## Debian's ClamAV daemon for the malware scan of attachments (the tests start their own clamd with it).
clamav:
	@test -x $(CLAMD) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null)

## The project's clamd in the foreground, with the project's signatures only (config/clamav/), its socket at
## var/clamd/clamd.sock (the default TIPLINE_CLAMD_SOCKET). Production runs Debian's clamd with freshclam (README).
clamd: clamav $(RUNTIME_STAMP)
	$(PY) -m tipline.clamd_local var/clamd

## Debian's nginx and tor for the production stack (`make up`) and its tests (tests/deploy/).
nginx:
	@test -x $(NGINX) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null)

tor:
	@test -x $(TOR) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tor >/dev/null)

## The production stack on this machine (deploy/README.md): DEBUG off, secrets in var/up/secrets/, a self-signed
## certificate, nginx in front of gunicorn, a Celery worker and beat, a tor onion service, all under supervisord,
## on this machine's PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tipline_up, created if
## missing) and Redis (REDIS_URL, default redis://127.0.0.1:6379/3). Prints where it serves. Ports: UP_HTTPS_PORT
## (8443), UP_HTTP_PORT (8080), UP_ONION_PORT (8081), UP_METRICS_PORT (9108), UP_GUNICORN_PORT (8001).
up: $(RUNTIME_STAMP) nginx tor
	$(PY) -m deploy.up up

## Stop everything `make up` started.
down:
	$(PY) -m deploy.up down

## The whole suite, browser tests included, after lint and type checks and a check that every app's models
## have their migrations (DEBUG on only so that it needs no secrets; the suite runs with DEBUG off).
test: $(DEV_STAMP) chromium clamav nginx tor
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/bandit -c pyproject.toml -r . -q
	$(VENV)/bin/semgrep scan --config .semgrep/ --metrics=off --disable-version-check --error --quiet --include '*.py' --include '*.html' .
	DEBUG=1 DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

## Everything but the browser tests.
test-fast: $(DEV_STAMP) clamav nginx tor
	$(PY) -m pytest -m "not e2e"

## Style, then security: bandit (config in pyproject.toml) and the local semgrep rules in .semgrep/, offline.
lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -c pyproject.toml -r . -q
	$(VENV)/bin/semgrep scan --config .semgrep/ --metrics=off --disable-version-check --error --quiet --include '*.py' --include '*.html' .

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy .

## Benchmarks at 100,000 and 1,000,000 synthetic tips; writes docs/benchmarks.md (takes about an hour).
## Needs PostgreSQL: DATABASE_URL if set, else postgres://postgres@127.0.0.1:5432/tipline_bench, which is
## dropped and created again (a database whose name starts with "test" is refused). Files go to var/bench/.
## BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--sizes 10000 --runs 20".
bench: $(RUNTIME_STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

## Backup and restore drill (docs/backup.md): populate an instance with 300 tips, back it up, restore it into an
## empty database and store, prove every tip opens for its unit, via escrow and with its receipt, and that the audit
## chain verifies; prints the figures and exits 1 on any loss. PostgreSQL when DATABASE_URL is set (databases
## tipline_drill_src and tipline_drill_dst on that server, dropped afterwards), else SQLite; files go to var/drill/.
## DRILL_ARGS passes options, e.g. make restore-drill DRILL_ARGS="--tips 50 --keep".
restore-drill: $(RUNTIME_STAMP)
	@if [ -n "$$DATABASE_URL" ] && ! command -v pg_dump >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; fi
	$(PY) -m backups.drill $(DRILL_ARGS)

## Faults under load against the real services: simulated whistleblowers report and reply through gunicorn
## while the Celery worker is SIGKILLed and restarted, Redis and PostgreSQL are restarted; then every receipt
## shown must open its tip, decrypt with its files, and no 500, duplicate mail or wrong roll-up is allowed.
## Prints the figures and writes var/chaos/figures.json (about 2.5 minutes). Restarts this machine's PostgreSQL
## and Redis (always brought back); uses the database tipline_chaos (dropped and created again) and Redis db 5.
## CHAOS_ARGS passes options, e.g. make chaos CHAOS_ARGS="--duration 40 --no-restarts".
chaos: $(RUNTIME_STAMP)
	$(PY) -m chaos.run $(CHAOS_ARGS)

## More than one machine, on this one: two gunicorn nodes (each with its own var/ directory, nothing local shared)
## behind Debian's nginx, two Celery workers, this machine's PostgreSQL and Redis, attachments in moto's S3 server.
## Simulated whistleblowers report and follow up with one node, then two while node A is SIGKILLed and restarted;
## then a report made on A must open on B with its files, a staff login on A work on B, a form token be single-use
## and the receipt limit shared across nodes, the daily digest sent to both workers reach each recipient once,
## and every receipt shown open its tip with its files. Prints the figures (throughput with one node and two) and
## writes var/scale/figures.json; exits 1 on any loss, 500 or failed check (about 2.5 minutes). Uses the database
## tipline_scale (dropped and created again, dropped afterwards) and Redis db 6; moto comes with the dev requirements.
## SCALE_ARGS passes options, e.g. make scale-drill SCALE_ARGS="--duration 20 --keep".
scale-drill: $(DEV_STAMP)
	$(PY) -m scale.run $(SCALE_ARGS)

## Fuzz every public form and view (10,000 generated requests each), the staff forms (1,000 each) and the
## envelope parsers (5,000 mutations each) with Hypothesis, derandomized; prints the figures and writes them
## to docs/fuzzing.md. Uses the tests' throwaway database (DATABASE_URL if set, else SQLite). FUZZ_ARGS passes
## options, e.g. make fuzz FUZZ_ARGS="--no-docs -k report".
fuzz: $(DEV_STAMP)
	$(PY) -m fuzz.run $(FUZZ_ARGS)

## Automatic linking measured on the labelled set of invented tips (docs/evaluation.md): every tip submitted
## through intake into a throw-away SQLite database, linked by the staff sessions' automatic step with zero clicks;
## prints extraction precision and recall per kind and pairwise link precision/recall/F1, first the scored links
## alone, then what the case pages show (links and two-step hints), and exits 1 below the targets. About a minute.
eval-linking: $(DEV_STAMP)
	$(PY) -m evaluation.linking --pipeline auto-links
	$(PY) -m evaluation.linking --pipeline auto --check

## Rebuild the translation catalogues (needs GNU gettext) and compile them.
messages: $(DEV_STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l es -l en --no-location --ignore=.venv --ignore=var --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
