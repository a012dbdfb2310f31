"""The receipt page survives a reload or a lost answer: the same code again for a while, then a page that
says the report arrived; never a second report, never the filled form inviting one, and the code is
nowhere on the server in the clear."""

from __future__ import annotations

import pytest
from django.conf import LazySettings
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import hidden_inputs, public_client, receipt_from, report_data
from tests.tipline.test_canary_at_rest import all_database_values
from tipline import abuse, receipt_again, services
from tipline.models import Attachment, Tip

pytestmark = pytest.mark.django_db

DESCRIPTION = "El sábado el guardia del pabellón 3 recibió dos celulares en una bolsa de pan."
ARRIVED = "Your report arrived"
AGAIN = "This report had already arrived; it was not sent a second time."


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, fresh_cache: None) -> Clock:
    clock = Clock()
    monkeypatch.setattr(receipt_again, "_now", clock.time)
    return clock


def fill_and_send(client: Client, facility: Facility, **extra: object) -> tuple[dict[str, object], str]:
    """Open /report/ as a browser does, fill it in and send it; return what was sent and the receipt page."""
    page = client.get("/report/").content.decode()
    sent = {**hidden_inputs(page), **report_data(facility, description=DESCRIPTION), **extra}
    response = client.post("/report/", sent)
    assert response.status_code == 200
    return sent, response.content.decode()


def test_a_reload_of_the_receipt_page_shows_the_same_code_and_stores_nothing_twice(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: Clock
) -> None:
    client = public_client()
    sent, first = fill_and_send(
        client, facilities["lurigancho"], attachments=[SimpleUploadedFile("nota.txt", b"una nota")]
    )
    code = receipt_from(first)
    assert AGAIN not in first

    # The browser's reload sends the same form again (its token is spent): the same page, no second report.
    sent["attachments"] = [SimpleUploadedFile("nota.txt", b"una nota")]
    again = client.post("/report/", sent)
    assert again.status_code == 200
    html = again.content.decode()
    assert receipt_from(html) == code
    assert AGAIN in html
    assert "1 file was received." in html
    assert DESCRIPTION not in html and 'name="description"' not in html
    # A new visit to /report/ is a new, empty form: no cookie remembers the browser's report.
    html = client.get("/report/").content.decode()
    assert 'name="description"' in html and DESCRIPTION not in html

    assert Tip.objects.count() == 1
    assert Attachment.objects.count() == 1


def test_a_resend_after_a_lost_answer_shows_the_receipt_and_stores_nothing_twice(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: Clock
) -> None:
    """The answer never reached the browser: the resent form alone opens the page, from any client."""
    client = public_client()
    page = client.get("/report/").content.decode()
    sent = {**hidden_inputs(page), **report_data(facilities["lurigancho"], description=DESCRIPTION)}
    code = receipt_from(client.post("/report/", sent).content.decode())

    lost = public_client()  # the same form, from a browser that has no cookie of the answer
    html = lost.post("/report/", sent).content.decode()
    assert receipt_from(html) == code
    assert Tip.objects.count() == 1


def test_after_the_window_a_reload_says_the_report_arrived_and_how_to_follow_it_up(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: Clock, settings: LazySettings
) -> None:
    client = public_client()
    sent, first = fill_and_send(client, facilities["lurigancho"])
    code = receipt_from(first)
    clock.now += settings.TIPLINE_RECEIPT_AGAIN_SECONDS * 2

    for response in (client.post("/report/", sent), public_client().post("/report/", sent)):
        assert response.status_code == 200
        html = response.content.decode()
        assert ARRIVED in html
        assert 'href="/followup/"' in html
        assert code not in html and code.replace(" ", "") not in html
        assert 'name="description"' not in html and DESCRIPTION not in html
    assert Tip.objects.count() == 1

    # The page offers an empty form for another report, which then goes through like any other.
    fresh = client.get("/report/").content.decode()
    assert 'name="description"' in fresh and DESCRIPTION not in fresh
    second = client.post("/report/", {**hidden_inputs(fresh), **report_data(facilities["lurigancho"])})
    assert receipt_from(second.content.decode()) != code
    assert Tip.objects.count() == 2


def test_the_spanish_pages_shown_again(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: Clock, settings: LazySettings
) -> None:
    client = public_client("es")
    sent, _first = fill_and_send(client, facilities["lurigancho"])
    assert "Esta denuncia ya había llegado" in client.post("/report/", sent).content.decode()
    clock.now += settings.TIPLINE_RECEIPT_AGAIN_SECONDS * 2
    assert "Su denuncia llegó" in client.post("/report/", sent).content.decode()


