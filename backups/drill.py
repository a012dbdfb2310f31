"""The restore drill: populate an instance, back it up, restore it into an empty one, prove nothing was lost.

    .venv/bin/python -m backups.drill                  # what `make restore-drill` runs
    .venv/bin/python -m backups.drill --tips 50 --keep # smaller, and keep the databases and files
    .venv/bin/python -m backups.drill --object-store s3 # attachments in S3-compatible buckets

With DATABASE_URL set to PostgreSQL, the source and the target are the databases
`tipline_drill_src` and `tipline_drill_dst` on that server (created for the drill,
dropped at the end unless --keep; names starting with "test" are refused, so the
test suite's databases are never touched). Without DATABASE_URL they are SQLite
files. Everything else lives under var/drill/: `source/` and `target/` (each
instance's TIPLINE_VAR_DIR), `backup/`, and `offline/`, which stands for the offline
medium: the escrow private key is created there and never anywhere else, and the
receipt pepper, SECRET_KEY and the escrow public key are copied there from the
source, as docs/backup.md tells operators to do. The target gets them only from it.

With --object-store s3 the attachments live in S3-compatible buckets instead of
local files: `tipline-drill-source` for the source, `tipline-drill-target` for the
target (both made for the drill, emptied and removed at the end unless --keep). The
endpoint is TIPLINE_S3_ENDPOINT_URL with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
when the caller sets it (a MinIO or Garage under test, say), else a moto server the
drill starts on loopback. Each instance gets its bucket through the environment, as
production does (TIPLINE_S3_*), and the verify phase reads every file back from
the target bucket.

Each step runs as its own process with its instance's environment, using the
operator's commands (manage.py migrate, create_escrow_key, verify_audit_log;
backups.create; backups.restore). Argon2id runs at 8 MiB and one pass instead of
64 MiB and three (TIPLINE_ARGON2_*), so thousands of receipt and password
derivations fit in CI's time; the cost is recorded in the manifest and the restore
checks the target uses the same one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg

from backups.manifest import Manifest, manifest_read

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_WORKDIR = BASE_DIR / "var" / "drill"
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SOURCE_DATABASE = "tipline_drill_src"
TARGET_DATABASE = "tipline_drill_dst"
DEFAULT_TIPS = 300
SEED = 20261127
DRILL_ARGON2_MEMORY_KIB = 8 * 1024
DRILL_ARGON2_ITERATIONS = 1
# In every description, message, note and attachment the drill writes: it searches the backup for it.
PLAINTEXT_MARKER = "SIMULACRO-DE-RESPALDO"
# Marks a directory as the drill's own, so it may be emptied at the start of the next one.
WORKDIR_MARK = ".tipline-restore-drill"
# The source's secrets: files the drill makes at its "installation" and copies to the offline medium.
PEPPER_FILE = "tipline_receipt_pepper"
SECRET_KEY_FILE = "secret_key"
# Settings inherited from the caller's shell that must not reach the drill's instances.
FOREIGN_SETTINGS = ("TIPLINE_", "DATABASE_", "REDIS_", "SECRET_KEY", "CELERY_", "EMAIL_", "CACHE_", "AWS_")
# The buckets of --object-store s3: made for the drill, refused if they already hold objects.
SOURCE_BUCKET = "tipline-drill-source"
TARGET_BUCKET = "tipline-drill-target"
DRILL_S3_REGION = "us-east-1"


class DrillFailed(Exception):
    """A step of the drill failed or found a loss."""


@dataclass(frozen=True)
class Instance:
    """One tipline instance of the drill: its database and its TIPLINE_VAR_DIR, plus any other settings."""

    label: str
    database_url: str
    var_dir: Path
    settings: dict[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(FOREIGN_SETTINGS)}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=self.database_url,
            TIPLINE_VAR_DIR=str(self.var_dir),
            DEBUG="0",
            LOG_LEVEL="WARNING",
            CELERY_TASK_ALWAYS_EAGER="1",
            TIPLINE_ARGON2_MEMORY_KIB=str(DRILL_ARGON2_MEMORY_KIB),
            TIPLINE_ARGON2_ITERATIONS=str(DRILL_ARGON2_ITERATIONS),
        )
        env.update(self.settings)
        return env

    def run(self, *args: str) -> str:
        """Run `python ARGS` in this instance's environment; return its output or raise DrillFailed."""
        completed = subprocess.run(  # noqa: S603 - our own interpreter and modules  # nosec B603
            [sys.executable, *args],
            cwd=BASE_DIR,
            env=self.environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise DrillFailed(
                f"{' '.join(args[:3])} ({self.label}) failed with exit {completed.returncode}:\n"
                f"{completed.stdout}{completed.stderr}"
            )
        return completed.stdout


@dataclass
class Figures:
    engine: str = ""
    tips_requested: int = 0
    tips_in_source: int = 0
    tips_restored: int = 0
    for_unit: int = 0
    via_escrow: int = 0
    via_receipt: int = 0
    lost: int = 0
    attachments_verified: int = 0
    notes_verified: int = 0
    tables: int = 0
    rows: int = 0
    row_counts_equal: bool = False
    audit_events: int = 0
    audit_head_matches: bool = False
    plaintext_files: list[str] = field(default_factory=list)
    backup_bytes: int = 0
    backup_files: int = 0
    target_used_offline_secrets: bool = False
    # --object-store s3: the objects in the target bucket after the restore, and those holding a plaintext marker.
    object_store: str = ""
    source_objects: int = 0
    target_objects: int = 0
    plaintext_objects: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.lost == 0
            and self.tips_in_source == self.tips_requested
            and self.row_counts_equal
            and self.audit_head_matches
            and not self.plaintext_files
            and not self.plaintext_objects
            and self.source_objects == self.target_objects
            and self.target_used_offline_secrets
            and not self.failures
        )


