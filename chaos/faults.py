"""The faults: what is broken when, and how PostgreSQL and Redis are stopped and brought back.

PostgreSQL and Redis are the machine's own services (as in CI), so they are
restarted only when they run on this host, and `services_ensure_up` brings both
back whatever happened: the runner calls it in a `finally`.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

KILL_WORKER = "kill worker (SIGKILL) and restart it"
RESTART_REDIS = "restart Redis"
RESTART_POSTGRES = "restart PostgreSQL"
TRIGGER_DIGEST = "queue the daily digests"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
SERVICE_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class Fault:
    """One scheduled event, `at` seconds after the load started."""

    at: float
    kind: str


def default_schedule(duration: float, *, restarts: bool = True) -> list[Fault]:
    """Return the faults of a run of `duration` seconds, in time order.

    Four worker kills; the digests queued twice, the first time just before a
    kill (so the kill lands while the per-unit digests are queued or running);
    one Redis restart and one PostgreSQL restart, spread out so each outage ends
    before the next fault. Redis restarts between the two digest runs: it keeps
    nothing on disk here, and the second run must still send nothing twice (the
    "sent today" claims are database rows, see cases/digest.py).
    """
    plan = [
        (0.10, KILL_WORKER),
        (0.30, TRIGGER_DIGEST),
        (0.303, KILL_WORKER),
        (0.42, KILL_WORKER),
        (0.75, TRIGGER_DIGEST),
        (0.87, KILL_WORKER),
    ]
    if restarts:
        plan += [(0.55, RESTART_POSTGRES), (0.65, RESTART_REDIS)]
    return sorted((Fault(at=round(fraction * duration, 1), kind=kind) for fraction, kind in plan), key=lambda f: f.at)


# --- the machine's services ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Services:
    """Where PostgreSQL and Redis listen, and how this machine starts them."""

    postgres_host: str
    postgres_port: int
    redis_host: str
    redis_port: int
    redis_log: str = "/var/log/redis/ci.log"
    redis_dir: str = "/var/lib/redis"

    @classmethod
    def from_urls(cls, database_url: str, redis_url: str) -> Services:
        database, redis = urlsplit(database_url), urlsplit(redis_url)
        return cls(
            postgres_host=database.hostname or "127.0.0.1",
            postgres_port=database.port or 5432,
            redis_host=redis.hostname or "127.0.0.1",
            redis_port=redis.port or 6379,
        )

    @property
    def local(self) -> bool:
        return self.postgres_host in LOCAL_HOSTS and self.redis_host in LOCAL_HOSTS


def _run(command: list[str], *, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603  # nosec B603


def postgres_cluster() -> tuple[str, str]:
    """Return the (version, name) of this machine's PostgreSQL cluster, as pg_ctlcluster wants them."""
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if p.is_dir())
    if not versions:
        raise RuntimeError("no PostgreSQL cluster under /etc/postgresql")
    return versions[-1], "main"


def postgres_ready(services: Services) -> bool:
    result = _run(["pg_isready", "-q", "-h", services.postgres_host, "-p", str(services.postgres_port)], timeout=10)
    return result.returncode == 0


def redis_ready(services: Services) -> bool:
    try:
        result = _run(["redis-cli", "-h", services.redis_host, "-p", str(services.redis_port), "ping"], timeout=10)
    except subprocess.TimeoutExpired:
        return False
    return result.stdout.strip() == "PONG"


def _wait(check: str, ready: bool, services: Services, timeout: float = SERVICE_WAIT_SECONDS) -> None:
    probe = postgres_ready if check == "postgres" else redis_ready
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe(services) is ready:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{check} did not become {'ready' if ready else 'unavailable'} within {timeout:.0f} s")


def postgres_stop(services: Services) -> None:
    version, name = postgres_cluster()
    _run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "stop", "--", "-m", "fast"])
    _wait("postgres", False, services)


def postgres_start(services: Services) -> None:
    version, name = postgres_cluster()
    _run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"])
    _wait("postgres", True, services)


def redis_stop(services: Services) -> None:
    _run(["redis-cli", "-h", services.redis_host, "-p", str(services.redis_port), "shutdown", "nosave"], timeout=20)
    _wait("redis", False, services)


def redis_start(services: Services) -> None:
    # The command CI's machine uses: nothing is kept on disk, a restart starts empty.
    _run(
        [
            shutil.which("redis-server") or "redis-server",
            "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", str(services.redis_port),
            "--save", "", "--appendonly", "no", "--dir", services.redis_dir, "--logfile", services.redis_log,
        ]
    )  # fmt: skip
    _wait("redis", True, services)


def postgres_restart(services: Services, *, outage: float) -> None:
    """Stop PostgreSQL (fast: open connections are cut), stay down `outage` seconds, start it again."""
    try:
        postgres_stop(services)
        time.sleep(outage)
    finally:
        postgres_start(services)


def redis_restart(services: Services, *, outage: float) -> None:
    """Shut Redis down without saving (queues, cache and marks are lost), stay down `outage` seconds, start it."""
    try:
        redis_stop(services)
        time.sleep(outage)
    finally:
        redis_start(services)


def services_ensure_up(services: Services) -> list[str]:
    """Start PostgreSQL and Redis if either is down; return what had to be started."""
    started = []
    if not postgres_ready(services):
        postgres_start(services)
        started.append("PostgreSQL")
    if not redis_ready(services):
        redis_start(services)
        started.append("Redis")
    return started
