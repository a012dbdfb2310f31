"""The audit entry of a phone tip holds the day only: the chain does not tell an auditor when the caller called.

Before, the entry was stamped to the microsecond: an auditor (or anyone with the
database) could set it beside the prison's call records and find the caller.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.keys import staff_member_create
from accounts.models import Role, StaffMember
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record, audit_verify
from org.models import Facility
from tests.conftest import PASSWORD, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(cast: dict[str, StaffMember]) -> StaffMember:
    user = get_user_model().objects.create_user(username="operadora", password=PASSWORD)
    return staff_member_create(user=user, role=Role.OPERATOR, password=PASSWORD)


@pytest.fixture
def auditor(cast: dict[str, StaffMember]) -> StaffMember:
    user = get_user_model().objects.create_user(username="auditora", password=PASSWORD)
    return staff_member_create(user=user, role=Role.AUDITOR, password=PASSWORD)


def test_the_phone_tip_entry_is_dated_to_its_day_and_the_chain_still_verifies(
    operator: StaffMember, auditor: StaffMember, facilities: dict[str, Facility]
) -> None:
    call = {
        "facility": facilities["lurigancho"].pk,
        "category": "bribery",
        "smuggling_channel": "staff",
        "when_period": "this_week",
        "description": "Llamada: un agente cobra cupos en la puerta 2.",
        "staff_involved": "no",
    }
    assert staff_client("operadora").post("/staff/phone/", call).status_code == 200
    audit_record(actor=auditor.user, action=AuditAction.AUDIT_VERIFIED, target_type="audit", target_id="")

    entry = AuditEvent.objects.get(action=AuditAction.PHONE_TIP_ENTERED)
    local = timezone.localtime(entry.at)
    assert local.date() == timezone.localdate()
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    # The events around it keep their times, and the hash chain over all of them holds.
    assert AuditEvent.objects.exclude(pk=entry.pk).filter(at__gt=entry.at).exists()
    assert audit_verify().ok

    # The auditor's page shows that entry's day, and no time of day for it.
    client = staff_client("auditora")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/staff/audit/", {"action": AuditAction.PHONE_TIP_ENTERED}).content.decode()
    row = re.search(r"<tr>(?:(?!</tr>).)*Entered a tip from a phone call(?:(?!</tr>).)*</tr>", page, re.S)
    assert row, "the phone tip's entry is not on the page"
    day = f"{local.date():%Y-%m-%d}"
    assert f">{day}</time>" in row.group(0)
    assert not re.search(r"\d{2}:\d{2}:\d{2}", row.group(0))
