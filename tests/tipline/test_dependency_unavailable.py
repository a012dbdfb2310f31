"""A database or Redis that is briefly down gives a 503 that keeps the typed text, never a 500."""

from __future__ import annotations

import pytest
import redis
from django.conf import LazySettings
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client

from org.models import Facility
from tests.factories import report_data
from tipline import services, storage
from tipline.models import Attachment, Tip

pytestmark = pytest.mark.django_db


def browser() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"), redis.ConnectionError("down")])
def test_a_report_sent_while_a_dependency_is_down_gets_a_503_with_its_text_kept(
    facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch, error: Exception, settings: LazySettings
) -> None:
    def unavailable(**kwargs: object) -> None:
        raise error

    monkeypatch.setattr(services, "tip_submit", unavailable)
    data = report_data(facilities["lurigancho"], description="Dos celulares en el pabellón 4, el domingo.")
    data["attachments"] = [SimpleUploadedFile("foto.txt", b"evidencia", content_type="text/plain")]

    response = browser().post("/report/", data)

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Dos celulares en el pabellón 4, el domingo." in page
    # What the person wrote is shown to read again; the choices and the form token go back hidden.
    assert '<textarea class="form-control mb-3" name="description"' in page
    assert f'<input type="hidden" name="facility" value="{facilities["lurigancho"].pk}">' in page
    assert '<input type="hidden" name="form_token"' in page
    assert 'action="/report/"' in page
    assert "vuelva a seleccionarlos" in page  # Spanish, the default: "please select them again"
    assert Tip.objects.count() == 0 and Attachment.objects.count() == 0
    assert storage.file_names() == []  # nothing was stored, so the file is gone


def test_a_page_whose_session_cannot_be_read_gets_a_503(
    monkeypatch: pytest.MonkeyPatch, settings: LazySettings
) -> None:
    def unavailable(self: SessionStore) -> dict[str, object]:
        raise OperationalError("connection refused")

    client = browser()
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    monkeypatch.setattr(SessionStore, "load", unavailable)

    response = client.get("/followup/")

    assert response.status_code == 503


def test_any_other_error_is_still_a_500(facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**kwargs: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(services, "tip_submit", broken)

    response = browser().post("/report/", report_data(facilities["lurigancho"]))

    assert response.status_code == 500
