"""The abuse checks know nobody: nothing they keep in the cache holds an address, a browser, a code
or a word of a report, and the per-report counters do not name the report's row."""

from __future__ import annotations

import pickle
import re

import pytest
from django.conf import LazySettings
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import hidden_inputs, receipt_from, report_data
from tipline.models import Tip

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
USER_AGENT = "Mozilla/5.0 (canary-browser-4242)"
DESCRIPTION = "canario-descripcion-8d1f"
REPLY = "canario-respuesta-77ab"
IDENTIFYING = {
    "REMOTE_ADDR": ADDRESS,
    "HTTP_X_FORWARDED_FOR": FORWARDED,
    "HTTP_X_REAL_IP": FORWARDED,
    "HTTP_USER_AGENT": USER_AGENT,
    "HTTP_REFERER": "https://referrer.example/canary",
}


def cache_contents() -> list[tuple[str, bytes]]:
    """Return every key of the local-memory cache with its stored (pickled) value."""
    store = caches["default"]._cache  # type: ignore[attr-defined]
    return [(key, value if isinstance(value, bytes) else pickle.dumps(value)) for key, value in store.items()]


def test_the_cache_keeps_nothing_about_the_client_or_the_report(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], settings: LazySettings, fresh_cache: None
) -> None:
    settings.TIPLINE_NEW_TIPS_BURST = 1  # the second report waits, so the "slowed" counter is written too
    settings.TIPLINE_NEW_TIPS_PER_MINUTE = 6000
    client = Client(**IDENTIFYING)
    page = client.get("/report/").content.decode()
    data = {**report_data(facilities["lurigancho"], description=DESCRIPTION), **hidden_inputs(page), "homepage": "x"}
    client.post("/report/", data)  # the honeypot
    receipt = receipt_from(
        client.post("/report/", {**report_data(facilities["lurigancho"], description=DESCRIPTION)}).content.decode()
    )
    client.post("/report/", report_data(facilities["lurigancho"], description=DESCRIPTION))
    client.post(
        "/report/",
        {**report_data(facilities["lurigancho"]), "attachments": [SimpleUploadedFile("foto.txt", b"contenido")]},
    )
    client.post("/followup/", {"receipt": "0000 1111 2222 3333"})
    client.post("/followup/", {"receipt": receipt})
    thread = client.get("/followup/").content.decode()
    client.post("/followup/", {**hidden_inputs(thread), "body": REPLY})

    contents = cache_contents()
    assert contents, "the abuse checks wrote nothing: this test would prove nothing"
    digits = receipt.replace(" ", "")
    lookup_ids = [bytes(tip.lookup_id) for tip in Tip.objects.all()]
    for key, value in contents:
        assert re.fullmatch(r":\d+:abuse:(token|bucket|count):[\w:.-]+", key), key
        for secret in (ADDRESS, FORWARDED, USER_AGENT, "canary", DESCRIPTION, REPLY, receipt, digits, "foto.txt"):
            assert secret not in key and secret.encode() not in value, (key, secret)
        for lookup_id in lookup_ids:
            assert lookup_id.hex() not in key and lookup_id not in value
    kinds = {key.split(":")[3] for key, _value in contents}
    assert kinds == {"token", "bucket", "count"}
    assert any(":abuse:bucket:receipt-lookup:" in key for key, _value in contents), "the per-report bucket is keyed"
