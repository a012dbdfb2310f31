"""Fuzzing request bodies as bytes: malformed multipart framing, bad escapes, invalid UTF-8, odd content types.

The report form and the tracking-code form must answer every one with a 4xx (or the
"session ended" page) and keep nothing: no row, and no file, complete or partial.
"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import StaffMember
from fuzz.budget import Target, fuzz_settings
from fuzz.figures import FuzzLog
from fuzz.harness import Stored, assert_nothing_stored, send
from fuzz.strategies import RawBody, raw_bodies, report_posts
from org.models import Facility
from tests.fuzz.conftest import FUZZ_MAX_ATTACHMENT_BYTES, FUZZ_MAX_ATTACHMENTS

pytestmark = pytest.mark.django_db


def test_raw_bodies_are_refused_and_leave_nothing_behind(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], log: FuzzLog
) -> None:
    posts = report_posts(
        facility_ids=[facility.pk for facility in facilities.values()],
        max_files=FUZZ_MAX_ATTACHMENTS,
        max_file_bytes=FUZZ_MAX_ATTACHMENT_BYTES,
    )
    client = Client()

    # On top of the report and follow-up tests' own 10,000 each.
    @fuzz_settings(Target.PUBLIC, share=0.3)
    @given(raw=raw_bodies(posts), path=st.sampled_from(["/report/", "/report/", "/followup/"]))
    def check(raw: RawBody, path: str) -> None:
        target = f"POST {path} (raw body)"
        before = Stored.now()
        response = send(client, log, target, "POST", path, body=raw.body, content_type=raw.content_type)
        assert_nothing_stored(log, target, before, response)
        # Without a form token a report is never accepted; no raw body carries the right tracking code.
        allowed = {200, 400, 413} if path == "/followup/" else {400, 413}
        assert response.status_code in allowed, f"{path} answered {response.status_code}"

    check()
