"""The decision's audit entry says what was decided, never what was written; without it nothing is decided."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from cases import services as case_services
from cases.models import Case
from protection import services
from protection.models import MeasureKind, ProtectionDecision, ProtectionMeasure
from tests.protection.conftest import vault_of
from tipline.models import Message

pytestmark = pytest.mark.django_db

OWN_WORDS = "Nos reuniremos en la sede de Surquillo el lunes."


def decide(case: Case, supervisor: StaffMember) -> None:
    services.protection_decide(
        case=case,
        actor=supervisor,
        granted=True,
        measures=[(MeasureKind.TEMPORARY_TRANSFER, None)],
        message=OWN_WORDS,
        vault=vault_of(supervisor),
    )


def test_the_audit_entry_holds_no_content(protected_case: Case, cast: dict[str, StaffMember]) -> None:
    decide(protected_case, cast["lima_supervisor"])

    entry = AuditEvent.objects.get(action=AuditAction.PROTECTION_DECIDED)
    assert entry.target_id == str(protected_case.public_id)
    assert entry.details == {"granted": True, "measures": [MeasureKind.TEMPORARY_TRANSFER], "on_time": True}
    everything = str(list(AuditEvent.objects.values())) + str(list(protected_case.events.values()))
    assert "Surquillo" not in everything
    assert b"Surquillo" not in bytes(Message.objects.get().body_ct)


class AuditDown(Exception):
    pass


def test_a_failed_audit_write_leaves_no_decision(
    protected_case: Case, cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The decision's own audit entry fails (the whistleblower's message was audited already in the transaction).
    def refuse(**kwargs: Any) -> None:
        if kwargs["action"] == AuditAction.PROTECTION_DECIDED:
            raise AuditDown
        audit_record(**kwargs)

    monkeypatch.setattr(case_services, "audit_record", refuse)

    with pytest.raises(AuditDown):
        decide(protected_case, cast["lima_supervisor"])

    protected_case.refresh_from_db()
    assert protected_case.protection_decided_on is None
    assert not ProtectionDecision.objects.exists() and not ProtectionMeasure.objects.exists()
    assert not Message.objects.exists()
