"""Once internal affairs decides, the whistleblower reads the decision at /followup/ in plain words: granted or
refused, and each measure with what it means for them and until when. Dates only."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import Case, CaseTip
from org.models import Facility
from protection.models import MEASURE_EXPLANATIONS, MeasureKind, ProtectionDecision, ProtectionMeasure
from tests.factories import submit_tip
from tests.protection.followup import FOLLOWUP, open_followup, shown

pytestmark = pytest.mark.django_db


def _decide(case: Case, supervisor: StaffMember, *, granted: bool) -> ProtectionDecision:
    today = timezone.localdate()
    Case.objects.filter(pk=case.pk).update(protection_decided_on=today)
    assert case.protection_due is not None
    return ProtectionDecision.objects.create(
        case=case, granted=granted, decided_by=supervisor, decided_on=today, due_on=case.protection_due
    )


def test_a_granted_decision_shows_each_measure_in_plain_words(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    case = CaseTip.objects.get(tip=tip).case
    supervisor = cast["lima_supervisor"]
    decision = _decide(case, supervisor, granted=True)
    today = timezone.localdate()
    until = today + datetime.timedelta(days=180)
    ProtectionMeasure.objects.create(
        case=case, decision=decision, kind=MeasureKind.IDENTITY_RESERVED, granted_by=supervisor, granted_on=today
    )
    ProtectionMeasure.objects.create(
        case=case,
        decision=decision,
        kind=MeasureKind.DUTIES_CHANGED,
        granted_by=supervisor,
        granted_on=today,
        until=until,
    )

    page = open_followup(code).get(FOLLOWUP).content.decode()

    assert f"On {shown(today)} internal affairs granted you protection." in page
    assert "Change of shifts or duties" in page
    assert str(MEASURE_EXPLANATIONS[MeasureKind.DUTIES_CHANGED]) in page
    assert f"Until {shown(until)}." in page
    assert "Identity kept reserved" in page
    assert "Until your case is closed and followed up." in page


def test_a_refusal_is_said_plainly_and_protection_can_be_asked_again(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    _decide(CaseTip.objects.get(tip=tip).case, cast["lima_supervisor"], granted=False)

    page = open_followup(code).get(FOLLOWUP).content.decode()

    assert "internal affairs decided not to grant protection measures" in page
    assert "Ask for protection again" in page
