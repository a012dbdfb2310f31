"""Background tasks of protection: the nightly repair of the check-ins after closure.

A case's closure schedules its check-ins at once (cases.services.on_case_close); this
task schedules those that a closure could not (cases closed before the check-ins
existed, or written by the synthetic generator), so every protected whistleblower is
asked. Idempotent (one check-in per tip, moment and day); the name is stable.
"""

from __future__ import annotations

from celery import shared_task
from django.db.models import Q

from cases.models import Case
from protection.models import CheckIn
from protection.services import check_ins_after_closure


@shared_task(name="protection.schedule_closure_check_ins", time_limit=300, soft_time_limit=240)
def schedule_closure_check_ins() -> int:
    """Schedule the missing check-ins of every closed case with a protection request; return how many are new."""
    cases = (
        Case.objects.filter(closed_on__isnull=False, erased_on__isnull=True)
        .filter(Q(protection_due__isnull=False) | Q(protection_decisions__isnull=False))
        .exclude(check_ins__after=CheckIn.After.CLOSURE)
        .distinct()
        .order_by("pk")
    )
    return sum(check_ins_after_closure(case=case) for case in cases.iterator())
