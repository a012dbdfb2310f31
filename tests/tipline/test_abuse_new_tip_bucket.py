"""The global bucket for new tips slows reports down, refuses only after the maximum wait, and never
loses what was typed; if the cache (Redis) is down, reports go through."""

from __future__ import annotations

import logging
import os
import uuid

import pytest
from django.conf import LazySettings
from django.core.cache import caches

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import FakeClock, hidden_inputs, public_client, receipt_from, report_data, use_fake_clock
from tipline import abuse
from tipline.models import Message, Tip

pytestmark = pytest.mark.django_db

DESCRIPTION = "Cada sábado entra droga escondida en el pan del proveedor."
CONTACT = "Déjenme un mensaje aquí, vuelvo el lunes."


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: LazySettings, fresh_cache: None) -> FakeClock:
    """One report a second, two at once, at most 3 seconds of waiting (all of it: no proof-of-work lane)."""
    settings.TIPLINE_POW_DIFFICULTY_BITS = 0
    settings.TIPLINE_NEW_TIPS_PER_MINUTE = 60
    settings.TIPLINE_NEW_TIPS_BURST = 2
    settings.TIPLINE_NEW_TIP_MAX_WAIT_SECONDS = 3
    return use_fake_clock(monkeypatch)


def send_report(facility: Facility) -> str:
    response = public_client().post("/report/", report_data(facility))
    assert response.status_code == 200
    return receipt_from(response.content.decode())


def test_reports_within_the_burst_go_through_at_once_and_the_next_ones_wait_their_turn(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    send_report(facilities["lurigancho"])
    send_report(facilities["lurigancho"])
    assert clock.slept == []
    send_report(facilities["lurigancho"])
    send_report(facilities["lurigancho"])
    assert clock.slept == [pytest.approx(1.0), pytest.approx(1.0)]
    assert Tip.objects.count() == 4
    assert abuse.counters_today()["new_tip_slowed"] == 2


def test_when_the_wait_would_be_too_long_the_report_is_refused_with_503_and_everything_kept(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock
) -> None:
    # These reports arrive together: while one waits, the clock does not move for the others.
    clock.sleep_moves_time = False
    for _ in range(5):  # two at once, then waits of 1, 2 and 3 seconds
        send_report(facilities["lurigancho"])
    assert clock.slept == [pytest.approx(1.0), pytest.approx(2.0), pytest.approx(3.0)]

    client = public_client()
    typed = report_data(facilities["lurigancho"], description=DESCRIPTION, contact=CONTACT)
    response = client.post("/report/", typed)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Too many reports are arriving right now" in html
    assert "what you typed has been kept" in html
    assert DESCRIPTION in html and CONTACT in html
    assert 'value="2026-11-01"' in html
    assert Tip.objects.count() == 5
    assert abuse.counters_today()["new_tip_refused"] == 1

    # A minute later the person presses send again, with the same page, and gets their receipt.
    clock.advance(60)
    again = client.post("/report/", {**typed, **hidden_inputs(html)})
    assert again.status_code == 200
    receipt_from(again.content.decode())
    assert Tip.objects.count() == 6


def test_a_refused_report_does_not_take_a_place_in_the_queue(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], clock: FakeClock, settings: LazySettings
) -> None:
    settings.TIPLINE_NEW_TIP_MAX_WAIT_SECONDS = 0
    clock.sleep_moves_time = False
    send_report(facilities["lurigancho"])
    send_report(facilities["lurigancho"])
    for _ in range(3):
        assert public_client().post("/report/", report_data(facilities["lurigancho"])).status_code == 503
    clock.advance(1)
    send_report(facilities["lurigancho"])
    assert clock.slept == []


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
def test_the_redis_bucket_refills_and_queues_like_the_local_one(
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
    assert [bucket.reserve(max_wait=4) for _ in range(4)] == [0.0, 0.0, pytest.approx(2.0), pytest.approx(4.0)]
    assert bucket.reserve(max_wait=4) is None
    clock.advance(4)
    assert bucket.reserve(max_wait=0) is None  # the two queued ones took what came in meanwhile
    clock.advance(2)
    assert bucket.take()
    assert not bucket.take()
    caches["default"].delete(f"abuse:bucket:{bucket.name}")
