"""A Lima case with a tip, and the helpers the investigation's tests share."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.models import Case
from org.models import Facility
from tests.conftest import PASSWORD
from tests.factories import submit_tip


@pytest.fixture
def case(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Case:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Celulares en el pabellón 5.")
    return tip.case_link.case


def vault_of(member: StaffMember) -> dict[str, bytes]:
    """The keys a member's session holds after logging in."""
    return staff_unlock_keys(member=member, password=PASSWORD)


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def post(client: Client, path: str, data: dict[str, object]) -> str:
    """POST a form of the case page; follow the redirect back to it and return the page."""
    response = client.post(path, data, follow=True)
    assert response.status_code == 200
    return response.content.decode()
