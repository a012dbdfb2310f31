"""The follow-up session's row does not date the visit: its expiry says the hour, and it goes when they leave.

Django stores `expire_date` as the moment of the last request plus an hour, to the
microsecond: for a whistleblower who opened their report with the tracking code,
anyone with the database (or a backup) read when they came.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import hidden_inputs, public_client, receipt_from, report_data
from tipline.tasks import delete_expired_sessions

pytestmark = pytest.mark.django_db


def opened_report(facilities: dict[str, Facility]) -> Client:
    """Send a report, then open it with its code in a fresh browser; return that browser."""
    receipt = receipt_from(public_client().post("/report/", report_data(facilities["lurigancho"])).content.decode())
    client = public_client()
    page = client.get("/followup/").content.decode()
    assert client.post("/followup/", {**hidden_inputs(page), "receipt": receipt}).status_code == 302
    assert 'id="status"' in client.get("/followup/").content.decode()
    return client


def test_the_session_row_of_an_opened_report_expires_on_a_whole_hour(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    before = datetime.datetime.now(datetime.UTC)
    opened_report(facilities)

    (row,) = Session.objects.all()
    expires = row.expire_date.astimezone(datetime.UTC)
    assert (expires.minute, expires.second, expires.microsecond) == (0, 0, 0)
    age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert before + age <= expires <= before + age + datetime.timedelta(hours=1, minutes=1)


def test_leaving_the_report_deletes_the_session_row_at_once(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    client = opened_report(facilities)
    assert Session.objects.count() == 1

    page = client.get("/followup/").content.decode()
    response = client.post("/followup/", {**hidden_inputs(page), "action": "close"})

    assert response.status_code == 302
    assert not Session.objects.exists()
    assert 'id="status"' not in client.get("/followup/").content.decode()


def test_expired_session_rows_are_deleted_every_hour(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    opened_report(facilities)
    Session.objects.update(expire_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))

    schedule = settings.CELERY_BEAT_SCHEDULE["every-hour-delete-expired-sessions"]
    assert schedule["task"] == delete_expired_sessions.name
    delete_expired_sessions()

    assert not Session.objects.exists()
