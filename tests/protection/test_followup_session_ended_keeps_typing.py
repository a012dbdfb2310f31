"""If the follow-up session ended while the whistleblower wrote, or the form token failed, nothing typed is lost:
the page says what happened, keeps the text, and does what was asked once the code is entered again."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from org.models import Facility
from protection.public_forms import FORM_RETALIATION
from tests.factories import form_token, hidden_inputs, public_client, submit_tip
from tests.protection.followup import open_followup
from tipline import abuse
from tipline.models import Tip

pytestmark = pytest.mark.django_db

WHAT = "Me quitaron las horas extra desde que hice la denuncia."


def test_a_retaliation_report_written_after_the_session_ended_is_sent_after_the_code(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"])
    stranger = public_client()  # no follow-up session: it ended
    data = {abuse.TOKEN_FIELD: form_token(FORM_RETALIATION), "description": WHAT, "staff_involved": "unknown"}

    response = stranger.post("/followup/retaliation/", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="session-ended"' in html
    kept = hidden_inputs(html)
    assert kept["description"] == WHAT
    assert not Tip.objects.filter(retaliation_for=tip).exists()

    response = stranger.post("/followup/retaliation/", {**kept, "receipt": code})

    assert response.status_code == 200
    assert 'id="receipt"' in response.content.decode()
    assert Tip.objects.filter(retaliation_for=tip).count() == 1
    assert stranger.get("/followup/").content.decode().count('id="retaliation-reports"') == 1  # session kept


def test_a_failed_form_token_keeps_what_was_typed(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"])
    client = open_followup(code)
    token = form_token(FORM_RETALIATION)
    client.post("/followup/retaliation/", {abuse.TOKEN_FIELD: token, "description": "", "staff_involved": "no"})

    response = client.post(
        "/followup/retaliation/", {abuse.TOKEN_FIELD: token, "description": WHAT, "staff_involved": "no"}
    )  # the same token again: replayed

    html = response.content.decode()
    assert response.status_code == 400
    assert "already been sent once" in html
    assert WHAT in html
    assert not Tip.objects.filter(retaliation_for=tip).exists()
