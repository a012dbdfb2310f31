"""The Celery application. Settings come from Django's settings (CELERY_*).

The worker logs through Django's LOGGING (config/settings.py), never through
Celery's own setup: Celery's format starts every line with the time to the
millisecond, and its INFO lines "Task ... received" and "Task ... succeeded in N s"
would date each tip whose roll-up refresh a worker runs (DESIGN.md section 8).

With DEBUG off, a worker or a beat that is not ready for production (config/startup.py)
stops before it takes a task, with one line saying why.

The beat runs with RedBeat (`celery -A config beat -S redbeat.RedBeatScheduler`): its
schedule and a lock live in Redis, so a second beat started by mistake (or on a second
host, for failover) waits for the lock instead of sending every task twice.
"""

import logging.config
import os
import sys
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import beat_init, setup_logging, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tipline")
# `celery worker` and `celery beat` read the settings while parsing their command line: a refusal there (a
# missing secret) becomes one line instead of a traceback (config/startup.py). Importing the app elsewhere
# (the web, the tests) reads nothing yet.
_command = Path(sys.argv[0])
if "celery" in {_command.name, _command.parent.name} and {"worker", "beat"} & set(sys.argv[1:]):
    from config.startup import settings_or_exit

    settings_or_exit()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def worker_logging_configure(**kwargs: Any) -> None:
    """Configure the worker's logging from Django's LOGGING, whatever `-l` says (a receiver stops Celery's own)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@worker_init.connect
@beat_init.connect
def refuse_to_start_unready(**kwargs: Any) -> None:
    """Stop a worker or beat whose configuration is not ready for production (nothing is checked with DEBUG on)."""
    from config.startup import start_or_exit

    start_or_exit(serving_pages=False)


@beat_init.connect
def say_when_waiting_for_the_beat_lock(sender: Any, **kwargs: Any) -> None:
    """Log, before RedBeat blocks on it, that another beat holds the lock (RedBeat itself waits silently)."""
    from redbeat.schedulers import RedBeatScheduler, get_redis

    scheduler = sender.scheduler
    if isinstance(scheduler, RedBeatScheduler) and scheduler.lock_key and get_redis(app).exists(scheduler.lock_key):
        logging.getLogger(__name__).info(
            "beat: another beat holds the lock %s; this one waits and takes over when it is released or expires",
            scheduler.lock_key,
        )
