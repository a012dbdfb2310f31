"""An outcome, a proceeding or a referral file and its audit entry exist together or not at all."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from cases.models import CaseEvent
from outcomes import services
from outcomes.models import PersonConcerned, Proceeding, ReferralExport
from tests.outcomes.conftest import LimaCase, investigating

pytestmark = pytest.mark.django_db


class AuditDown(Exception):
    pass


@pytest.fixture
def audit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**kwargs: Any) -> None:
        raise AuditDown

    monkeypatch.setattr(services, "audit_record", refuse)


def test_no_person_without_its_audit_entry(lima: LimaCase, audit_fails: None) -> None:
    with pytest.raises(AuditDown):
        services.person_add(case=lima.case, role="staff", name="X", details="", actor=lima.supervisor, vault=lima.vault)
    assert not PersonConcerned.objects.exists()
    assert not lima.case.events.filter(kind=CaseEvent.Kind.PERSON_ADDED).exists()


def test_no_proceeding_without_its_audit_entry(lima: LimaCase, audit_fails: None) -> None:
    case = investigating(lima)
    with pytest.raises(AuditDown):
        services.proceeding_open(
            case=case, person=None, reference="PAD-1", opened_on=datetime.date.today(), actor=lima.supervisor
        )
    assert not Proceeding.objects.exists()


def test_no_referral_file_record_without_its_audit_entry(lima: LimaCase, audit_fails: None) -> None:
    with pytest.raises(AuditDown):
        services.referral_file_make(case=lima.case, included=set(), actor=lima.supervisor, vault=lima.vault)
    assert not ReferralExport.objects.exists()
    assert not lima.case.events.filter(kind=CaseEvent.Kind.REFERRAL_FILE_MADE).exists()
