"""The global bucket for new tips never holds a web worker: a report that finds it empty is answered at
once with its page, everything typed kept, "send again in N seconds" and Retry-After; if the cache (Redis)
is down, reports go through."""

from __future__ import annotations

import logging
import os
import uuid

import pytest
from django.conf import LazySettings
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import FakeClock, hidden_inputs, public_client, receipt_from, report_data, use_fake_clock
from tipline import abuse
from tipline.models import Attachment, Message, Tip

pytestmark = pytest.mark.django_db

DESCRIPTION = "Cada sábado entra droga escondida en el pan del proveedor."
CONTACT = "Déjenme un mensaje aquí, vuelvo el lunes."


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: LazySettings, fresh_cache: None) -> FakeClock:
    """One report a second, two at once (all of it: no proof-of-work lane); anything that sleeps fails."""
    settings.TIPLINE_POW_DIFFICULTY_BITS = 0
    settings.TIPLINE_NEW_TIPS_PER_MINUTE = 60
    settings.TIPLINE_NEW_TIPS_BURST = 2
    return use_fake_clock(monkeypatch)


def send_report(facility: Facility) -> str:
    response = public_client().post("/report/", report_data(facility))
    assert response.status_code == 200
    return receipt_from(response.content.decode())


def test_reports_within_the_burst_go_through_and_the_next_is_answered_at_once_without_waiting(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    send_report(facilities["lurigancho"])
    send_report(facilities["lurigancho"])
    # The bucket is empty: the worker does not sleep for the next token (use_fake_clock makes any sleep fail).
    response = public_client().post("/report/", report_data(facilities["lurigancho"]))
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert Tip.objects.count() == 2
    clock.advance(1)
    send_report(facilities["lurigancho"])
    assert Tip.objects.count() == 3
    assert abuse.counters_today()["new_tip_refused"] == 1


def test_an_empty_bucket_answers_at_once_with_everything_kept_and_when_to_send_again(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    clock: FakeClock,
    settings: LazySettings,
) -> None:
    settings.TIPLINE_NEW_TIPS_PER_MINUTE = 6  # one report every 10 seconds
    send_report(facilities["lurigancho"])
    send_report(facilities["lurigancho"])
    clock.advance(3)

    client = public_client()
    typed = report_data(
        facilities["lurigancho"],
        description=DESCRIPTION,
        contact=CONTACT,
        attachments=[SimpleUploadedFile("nota.txt", b"una nota")],
    )
    response = client.post("/report/", typed)
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    html = response.content.decode()
    assert "Too many reports are arriving right now" in html
    assert "what you typed has been kept: please send it again in 7 seconds." in html
    assert "attached files are not kept when a form is not accepted: please select them again" in html
    assert DESCRIPTION in html and CONTACT in html
    assert 'value="2026-11-01"' in html
    assert Tip.objects.count() == 2
    assert Attachment.objects.count() == 0
    assert abuse.counters_today()["new_tip_refused"] == 1

    # When the page said, the person presses send again on the same page and gets their receipt.
    clock.advance(7)
    again = client.post("/report/", {**typed, **hidden_inputs(html)})
    assert again.status_code == 200
    receipt_from(again.content.decode())
    assert Tip.objects.count() == 3


def test_the_spanish_page_says_when_to_send_again(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    send_report(facilities["lurigancho"])
    send_report(facilities["lurigancho"])
    response = public_client("es").post("/report/", report_data(facilities["lurigancho"], description=DESCRIPTION))
    assert response.status_code == 503
    html = response.content.decode()
    assert "vuelva a enviarla en 1 segundo" in html
    assert DESCRIPTION in html


def test_refused_reports_take_no_place_in_a_queue(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    send_report(facilities["lurigancho"])
    send_report(facilities["lurigancho"])
    for _ in range(3):
        assert public_client().post("/report/", report_data(facilities["lurigancho"])).status_code == 503
    clock.advance(1)
    send_report(facilities["lurigancho"])


def test_a_waiting_flood_does_not_slow_staff_pages(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    """Twelve reports over the budget are all answered at once; the staff queue still opens."""
    send_report(facilities["lurigancho"])
    send_report(facilities["lurigancho"])
    statuses = [public_client().post("/report/", report_data(facilities["lurigancho"])).status_code for _ in range(12)]
    assert statuses == [503] * 12
    assert staff_client("lima_investigator").get("/staff/").status_code == 200


def test_when_the_cache_is_down_reports_replies_and_codes_still_work(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    settings: LazySettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A Redis that is not running (port 1 refuses connections): every cache call raises.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    settings.TIPLINE_NEW_TIPS_BURST = 1
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE = 1
    client = public_client()
    with caplog.at_level(logging.WARNING, logger="tipline.abuse"):
        receipts = [send_report(facilities["lurigancho"]) for _ in range(3)]
        page = client.get("/followup/").content.decode()
        assert client.post("/followup/", {**hidden_inputs(page), "receipt": receipts[0]}).status_code == 302
        thread = client.get("/followup/").content.decode()
        reply = {**hidden_inputs(thread), "action": "reply", "body": "Sigo aquí."}
        assert client.post("/followup/", reply).status_code == 302

    assert Tip.objects.count() == 3
    assert Message.objects.count() == 1
    warnings = [record.getMessage() for record in caplog.records if record.name == "tipline.abuse"]
    assert "cache unavailable: the new-tips bucket check was skipped" in warnings
    assert "cache unavailable: the single-use token check was skipped" in warnings
    assert "cache unavailable: the receipt-attempts bucket check was skipped" in warnings
    for message in warnings:
        assert "Sigo aquí" not in message and "127.0.0.1" not in message and receipts[0] not in message


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis (REDIS_URL), as in CI")
def test_the_redis_bucket_refills_like_the_local_one_and_queues_nobody(
    settings: LazySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-abuse-{uuid.uuid4().hex}",
        }
    }
    clock = use_fake_clock(monkeypatch)
    bucket = abuse.TokenBucket(f"test-{uuid.uuid4().hex}", per_second=0.5, burst=2)
    assert [bucket.take_or_wait_time() for _ in range(4)] == [0.0, 0.0, pytest.approx(2.0), pytest.approx(2.0)]
    clock.advance(1)
    assert bucket.take_or_wait_time() == pytest.approx(1.0)  # the refused ones reserved nothing
    clock.advance(1)
    assert bucket.take()
    assert not bucket.take()
    caches["default"].delete(f"abuse:bucket:{bucket.name}")


def test_the_local_bucket_refills_and_queues_nobody(monkeypatch: pytest.MonkeyPatch, fresh_cache: None) -> None:
    clock = use_fake_clock(monkeypatch)
    bucket = abuse.TokenBucket(f"test-{uuid.uuid4().hex}", per_second=0.5, burst=2)
    assert [bucket.take_or_wait_time() for _ in range(4)] == [0.0, 0.0, pytest.approx(2.0), pytest.approx(2.0)]
    clock.advance(1)
    assert bucket.take_or_wait_time() == pytest.approx(1.0)
    clock.advance(1)
    assert bucket.take()
    assert not bucket.take()
