"""A protection request is decided within working days counted with Peru's holidays, and the case page says so.

Every expected date was counted by hand on a 2026 calendar.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from django.utils import formats, translation

from accounts.models import StaffMember
from cases.models import Case
from org.models import Facility
from protection.services import protection_decide
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.protection.conftest import D, vault_of

pytestmark = pytest.mark.django_db


def protection_due_on_page(case: Case) -> str:
    page = staff_client("lima_supervisor").get(f"/staff/cases/{case.public_id}/").content.decode()
    match = re.search(r'id="protection-due">(.*?)</dd>', page, re.S)
    assert match, "the case page shows no protection deadline"
    return re.sub(r"<[^>]+>", "", match.group(1))


def short(day: datetime.date) -> str:
    with translation.override("es"):
        return str(formats.date_format(day, "SHORT_DATE_FORMAT"))


def test_fifteen_working_days_skip_the_fiestas_patrias_and_the_battle_of_junin(protected_case: Case) -> None:
    # From Fri 24 July: Mon 27 (1); 28 and 29 July are the Fiestas Patrias; Thu 30 .. Fri 31 (3);
    # Mon 3 .. Wed 5 Aug (6); Thu 6 Aug is the Battle of Junín; Fri 7 (7); 10 .. 14 (12); 17 .. 19 (15).
    assert protected_case.protection_due == D(2026, 8, 19)
    assert short(D(2026, 8, 19)) in protection_due_on_page(protected_case)


def test_fifteen_working_days_skip_the_december_holidays(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], set_today: Callable[[datetime.date], None]
) -> None:
    set_today(D(2026, 12, 4))
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    case = tip.case_link.case
    # From Fri 4 Dec: Mon 7 (1); 8 and 9 Dec are holidays; Thu 10 .. Fri 11 (3); 14 .. 18 (8);
    # 21 .. 24 (12); Christmas; Mon 28 .. Wed 30 (15).
    assert case.protection_due == D(2026, 12, 30)
    assert short(D(2026, 12, 30)) in protection_due_on_page(case)


def test_a_decision_on_the_last_working_day_meets_the_deadline(
    protected_case: Case, cast: dict[str, StaffMember], set_today: Callable[[datetime.date], None]
) -> None:
    set_today(D(2026, 8, 19))
    supervisor = cast["lima_supervisor"]
    decision = protection_decide(
        case=protected_case, actor=supervisor, granted=False, measures=[], message="", vault=vault_of(supervisor)
    )

    assert decision.on_time and decision.due_on == D(2026, 8, 19)
    shown = protection_due_on_page(protected_case)
    with translation.override("es"):
        assert translation.gettext("met") in shown and "late" not in shown


def test_a_decision_after_the_deadline_is_shown_as_late(
    protected_case: Case, cast: dict[str, StaffMember], set_today: Callable[[datetime.date], None]
) -> None:
    set_today(D(2026, 8, 21))
    supervisor = cast["lima_supervisor"]
    decision = protection_decide(
        case=protected_case, actor=supervisor, granted=False, measures=[], message="", vault=vault_of(supervisor)
    )

    assert not decision.on_time
    page = staff_client("lima_supervisor").get(f"/staff/cases/{protected_case.public_id}/").content.decode()
    decisions = re.search(r'id="protection-decisions">(.*?)</table>', page, re.S)
    assert decisions and 'class="text-danger"' in decisions.group(1)
