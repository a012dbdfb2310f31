"""The drill's machines: two web nodes, two Celery workers, the proxy and the object store, on one host.

Every process of the application gets its own TIPLINE_VAR_DIR (var/scale/node-a,
node-b, worker-a, worker-b) and shares nothing local with the others: the secrets
come from the environment (the same values everywhere, as an operator's
configuration management would set them), the escrow public key is copied into
each var dir, and everything else lives in the shared services (PostgreSQL, Redis
db 6, the S3 bucket). The operator's directory (var/scale/operator) is where the
database is migrated and the demo organisation loaded; it alone keeps the demo
escrow private key, which the checks use.

The environment of a process is chaos/run.py's `Instance.environment()` with the
drill's changes: its own queue and cache prefix, the attachments in the bucket
through the generic TIPLINE_ATTACHMENT_STORAGE(_OPTIONS) settings, and a low
per-code receipt limit so the shared rate limit can be reached in a few attempts.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from chaos import broker
from chaos.processes import ManagedProcess, free_port, gunicorn, wait_until_healthy, worker
from chaos.run import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, Instance, services_empty, with_database, with_redis_db
from scale import proxy

BASE_DIR = Path(__file__).resolve().parent.parent
SCALE_DIR = BASE_DIR / "var" / "scale"
QUEUE = "scale"
REDIS_DB = 6
BUCKET = "tipline-scale"
# Fake credentials for moto's server (it accepts any); region and path-style addressing as MinIO needs too.
S3_ACCESS_KEY = "drill-access-key"
S3_SECRET_KEY = "drill-secret-key"  # a fake credential: moto accepts any
S3_REGION = "us-east-1"
# Low enough to be reached in a few attempts, high enough that the load's follow-ups never meet it.
RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR = 30
ALLOWED_HOSTS = "127.0.0.1,localhost"
NGINX = "/usr/sbin/nginx"


@dataclass(frozen=True)
class Role:
    """One process of the application: its name and its own var directory."""

    name: str  # node-a, node-b, worker-a, worker-b, operator
    var_dir: Path

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def logs(self) -> Path:
        return SCALE_DIR / "logs" / self.name

    @property
    def queue(self) -> str:
        """The worker's queues: the shared one, and its own (to send a task to this worker alone)."""
        return f"{QUEUE},{QUEUE}-{self.name}"

    @property
    def own_queue(self) -> str:
        return f"{QUEUE}-{self.name}"

    @property
    def node(self) -> str:
        return f"{self.name}@{socket.gethostname()}"


@dataclass
class Plan:
    """What the drill runs against: the URLs of the shared services, the secrets, the roles."""

    database_url: str
    redis_url: str
    s3_port: int
    secret_key: str = field(repr=False)
    receipt_pepper: str = field(repr=False)
    operator: Role = field(default_factory=lambda: Role("operator", SCALE_DIR / "operator"))
    node_a: Role = field(default_factory=lambda: Role("node-a", SCALE_DIR / "node-a"))
    node_b: Role = field(default_factory=lambda: Role("node-b", SCALE_DIR / "node-b"))
    worker_a: Role = field(default_factory=lambda: Role("worker-a", SCALE_DIR / "worker-a"))
    worker_b: Role = field(default_factory=lambda: Role("worker-b", SCALE_DIR / "worker-b"))

    @property
    def roles(self) -> list[Role]:
        return [self.operator, self.node_a, self.node_b, self.worker_a, self.worker_b]

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def escrow_private_key(self) -> Path:
        return self.operator.var_dir / "escrow" / "DEMO-escrow-private.key"

    def environment(self, role: Role) -> dict[str, str]:
        """Return the environment of one process: chaos's production-like settings, with the drill's changes."""
        instance = Instance(
            database_url=self.database_url,
            redis_url=self.redis_url,
            var_dir=role.var_dir,
            mail_dir=role.mail_dir,
            logs=role.logs,
            node=role.node,
            secret_key=self.secret_key,
            receipt_pepper=self.receipt_pepper,
        )
        env = {**os.environ, **instance.environment()}
        for name in ("TIPLINE_ATTACHMENT_DIR", "TIPLINE_ATTACHMENT_STORAGE", "TIPLINE_ATTACHMENT_STORAGE_OPTIONS"):
            env.pop(name, None)
        env.update(
            {
                "CACHE_KEY_PREFIX": "scale",
                "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
                "ALLOWED_HOSTS": ALLOWED_HOSTS,
                "TIPLINE_S3_BUCKET": BUCKET,
                "TIPLINE_S3_ENDPOINT_URL": self.s3_endpoint,
                "TIPLINE_S3_REGION": S3_REGION,
                "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
                "TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR": str(RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR),
                "AWS_EC2_METADATA_DISABLED": "true",  # no instance-metadata lookups for credentials
            }
        )
        return env


