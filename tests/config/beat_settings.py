"""The suite's settings with one beat entry due every second, to see which beat sends (test_beat_single.py)."""

from tests.settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {"every-second-test-tick": {"task": "tests.beat_tick", "schedule": 1.0}}
