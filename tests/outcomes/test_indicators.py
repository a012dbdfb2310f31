"""The ISO 37002 indicators on a small hand-made set whose answers are known."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import StaffMember
from cases.models import Case
from cases.statuses import CaseStatus
from org.models import Facility, Unit
from outcomes import selectors
from outcomes.models import Proceeding, Sanction
from tests.factories import submit_tip
from tipline.models import Category, Message, SmugglingChannel, Tip

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 1)
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
TODAY = datetime.date(2026, 12, 4)


def day(n: int) -> datetime.date:
    return JAN + datetime.timedelta(days=n)


def make_case(facility: Facility, *, ack: int | None, closed: int | None, status: str, **tip: str) -> Case:
    made, _receipt = submit_tip(facility=facility, **tip)
    case = made.case_link.case
    Tip.objects.filter(pk=made.pk).update(received_on=JAN)
    Case.objects.filter(pk=case.pk).update(
        received_on=JAN,
        acknowledge_due=day(7),
        acknowledged_on=day(ack) if ack is not None else None,
        closed_on=day(closed) if closed is not None else None,
        status=status,
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def known(cast: dict[str, StaffMember], facilities: dict[str, Facility], units: dict[str, Unit]) -> dict[str, Case]:
    lima = facilities["lurigancho"]
    phones = {"category": Category.PHONES, "smuggling_channel": SmugglingChannel.VISITORS}
    drugs = {"category": Category.DRUGS_WEAPONS, "smuggling_channel": SmugglingChannel.STAFF}
    cases = {
        "a": make_case(lima, ack=2, closed=20, status=CaseStatus.SUBSTANTIATED, **phones),
        "b": make_case(lima, ack=10, closed=30, status=CaseStatus.UNSUBSTANTIATED, **phones),
        "c": make_case(lima, ack=4, closed=40, status=CaseStatus.SUBSTANTIATED, **drugs),
        "d": make_case(lima, ack=None, closed=None, status=CaseStatus.RECEIVED, **phones),
        # Another unit's case, acknowledged and closed in a way that would change every answer.
        "norte": make_case(facilities["trujillo"], ack=60, closed=90, status=CaseStatus.SUBSTANTIATED, **phones),
    }
    for case, sanction in ((cases["a"], Sanction.WRITTEN_WARNING), (cases["c"], Sanction.DISMISSED)):
        Proceeding.objects.create(
            case=case, reference="PAD", opened_on=day(21), sanction=sanction, sanctioned_on=day(50)
        )
    for name, author in (("a", Message.Author.WHISTLEBLOWER), ("b", Message.Author.STAFF)):
        tip = Tip.objects.get(case_link__case=cases[name])
        Message.objects.create(tip=tip, author_kind=author, body_ct=b"x", created_on=day(3))
    return cases


def lima_ids(units: dict[str, Unit]) -> set[int]:
    return {units["lima"].pk}


def test_days_to_acknowledge_and_to_close(known: dict[str, Case], units: dict[str, Unit]) -> None:
    ack = selectors.days_to_acknowledge(unit_ids=lima_ids(units), start=START, end=END)
    assert (ack.count, ack.median, ack.p90) == (3, 4, pytest.approx(8.8))
    close = selectors.days_to_close(unit_ids=lima_ids(units), start=START, end=END)
    assert (close.count, close.median, close.p90) == (3, 30, pytest.approx(38))


def test_share_acknowledged_late(known: dict[str, Case], units: dict[str, Unit]) -> None:
    late = selectors.acknowledged_late(unit_ids=lima_ids(units), start=START, end=END, today=TODAY)
    assert (late.numerator, late.denominator, late.rate) == (2, 4, 0.5)


def test_substantiation_rate_by_channel_and_by_category(known: dict[str, Case], units: dict[str, Unit]) -> None:
    by_channel = selectors.substantiation_rate(unit_ids=lima_ids(units), start=START, end=END, by="smuggling_channel")
    assert {k: (s.numerator, s.denominator) for k, s in by_channel.shares.items()} == {
        "visitors": (1, 2),
        "staff": (1, 1),
    }
    by_category = selectors.substantiation_rate(unit_ids=lima_ids(units), start=START, end=END, by="category")
    assert {k: (s.numerator, s.denominator) for k, s in by_category.shares.items()} == {
        "phones": (1, 2),
        "drugs_weapons": (1, 1),
    }


def test_sanctions_per_substantiated_case(known: dict[str, Case], units: dict[str, Unit]) -> None:
    ratio = selectors.sanctions_per_substantiated_case(unit_ids=lima_ids(units), start=START, end=END)
    assert (ratio.numerator, ratio.denominator) == (1, 2)


def test_whistleblowers_who_came_back(known: dict[str, Case], units: dict[str, Unit]) -> None:
    back = selectors.whistleblowers_who_came_back(unit_ids=lima_ids(units), start=START, end=END)
    assert (back.numerator, back.denominator) == (1, 4)


def test_nothing_to_count_gives_none_not_zero(cast: dict[str, StaffMember], units: dict[str, Unit]) -> None:
    assert selectors.days_to_close(unit_ids=lima_ids(units), start=START, end=END).median is None
    assert selectors.acknowledged_late(unit_ids=lima_ids(units), start=START, end=END).rate is None