def plan_for(database: str, secret_key: str, receipt_pepper: str) -> Plan:
    """Return the plan of a run on the database `database` (refusing the tests' names) and Redis db 6."""
    database_url = with_database(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL, database)
    redis_url = with_redis_db(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL, REDIS_DB)
    return Plan(database_url, redis_url, free_port(), secret_key=secret_key, receipt_pepper=receipt_pepper)


def prepare(plan: Plan) -> None:
    """Start from nothing: empty var directories, a new database, an empty Redis database."""
    for role in plan.roles:
        shutil.rmtree(role.var_dir, ignore_errors=True)
        shutil.rmtree(role.logs, ignore_errors=True)
        role.mail_dir.mkdir(parents=True)
        role.logs.mkdir(parents=True)
    services_empty(plan.database_url, plan.redis_url)


def drop(plan: Plan) -> None:
    """Drop the drill's database and empty its Redis database."""
    import psycopg
    import redis

    parts = urlsplit(plan.database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    redis.Redis.from_url(plan.redis_url).flushdb()


def static_files_collect(plan: Plan) -> None:
    """Run `collectstatic` on each web node, into its own var directory, as a deployment does on every node."""
    for role in (plan.node_a, plan.node_b):
        subprocess.run(  # noqa: S603 - our own fixed command line  # nosec B603
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=BASE_DIR, env=plan.environment(role), check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip


def escrow_public_key_share(plan: Plan) -> None:
    """Copy the escrow public key the operator made into every node's var directory (its private half stays)."""
    public = plan.operator.var_dir / "escrow" / "escrow.pub"
    for role in (plan.node_a, plan.node_b, plan.worker_a, plan.worker_b):
        (role.var_dir / "escrow").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(public, role.var_dir / "escrow" / "escrow.pub")


# --- the object store ------------------------------------------------------------------------------------


def s3_client(plan: Plan):  # type: ignore[no-untyped-def]  # boto3's client type is generated at run time
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=plan.s3_endpoint,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name=S3_REGION,
    )


def plain_environment() -> dict[str, str]:
    """Return the environment for nginx and the S3 server: none of the application's settings or secrets."""
    return {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "TMPDIR")}


def object_store(plan: Plan) -> ManagedProcess:
    """Return moto's standalone S3 server on the plan's port (not started)."""
    command = [str(BASE_DIR / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(plan.s3_port)]
    logs = SCALE_DIR / "logs" / "s3"
    logs.mkdir(parents=True, exist_ok=True)
    return ManagedProcess("moto S3 server", command, plain_environment(), logs / "moto.log")


def bucket_create(plan: Plan, *, timeout: float = 30.0) -> None:
    """Wait until the object store answers, then create the drill's bucket."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = s3_client(plan)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)
            return
        except (BotoCoreError, ClientError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def bucket_objects(plan: Plan) -> int:
    """Return how many objects the bucket holds."""
    pages = s3_client(plan).get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return sum(len(page.get("Contents", [])) for page in pages)


# --- the running cluster ---------------------------------------------------------------------------------


def group_cpu_seconds(pgid: int) -> float:
    """Return the CPU time (user + system) the live processes of a process group have used, in seconds.

    Read from /proc, so the drill can tell which node did the work without an access
    log (which would hold addresses). 0.0 where /proc is not there.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended meanwhile
        if len(fields) > 12 and int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat(5))
    return total / ticks


