"""Reads of the staff side of protection: what the case page's protection section shows.

Only clear metadata: whether protection was asked for, its working-day deadline, the
decisions, the measures (which, by whom, from and until when), the check-ins and their
answers, and the cases of retaliation linked to this one. Nothing here needs a key.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, DeadlineState
from protection.models import CheckIn, ProtectionDecision, ProtectionMeasure
from tipline.models import Tip


@dataclass(frozen=True)
class LinkedCase:
    """A case at the other end of a retaliation link: its public id, its unit and its status (clear metadata)."""

    public_id: uuid.UUID
    unit_name: str
    status: str


@dataclass(frozen=True)
class CaseProtection:
    """The protection section of one case."""

    requested: bool
    deadline: DeadlineState | None
    pending: bool
    decisions: list[ProtectionDecision]
    measures: list[ProtectionMeasure]
    check_ins: list[CheckIn]
    # This case is a report of retaliation for these cases...
    retaliation_for: list[LinkedCase]
    # ...and retaliation for this case was reported in these.
    retaliation_reports: list[LinkedCase]


def _linked(case: Case | None) -> LinkedCase | None:
    if case is None:
        return None
    return LinkedCase(public_id=case.public_id, unit_name=case.unit.name, status=str(case.get_status_display()))


def protection_pending(case: Case) -> bool:
    """Return whether the case has a protection request that no decision answered yet."""
    return case.protection_due is not None and case.protection_decided_on is None


def case_protection(*, case: Case, day: datetime.date | None = None) -> CaseProtection:
    """Return what the case page shows of the case's protection, as of `day` (default today)."""
    day = day or timezone.localdate()
    deadline = None
    if case.protection_due is not None:
        deadline = DeadlineState(
            label=_("Protection decision"),
            due=case.protection_due,
            met_on=case.protection_decided_on,
            is_overdue=case.protection_decided_on is None and case.closed_on is None and case.protection_due < day,
        )
    tips = Tip.objects.filter(case_link__case=case)
    originals = (
        Tip.objects.filter(retaliation_reports__in=tips)
        .select_related("case_link__case__unit")
        .distinct()
        .order_by("pk")
    )
    reports = Tip.objects.filter(retaliation_for__in=tips).select_related("case_link__case__unit").order_by("pk")
    decisions = list(case.protection_decisions.select_related("decided_by__user"))
    return CaseProtection(
        requested=case.protection_due is not None or tips.filter(protection_requested=True).exists(),
        deadline=deadline,
        pending=protection_pending(case),
        decisions=decisions,
        measures=list(case.protection_measures.select_related("granted_by__user", "ended_by__user")),
        check_ins=list(case.check_ins.all()),
        retaliation_for=[linked for tip in originals if (linked := _linked(_case_of(tip))) is not None],
        retaliation_reports=[linked for tip in reports if (linked := _linked(_case_of(tip))) is not None],
    )


def _case_of(tip: Tip) -> Case | None:
    link = getattr(tip, "case_link", None)
    return link.case if link is not None else None


def measure_of_case(*, case: Case, public_id: uuid.UUID) -> ProtectionMeasure | None:
    """Return the case's measure with this public id, or None."""
    return case.protection_measures.select_related("case").filter(public_id=public_id).first()
