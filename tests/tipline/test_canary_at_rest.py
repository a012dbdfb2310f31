"""A canary test: what a whistleblower typed or uploaded, and who they are, is nowhere at rest.

A unique string goes into every encrypted text field of the report (taken from the
envelope's tip schema and the report form, so a field added later is covered), an
attachment's name and its bytes, and a reply; the client sends a distinctive IP address, user
agent and referrer. After the whole journey (the staff side decrypts and reads it
too) none of it appears in any table, the session store, the cache, the attachment
store, var/, the temporary directory, or the logs.
"""

from __future__ import annotations

import base64
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

import envelope
from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import receipt_from, report_data
from tipline import storage
from tipline.forms import ReportForm
from tipline.models import Tip

pytestmark = pytest.mark.django_db

CLIENT_IP = "203.0.113.197"
CLIENT_AGENT = "CanaryBrowser/7.7 (whistleblower phone)"
CLIENT_REFERER = "https://referrer.invalid/canary-origin"


def encrypted_text_fields() -> list[str]:
    """Return the report form's text fields that the envelope seals into the tip (description, contact, ...)."""
    return [
        field.name
        for field in envelope.TIP.fields
        if field.text and isinstance(ReportForm.base_fields.get(field.name), forms.CharField)
    ]


def test_the_canary_covers_every_encrypted_text_field_of_the_report() -> None:
    assert {"description", "contact"} <= set(encrypted_text_fields())


def needles(canary: str) -> list[bytes]:
    raw = canary.encode()
    return [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw), raw.hex().encode()]


def files_under(root: Path) -> Iterator[Path]:
    if root.exists():
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                yield Path(dirpath) / name


def all_database_values() -> Iterator[tuple[str, bytes]]:
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names come from introspection
            for row in cursor.fetchall():
                for value in row:
                    if value is None:
                        continue
                    data = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                    yield table, data


def test_nothing_typed_or_identifying_is_stored_or_logged(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level("DEBUG")
    tag = uuid.uuid4().hex[:12]
    typed = {name: f"{name.upper()}-CANARY-{tag}" for name in encrypted_text_fields()}
    canaries = {
        **typed,
        "file name": f"FILENAME-CANARY-{tag}",
        "file bytes": f"FILEBYTES-CANARY-{tag}",
        "reply": f"REPLY-CANARY-{tag}",
    }
    before_tmp = set(files_under(Path(tempfile.gettempdir())))

    public = Client(
        REMOTE_ADDR=CLIENT_IP, HTTP_USER_AGENT=CLIENT_AGENT, HTTP_REFERER=CLIENT_REFERER, HTTP_X_FORWARDED_FOR=CLIENT_IP
    )
    upload = SimpleUploadedFile(f"{canaries['file name']}.txt", canaries["file bytes"].encode() * 100, "text/plain")
    response = public.post(
        "/report/",
        {
            **report_data(facilities["lurigancho"], **{name: f"Lo vi: {value}" for name, value in typed.items()}),
            "attachments": [upload],
        },
    )
    assert response.status_code == 200
    receipt = receipt_from(response.content.decode())
    # A failed attempt is logged as a bad request: it must not log who sent it either.
    public.post("/followup/", {"receipt": "1111 2222 3333 4444"})
    assert public.post("/followup/", {"receipt": receipt}).status_code == 302
    assert public.post("/followup/", {"action": "reply", "body": canaries["reply"]}).status_code == 302

    # The staff side decrypts everything: reading must not write plaintext anywhere either.
    tip = Tip.objects.get()
    investigator = staff_client("lima_investigator")
    page = investigator.get(f"/staff/tips/{tip.public_id}/").content.decode()
    for name in [*typed, "reply"]:
        if name == "contact":
            continue
        assert canaries[name] in page, f"the investigator should read the {name}"
    # The contact is a reserved identity (D.Leg. 1327): the unit reads its code, never the contact itself,
    # on the tip's page or the case's, until a custodian approves a disclosure (tests/identity/).
    case_page = investigator.get(f"/staff/cases/{tip.case_link.case.public_id}/").content.decode()
    code = tip.reserved_identities.get().code
    for staff_page in (page, case_page):
        assert canaries["contact"] not in staff_page, "the unit must not read a reserved contact"
        assert code in staff_page, "the unit should see the reserved identity's code"
    attachment = tip.attachments.get()
    body = b"".join(investigator.get(f"/staff/tips/{tip.public_id}/files/{attachment.public_id}/").streaming_content)
    assert body == canaries["file bytes"].encode() * 100

    secrets_at_rest = {name: needles(value) for name, value in canaries.items()}
    identity = {
        "IP address": [CLIENT_IP.encode()],
        "user agent": [CLIENT_AGENT.encode()],
        "referrer": [b"referrer.invalid"],
    }

    def assert_absent(where: str, data: bytes, what: dict[str, list[bytes]]) -> None:
        for name, encodings in what.items():
            for encoded in encodings:
                assert encoded not in data, f"the {name} was found in {where}"

    for table, data in all_database_values():
        assert_absent(f"table {table}", data, {**secrets_at_rest, **identity})

    # Every object of the attachment store, read through its storage API (whatever the backend).
    store = storage.attachment_store()
    stored_files = storage.file_names()
    assert stored_files, "the attachment should be stored (encrypted)"
    for name in stored_files:
        with store.open(name, "rb") as handle:
            assert_absent(f"attachment store file {name}", handle.read(), {**secrets_at_rest, **identity})
    new_tmp = set(files_under(Path(tempfile.gettempdir()))) - before_tmp
    for path in [*files_under(Path(settings.VAR_DIR)), *new_tmp]:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        assert_absent(str(path), data, {**secrets_at_rest, **identity})

    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter():
            if client.type(key) == b"string":
                assert_absent(f"redis key {key!r}", key + (client.get(key) or b""), {**secrets_at_rest, **identity})
    else:
        for key, value in getattr(cache, "_cache", {}).items():
            assert_absent(f"cache key {key!r}", str(key).encode() + bytes(value), {**secrets_at_rest, **identity})

    out, err = capfd.readouterr()
    logs = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    assert_absent("the logs", (out + err + logs).encode(), {**secrets_at_rest, **identity})


def test_no_precise_time_of_a_submission_or_reply_is_stored(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    """Times that could be matched to network logs are kept to the day (DESIGN.md section 8)."""
    public = Client()
    receipt = receipt_from(public.post("/report/", report_data(facilities["lurigancho"])).content.decode())
    public.post("/followup/", {"receipt": receipt})
    public.post("/followup/", {"action": "reply", "body": "Una respuesta."})
    from cases.models import CaseEvent

    events = CaseEvent.objects.filter(kind__in=["opened", "reply_received"])
    assert events.count() == 2
    for event in events:
        local = event.at.astimezone(timezone.get_current_timezone())
        assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