@contextmanager
def timed(figures: Figures, phase: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        figures.seconds[phase] = time.perf_counter() - started


# --- the databases -----------------------------------------------------------------------------------------


def refuse_test_name(name: str) -> None:
    if not name or name.startswith("test"):
        raise DrillFailed(f"refusing database {name!r}: names starting with 'test' belong to the test suite")


def _server_url() -> str | None:
    """Return the PostgreSQL server to drill on (DATABASE_URL's), or None for SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return None
    if urlparse(url).scheme not in ("postgres", "postgresql", "pgsql"):
        return None
    return url


def _with_database(url: str, name: str) -> str:
    return urlparse(url)._replace(path=f"/{name}").geturl()


def _recreate_databases(server_url: str, names: list[str]) -> None:
    with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as conn:
        for name in names:
            refuse_test_name(name)
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')


def _drop_databases(server_url: str, names: list[str]) -> None:
    with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as conn:
        for name in names:
            refuse_test_name(name)
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_workdir(workdir: Path) -> None:
    if workdir.exists():
        if any(workdir.iterdir()) and not (workdir / WORKDIR_MARK).exists():
            raise DrillFailed(f"{workdir} holds files the drill did not make; choose another --workdir")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, mode=0o700)
    (workdir / WORKDIR_MARK).touch()


# --- the object store (--object-store s3) -----------------------------------------------------------------


@dataclass(frozen=True)
class Buckets:
    """The drill's two buckets on one S3-compatible endpoint, and the credentials both instances use."""

    endpoint: str
    region: str
    access_key: str
    secret_key: str
    started_here: bool
    source: str = SOURCE_BUCKET
    target: str = TARGET_BUCKET

    def describe(self) -> str:
        server = "a moto server started by the drill" if self.started_here else "TIPLINE_S3_ENDPOINT_URL"
        return f"S3 buckets {self.source} -> {self.target} at {self.endpoint} ({server})"

    def settings(self, bucket: str) -> dict[str, str]:
        """Return an instance's environment for keeping its attachments in `bucket` (README, "Configuration")."""
        return {
            "TIPLINE_S3_BUCKET": bucket,
            "TIPLINE_S3_ENDPOINT_URL": self.endpoint,
            "TIPLINE_S3_REGION": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}),
        )

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [entry["Key"] for page in pages for entry in page.get("Contents", ())]

    def objects(self, bucket: str) -> dict[str, bytes]:
        client = self.client()
        return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in self.keys(bucket)}

    def prepare(self) -> None:
        """Make both buckets; refuse a bucket that already holds objects (it is not the drill's to empty)."""
        from botocore.exceptions import ClientError

        client = self.client()
        for bucket in (self.source, self.target):
            try:
                client.head_bucket(Bucket=bucket)
            except ClientError:
                client.create_bucket(Bucket=bucket)
            if self.keys(bucket):
                raise DrillFailed(f"bucket {bucket} at {self.endpoint} holds objects; empty it or choose another")

    def remove(self) -> None:
        """Empty and delete both buckets, unfinished uploads included."""
        client = self.client()
        for bucket in (self.source, self.target):
            for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", ()):
                client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            for key in self.keys(bucket):
                client.delete_object(Bucket=bucket, Key=key)
            client.delete_bucket(Bucket=bucket)


