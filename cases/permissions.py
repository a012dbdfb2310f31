"""Who may do what to a case (DESIGN.md section 2), in one place."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Membership, StaffMember
from accounts.permissions import can_read_tips, is_supervisor
from cases.models import Case, Recusal


class CaseActionRefused(Exception):
    """Raised when the actor may not do this, or the case is not in a state that allows it."""


def can_work(member: StaffMember, case: Case) -> bool:
    """Return whether the member reads and works this case: a reading role in its unit, not recused."""
    return (
        can_read_tips(member)
        and Membership.objects.filter(member=member, unit_id=case.unit_id).exists()
        and not Recusal.objects.filter(case=case, member=member).exists()
    )


def can_supervise(member: StaffMember, case: Case) -> bool:
    """Return whether the member supervises this case: assign, transfer, recuse, decide protection."""
    return is_supervisor(member) and can_work(member, case)


def can_close(member: StaffMember, case: Case) -> bool:
    """Return whether the member may close the case: its supervisor or its assignee."""
    return can_supervise(member, case) or (case.assignee_id == member.pk and can_work(member, case))


def require_work(member: StaffMember, case: Case) -> None:
    if not can_work(member, case):
        raise CaseActionRefused(_("You cannot work this case."))


def require_supervise(member: StaffMember, case: Case) -> None:
    if not can_supervise(member, case):
        raise CaseActionRefused(_("Only the unit's supervisor can do this."))


def require_close(member: StaffMember, case: Case) -> None:
    if not can_close(member, case):
        raise CaseActionRefused(_("Only the supervisor or the assigned investigator can close this case."))
