"""The page a person sees when a report or reply is over the size limit (the proxy refuses it unread)."""

from __future__ import annotations

import pytest
from django.conf import LazySettings
from django.test import Client


@pytest.mark.django_db
def test_the_too_large_page_says_nothing_was_saved_and_gives_the_limits(settings: LazySettings) -> None:
    settings.TIPLINE_MAX_ATTACHMENTS = 5
    settings.TIPLINE_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
    response = Client().get("/too-large/")

    assert response.status_code == 413
    page = response.content.decode()
    assert "Demasiado grande para enviarse" in page
    assert "no se guardó nada" in page
    assert "como máximo 5 archivos de hasta 20 MB cada uno" in page
    assert response["Cache-Control"].startswith("no-store")


@pytest.mark.django_db
def test_the_too_large_page_in_english(settings: LazySettings) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/too-large/")

    assert response.status_code == 413
    assert "Go back: your browser usually keeps what you typed." in response.content.decode()
