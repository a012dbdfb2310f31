"""The morning mails count the whistleblowers' replies: received since the last summary, and still unread."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from accounts.models import StaffMember
from cases.digest import assignee_deadlines, assignee_reminder_send, assignees_with_deadlines, unit_digest
from cases.models import Case
from org.models import Facility, Unit
from tests.factories import submit_tip
from tipline.services import message_post_by_whistleblower, tip_open_with_receipt

pytestmark = pytest.mark.django_db

REPLY = "Lo trae el custodio del turno noche."


@pytest.fixture(autouse=True)
def _own_cache(fresh_cache: None) -> None:
    """Each test gets its own cache (tests/conftest.py)."""


def replied_case(facility: Facility, assignee: StaffMember | None = None) -> Case:
    tip, receipt = submit_tip(facility=facility)
    opened = tip_open_with_receipt(receipt_text=receipt)
    assert opened is not None
    message_post_by_whistleblower(tip=tip, data_key=opened[1], body=REPLY)
    case = tip.case_link.case
    if assignee is not None:
        Case.objects.filter(pk=case.pk).update(assignee=assignee)
    return Case.objects.get(pk=case.pk)


def test_the_unit_summary_counts_replies(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], units: dict[str, Unit]
) -> None:
    today = timezone.localdate()
    read = replied_case(facilities["lurigancho"])
    Case.objects.filter(pk=read.pk).update(unread_reply=False)
    replied_case(facilities["lurigancho"])
    replied_case(facilities["trujillo"])  # another unit's
    tomorrow = today + datetime.timedelta(days=1)
    digest = unit_digest(unit=units["lima"], day=tomorrow, new_since=today)
    assert (digest.replies_received, digest.unread_replies) == (2, 1)
    # Replies of the summary's own day are counted the next morning, like new cases.
    assert unit_digest(unit=units["lima"], day=today, new_since=today).replies_received == 0


def test_the_assignee_is_reminded_of_unread_replies_with_counts_only(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    investigator = cast["lima_investigator"]
    get_user_model().objects.filter(pk=investigator.user_id).update(email="inv@example.org")
    investigator.refresh_from_db()
    case = replied_case(facilities["lurigancho"], assignee=investigator)
    far = timezone.localdate() + datetime.timedelta(days=60)
    Case.objects.filter(pk=case.pk).update(
        acknowledged_on=timezone.localdate(), acknowledge_due=far, feedback_due=far, next_due=far
    )
    today = timezone.localdate()
    assert investigator.pk in assignees_with_deadlines(day=today)
    assert assignee_deadlines(member=investigator, day=today).unread_replies == 1
    assert assignee_reminder_send(member=investigator, day=today) == 1
    body = mail.outbox[-1].body
    assert "1 caso con una respuesta sin leer" in body
    assert REPLY not in body and str(case.public_id) not in body
