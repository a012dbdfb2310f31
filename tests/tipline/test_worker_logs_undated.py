"""The worker's log does not date a tip: no line per task received or done, no time on any line.

A real embedded worker (Celery's own testing worker, set up as `celery worker -l info`
sets itself up) runs in a child process on the in-memory broker, takes a task and
runs it; the test reads everything it wrote. Celery's own logging would print
"[2026-12-03 10:42:17,512: INFO/MainProcess] Task ... received" and "... succeeded
in 0.01s" for each roll-up refresh a new tip queues.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

WORKER_SCRIPT = """
import threading

import django

django.setup()

from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from config.celery import app
from tipline.tasks import sweep_orphan_attachments

done = threading.Event()
task_postrun.connect(lambda **kwargs: done.set(), weak=False)
with start_worker(app, pool="solo", loglevel="INFO", perform_ping_check=False):
    sweep_orphan_attachments.delay()
    assert done.wait(30), "the worker did not run the task"
print("WORKER-RAN-THE-TASK", flush=True)
"""


def test_a_worker_at_info_level_logs_no_task_line_and_no_time(tmp_path: Path) -> None:
    # A production worker's start-up checks (config/startup.py) find the escrow key where TIPLINE_VAR_DIR
    # puts it by default (the suite's fixture wrote it there), and ALLOWED_HOSTS set.
    assert (tmp_path / "escrow" / "escrow.pub").exists()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "REDIS_URL": "",  # the in-memory broker, shared by this process's worker and its sender
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "INFO",
        "TIPLINE_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "tipline.test",
    }
    result = subprocess.run(
        [sys.executable, "-c", WORKER_SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WORKER-RAN-THE-TASK" in output
    assert "tipline.sweep_orphan_attachments" not in output
    assert "received" not in output
    assert "succeeded" not in output
    assert not re.search(r"\d{1,2}:\d{2}:\d{2}", output), output
