"""Every user-facing string of the code has a Spanish translation in locale/es.

Extracts the messages from a copy of the source tree with `makemessages` (GNU
gettext's xgettext, as `make messages` does) and asks `msgfmt --statistics` how
many are untranslated or fuzzy. Catches a string that was added without a
translation, and a gettext alias that xgettext does not know (such a string would
silently stay English).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCE = (".venv", "var", ".git", "tests", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache")

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext, msgfmt)")


def test_every_message_of_the_code_is_translated_to_spanish(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    env = {
        **os.environ,
        # The copy has no tests/ (so no tests.settings); the run's secrets are in the environment.
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TIPLINE_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": "sqlite:///:memory:",
    }
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-location", "-v0"],
        cwd=tree,
        env=env,
        check=True,
    )
    statistics = subprocess.run(
        ["msgfmt", "--statistics", "-o", os.devnull, "locale/es/LC_MESSAGES/django.po"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert re.search(r"fuzzy|untranslated", statistics) is None, statistics
