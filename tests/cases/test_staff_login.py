"""Staff login: it unlocks the keys, and the published demo password works only with DEBUG on."""

from __future__ import annotations

import uuid

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts.keys import staff_member_create
from accounts.models import Role, StaffMember
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_login_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count this test's failed logins apart from every other test's (the cache may be a shared Redis)."""
    monkeypatch.setattr(security, "_THROTTLE_SALT", f"test-{uuid.uuid4()}")


@pytest.fixture
def demo_user(settings: LazySettings) -> StaffMember:
    user = get_user_model().objects.create_user(username="demo", password=settings.TIPLINE_DEMO_PASSWORD)
    TOTPDevice.objects.create(user=user, name="authenticator", key=settings.TIPLINE_DEMO_TOTP_KEY)
    return staff_member_create(user=user, role=Role.INVESTIGATOR, password=settings.TIPLINE_DEMO_PASSWORD)


def demo_login(settings: LazySettings) -> dict[str, str]:
    return {"username": "demo", "password": settings.TIPLINE_DEMO_PASSWORD, "otp_token": totp_code("demo")}


def test_demo_password_is_refused_when_debug_is_off(settings: LazySettings, demo_user: StaffMember) -> None:
    settings.DEBUG = False
    response = Client().post("/staff/login/", demo_login(settings))
    assert response.status_code == 200
    assert settings.VAULT_COOKIE_NAME not in response.cookies
    assert "DEBUG" in response.content.decode()


def test_demo_password_works_when_debug_is_on(settings: LazySettings, demo_user: StaffMember) -> None:
    settings.DEBUG = True
    response = Client().post("/staff/login/", demo_login(settings))
    assert response.status_code == 302


def test_wrong_password_is_refused(cast: dict[str, StaffMember]) -> None:
    response = Client().post(
        "/staff/login/",
        {"username": "lima_investigator", "password": "wrong " + PASSWORD, "otp_token": totp_code("lima_investigator")},
    )
    assert response.status_code == 200
    assert settings.VAULT_COOKIE_NAME not in response.cookies


def test_accounts_without_a_staff_role_cannot_log_in(db: None) -> None:
    get_user_model().objects.create_user(username="plain", password=PASSWORD)
    response = Client().post("/staff/login/", {"username": "plain", "password": PASSWORD, "otp_token": "123456"})
    assert response.status_code == 200
    assert settings.VAULT_COOKIE_NAME not in response.cookies


def test_login_sets_the_vault_cookie_and_logout_clears_it(cast: dict[str, StaffMember]) -> None:
    client = Client()
    response = client.post(
        "/staff/login/",
        {"username": "lima_investigator", "password": PASSWORD, "otp_token": totp_code("lima_investigator")},
    )
    assert response.status_code == 302
    vault_cookie = response.cookies[settings.VAULT_COOKIE_NAME]
    assert vault_cookie["httponly"] and vault_cookie["samesite"] == "Strict"
    response = client.post("/staff/logout/")
    assert response.status_code == 302
    assert response.cookies[settings.VAULT_COOKIE_NAME].value == ""
