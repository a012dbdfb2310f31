"""A refused public request leaves no line in the log; a staff one still does.

Django logs every 4xx and 5xx answer with its path ("Bad Request: /followup/"), and the
log stamps each line: a mistyped tracking code, or a report refused during a flood,
was dated to the second. The test reads what the configured console handler writes.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator

import pytest
from django.test import Client

from accounts.models import StaffMember
from tests.conftest import staff_client
from tests.factories import hidden_inputs, public_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """Return what Django's loggers write through the configured console handler during the test."""
    # The "console" handler of settings.LOGGING (pytest adds capture handlers of its own beside it).
    (handler,) = [h for h in logging.getLogger("django").handlers if type(h) is logging.StreamHandler]
    written = io.StringIO()
    before = handler.setStream(written)
    yield written
    handler.setStream(before)


def test_a_mistyped_code_is_not_logged_and_a_staff_error_is(cast: dict[str, StaffMember], console: io.StringIO) -> None:
    client = public_client()
    page = client.get("/followup/").content.decode()
    assert client.post("/followup/", {**hidden_inputs(page), "receipt": "1234 5678 9012 3456"}).status_code == 400
    assert client.get("/followup/files/00000000-0000-0000-0000-000000000000/").status_code == 403
    assert Client(enforce_csrf_checks=True).post("/report/", {"description": "x"}).status_code == 403

    assert "/followup/" not in console.getvalue() and "/report/" not in console.getvalue()

    missing = f"/staff/cases/{uuid.uuid4()}/"
    assert staff_client("lima_investigator").get(missing).status_code == 404
    assert f"Not Found: {missing}" in console.getvalue()