@contextmanager
def drill_buckets(object_store: str, *, keep: bool) -> Iterator[Buckets | None]:
    """Yield the drill's buckets for --object-store s3 (None for local files); remove them after unless `keep`."""
    if object_store != "s3":
        yield None
        return
    endpoint = os.environ.get("TIPLINE_S3_ENDPOINT_URL", "")
    server = None
    if endpoint:
        buckets = Buckets(
            endpoint=endpoint,
            region=os.environ.get("TIPLINE_S3_REGION", "") or DRILL_S3_REGION,
            access_key=os.environ.get("AWS_ACCESS_KEY_ID", ""),
            secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
            started_here=False,
        )
    else:
        import logging

        from moto.server import ThreadedMotoServer  # tests only (README, "Dependencies"): a stand-in S3

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # its request log would bury the figures

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        # moto takes any credentials; these are the drill's own, for its loopback server only.
        buckets = Buckets(
            endpoint=f"http://127.0.0.1:{port}",
            region=DRILL_S3_REGION,
            access_key="tipline-drill",
            secret_key="tipline-drill",  # noqa: S106 - a stand-in server's fake credential  # nosec B106
            started_here=True,
        )
    try:
        buckets.prepare()
        yield buckets
    finally:
        try:
            if not keep:
                buckets.remove()
        finally:
            if server is not None:
                server.stop()


# --- the steps ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    workdir: Path
    source: Instance
    target: Instance
    tips: int
    seed: int
    buckets: Buckets | None = None

    @property
    def offline(self) -> Path:
        return self.workdir / "offline"

    @property
    def backup(self) -> Path:
        return self.workdir / "backup"

    @property
    def expected(self) -> Path:
        return self.workdir / "expected.json"


def make_plan(
    *,
    workdir: Path,
    server_url: str | None,
    source_db: str,
    target_db: str,
    tips: int,
    seed: int,
    buckets: Buckets | None = None,
) -> Plan:
    """Lay out the two instances; the target takes its secrets from the offline copies only."""
    offline = workdir / "offline"
    if server_url:
        source_url, target_url = _with_database(server_url, source_db), _with_database(server_url, target_db)
    else:
        source_url = f"sqlite:///{workdir / 'source' / 'tipline.sqlite3'}"
        target_url = f"sqlite:///{workdir / 'target' / 'tipline.sqlite3'}"
    source_secrets = workdir / "source" / "secrets"
    source = Instance(
        "source",
        source_url,
        workdir / "source",
        {
            "TIPLINE_RECEIPT_PEPPER_FILE": str(source_secrets / PEPPER_FILE),
            "SECRET_KEY_FILE": str(source_secrets / SECRET_KEY_FILE),
            **(buckets.settings(buckets.source) if buckets else {}),
        },
    )
    target = Instance(
        "target",
        target_url,
        workdir / "target",
        {
            "TIPLINE_RECEIPT_PEPPER_FILE": str(offline / PEPPER_FILE),
            "SECRET_KEY_FILE": str(offline / SECRET_KEY_FILE),
            "TIPLINE_ESCROW_PUBLIC_KEY_FILE": str(offline / "escrow.pub"),
            **(buckets.settings(buckets.target) if buckets else {}),
        },
    )
    return Plan(workdir=workdir, source=source, target=target, tips=tips, seed=seed, buckets=buckets)


