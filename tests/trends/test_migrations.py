"""The trends migrations describe the trends models exactly."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_need_no_new_migration() -> None:
    output = io.StringIO()

    call_command("makemigrations", "trends", "--check", "--dry-run", stdout=output)

    assert "No changes detected" in output.getvalue()
