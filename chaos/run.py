"""Faults under load against the real services: what `make chaos` runs.

    .venv/bin/python -m chaos.run                      # about 100 s of load with every fault
    .venv/bin/python -m chaos.run --no-restarts        # worker kills only: PostgreSQL and Redis stay up
    .venv/bin/python -m chaos.run --duration 40 --people 3

It builds its own instance: the database `tipline_chaos` (dropped and created again)
on the PostgreSQL server of DATABASE_URL (default 127.0.0.1:5432), Redis database 5 of
REDIS_URL's server with its own queue `chaos`, secrets made for the run, and files under
var/chaos/ (demo escrow key, attachment store, mails, logs, figures.json). It starts gunicorn and a
Celery worker, sends simulated whistleblowers through the real HTTP stack while it
kills the worker, restarts Redis and restarts PostgreSQL, then checks that nothing a
client was promised was lost (chaos/verify.py) and prints the figures. Exit status 1
if anything was lost, a client saw a 500, a notification went out twice, or the
roll-ups are wrong. PostgreSQL and Redis are always brought back up at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.report import cpu_model
from chaos import broker, faults
from chaos.faults import Fault, Services
from chaos.figures import (
    Figures,
    client_errors,
    endpoint_figures,
    failures_of,
    report_lines,
    server_errors,
    statuses,
)
from chaos.ledger import Ledger
from chaos.load import Load, LoadSettings
from chaos.processes import ManagedProcess, free_port, gunicorn, wait_until_healthy, worker

BASE_DIR = Path(__file__).resolve().parent.parent
CHAOS_DIR = BASE_DIR / "var" / "chaos"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tipline_chaos"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
QUEUE = "chaos"
REDIS_DB = 5
# Argon2id for receipts and staff keys, lowered for the run (production: 64 MiB, 3 passes) so that
# two shared cores spend the run on the faults rather than on key derivation.
ARGON2_MEMORY_KIB = 8192
ARGON2_ITERATIONS = 2
DRAIN_TIMEOUT_SECONDS = 180.0


# --- the instance --------------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    """Return the PostgreSQL URL with only its database name replaced; refuse the tests' names."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"chaos: DATABASE_URL must be PostgreSQL, not {parts.scheme!r}")
    if not name or name.startswith("test"):
        raise SystemExit(f"chaos: refusing database {name!r}: names starting with 'test' belong to the test suite")
    return urlunsplit(parts._replace(path=f"/{name}"))


def with_redis_db(url: str, db: int) -> str:
    """Return the Redis URL with only its database number replaced."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


@dataclass(frozen=True)
class Instance:
    database_url: str
    redis_url: str
    var_dir: Path
    mail_dir: Path
    logs: Path
    node: str
    # Made for each run, as an operator would (with DEBUG off the settings refuse to start without them).
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50), repr=False)
    receipt_pepper: str = field(default_factory=lambda: secrets.token_urlsafe(50), repr=False)

    @property
    def escrow_private_key(self) -> Path:
        return self.var_dir / "escrow" / "DEMO-escrow-private.key"

    def environment(self) -> dict[str, str]:
        """Return the environment of every process of the run (and of this one, for the checks)."""
        return {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self.database_url,
            "DATABASE_CONN_MAX_AGE": "0",  # a connection per request: they heal after PostgreSQL restarts
            "REDIS_URL": self.redis_url,
            "CACHE_KEY_PREFIX": "chaos",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
            "TIPLINE_VAR_DIR": str(self.var_dir),
            # Local files of its own, whatever attachment store the calling shell is configured for.
            "TIPLINE_ATTACHMENT_STORAGE": "tipline.storage.AttachmentFileSystemStorage",
            "TIPLINE_ATTACHMENT_STORAGE_OPTIONS": "{}",
            "TIPLINE_ATTACHMENT_DIR": str(self.var_dir / "attachments"),
            "TIPLINE_ESCROW_PUBLIC_KEY_FILE": str(self.var_dir / "escrow" / "escrow.pub"),
            "TIPLINE_ARGON2_MEMORY_KIB": str(ARGON2_MEMORY_KIB),
            "TIPLINE_ARGON2_ITERATIONS": str(ARGON2_ITERATIONS),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "DEBUG": "0",
            "SECRET_KEY": self.secret_key,
            "TIPLINE_RECEIPT_PEPPER": self.receipt_pepper,
            "SECURE_COOKIES": "0",  # plain http on localhost
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            # Abuse limits raised so that they are not what is measured (tipline/abuse.py).
            "TIPLINE_FORM_MIN_FILL_SECONDS": "0",
            "TIPLINE_NEW_TIPS_PER_MINUTE": "100000",
            "TIPLINE_NEW_TIPS_BURST": "100000",
            "TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE": "100000",
            "TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR": "1000",
            "TIPLINE_REPLIES_PER_TIP_PER_DAY": "1000",
            "TIPLINE_ATTACHMENTS_PER_TIP": "1000",
            "TIPLINE_POW_DIFFICULTY_BITS": "0",
        }


def instance_for(database: str) -> Instance:
    database_url = with_database(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL, database)
    redis_url = with_redis_db(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL, REDIS_DB)
    return Instance(
        database_url=database_url,
        redis_url=redis_url,
        var_dir=CHAOS_DIR / "instance",
        mail_dir=CHAOS_DIR / "mail",
        logs=CHAOS_DIR / "logs",
        node=f"chaos@{socket.gethostname()}",
    )


def instance_prepare(instance: Instance) -> None:
    """Start from nothing: a new database, an empty Redis database, empty files."""
    for directory in (instance.var_dir, instance.mail_dir, instance.logs):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    services_empty(instance.database_url, instance.redis_url)


def services_empty(database_url: str, redis_url: str) -> None:
    """Drop and create the run's database (PostgreSQL) and flush its Redis database (chaos's and the scale drill's)."""
    import psycopg
    import redis

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(redis_url).flushdb()


