"""Old closed cases for the retention dry run (`manage.py retention`), invented and marked DEMO.

Four reports of E.P. Ancón I closed years ago through the services staff use, then
dated back: one not actionable and one unsubstantiated, both past their schedule; one
substantiated whose disciplinary proceeding ended more than five years ago; and one
not actionable that a legal hold keeps. Every unit gets its retention schedule row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.models import Case
from cases.services import case_transition
from cases.statuses import CaseStatus
from org.models import Facility, Unit
from outcomes.models import Proceeding, ProceedingStage
from outcomes.services import proceeding_open
from retention.models import RetentionSchedule
from retention.services import legal_hold_place
from tipline.models import Category, SmugglingChannel, StaffInvolved, Tip, WhenPeriod
from tipline.services import TipSubmission, tip_submit

FACILITY = "E.P. Ancón I (ilustrativo)"
# (status, days ago it was closed, what the report said, why it was closed)
OLD_CASES = [
    (
        CaseStatus.NOT_ACTIONABLE,
        500,
        "DEMO (inventado, antiguo): dicen que en el pabellón 2 se esconden celulares, sin más datos.",
        "DEMO: sin datos para investigar.",
    ),
    (
        CaseStatus.UNSUBSTANTIATED,
        800,
        "DEMO (inventado, antiguo): un agente cobraría por las visitas del domingo.",
        "DEMO: las visitas se revisaron y no se halló cobro alguno.",
    ),
    (
        CaseStatus.SUBSTANTIATED,
        2300,
        "DEMO (inventado, antiguo): ingresan chips por la cocina en los envases de comida.",
        "DEMO: se hallaron chips en la cocina; proceso disciplinario al responsable.",
    ),
    (
        CaseStatus.NOT_ACTIONABLE,
        600,
        "DEMO (inventado, antiguo): amenazas a un interno del pabellón 4, sin fecha ni nombres.",
        "DEMO: sin datos para investigar.",
    ),
]
HOLD_REASON = "DEMO (inventado): la Fiscalía pidió conservar el caso mientras dure su investigación."


def _close(case: Case, status: str, reason: str, actor: StaffMember, vault: dict[str, bytes]) -> Case:
    if status != CaseStatus.NOT_ACTIONABLE:
        case = case_transition(case=case, to=CaseStatus.TRIAGE, actor=actor, vault=vault)
        case = case_transition(case=case, to=CaseStatus.INVESTIGATING, actor=actor, vault=vault)
    return case_transition(case=case, to=status, actor=actor, reason=reason, vault=vault)


def demo_retention_load(*, backdate: Callable[[Case, int], Case]) -> list[Case]:
    """Create the retention schedules and the old closed cases; return the cases (the last one held)."""
    for unit in Unit.objects.all():
        RetentionSchedule.objects.get_or_create(unit=unit)
    today = timezone.localdate()
    supervisor = StaffMember.objects.get(user__username="supervisor")
    vault = staff_unlock_keys(member=supervisor, password=settings.TIPLINE_DEMO_PASSWORD)
    facility = Facility.objects.get(name=FACILITY)
    cases = []
    for status, closed_days_ago, text, reason in OLD_CASES:
        tip, _receipt = tip_submit(
            submission=TipSubmission(
                facility=facility,
                category=Category.PHONES,
                smuggling_channel=SmugglingChannel.SUPPLIERS,
                staff_involved=StaffInvolved.NO,
                when_period=WhenPeriod.THIS_MONTH,
                occurred_on=None,
                description=text,
                contact="",
            )
        )
        case = backdate(tip.case_link.case, closed_days_ago + 60)
        case = _close(case, status, reason, supervisor, vault)
        closed_on = today - datetime.timedelta(days=closed_days_ago)
        if status == CaseStatus.SUBSTANTIATED:
            proceeding = proceeding_open(
                case=case, person=None, reference="DEMO-PAD-2019-001", opened_on=today, actor=supervisor
            )
            Proceeding.objects.filter(pk=proceeding.pk).update(
                stage=ProceedingStage.CONCLUDED,
                opened_on=closed_on,
                concluded_on=closed_on + datetime.timedelta(days=200),
            )
        Case.objects.filter(pk=case.pk).update(closed_on=closed_on)
        Tip.objects.filter(case_link__case=case).update(status=status)
        cases.append(case)
    legal_hold_place(case=cases[-1], actor=supervisor, reason=HOLD_REASON, vault=vault)
    return cases