@dataclass
class Node:
    """A web node: gunicorn on its own port, with its own var directory."""

    role: Role
    port: int
    process: ManagedProcess

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def upstream(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """Return the CPU time of the node's gunicorn (master and workers) since it was last started."""
        process = self.process.process
        return group_cpu_seconds(process.pid) if process is not None and self.process.alive else 0.0


@dataclass
class Cluster:
    """The processes the drill owns; `stop` ends every one of them, whatever state they are in."""

    plan: Plan
    store: ManagedProcess
    node_a: Node | None = None
    node_b: Node | None = None
    worker_a: ManagedProcess | None = None
    worker_b: ManagedProcess | None = None
    proxy: ManagedProcess | None = None
    proxy_port: int = 0

    @property
    def proxy_url(self) -> str:
        return f"https://127.0.0.1:{self.proxy_port}"

    @property
    def proxy_prefix(self) -> Path:
        return SCALE_DIR / "proxy"

    def processes(self) -> list[ManagedProcess]:
        nodes = [node.process for node in (self.node_a, self.node_b) if node is not None]
        found = [self.proxy, *nodes, self.worker_a, self.worker_b, self.store]
        return [process for process in found if process is not None]

    def start_nodes(self) -> None:
        """Start both web nodes and both workers; return once every one answers."""
        plan = self.plan
        for attribute, role in (("node_a", plan.node_a), ("node_b", plan.node_b)):
            port = free_port()
            node = Node(role, port, gunicorn(plan.environment(role), port=port, logs=role.logs))
            setattr(self, attribute, node)
            node.process.start()
        self.worker_a = worker(plan.environment(plan.worker_a), queue=plan.worker_a.queue, node=plan.worker_a.node, logs=plan.worker_a.logs)  # fmt: skip
        self.worker_b = worker(plan.environment(plan.worker_b), queue=plan.worker_b.queue, node=plan.worker_b.node, logs=plan.worker_b.logs)  # fmt: skip
        self.worker_a.start()
        self.worker_b.start()
        for node in self.nodes():
            wait_until_healthy(node.url)
        for role in (plan.worker_a, plan.worker_b):
            if not broker.worker_ready(role.node, timeout=60):
                raise RuntimeError(f"the Celery worker {role.name} did not answer within 60 s (see {role.logs})")

    def nodes(self) -> list[Node]:
        return [node for node in (self.node_a, self.node_b) if node is not None]

    def proxy_start(self, nodes: list[Node]) -> None:
        """Start nginx in front of `nodes`, and wait until it answers through them."""
        self.proxy_port = free_port()
        conf = proxy.render([node.upstream for node in nodes], self.proxy_port, self.proxy_prefix)
        self.proxy = ManagedProcess(
            "nginx",
            proxy.command(conf, self.proxy_prefix, NGINX),
            plain_environment(),
            self.plan.operator.logs / "nginx.log",
        )
        self.proxy.start()
        wait_until_healthy(self.proxy_url)

    def proxy_switch(self, nodes: list[Node]) -> None:
        """Render the configuration for `nodes` and have nginx reload it (SIGHUP: no connection is dropped)."""
        assert self.proxy is not None and self.proxy.process is not None
        proxy.render([node.upstream for node in nodes], self.proxy_port, self.proxy_prefix)
        os.kill(self.proxy.process.pid, signal.SIGHUP)
        time.sleep(1.0)  # the new worker process takes over; the old one finishes its requests
        wait_until_healthy(self.proxy_url)

    def stop(self) -> None:
        for process in self.processes():
            process.stop()
