"""Check-ins with the whistleblower 30, 60 and 90 days after a protection decision and after the case's closure."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest

from accounts.models import StaffMember
from cases.models import Case
from cases.services import case_transition
from cases.statuses import CaseStatus
from org.models import Facility
from protection.models import CheckIn, MeasureKind
from protection.services import check_ins_after_closure, protection_decide
from protection.tasks import schedule_closure_check_ins
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.protection.conftest import D, vault_of
from tipline.models import Tip

pytestmark = pytest.mark.django_db


def check_ins(case: Case, after: str) -> list[tuple[int, datetime.date]]:
    return list(CheckIn.objects.filter(case=case, after=after).order_by("days").values_list("days", "due_on"))


def close(case: Case, member: StaffMember) -> Case:
    return case_transition(
        case=case, to=CaseStatus.NOT_ACTIONABLE, actor=member, reason="Sin elementos.", vault=vault_of(member)
    )


def test_a_decision_schedules_check_ins_at_30_60_and_90_days(
    protected_case: Case, cast: dict[str, StaffMember], set_today: Callable[[datetime.date], None]
) -> None:
    set_today(D(2026, 8, 3))
    supervisor = cast["lima_supervisor"]
    protection_decide(
        case=protected_case,
        actor=supervisor,
        granted=True,
        measures=[(MeasureKind.POST_KEPT, None)],
        message="",
        vault=vault_of(supervisor),
    )

    assert check_ins(protected_case, CheckIn.After.DECISION) == [
        (30, D(2026, 9, 2)),
        (60, D(2026, 10, 2)),
        (90, D(2026, 11, 1)),
    ]
    page = staff_client("lima_supervisor").get(f"/staff/cases/{protected_case.public_id}/").content.decode()
    table = re.search(r'id="protection-check-ins">(.*?)</table>', page, re.S)
    assert table and table.group(1).count("<tr>") == 4  # the header and three check-ins


def test_closing_a_protected_case_schedules_check_ins_once(protected_case: Case, cast: dict[str, StaffMember]) -> None:
    case = close(protected_case, cast["lima_supervisor"])

    assert case.closed_on is not None
    expected = [(days, case.closed_on + datetime.timedelta(days=days)) for days in (30, 60, 90)]
    assert check_ins(case, CheckIn.After.CLOSURE) == expected
    # The hook, or the nightly repair, run again: nothing twice.
    assert check_ins_after_closure(case=case) == 0
    assert schedule_closure_check_ins() == 0
    assert check_ins(case, CheckIn.After.CLOSURE) == expected


def test_closing_a_case_without_protection_asks_nobody(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"])

    close(tip.case_link.case, cast["lima_supervisor"])

    assert not CheckIn.objects.exists()


def test_the_nightly_task_schedules_what_a_closure_missed(protected_tip: Tip, protected_case: Case) -> None:
    Case.objects.filter(pk=protected_case.pk).update(status=CaseStatus.NOT_ACTIONABLE, closed_on=D(2026, 9, 1))

    assert schedule_closure_check_ins() == 3
    assert {row.tip_id for row in CheckIn.objects.all()} == {protected_tip.pk}
    assert schedule_closure_check_ins() == 0
