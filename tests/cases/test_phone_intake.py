"""The hotline operator enters a caller's tip, reads the code back, and cannot open it afterwards."""

from __future__ import annotations

import re

import pytest
from django.conf import LazySettings
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.keys import staff_member_create
from accounts.models import Role, StaffMember
from audit.models import AuditAction, AuditEvent
from org.models import Facility
from tests.conftest import PASSWORD, staff_client
from tests.factories import use_fake_clock
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


def phone_tip(facilities: dict[str, Facility], description: str) -> dict[str, object]:
    return {
        "facility": facilities["trujillo"].pk,
        "category": "bribery",
        "smuggling_channel": "staff",
        "when_period": "this_week",
        "description": description,
        "staff_involved": "no",
    }


def test_an_operator_enters_at_most_the_hourly_limit_and_the_refused_tip_comes_back_filled(
    operator: StaffMember,
    facilities: dict[str, Facility],
    settings: LazySettings,
    monkeypatch: pytest.MonkeyPatch,
    fresh_cache: None,
) -> None:
    settings.TIPLINE_PHONE_TIPS_PER_HOUR = 2
    clock = use_fake_clock(monkeypatch)
    client = staff_client("operadora")
    for n in range(2):
        assert client.post("/staff/phone/", phone_tip(facilities, f"Llamada {n}.")).status_code == 200
    description = "Llamada 3: el jefe de turno vende celulares en el pabellón B."
    response = client.post("/staff/phone/", phone_tip(facilities, description))
    assert response.status_code == 429
    html = response.content.decode()
    # The staff side speaks Spanish.
    assert "como máximo 2 denuncias por teléfono en una hora" in html
    assert "Esta denuncia no se guardó" in html
    assert re.search(rf"<textarea[^>]*>\s*{description}</textarea>", html)
    assert re.search(rf'<option value="{facilities["trujillo"].pk}" selected>', html)
    assert 'id="receipt"' not in html
    assert Tip.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.PHONE_TIP_ENTERED).count() == 2

    # Another operator is not affected.
    other = get_user_model().objects.create_user(username="operador2", password=PASSWORD)
    staff_member_create(user=other, role=Role.OPERATOR, password=PASSWORD)
    assert staff_client("operador2").post("/staff/phone/", phone_tip(facilities, "Otra.")).status_code == 200

    # An hour later the same operator can send the kept tip.
    clock.advance(61 * 60)
    response = staff_client("operadora").post("/staff/phone/", phone_tip(facilities, description))
    assert response.status_code == 200
    assert 'id="receipt"' in response.content.decode()
    assert Tip.objects.count() == 4
