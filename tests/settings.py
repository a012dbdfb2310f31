"""The test suite's settings: config.settings as production runs it (DEBUG off), with secrets for the run.

With DEBUG off the settings refuse to start without SECRET_KEY and TIPLINE_RECEIPT_PEPPER.
The suite makes fresh ones for each run, unless the environment gives them, and puts them
in the environment, so the processes it starts (a Celery worker, manage.py) find the same.
"""

from __future__ import annotations

import os
import secrets

for _name in ("SECRET_KEY", "TIPLINE_RECEIPT_PEPPER"):
    if _name not in os.environ and f"{_name}_FILE" not in os.environ:
        os.environ[_name] = secrets.token_urlsafe(50)

from config.settings import *  # noqa: E402, F403

# No scanner unless a test asks for the suite's own clamd (the `clamd` fixture, tests/clamav.py): a developer's
# `make clamd` must not change what the other tests see. Unscanned files are kept, marked "not scanned".
TIPLINE_CLAMD_SOCKET = ""

# Automatic linking bounded by count only, so what one request links does not depend on the machine's speed.
TIPLINE_LINKING_REQUEST_BUDGET_MS = 0

# Static files by their plain names, found under static/ at each request, as `make run` has them: the suite
# needs no `collectstatic` first. tests/test_static_files.py and tests/bench/test_page_weight.py collect them
# with the production storage into a directory of their own and serve them as production does.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