def test_the_code_is_nowhere_on_the_server_in_the_clear_and_no_cookie_is_set(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: Clock, settings: LazySettings
) -> None:
    client = public_client()
    page = client.get("/report/").content.decode()
    response = client.post("/report/", {**hidden_inputs(page), **report_data(facilities["lurigancho"])})
    code = receipt_from(response.content.decode())
    needles = [code.encode(), code.replace(" ", "").encode()]

    # DESIGN.md section 8: no cookie beyond the CSRF cookie and the follow-up session.
    assert set(response.cookies) <= {settings.CSRF_COOKIE_NAME}, response.cookies

    cached = getattr(caches["default"], "_cache", {})
    assert any(b"receipt-again" in str(key).encode() for key in cached), "the sealed page should be kept"
    for key, value in cached.items():
        for needle in needles:
            assert needle not in str(key).encode() + bytes(value), f"the code is in the cache under {key}"
    for table, data in all_database_values():
        for needle in needles:
            assert needle not in data, f"the code is in table {table}"


def test_a_forged_or_unknown_key_opens_nothing_and_the_form_works(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: Clock, settings: LazySettings
) -> None:
    client = public_client()
    fill_and_send(client, facilities["lurigancho"])
    stranger = public_client()
    page = stranger.get("/report/").content.decode()
    assert 'name="description"' in page
    for forged in ("", "not base64 at all", "A" * 500, receipt_again.key_issue()):
        response = stranger.post(
            "/report/", {**report_data(facilities["lurigancho"]), receipt_again.FIELD: forged, abuse.HONEYPOT_FIELD: ""}
        )
        assert response.status_code == 200
        receipt_from(response.content.decode())
    assert Tip.objects.count() == 5


def test_when_the_cache_is_down_the_report_still_goes_through(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], settings: LazySettings
) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    client = public_client()
    page = client.get("/report/").content.decode()
    response = client.post("/report/", {**hidden_inputs(page), **report_data(facilities["lurigancho"])})
    assert response.status_code == 200
    receipt_from(response.content.decode())


def test_a_second_sending_while_the_first_is_being_stored_gets_no_form_and_then_the_receipt(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A double click, or a resend on a slow link: the second sending arrives while the first is stored."""
    client = public_client()
    page = client.get("/report/").content.decode()
    sent = {**hidden_inputs(page), **report_data(facilities["lurigancho"], description=DESCRIPTION)}
    meanwhile: list[tuple[int, str]] = []
    submit = services.tip_submit

    def submit_while_the_browser_sends_again(**kwargs: object) -> object:
        second = public_client().post("/report/", sent)
        meanwhile.append((second.status_code, second.content.decode()))
        return submit(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "tip_submit", submit_while_the_browser_sends_again)
    code = receipt_from(client.post("/report/", sent).content.decode())

    [(status, html)] = meanwhile
    assert status == 202
    assert "Your report is being received" in html
    assert 'name="description"' not in html and DESCRIPTION not in html
    # The reload it asks for shows the code of the one report.
    assert receipt_from(public_client().post("/report/", sent).content.decode()) == code
    assert Tip.objects.count() == 1


def test_a_report_the_database_dropped_is_stored_when_its_kept_form_is_sent_again(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database goes away while a report is stored: the 503 page keeps the form (its key included);
    sending it again must store the report, not answer "being received" for a report that never was."""
    client = Client(raise_request_exception=False)
    page = client.get("/report/").content.decode()
    sent = {**hidden_inputs(page), **report_data(facilities["lurigancho"], description=DESCRIPTION)}
    submit = services.tip_submit

    def database_gone(**kwargs: object) -> object:
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(services, "tip_submit", database_gone)
    kept = client.post("/report/", sent)
    assert kept.status_code == 503 and DESCRIPTION in kept.content.decode()
    assert Tip.objects.count() == 0

    monkeypatch.setattr(services, "tip_submit", submit)
    # The kept form goes back with its key; its spent token may ask for one more sending, with the text kept.
    answers = []
    page = kept.content.decode()
    for _attempt in range(3):
        response = client.post("/report/", {**sent, **hidden_inputs(page)})
        answers.append(response.status_code)
        page = response.content.decode()
        if response.status_code == 200:
            break
        assert DESCRIPTION in page
    assert 202 not in answers and answers[-1] == 200, answers
    receipt_from(page)
    assert Tip.objects.count() == 1
