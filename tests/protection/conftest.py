"""Shared fixtures of the protection tests: a Lima tip whose whistleblower asked for protection, on a set day."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.models import Case
from org.models import Facility
from tests.conftest import PASSWORD
from tests.factories import submit_tip
from tipline.models import Tip

D = datetime.date


@pytest.fixture
def set_today(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.date], None]:
    """Return a function that makes the intake and the protection services both live on the given day."""

    def set_day(day: datetime.date) -> None:
        monkeypatch.setattr("tipline.services.today", lambda: day)
        monkeypatch.setattr("protection.services.today", lambda: day)

    return set_day


@pytest.fixture
def protected_tip(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], set_today: Callable[[datetime.date], None]
) -> Tip:
    """A Lima tip received on Friday 24 July 2026, the eve of the Fiestas Patrias, asking for protection."""
    set_today(D(2026, 7, 24))
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    return tip


@pytest.fixture
def protected_case(protected_tip: Tip) -> Case:
    return protected_tip.case_link.case


def vault_of(member: StaffMember) -> dict[str, bytes]:
    """Return the keys a member's session would hold after logging in."""
    return staff_unlock_keys(member=member, password=PASSWORD)
