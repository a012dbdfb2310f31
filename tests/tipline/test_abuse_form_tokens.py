"""Single-use signed form tokens, the minimum fill time and the honeypot, as a whistleblower meets them.

Whatever the form refuses, the person gets it back with everything they typed and
can send it again; no refused request stores a tip or a message.
"""

from __future__ import annotations

import re

import pytest
from django.conf import LazySettings
from django.test import Client

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import (
    FakeClock,
    form_token,
    hidden_inputs,
    public_client,
    receipt_from,
    report_data,
    use_fake_clock,
)
from tipline import abuse
from tipline.models import Message, Tip

pytestmark = pytest.mark.django_db

DESCRIPTION = "El agente de la puerta 2 cobra por dejar pasar celulares."
CONTACT = "Señal: pregunten por la tía del puesto de jugos."


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: LazySettings, fresh_cache: None) -> FakeClock:
    settings.TIPLINE_FORM_MIN_FILL_SECONDS = 5
    settings.TIPLINE_FORM_TOKEN_MAX_AGE_SECONDS = 24 * 60 * 60
    return use_fake_clock(monkeypatch)


def typed_report(facility: Facility) -> dict[str, object]:
    """What a person typed into the report form (the page's hidden inputs are added by the caller)."""
    data = report_data(facility, description=DESCRIPTION, contact=CONTACT, category="bribery", when_period="date")
    data.pop(abuse.TOKEN_FIELD)
    return data


def assert_everything_typed_is_shown(html: str, facility: Facility) -> None:
    assert DESCRIPTION in html
    assert CONTACT in html
    assert re.search(rf'<option value="{facility.pk}" selected>', html), "the prison is still chosen"
    assert re.search(r'<input type="radio"[^>]*name="category" value="bribery"[^>]*checked', html)
    assert re.search(r'<option value="date" selected>', html)
    assert 'value="2026-11-01"' in html
    assert re.search(r'<input type="radio"[^>]*name="staff_involved" value="no"[^>]*checked', html)


def notice(html: str) -> str:
    match = re.search(r'id="form-notice">\s*<p[^>]*>(.*?)</p>', html, re.S)
    assert match, "no notice above the form"
    return match.group(1)