def populate(plan: Plan) -> None:
    plan.offline.mkdir(mode=0o700)
    # The source's operator makes its pepper and SECRET_KEY at installation (with DEBUG off none is generated).
    secrets_dir = plan.source.var_dir / "secrets"
    secrets_dir.mkdir(parents=True, mode=0o700)
    for name in (PEPPER_FILE, SECRET_KEY_FILE):
        (secrets_dir / name).write_text(secrets.token_urlsafe(50))
        (secrets_dir / name).chmod(0o600)
    plan.source.run("manage.py", "migrate", "--noinput", "-v0")
    plan.source.run("manage.py", "create_escrow_key", "--private-key-out", str(plan.offline / "escrow-private.key"))
    plan.source.run(
        "-m",
        "backups.drill",
        "--phase",
        "populate",
        "--tips",
        str(plan.tips),
        "--seed",
        str(plan.seed),
        "--expected",
        str(plan.expected),
    )
    # The operator's offline copies of what the backup must not hold (docs/backup.md).
    for name in (PEPPER_FILE, SECRET_KEY_FILE):
        shutil.copy2(secrets_dir / name, plan.offline / name)
    shutil.copy2(plan.source.var_dir / "escrow" / "escrow.pub", plan.offline / "escrow.pub")


def back_up(plan: Plan) -> str:
    """Run the operator's backup command on the source; return the manifest SHA-256 it printed."""
    output = plan.source.run("-m", "backups.create", "--out", str(plan.backup))
    match = re.search(r"Manifest SHA-256: ([0-9a-f]{64})", output)
    if match is None:
        raise DrillFailed(f"backups.create printed no manifest SHA-256:\n{output}")
    return match.group(1)


def restore(plan: Plan, manifest_sha256: str) -> None:
    plan.target.run("-m", "backups.restore", "--from", str(plan.backup), "--manifest-sha256", manifest_sha256)


def _row_counts(instance: Instance, result: Path) -> dict[str, int]:
    instance.run("-m", "backups.drill", "--phase", "counts", "--result", str(result))
    counts: dict[str, int] = json.loads(result.read_text())
    return counts


