"""What each role may do is answered by accounts.permissions, one predicate per capability."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts import permissions
from accounts.models import Role, StaffMember

PREDICATES: dict[Callable[[StaffMember], bool], set[str]] = {
    permissions.can_read_tips: {Role.INVESTIGATOR, Role.SUPERVISOR},
    permissions.can_enter_phone_tips: {Role.OPERATOR},
    permissions.is_supervisor: {Role.SUPERVISOR},
    permissions.is_manager: {Role.MANAGER},
    permissions.is_administrator: {Role.ADMINISTRATOR},
    permissions.is_auditor: {Role.AUDITOR},
}


@pytest.mark.parametrize("predicate", PREDICATES, ids=lambda predicate: predicate.__name__)
def test_each_predicate_holds_for_its_roles_only(predicate: Callable[[StaffMember], bool]) -> None:
    assert {role for role in Role if predicate(StaffMember(role=role))} == PREDICATES[predicate]


def test_the_members_can_read_tips_is_the_predicate() -> None:
    assert all(
        StaffMember(role=role).can_read_tips == permissions.can_read_tips(StaffMember(role=role)) for role in Role
    )
