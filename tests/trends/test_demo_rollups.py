"""The demo's invented week (backdated cases, acknowledgements, closures) leaves the roll-ups as a rebuild would."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command

from tests.trends.conftest import Desk, rollup_snapshot
from trends.models import TipRollup
from trends.services import rollups_rebuild

pytestmark = pytest.mark.django_db


def test_the_demo_data_is_rolled_up_as_it_is_written(desk: Desk, settings: LazySettings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE = tmp_path / "escrow" / "escrow.pub"
    settings.DEBUG = True
    with desk.capture(execute=True):
        call_command("load_demo", synthetic=0, stdout=StringIO())

    incremental = rollup_snapshot()
    rollups_rebuild()

    assert TipRollup.objects.exists()
    assert rollup_snapshot() == incremental
