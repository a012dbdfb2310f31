"""The audit chain and the case's timeline record each step of a disclosure by ids, never the reason or contact."""

from __future__ import annotations

import json

import pytest

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import CaseEvent
from identity.models import DisclosureRequest
from identity.services import disclosure_approve
from tests.conftest import staff_client
from tests.identity.conftest import CONTACT, REASON, Reserved, vault_of

pytestmark = pytest.mark.django_db


def test_each_step_is_audited_without_content(
    asked: DisclosureRequest, reserved: Reserved, custodian: StaffMember
) -> None:
    disclosure_approve(request=asked, actor=custodian, vault=vault_of(custodian))
    staff_client("lima_investigator").get(f"/staff/cases/{reserved.case.public_id}/")

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditAction.DISCLOSURE_REQUESTED, AuditAction.DISCLOSURE_APPROVED, AuditAction.IDENTITY_OPENED} <= actions
    kinds = set(CaseEvent.objects.filter(case=reserved.case).values_list("kind", flat=True))
    assert {CaseEvent.Kind.DISCLOSURE_REQUESTED, CaseEvent.Kind.DISCLOSURE_DECIDED} <= kinds
    recorded = json.dumps(list(AuditEvent.objects.values("details", "target_id")), default=str)
    recorded += json.dumps(list(CaseEvent.objects.values("details")), default=str)
    for secret in (REASON, REASON[:20], CONTACT, reserved.identity.code):
        assert secret not in recorded
    assert str(asked.public_id) in recorded