def instance_load(env: dict[str, str]) -> None:
    """Migrate, collect the static files (production's hashed names) and load the demo organisation."""
    python = sys.executable
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
        ["load_demo", "--synthetic", "0"],
    ):
        subprocess.run(  # noqa: S603 - our own fixed command line  # nosec B603
            [python, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL
        )


# --- the run ---------------------------------------------------------------------------------------------


@dataclass
class Stack:
    """The processes this run owns."""

    web: ManagedProcess
    worker: ManagedProcess
    base_url: str

    def stop(self) -> None:
        for process in (self.worker, self.web):
            process.stop()


def stack_start(instance: Instance, env: dict[str, str]) -> Stack:
    port = free_port()
    stack = Stack(
        web=gunicorn(env, port=port, logs=instance.logs),
        worker=worker(env, queue=QUEUE, node=instance.node, logs=instance.logs),
        base_url=f"http://127.0.0.1:{port}",
    )
    stack.web.start()
    stack.worker.start()
    wait_until_healthy(stack.base_url)
    if not broker.worker_ready(instance.node, timeout=60):
        raise RuntimeError("the Celery worker did not answer within 60 s (see var/chaos/logs/worker.log)")
    return stack


class FaultInjector:
    """Carry out the schedule against the stack and the machine's services, logging each fault."""

    def __init__(self, *, stack: Stack, services: Services, instance: Instance, outage: float, day: str) -> None:
        self.stack = stack
        self.services = services
        self.instance = instance
        self.outage = outage
        self.day = day
        self.log: list[dict[str, Any]] = []

    def run(self, schedule: list[Fault], load: Load) -> None:
        for fault in schedule:
            delay = fault.at - load.elapsed()
            if delay > 0:
                time.sleep(delay)
            at = load.elapsed()
            failed = False
            try:
                outcome = self.inject(fault.kind)
            except Exception as error:  # noqa: BLE001 - recorded (it fails the run); services are repaired in finally
                outcome, failed = f"failed: {error}", True
            self.log.append({"at": round(at, 1), "kind": fault.kind, "outcome": outcome, "failed": failed})

    def inject(self, kind: str) -> str:
        if kind == faults.KILL_WORKER:
            return self._kill_worker()
        if kind == faults.RESTART_REDIS:
            return self._restart(faults.redis_restart)
        if kind == faults.RESTART_POSTGRES:
            return self._restart(faults.postgres_restart)
        if kind == faults.TRIGGER_DIGEST:
            from cases.tasks import send_daily_digests

            send_daily_digests.apply_async(kwargs={"day_iso": self.day})
            return f"queued for {self.day}"
        raise ValueError(kind)

    def _kill_worker(self) -> str:
        self.stack.worker.kill()
        self.stack.worker.start()
        started = time.monotonic()
        if not broker.worker_ready(self.instance.node, timeout=60):
            raise RuntimeError("restarted, but it did not answer within 60 s")
        return f"restarted, ready after {time.monotonic() - started:.1f} s"

    def _restart(self, restart: Callable[..., None]) -> str:
        started = time.monotonic()
        restart(self.services, outage=self.outage)
        back = time.monotonic() - started
        healthy = wait_until_healthy(self.stack.base_url)
        return f"down and up again in {back:.1f} s, /healthz ready {healthy:.1f} s later"


@dataclass
class TaskFigures:
    drained: bool
    drain_seconds: float
    stranded_redelivered: int


def tasks_settle(instance: Instance, stack: Stack) -> TaskFigures:
    """Wait for the queue to drain, redeliver what killed workers held, and wait again."""
    if not stack.worker.alive:
        stack.worker.start()
        broker.worker_ready(instance.node, timeout=60)
    drained, seconds = broker.wait_drained(instance.redis_url, QUEUE, instance.node, timeout=DRAIN_TIMEOUT_SECONDS)
    redelivered = broker.stranded_redeliver(instance.redis_url) if drained else 0
    if redelivered:
        drained, more = broker.wait_drained(instance.redis_url, QUEUE, instance.node, timeout=DRAIN_TIMEOUT_SECONDS)
        seconds += more
    return TaskFigures(drained=drained, drain_seconds=round(seconds, 1), stranded_redelivered=redelivered)


def rollups_settle(instance: Instance) -> dict[str, Any]:
    """Compare the roll-ups with a full rebuild after the drain, then after the nightly rebuild on the worker."""
    from django.db import connections

    from chaos.verify import rebuild_preview, rollup_snapshot, snapshot_difference
    from trends.tasks import rebuild_rollups

    connections.close_all()
    rebuilt = rebuild_preview()
    stale = snapshot_difference(rollup_snapshot(), rebuilt)
    rebuild_rollups.apply_async()
    drained, _seconds = broker.wait_drained(instance.redis_url, QUEUE, instance.node, timeout=DRAIN_TIMEOUT_SECONDS)
    after = snapshot_difference(rollup_snapshot(), rebuilt)
    return {
        "equal_after_drain": not stale,
        "stale_after_drain": stale,
        "equal_after_nightly_rebuild": drained and not after,
        "different_after_nightly_rebuild": after,
        "rows": {table: len(rows) for table, rows in rebuilt.items()},
    }


def machine() -> str:
    return f"{os.cpu_count()} cores {cpu_model()}, Python {platform.python_version()}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=100.0, help="seconds of load (default 100)")
    parser.add_argument("--people", type=int, default=4, help="simulated whistleblowers at once (default 4)")
    parser.add_argument("--grace", type=float, default=45.0, help="seconds for journeys in flight to finish")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds PostgreSQL and Redis stay down")
    parser.add_argument("--seed", type=int, default=5, help="seed of the simulated people's choices")
    parser.add_argument("--database", default="tipline_chaos", help="database name (dropped and created)")
    parser.add_argument(
        "--no-restarts", action="store_true", help="kill the worker only; leave PostgreSQL and Redis running"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    instance = instance_for(args.database)
    env = {**os.environ, **instance.environment()}
    services = Services.from_urls(instance.database_url, instance.redis_url)
    restarts = not args.no_restarts
    if restarts and not services.local:
        raise SystemExit("chaos: PostgreSQL and Redis must run on this machine to be restarted (or --no-restarts)")
    os.environ.update(instance.environment())
    stack: Stack | None = None
    began = time.monotonic()
    try:
        if services.local:
            faults.services_ensure_up(services)  # a previous run may have been killed mid-restart
        print(f"chaos: preparing {instance.database_url} and {instance.redis_url} ...", flush=True)
        instance_prepare(instance)
        instance_load(env)
        import django

        django.setup()
        from django.utils import timezone

        stack = stack_start(instance, env)
        setup = time.monotonic() - began
        figures = run_and_check(args, instance, stack, services, day=timezone.localdate().isoformat())
        figures.phases = {"setup": round(setup, 1), **figures.phases}
    finally:
        if stack is not None:
            stack.stop()
        started = faults.services_ensure_up(services) if services.local else []
        if started:
            print(f"chaos: had to start {', '.join(started)} again at the end", flush=True)
    figures.phases["total"] = round(time.monotonic() - began, 1)
    print("\n".join(report_lines(figures)), flush=True)
    figures.write(CHAOS_DIR / "figures.json")
    print(f"Figures written to {(CHAOS_DIR / 'figures.json').relative_to(BASE_DIR)}", flush=True)
    return 0 if figures.passed else 1


def run_and_check(
    args: argparse.Namespace, instance: Instance, stack: Stack, services: Services, *, day: str
) -> Figures:
    """Run the load with the faults, let the tasks settle, check everything; return the figures."""
    ledger = Ledger()
    load = Load(LoadSettings(stack.base_url, args.people, args.duration, args.grace, args.seed), ledger)
    schedule = faults.default_schedule(args.duration, restarts=not args.no_restarts)
    injector = FaultInjector(stack=stack, services=services, instance=instance, outage=args.outage, day=day)
    print(f"chaos: {args.people} people for {args.duration:.0f} s against {stack.base_url}; faults:", flush=True)
    for fault in schedule:
        print(f"  {fault.at:>6.1f} s  {fault.kind}", flush=True)
    load.start()
    injector.run(schedule, load)
    remaining = args.duration - load.elapsed()
    if remaining > 0:
        time.sleep(remaining)
    load.stop_and_wait()
    duration = load.elapsed()
    print(f"chaos: load over after {duration:.0f} s; waiting for the tasks ...", flush=True)
    settling = time.monotonic()
    tasks = tasks_settle(instance, stack)
    print("chaos: checking every receipt, file, reply, mail and roll-up ...", flush=True)
    checking = time.monotonic()
    figures = check(args, instance, ledger, injector.log, tasks, duration, day)
    figures.phases = {
        "load": round(duration, 1),
        "tasks": round(checking - settling, 1),
        "checks": round(time.monotonic() - checking, 1),
    }
    return figures


def check(
    args: argparse.Namespace,
    instance: Instance,
    ledger: Ledger,
    fault_log: list[dict[str, Any]],
    tasks: TaskFigures,
    duration: float,
    day: str,
) -> Figures:
    from django.conf import settings
    from django.db import connections

    from chaos.verify import TipVerifier, digest_check, store_orphans

    rollups = rollups_settle(instance)
    connections.close_all()
    verifier = TipVerifier(
        escrow_private_key=instance.escrow_private_key.read_bytes(), staff_password=settings.TIPLINE_DEMO_PASSWORD
    )
    tips = verifier.run(ledger.tips)
    digests = digest_check(instance.mail_dir, day=day)
    kept = Counter("text_kept" if kept else "text_lost" for _endpoint, kept in ledger.unavailable_pages)
    figures = Figures(
        command="python -m chaos.run " + shlex.join(sys.argv[1:]),
        machine=machine(),
        settings={
            "people": args.people,
            "duration": args.duration,
            "grace": args.grace,
            "outage_seconds": args.outage,
            "seed": args.seed,
            "restarts": not args.no_restarts,
            "argon2": f"{ARGON2_MEMORY_KIB} KiB, {ARGON2_ITERATIONS} passes",
            "abuse_limits": "raised: min fill 0 s, 100000 new tips/min (burst 100000), receipts 100000/min",
            "gunicorn": "3 sync workers",
            "worker": "celery, concurrency 2",
        },
        duration_seconds=round(duration, 1),
        requests=len(ledger.samples),
        requests_by_endpoint=endpoint_figures(ledger.samples),
        responses_by_status=statuses(ledger.samples),
        client_errors=client_errors(ledger.samples),
        retries=ledger.retries,
        unavailable_pages=dict(kept),
        **tips.as_figures(ledger.tips),
        faults=fault_log,
        tasks=asdict(tasks),
        digests=asdict(digests),
        rollups=rollups,
        store_orphans=store_orphans(),
    )
    figures.failures = failures_of(figures, server_error_samples=server_errors(ledger.samples))
    return figures


if __name__ == "__main__":
    sys.exit(main())