def test_a_report_sent_too_quickly_is_kept_and_goes_through_when_sent_again(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    client = public_client()
    page = client.get("/report/").content.decode()
    clock.advance(2)
    response = client.post("/report/", {**hidden_inputs(page), **typed_report(facilities["lurigancho"])})

    assert response.status_code == 400
    html = response.content.decode()
    assert "sent very quickly" in notice(html)
    assert_everything_typed_is_shown(html, facilities["lurigancho"])
    assert Tip.objects.count() == 0

    # "Wait a few seconds and send it again": the new form keeps the time the first one was opened.
    clock.advance(3)
    again = client.post("/report/", {**hidden_inputs(html), **typed_report(facilities["lurigancho"])})
    assert again.status_code == 200
    receipt_from(again.content.decode())
    assert Tip.objects.count() == 1


def test_a_report_sent_after_the_minimum_time_is_received(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    client = public_client()
    page = client.get("/report/").content.decode()
    clock.advance(5)
    response = client.post("/report/", {**hidden_inputs(page), **typed_report(facilities["lurigancho"])})
    assert response.status_code == 200
    receipt_from(response.content.decode())


def test_a_replayed_form_stores_no_second_tip(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    client = public_client()
    data = report_data(facilities["lurigancho"], description=DESCRIPTION, contact=CONTACT)
    assert client.post("/report/", data).status_code == 200

    replay = client.post("/report/", data)
    assert replay.status_code == 400
    html = replay.content.decode()
    assert "already been sent once" in notice(html)
    assert DESCRIPTION in html and CONTACT in html
    assert Tip.objects.count() == 1


def test_an_expired_form_is_kept_and_can_be_sent_again_at_once(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    client = public_client()
    page = client.get("/report/").content.decode()
    clock.advance(24 * 60 * 60 + 1)
    response = client.post("/report/", {**hidden_inputs(page), **typed_report(facilities["lurigancho"])})
    assert response.status_code == 400
    html = response.content.decode()
    assert "the form expired" in notice(html)
    assert_everything_typed_is_shown(html, facilities["lurigancho"])

    again = client.post("/report/", {**hidden_inputs(html), **typed_report(facilities["lurigancho"])})
    assert again.status_code == 200
    assert Tip.objects.count() == 1


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("forged", id="forged"),
        pytest.param("tampered", id="tampered"),
        pytest.param("reply form's", id="other-form"),
    ],
)
def test_a_missing_forged_or_foreign_token_is_refused_and_the_text_kept(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock, token: str | None
) -> None:
    data = typed_report(facilities["lurigancho"])
    if token == "forged":
        data[abuse.TOKEN_FIELD] = "eyJmIjoicmVwb3J0In0:1abcde:forgedsignature"
    elif token == "tampered":
        genuine = form_token()
        data[abuse.TOKEN_FIELD] = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")
    elif token == "reply form's":
        data[abuse.TOKEN_FIELD] = form_token(abuse.FORM_REPLY, age_seconds=60)
    elif token is not None:
        data[abuse.TOKEN_FIELD] = token
    client = public_client()
    response = client.post("/report/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "could not be checked" in notice(html)
    assert_everything_typed_is_shown(html, facilities["lurigancho"])
    assert Tip.objects.count() == 0
    assert abuse.counters_today()["form_token_refused"] == 1

    clock.advance(5)
    assert client.post("/report/", {**hidden_inputs(html), **typed_report(facilities["lurigancho"])}).status_code == 200


def test_a_filled_honeypot_stores_nothing_and_shows_the_form_again_without_a_receipt(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    client = public_client()
    page = client.get("/report/").content.decode()
    assert re.search(
        r'<input type="text" name="homepage" id="id_homepage" value="" tabindex="-1" autocomplete="off">', page
    )
    assert "Leave this field empty" in page
    clock.advance(30)
    data = {**hidden_inputs(page), **typed_report(facilities["lurigancho"]), "homepage": "http://spam.example"}
    response = client.post("/report/", data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "must stay empty" in notice(html)
    assert 'id="receipt"' not in html
    assert "http://spam.example" not in html
    assert_everything_typed_is_shown(html, facilities["lurigancho"])
    assert Tip.objects.count() == 0
    assert abuse.counters_today()["honeypot_filled"] == 1

    # A person whose browser filled it in sends again (the field is empty now) and gets a receipt at once.
    again = client.post("/report/", {**hidden_inputs(html), **typed_report(facilities["lurigancho"]), "homepage": ""})
    assert again.status_code == 200
    assert Tip.objects.count() == 1


def test_the_follow_up_forms_carry_tokens_and_a_replayed_reply_is_not_stored_twice(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    client = public_client()
    receipt = receipt_from(client.post("/report/", report_data(facilities["lurigancho"])).content.decode())
    enter = client.get("/followup/").content.decode()
    receipt_post = {**hidden_inputs(enter), "receipt": receipt}
    assert abuse.TOKEN_FIELD in receipt_post
    assert client.post("/followup/", receipt_post).status_code == 302

    thread = client.get("/followup/").content.decode()
    reply = {**hidden_inputs(thread), "action": "reply", "body": "Los domingos a las 9."}
    assert client.post("/followup/", reply).status_code == 302
    replay = client.post("/followup/", reply)
    assert replay.status_code == 400
    html = replay.content.decode()
    assert "already been sent once" in notice(html)
    assert "Los domingos a las 9." in html
    assert Message.objects.filter(author_kind=Message.Author.WHISTLEBLOWER).count() == 1


def test_a_replayed_receipt_form_keeps_the_code(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    receipt = receipt_from(public_client().post("/report/", report_data(facilities["lurigancho"])).content.decode())
    first, second = public_client(), public_client()
    receipt_post = {**hidden_inputs(first.get("/followup/").content.decode()), "receipt": receipt}
    assert first.post("/followup/", receipt_post).status_code == 302
    response = second.post("/followup/", receipt_post)
    assert response.status_code == 400
    html = response.content.decode()
    assert "already been sent once" in notice(html)
    assert f'value="{receipt}"' in html
    # The follow-up forms also work without a token (the throttles protect them).
    assert Client().post("/followup/", {"receipt": receipt}).status_code == 302
