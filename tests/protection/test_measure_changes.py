"""A supervisor ends or extends a granted measure; the case page shows it, the timeline and audit log record it."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import Case, CaseEvent
from cases.permissions import CaseActionRefused
from protection.models import MeasureKind, ProtectionMeasure
from protection.services import protection_decide, protection_measure_end, protection_measure_extend
from tests.conftest import staff_client
from tests.protection.conftest import D, vault_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def measures(
    protected_case: Case, cast: dict[str, StaffMember], set_today: Callable[[datetime.date], None]
) -> dict[str, ProtectionMeasure]:
    set_today(D(2026, 8, 3))
    supervisor = cast["lima_supervisor"]
    protection_decide(
        case=protected_case,
        actor=supervisor,
        granted=True,
        measures=[(MeasureKind.TEMPORARY_TRANSFER, D(2026, 10, 31)), (MeasureKind.LEGAL_ASSISTANCE, None)],
        message="",
        vault=vault_of(supervisor),
    )
    return {m.kind: m for m in ProtectionMeasure.objects.select_related("case")}


def test_a_measure_is_extended_then_ended(
    measures: dict[str, ProtectionMeasure], cast: dict[str, StaffMember], set_today: Callable[[datetime.date], None]
) -> None:
    supervisor = cast["lima_supervisor"]
    transfer = measures[MeasureKind.TEMPORARY_TRANSFER]

    set_today(D(2026, 10, 1))
    protection_measure_extend(measure=transfer, actor=supervisor, until=D(2026, 12, 31))
    protection_measure_end(measure=transfer, actor=supervisor, on=D(2026, 10, 1))

    transfer.refresh_from_db()
    assert transfer.until == D(2026, 12, 31)
    assert transfer.ended_on == D(2026, 10, 1) and transfer.ended_by == supervisor
    changes = AuditEvent.objects.filter(action=AuditAction.PROTECTION_MEASURE_CHANGED)
    assert [entry.details["change"] for entry in changes.order_by("pk")] == ["extended", "ended"]
    assert transfer.case.events.filter(kind=CaseEvent.Kind.PROTECTION_MEASURE).count() == 4
    page = staff_client("lima_supervisor").get(f"/staff/cases/{transfer.case.public_id}/").content.decode()
    table = re.search(r'id="protection-measures">(.*?)</table>', page, re.S)
    assert table and "lima_supervisor" in table.group(1)


def test_an_ended_measure_cannot_change_and_an_open_ended_one_is_not_extended(
    measures: dict[str, ProtectionMeasure], cast: dict[str, StaffMember]
) -> None:
    supervisor = cast["lima_supervisor"]
    transfer = measures[MeasureKind.TEMPORARY_TRANSFER]
    protection_measure_end(measure=transfer, actor=supervisor, on=D(2026, 8, 3))

    with pytest.raises(CaseActionRefused):
        protection_measure_extend(measure=transfer, actor=supervisor, until=D(2027, 1, 31))
    with pytest.raises(CaseActionRefused):
        protection_measure_extend(
            measure=measures[MeasureKind.LEGAL_ASSISTANCE], actor=supervisor, until=D(2027, 1, 31)
        )


def test_the_investigator_cannot_end_a_measure(
    measures: dict[str, ProtectionMeasure], cast: dict[str, StaffMember]
) -> None:
    legal = measures[MeasureKind.LEGAL_ASSISTANCE]

    with pytest.raises(CaseActionRefused):
        protection_measure_end(measure=legal, actor=cast["lima_investigator"], on=D(2026, 8, 3))

    legal.refresh_from_db()
    assert legal.ended_on is None


def test_the_supervisor_ends_a_measure_from_the_case_page(measures: dict[str, ProtectionMeasure]) -> None:
    legal = measures[MeasureKind.LEGAL_ASSISTANCE]

    response = staff_client("lima_supervisor").post(
        f"/staff/protection/cases/{legal.case.public_id}/measure-end/",
        {"measure_end-measure": str(legal.public_id), "measure_end-on": "2026-08-03"},
    )

    assert response.status_code == 302
    legal.refresh_from_db()
    assert legal.ended_on == D(2026, 8, 3)
