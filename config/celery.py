"""The Celery application. Settings come from Django's settings (CELERY_*).

The worker logs through Django's LOGGING (config/settings.py), never through
Celery's own setup: Celery's format starts every line with the time to the
millisecond, and its INFO lines "Task ... received" and "Task ... succeeded in N s"
would date each tip whose roll-up refresh a worker runs (DESIGN.md section 8).
"""

import logging.config
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tipline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def worker_logging_configure(**kwargs: Any) -> None:
    """Configure the worker's logging from Django's LOGGING, whatever `-l` says (a receiver stops Celery's own)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
