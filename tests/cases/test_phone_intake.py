"""The hotline operator enters a caller's tip, reads the code back, and cannot open it afterwards."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.keys import staff_member_create
from accounts.models import Role, StaffMember
from org.models import Facility
from tests.conftest import PASSWORD, staff_client
from tipline.models import IntakeChannel, Tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(cast: dict[str, StaffMember]) -> StaffMember:
    user = get_user_model().objects.create_user(username="operadora", password=PASSWORD)
    return staff_member_create(user=user, role=Role.OPERATOR, password=PASSWORD)


def test_operator_enters_a_phone_tip_and_reads_the_code(operator: StaffMember, facilities: dict[str, Facility]) -> None:
    client = staff_client("operadora")
    assert client.get("/staff/").status_code == 302  # the operator's home is the phone form
    response = client.post(
        "/staff/phone/",
        {
            "facility": facilities["lurigancho"].pk,
            "category": "bribery",
            "smuggling_channel": "staff",
            "when_period": "this_week",
            "description": "Llamada: un agente cobra cupos en la puerta 2.",
            "staff_involved": "no",
        },
    )
    assert response.status_code == 200
    receipt = re.search(r'id="receipt">(\d{4} \d{4} \d{4} \d{4})<', response.content.decode())
    assert receipt
    tip = Tip.objects.get()
    assert tip.intake_channel == IntakeChannel.PHONE
    assert client.get(f"/staff/cases/{tip.case_link.case.public_id}/").status_code == 404
    assert client.get(f"/staff/tips/{tip.public_id}/").status_code == 404
    # The caller can follow up with the code like anyone else.
    public = Client()
    assert public.post("/followup/", {"receipt": receipt.group(1)}).status_code == 302
    assert "cobra cupos" in public.get("/followup/").content.decode()


def test_other_roles_do_not_get_the_phone_form(cast: dict[str, StaffMember]) -> None:
    assert staff_client("lima_investigator").get("/staff/phone/").status_code == 404
