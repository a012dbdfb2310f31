"""The beat is single: two RedBeat beats against one Redis, one sends, the other waits and takes over.

Runs when REDIS_URL is set. Each beat is `celery -A config beat -S redbeat.RedBeatScheduler`
as production runs it, with a schedule entry due every second (tests/config/beat_settings.py),
a key prefix and a queue of this test's own, and one-second beat loops, so that the lock of a
killed beat expires within five seconds. The test waits for log lines, never for a time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis for RedBeat: set REDIS_URL")

WAIT_SECONDS = 60
SENT = "Sending due task every-second-test-tick"
ACQUIRED = "beat: Acquired lock"
WAITING = "another beat holds the lock"


@dataclass
class Beat:
    process: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def sent(self) -> int:
        return self.text().count(SENT)


def wait_until(condition: Callable[[], bool], what: str, *beats: Beat) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    logs = "\n".join(f"--- {beat.log.name}:\n{beat.text()}" for beat in beats)
    pytest.fail(f"waited {WAIT_SECONDS} s for {what}; logs:\n{logs}")


@pytest.fixture
def beats(tmp_path: Path) -> Iterator[tuple[Callable[[str], Beat], str]]:
    """Start beats on request; kill every one and forget this test's keys afterwards."""
    token = uuid.uuid4().hex[:12]
    prefix = f"test-beat-{token}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.config.beat_settings",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": prefix,
        "CELERY_REDBEAT_KEY_PREFIX": prefix,
        "CELERY_BEAT_MAX_LOOP_INTERVAL": "1",
        "TIPLINE_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "INFO",
        # What the start-up checks of a production beat ask for (config/startup.py).
        "ALLOWED_HOSTS": "tipline.test",
        "TIPLINE_ESCROW_PUBLIC_KEY_FILE": str(settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE),
    }
    started: list[Beat] = []

    def start(name: str) -> Beat:
        log = tmp_path / f"{name}.log"
        command = [sys.executable, "-m", "celery", "-A", "config", "beat", "-S", "redbeat.RedBeatScheduler"]
        with log.open("w") as output:
            process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
        started.append(Beat(process, log))
        return started[-1]

    try:
        yield start, prefix
    finally:
        for beat in started:
            if beat.process.poll() is None:
                beat.process.kill()
                beat.process.wait()
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=f"*{token}*"):
            client.delete(key)


def test_a_second_beat_waits_for_the_lock_and_takes_over_when_the_first_dies(
    beats: tuple[Callable[[str], Beat], str],
) -> None:
    start, prefix = beats
    first = start("first")
    wait_until(
        lambda: ACQUIRED in first.text() and first.sent() >= 1, "the first beat to take the lock and send", first
    )

    second = start("second")
    wait_until(lambda: WAITING in second.text(), "the second beat to say it waits", first, second)
    sent_before = first.sent()
    wait_until(lambda: first.sent() >= sent_before + 3, "the first beat to go on sending", first, second)
    assert ACQUIRED not in second.text()
    assert second.sent() == 0
    assert redis.Redis.from_url(settings.REDIS_URL).exists(f"{prefix}:lock")

    first.process.send_signal(signal.SIGKILL)  # no release: the lock has to expire
    first.process.wait()
    wait_until(lambda: ACQUIRED in second.text() and second.sent() >= 1, "the second beat to take over", second)
