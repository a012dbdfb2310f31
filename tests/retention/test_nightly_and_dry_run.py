"""The dry run lists what would go and deletes nothing; the nightly task deletes exactly the cases due."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import StaffMember
from cases.models import Case
from cases.statuses import CaseStatus
from org.models import Facility
from retention.services import legal_hold_place
from retention.tasks import erase_due_cases
from tests.factories import submit_tip
from tests.retention.conftest import closed_case, vault_of

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 6, 1)


@pytest.fixture
def cases(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> dict[str, Case]:
    lurigancho = facilities["lurigancho"]
    held = closed_case(lurigancho, CaseStatus.NOT_ACTIONABLE, datetime.date(2026, 1, 10))
    supervisor = cast["lima_supervisor"]
    legal_hold_place(case=held, actor=supervisor, reason="Apelación en curso", vault=vault_of(supervisor))
    return {
        "due": closed_case(lurigancho, CaseStatus.NOT_ACTIONABLE, datetime.date(2026, 1, 15)),
        "not yet": closed_case(lurigancho, CaseStatus.UNSUBSTANTIATED, datetime.date(2026, 1, 15)),
        "held": held,
        "open": submit_tip(facility=lurigancho)[0].case_link.case,
    }


def test_the_dry_run_lists_what_would_go_and_deletes_nothing(cases: dict[str, Case]) -> None:
    out = StringIO()
    call_command("retention", "--today", TODAY.isoformat(), stdout=out)
    text = out.getvalue()
    assert "dry run" in text
    assert f"would go {cases['due'].public_id}" in text and "rule not_actionable" in text
    assert f"held     {cases['held'].public_id}" in text
    assert str(cases["not yet"].public_id) not in text
    assert "1 case(s) would be deleted; 1 kept by a legal hold." in text
    assert not Case.objects.filter(erased_on__isnull=False).exists()


def test_apply_deletes_the_cases_listed(cases: dict[str, Case]) -> None:
    out = StringIO()
    call_command("retention", "--apply", "--today", TODAY.isoformat(), stdout=out)
    assert "1 case(s) deleted" in out.getvalue()
    assert list(Case.objects.filter(erased_on__isnull=False)) == [cases["due"]]


def test_the_nightly_task_deletes_exactly_the_due_cases_once(cases: dict[str, Case]) -> None:
    assert erase_due_cases(TODAY.isoformat()) == 1
    assert erase_due_cases(TODAY.isoformat()) == 0  # idempotent
    assert list(Case.objects.filter(erased_on__isnull=False)) == [cases["due"]]
    assert Case.objects.get(pk=cases["held"].pk).erased_on is None
