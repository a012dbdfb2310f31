"""What each staff role may do (DESIGN.md section 2), in one place.

These are predicates on the member's role alone. Whether a member may work one
case (their unit, a recusal, the assignee) is decided in cases/permissions.py,
which builds on these.
"""

from __future__ import annotations

from accounts.models import TIP_READING_ROLES, Role, StaffMember


def can_read_tips(member: StaffMember) -> bool:
    """Return whether the member's role reads the tips of the units they belong to (investigator, supervisor)."""
    return member.role in TIP_READING_ROLES


def can_enter_phone_tips(member: StaffMember) -> bool:
    """Return whether the member takes tips by phone for callers (hotline operator)."""
    return member.role == Role.OPERATOR


def is_supervisor(member: StaffMember) -> bool:
    """Return whether the member supervises their units: assigns, transfers, manages members and keys."""
    return member.role == Role.SUPERVISOR


def is_manager(member: StaffMember) -> bool:
    """Return whether the member sees the trends of the whole country (and no tip)."""
    return member.role == Role.MANAGER


def is_administrator(member: StaffMember) -> bool:
    """Return whether the member manages the organisation and the staff accounts (and holds no key)."""
    return member.role == Role.ADMINISTRATOR


def is_auditor(member: StaffMember) -> bool:
    """Return whether the member reads and verifies the audit log (and no tip)."""
    return member.role == Role.AUDITOR


def is_custodian(member: StaffMember) -> bool:
    """Return whether the member decides disclosures of reserved identities (and reads no tip)."""
    return member.role == Role.CUSTODIAN


def sees_trends(member: StaffMember) -> bool:
    """Return whether the member sees trends: a manager the whole country's, a supervisor their units'."""
    return is_manager(member) or is_supervisor(member)