def _plaintext_in_backup(plan: Plan) -> list[str]:
    """Return the backup files that hold a drill plaintext marker or a secret kept offline."""
    needles = [
        PLAINTEXT_MARKER.encode(),
        (plan.offline / "escrow-private.key").read_bytes(),
        (plan.offline / PEPPER_FILE).read_text().strip().encode(),
        (plan.offline / SECRET_KEY_FILE).read_text().strip().encode(),
    ]
    found = []
    for path in sorted(plan.backup.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                found.append(path.relative_to(plan.backup).as_posix())
    return found


def _verify_tips(plan: Plan, figures: Figures) -> None:
    """(a), (b), (c): open every tip in the restored instance for its unit, via escrow and with its receipt."""
    result_file = plan.workdir / "verify.json"
    plan.target.run(
        "-m",
        "backups.drill",
        "--phase",
        "verify",
        "--expected",
        str(plan.expected),
        "--escrow-private-key",
        str(plan.offline / "escrow-private.key"),
        "--result",
        str(result_file),
    )
    result = json.loads(result_file.read_text())
    figures.tips_restored = result["tips_restored"]
    figures.for_unit = result["for_unit"]
    figures.via_escrow = result["via_escrow"]
    figures.via_receipt = result["via_receipt"]
    figures.lost = result["lost"]
    figures.attachments_verified = result["attachments_verified"]
    figures.notes_verified = result["notes_verified"]
    figures.failures.extend(result["failures"][:10])


def _verify_audit_log(plan: Plan, manifest: Manifest, figures: Figures) -> None:
    """(d): the operator's verify_audit_log passes on the restored database and ends at the manifest's head."""
    audit = plan.target.run("manage.py", "verify_audit_log")
    events = re.search(r"Audit log OK: (\d+) events verified", audit)
    head = re.search(r"Chain head: event (\d+), hash ([0-9a-f]{64})", audit)
    figures.audit_events = int(events.group(1)) if events else 0
    figures.audit_head_matches = bool(
        head
        and int(head.group(1)) == manifest.audit_chain_head["seq"]
        and head.group(2) == manifest.audit_chain_head["hash"]
    )


def _verify_row_counts(plan: Plan, manifest: Manifest, figures: Figures) -> None:
    """(e): every table has as many rows in the source, the manifest and the target."""
    source_counts = _row_counts(plan.source, plan.workdir / "source-counts.json")
    target_counts = _row_counts(plan.target, plan.workdir / "target-counts.json")
    figures.tables = len(target_counts)
    figures.rows = sum(target_counts.values())
    figures.row_counts_equal = source_counts == target_counts == manifest.row_counts


def verify(plan: Plan, manifest: Manifest, figures: Figures) -> None:
    """Prove the restore: tips open three ways, audit chain intact, counts equal, nothing secret in the backup."""
    _verify_tips(plan, figures)
    _verify_audit_log(plan, manifest, figures)
    _verify_row_counts(plan, manifest, figures)
    figures.plaintext_files = _plaintext_in_backup(plan)
    if plan.buckets is not None:
        objects = plan.buckets.objects(plan.buckets.target)
        figures.target_objects = len(objects)
        figures.source_objects = len(plan.buckets.objects(plan.buckets.source))
        figures.plaintext_objects = [
            f"{bucket}/{key}"
            for bucket in (plan.buckets.source, plan.buckets.target)
            for key, data in plan.buckets.objects(bucket).items()
            if PLAINTEXT_MARKER.encode() in data
        ]
    # The target found its pepper and SECRET_KEY in the offline copies; it generated none of its own.
    figures.target_used_offline_secrets = not (plan.target.var_dir / "secrets").exists()


def report(figures: Figures) -> str:
    seconds = figures.seconds
    lines = [
        f"Restore drill ({figures.engine}, {figures.tips_requested} tips; "
        f"Argon2id {DRILL_ARGON2_MEMORY_KIB // 1024} MiB x {DRILL_ARGON2_ITERATIONS} for the drill)",
        f"  tips in source                   {figures.tips_in_source}",
        f"  tips restored                    {figures.tips_restored}",
        f"  decrypted for their unit         {figures.for_unit}",
        f"  decrypted via escrow             {figures.via_escrow}",
        f"  opened by their receipt          {figures.via_receipt}",
        f"  tips lost                        {figures.lost}",
        f"  attachments verified (sha256)    {figures.attachments_verified}",
        f"  notes verified                   {figures.notes_verified}",
        f"  tables, rows                     {figures.tables}, {figures.rows} "
        f"({'equal in source, manifest and target' if figures.row_counts_equal else 'DIFFERENT'})",
        f"  audit log                        {figures.audit_events} events verified, chain head "
        f"{'equals the manifest' if figures.audit_head_matches else 'DIFFERS from the manifest'}",
        f"  plaintext or secrets in backup   {', '.join(figures.plaintext_files) or 'none'}",
    ]
    if figures.object_store:
        lines += [
            f"  object store                     {figures.object_store}",
            f"  objects in source, target bucket {figures.source_objects}, {figures.target_objects}",
            f"  plaintext in the buckets         {', '.join(figures.plaintext_objects) or 'none'}",
        ]
    lines += [
        f"  target's pepper and SECRET_KEY   {'from the offline copies' if figures.target_used_offline_secrets else 'NOT from the offline copies'}",
        f"  backup size                      {figures.backup_bytes / 1e6:.1f} MB in {figures.backup_files} files",
        "  time (s)                         "
        + ", ".join(f"{phase} {seconds.get(phase, 0.0):.1f}" for phase in ("populate", "backup", "restore", "verify"))
        + f", total {seconds.get('total', 0.0):.1f}",
    ]
    lines += [f"  failure: {failure}" for failure in figures.failures]
    return "\n".join(lines)


def run_drill(*, plan: Plan, engine: str, keep: bool, server_url: str | None, databases: list[str]) -> Figures:
    figures = Figures(engine=engine, tips_requested=plan.tips)
    if plan.buckets is not None:
        figures.object_store = plan.buckets.describe()
    started = time.perf_counter()
    try:
        _fresh_workdir(plan.workdir)
        if server_url:
            _recreate_databases(server_url, databases)
        with timed(figures, "populate"):
            populate(plan)
        with timed(figures, "backup"):
            manifest_sha256 = back_up(plan)
        manifest = manifest_read(plan.backup, expected_sha256=manifest_sha256)
        figures.tips_in_source = manifest.row_counts.get("tipline_tip", 0)
        figures.backup_bytes = manifest.total_bytes
        figures.backup_files = len(manifest.files) + 1
        with timed(figures, "restore"):
            restore(plan, manifest_sha256)
        with timed(figures, "verify"):
            verify(plan, manifest, figures)
    except (DrillFailed, OSError, psycopg.Error) as exc:
        figures.failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        figures.seconds["total"] = time.perf_counter() - started
        if not keep:
            _clean_up(plan, server_url, databases, figures)
    return figures


def _clean_up(plan: Plan, server_url: str | None, databases: list[str], figures: Figures) -> None:
    """Drop the drill's databases and files; a failure to do so is reported, not hidden."""
    if server_url:
        try:
            _drop_databases(server_url, databases)
        except psycopg.Error as exc:
            figures.failures.append(f"could not drop {', '.join(databases)}: {exc}")
    if (plan.workdir / WORKDIR_MARK).exists():
        shutil.rmtree(plan.workdir, ignore_errors=True)


# --- the phases run inside an instance ------------------------------------------------------------------------


def run_phase(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.conf import settings

    from backups import drill_phases
    from backups.database import Database, reader_of

    if args.phase == "populate":
        drill_phases.populate(tips=args.tips, seed=args.seed).write(args.expected)
    elif args.phase == "verify":
        result = drill_phases.verify(
            expectations=drill_phases.Expectations.read(args.expected),
            escrow_private_key=args.escrow_private_key.read_bytes(),
        )
        args.result.write_text(json.dumps(asdict(result)))
    else:
        with reader_of(Database.from_settings(settings.DATABASES["default"])) as reader:
            args.result.write_text(json.dumps(reader.row_counts()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backups.drill", description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=int, default=DEFAULT_TIPS, help=f"Tips to submit (default {DEFAULT_TIPS}).")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", action="store_true", help="Keep the drill's databases and var/drill/.")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--source-db", default=SOURCE_DATABASE)
    parser.add_argument("--target-db", default=TARGET_DATABASE)
    parser.add_argument(
        "--object-store",
        choices=["local", "s3"],
        default="local",
        help="Where the instances keep attachments: local files (default), or S3 buckets on "
        "TIPLINE_S3_ENDPOINT_URL if set, else on a moto server the drill starts.",
    )
    # Internal: the steps that run inside one instance (started by the drill itself).
    parser.add_argument("--phase", choices=["populate", "verify", "counts"], help=argparse.SUPPRESS)
    parser.add_argument("--expected", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--escrow-private-key", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        return run_phase(args)

    server_url = _server_url()
    databases = [args.source_db, args.target_db]
    if server_url:
        try:
            for name in databases:
                refuse_test_name(name)
        except DrillFailed as exc:
            print(f"Restore drill FAILED: {exc}", file=sys.stderr)
            return 2
        server = urlparse(server_url)
        engine = f"PostgreSQL at {server.hostname}:{server.port or 5432}, {args.source_db} -> {args.target_db}"
    else:
        engine = "SQLite (DATABASE_URL unset)"
    try:
        with drill_buckets(args.object_store, keep=args.keep) as buckets:
            plan = make_plan(
                workdir=args.workdir.resolve(),
                server_url=server_url,
                source_db=args.source_db,
                target_db=args.target_db,
                tips=args.tips,
                seed=args.seed,
                buckets=buckets,
            )
            figures = run_drill(plan=plan, engine=engine, keep=args.keep, server_url=server_url, databases=databases)
    except Exception as exc:  # noqa: BLE001 - the buckets could not be made or removed: say so in one line
        print(f"Restore drill FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(report(figures))
    if figures.passed:
        print(f"Restore drill PASSED: {figures.tips_restored} of {figures.tips_in_source} tips restored, 0 lost.")
        return 0
    print("Restore drill FAILED (run with --keep to inspect the databases and var/drill/).", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
