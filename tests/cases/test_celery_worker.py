"""The morning summary through a real Celery worker on Redis, against this test's database.

Runs only when REDIS_URL is set and the database is one a second process can open
(PostgreSQL). The worker is a subprocess consuming a queue of its own, so it never
takes another run's tasks; it mails through Django's file backend into a temporary
folder, which the test reads (no result backend is configured).
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from accounts.models import StaffMember
from cases.statuses import CaseStatus
from cases.tasks import send_daily_digests, send_deadline_reminders
from config.celery import app as celery_app
from org.models import Facility
from tests.cases.test_digest import counts_in, craft_cases, es, es_label, give_addresses

WAIT_SECONDS = 60
# Django's file backend writes this line after each message.
MESSAGE_SEPARATOR = b"-" * 79

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis for a real worker: set REDIS_URL"),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
        reason="the worker must open the test database from another process: set DATABASE_URL to PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


def worker_database_url() -> str:
    """Return a DATABASE_URL for the database this test runs against (pytest-django's test_ one)."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass(frozen=True)
class Worker:
    queue: str
    mail_dir: Path
    log: Path

    def mails(self) -> list[Message]:
        """Return every message the worker has mailed so far."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for chunk in path.read_bytes().split(MESSAGE_SEPARATOR):
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk.lstrip(b"\n")))
        return messages

    def wait_for(self, count: int) -> list[Message]:
        """Wait until the worker has mailed at least `count` messages; fail with its log after WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            messages = self.mails()
            if len(messages) >= count:
                return messages
            time.sleep(0.2)
        pytest.fail(f"the worker mailed {len(self.mails())} of {count} messages; its log:\n{self.log.read_text()}")


@pytest.fixture
def through_the_broker() -> Iterator[None]:
    """Send tasks to Redis even if the run asked for eager tasks (CELERY_TASK_ALWAYS_EAGER=1)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.update(task_always_eager=False)
    yield
    celery_app.conf.update(task_always_eager=before)


@pytest.fixture
def worker(transactional_db: None, through_the_broker: None, tmp_path: Path) -> Iterator[Worker]:
    """Start `celery worker` on a queue of its own, pointed at this test's database; stop it afterwards."""
    token = uuid.uuid4().hex[:12]
    queue = f"test-digest-{token}"
    cache_prefix = f"test-digest-{token}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": cache_prefix,  # its "sent today" marks, apart from every other run's
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # the fan-out queues its per-unit tasks where this worker listens
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        # What the start-up checks of a production worker ask for (config/startup.py).
        "ALLOWED_HOSTS": "tipline.test",
        "TIPLINE_ESCROW_PUBLIC_KEY_FILE": str(settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=solo", "--concurrency=1", "-Q", queue, "-n", f"{queue}@%h",
        "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning",
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield Worker(queue=queue, mail_dir=mail_dir, log=log)
    finally:
        process.terminate()  # a warm shutdown: it finishes the task in hand
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _forget_redis_keys(token)


def _forget_redis_keys(token: str) -> None:
    """Delete what this test's queue, worker and cache left in Redis, and nothing else."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"*{token}*"):
        client.delete(key)
    for key in client.scan_iter(match="_kombu.binding.*"):
        for member in client.smembers(key):
            if token.encode() in member:
                client.srem(key, member)


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def test_a_real_worker_mails_each_morning_summary_once(
    worker: Worker, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    crafted = craft_cases(cast=give_addresses(cast), facilities=facilities, day=timezone.localdate())
    day = crafted.day.isoformat()

    # Twice, as a second beat or a redelivery would: the second run must send nothing.
    send_daily_digests.apply_async(kwargs={"day_iso": day}, queue=worker.queue)
    send_daily_digests.apply_async(kwargs={"day_iso": day}, queue=worker.queue)
    worker.wait_for(4)  # Lima's two members, Norte's one, the national unit's one
    # One queue, one worker, first in first out: when these reminders arrive, the second
    # run's per-unit tasks (queued before them) are done.
    send_deadline_reminders.apply_async(kwargs={"day_iso": day}, queue=worker.queue)
    worker.wait_for(4 + 2)  # the Lima investigator's and supervisor's reminders
    time.sleep(0.5)  # time for a late duplicate to show
    messages = worker.mails()

    subjects = [str(message["Subject"]) for message in messages]
    assert len(messages) == 6, subjects
    digests = [message for message in messages if "Lima IA" in str(message["Subject"])]
    assert sorted(str(message["To"]) for message in digests) == [
        "lima_investigator@example.org",
        "lima_supervisor@example.org",
    ]
    counts = counts_in(body(digests[0]))
    assert counts[es("New cases received since the last summary")] == 1
    assert counts[es_label(CaseStatus.RECEIVED)] == 2
    assert counts[es("Acknowledgements overdue")] == 1
    assert counts[es("Feedback overdue")] == 1
    assert counts[es("Protection decisions overdue")] == 1
    assert counts[es("Open cases not assigned to anyone")] == 1
    for message in messages:
        text = str(message["Subject"]) + "\n" + body(message)
        for secret in crafted.secrets:
            assert secret not in text
        assert "Lurigancho" not in text
