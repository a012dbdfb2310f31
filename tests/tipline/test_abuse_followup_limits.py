"""Opening reports with a tracking code is paced globally and limited per report; replies and files are
limited per report. Over a limit the person gets a clear message and keeps what they typed."""

from __future__ import annotations

import re

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import envelope
from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import FakeClock, hidden_inputs, public_client, receipt_from, report_data, use_fake_clock
from tipline import abuse, services, storage
from tipline.models import Attachment, Message, Tip

pytestmark = pytest.mark.django_db

PENDING = "Escribí esto antes de que se cerrara la sesión."
TOO_MANY = "too many attempts to open reports"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, fresh_cache: None) -> FakeClock:
    return use_fake_clock(monkeypatch)


@pytest.fixture
def receipt(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> str:
    response = Client().post(
        "/report/",
        {**report_data(facilities["lurigancho"]), "attachments": [SimpleUploadedFile("nota.txt", b"primera nota")]},
    )
    return receipt_from(response.content.decode())


def open_report(client: Client, code: str, **extra: str) -> tuple[int, str]:
    page = client.get("/followup/").content.decode()
    response = client.post("/followup/", {**hidden_inputs(page), "receipt": code, **extra})
    return response.status_code, response.content.decode()


MALFORMED = [
    "123",
    "1234 5678 9012 345",
    "1234 5678 9012 34567",
    "abcd efgh ijkl mnop",
    "１２３４５６７８９０１２３４５６",
]
NOT_OPENED = "That tracking code did not open a report"


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every Argon2 derivation of a receipt code."""
    seen: list[str] = []
    derive = envelope.receipt_keys
    monkeypatch.setattr(envelope, "receipt_keys", lambda code: seen.append(code) or derive(code))
    return seen


def test_a_malformed_code_is_answered_at_once_and_costs_and_counts_nothing(
    receipt: str, clock: FakeClock, settings: LazySettings, derivations: list[str]
) -> None:
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE = 2
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR = 2
    for _ in range(40):
        for code in MALFORMED:
            status, html = open_report(public_client(), code, pending_reply=PENDING)
            assert status == 400
            assert NOT_OPENED in html
            assert f'value="{PENDING}"' in html
    assert derivations == []  # no Argon2 run for a code that cannot be one
    assert abuse.counters_today()["receipt_throttled"] == 0
    assert abuse.counters_today()["receipt_over_pace"] == 0

    # 200 malformed attempts used up no limit: the right code opens at once.
    assert open_report(public_client(), receipt)[0] == 302
    assert len(derivations) == 1


def test_the_service_pays_argon2_for_every_well_formed_code_and_none_for_a_malformed_one(
    receipt: str, derivations: list[str]
) -> None:
    # Well-formed codes, known or not, cost the same derivation, so timing does not tell them apart;
    # a malformed one is visibly malformed (the format is public), so it costs nothing.
    assert services.tip_open_with_receipt(receipt_text="not a code") is None
    assert derivations == []
    assert services.tip_open_with_receipt(receipt_text="9999 8888 7777 6666") is None
    assert services.tip_open_with_receipt(receipt_text=receipt) is not None
    assert len(derivations) == 2


def test_a_flood_of_wrong_codes_does_not_lock_out_the_person_with_the_right_one(
    receipt: str, clock: FakeClock, settings: LazySettings, derivations: list[str]
) -> None:
    """600 wrong well-formed codes in a minute (10 a second), the right one at second 30.

    Nothing sleeps (use_fake_clock makes a sleep fail the test): the right code opens at once.
    """
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE = 120
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR = 20
    right = envelope.normalise_receipt(receipt)
    hammered = "1111 2222 3333 4444"  # the attacker also tries one code over and over
    wrong_statuses: set[int] = set()
    opened_at = None
    for i in range(600):
        code = hammered if i % 10 == 0 else f"{5_000_000_000_000_000 + i * 7919:016d}"
        assert envelope.normalise_receipt(code) != right
        status, html = open_report(public_client(), code)
        wrong_statuses.add(status)
        assert status in (400, 429), status
        assert "Your report" not in html and "primera nota" not in html
        if i == 300:
            client = public_client()
            status, _html = open_report(client, receipt)
            assert status == 302
            assert "Your report" in client.get("/followup/").content.decode()
            opened_at = i
        clock.advance(0.1)
    assert opened_at == 300
    assert wrong_statuses == {400, 429}  # the hammered code hit its own limit, nothing else did
    assert abuse.counters_today()["receipt_throttled"] == 60 - 20
    # Operators see that attempts went over the pace (120 at once, then 2 a second came back).
    assert abuse.counters_today()["receipt_over_pace"] > 0


def test_attempts_over_the_global_pace_are_counted_and_go_on_at_once(
    receipt: str, clock: FakeClock, settings: LazySettings
) -> None:
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE = 2
    assert open_report(public_client(), "1111 2222 3333 4444")[0] == 400
    assert open_report(public_client(), "5555 6666 7777 8888")[0] == 400
    assert abuse.counters_today()["receipt_over_pace"] == 0
    # The pace is spent: the next attempts neither wait (a sleep would fail the test) nor are refused.
    status, html = open_report(public_client(), receipt, pending_reply=PENDING)
    assert status == 302
    assert open_report(public_client(), receipt)[0] == 302
    assert abuse.counters_today()["receipt_over_pace"] == 2
    assert abuse.counters_today()["receipt_throttled"] == 0


def test_the_per_report_limit_refuses_with_429_and_keeps_the_code_and_the_reply(
    receipt: str, clock: FakeClock, settings: LazySettings
) -> None:
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR = 1
    assert open_report(public_client(), receipt)[0] == 302
    client = public_client()
    status, html = open_report(client, receipt, pending_reply=PENDING)
    assert status == 429
    assert TOO_MANY in html
    assert f'value="{receipt}"' in html
    assert f'value="{PENDING}"' in html
    assert Message.objects.count() == 0
    assert abuse.counters_today()["receipt_throttled"] == 1

    clock.advance(3600)  # the attempt has come back
    assert open_report(client, receipt, pending_reply=PENDING)[0] == 302
    assert PENDING in client.get("/followup/").content.decode()


def test_the_per_report_limit_caps_attempts_on_one_code_whether_or_not_a_report_has_it(
    receipt: str,
    facilities: dict[str, Facility],
    clock: FakeClock,
    settings: LazySettings,
    derivations: list[str],
) -> None:
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR = 3
    unknown = "9999 8888 7777 6666"

    outcomes = {code: [open_report(public_client(), code)[0] for _ in range(4)] for code in (receipt, unknown)}
    assert outcomes == {receipt: [302, 302, 302, 429], unknown: [400, 400, 400, 429]}
    # The Argon2 derivation is paid for every attempt, refused or not, known code or not.
    assert len(derivations) == 8

    # Another report is not affected, and the refused code opens again once attempts come back.
    other = receipt_from(public_client().post("/report/", report_data(facilities["trujillo"])).content.decode())
    assert open_report(public_client(), other)[0] == 302
    clock.advance(20 * 60)
    assert open_report(public_client(), receipt)[0] == 302


def test_replies_are_limited_per_report_per_day_and_the_refused_reply_is_kept(
    receipt: str, clock: FakeClock, settings: LazySettings
) -> None:
    settings.TIPLINE_REPLIES_PER_TIP_PER_DAY = 2
    client = public_client()
    assert open_report(client, receipt)[0] == 302
    for body in ("Primero.", "Segundo."):
        thread = client.get("/followup/").content.decode()
        assert client.post("/followup/", {**hidden_inputs(thread), "body": body}).status_code == 302

    thread = client.get("/followup/").content.decode()
    response = client.post("/followup/", {**hidden_inputs(thread), "body": "Tercero, muy importante."})
    assert response.status_code == 429
    html = response.content.decode()
    assert "the most messages allowed in one day" in html
    assert re.search(r"<textarea[^>]*>\s*Tercero, muy importante.</textarea>", html)
    assert Message.objects.filter(author_kind=Message.Author.WHISTLEBLOWER).count() == 2
    assert abuse.counters_today()["reply_limited"] == 1

    # Staff questions do not count, and a reply kept from an ended session is shown again, not lost.
    later = public_client()
    status, html = open_report(later, receipt, pending_reply=PENDING)
    assert status == 429
    assert "the most messages allowed in one day" in html
    assert re.search(rf"<textarea[^>]*>\s*{PENDING}</textarea>", html)
    assert "Your report" in html  # the report was opened for them all the same
    assert 'id="status"' in later.get("/followup/").content.decode()


def test_files_are_limited_per_report_and_a_refused_upload_is_discarded(
    receipt: str, clock: FakeClock, settings: LazySettings
) -> None:
    settings.TIPLINE_ATTACHMENTS_PER_TIP = 2  # the report already has one
    client = public_client()
    assert open_report(client, receipt)[0] == 302
    stored = storage.file_names()

    thread = client.get("/followup/").content.decode()
    files = [SimpleUploadedFile("a.txt", b"uno"), SimpleUploadedFile("b.txt", b"dos")]
    response = client.post("/followup/", {**hidden_inputs(thread), "body": "Dos fotos más.", "attachments": files})
    assert response.status_code == 429
    html = response.content.decode()
    assert "at most 2 files" in html
    assert re.search(r"<textarea[^>]*>\s*Dos fotos más.</textarea>", html)
    assert "please select them again" in html
    assert Attachment.objects.count() == 1
    assert storage.file_names() == stored, "the refused files were deleted"
    assert abuse.counters_today()["attachment_limited"] == 1

    thread = client.get("/followup/").content.decode()
    one = SimpleUploadedFile("c.txt", b"tres")
    response = client.post("/followup/", {**hidden_inputs(thread), "body": "Una foto.", "attachments": [one]})
    assert response.status_code == 302
    assert Attachment.objects.count() == 2


def test_staff_messages_do_not_use_up_the_whistleblowers_replies(
    cast: dict[str, StaffMember], receipt: str, clock: FakeClock, settings: LazySettings
) -> None:
    settings.TIPLINE_REPLIES_PER_TIP_PER_DAY = 1
    tip = Tip.objects.get()
    investigator = staff_client("lima_investigator")
    for question in ("¿Qué día?", "¿A qué hora?"):
        assert investigator.post(f"/staff/tips/{tip.public_id}/", {"body": question}).status_code == 302
    client = public_client()
    assert open_report(client, receipt)[0] == 302
    thread = client.get("/followup/").content.decode()
    assert client.post("/followup/", {**hidden_inputs(thread), "body": "Domingo, 9 am."}).status_code == 302
