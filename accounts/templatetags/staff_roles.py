"""The role predicates of accounts/permissions.py as template filters, for the staff navigation.

`{% if user.staff|can_read_tips %}`: a page never compares role names itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django import template

from accounts import permissions
from accounts.models import StaffMember

register = template.Library()


def _filter(predicate: Callable[[StaffMember], bool]) -> None:
    def check(member: object) -> bool:
        # Anyone without a staff account (the template reads "" for them) may do none of it.
        return isinstance(member, StaffMember) and predicate(member)

    register.filter(predicate.__name__, check)


for _predicate in (
    permissions.can_read_tips,
    permissions.can_enter_phone_tips,
    permissions.is_supervisor,
    permissions.sees_trends,
    permissions.is_administrator,
    permissions.is_auditor,
    permissions.is_custodian,
):
    _filter(_predicate)
