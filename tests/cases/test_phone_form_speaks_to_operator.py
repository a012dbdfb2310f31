"""The operator's phone form asks the operator about the caller; it does not speak to a whistleblower."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts.keys import staff_member_create
from accounts.models import Role, StaffMember
from tests.conftest import PASSWORD, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(cast: dict[str, StaffMember]) -> StaffMember:
    user = get_user_model().objects.create_user(username="operator", password=PASSWORD)
    return staff_member_create(user=user, role=Role.OPERATOR, password=PASSWORD)


def test_the_spanish_form_asks_about_the_caller(operator: StaffMember) -> None:
    page = staff_client("operator").get("/staff/phone/").content.decode()
    assert "¿Qué informó la persona que llamó?" in page
    assert "¿La persona que llamó pidió protección?" in page
    # The whistleblower's own wording is not on the operator's page.
    assert "¿Qué pasó?" not in page
    assert "Necesito protección" not in page
    assert "tu nombre" not in page.lower()


def test_the_english_form_too(operator: StaffMember) -> None:
    client = staff_client("operator")
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    page = client.get("/staff/phone/").content.decode()
    assert "What did the caller report?" in page
    assert "Did the caller ask for protection?" in page
    assert "I need protection because I am reporting this" not in page
