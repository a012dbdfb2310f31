"""The password policy: Django's validators (similarity, 12 characters, common, numeric) and a list of
common Spanish and Peruvian passwords, in every place a password is set."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from accounts import security
from accounts.models import StaffMember
from tests.conftest import PASSWORD, staff_client

pytestmark = pytest.mark.django_db

# Long enough for the 12-character minimum, and absent from Django's own list of common passwords.
SPANISH_COMMON = ["alianzalima1901", "Contraseña2026", "universitario123", "INPEperu2026"]
WEAK = [*SPANISH_COMMON, "123456789012", "short1!"]


@pytest.fixture(autouse=True)
def own_login_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "_THROTTLE_SALT", f"test-{uuid.uuid4()}")


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", SPANISH_COMMON)
def test_the_spanish_list_is_what_refuses_them(password: str) -> None:
    from django.contrib.auth.password_validation import CommonPasswordValidator

    CommonPasswordValidator().validate(password)  # Django's list alone lets it through
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert refused.value.error_list[0].code == "password_too_common"


def test_the_list_is_a_few_hundred_lower_case_passwords() -> None:
    from accounts.password_validation import SpanishCommonPasswordValidator

    passwords = SpanishCommonPasswordValidator().passwords
    assert 300 <= len(passwords) <= 2000
    assert {"contraseña123", "peru2026", "inpe1234", "alianza1901", "teamo123"} <= passwords
    assert all(p == p.lower().strip() for p in passwords)


def test_the_test_and_demo_passwords_pass_the_policy() -> None:
    user = get_user_model()(username="lima_investigator")
    validate_password(PASSWORD, user)
    validate_password(settings.TIPLINE_DEMO_PASSWORD, get_user_model()(username="investigator"))


def test_the_account_password_change_refuses_a_common_password(cast: dict[str, StaffMember]) -> None:
    client = staff_client("manager")
    response = client.post(
        "/staff/account/password/",
        {"old_password": PASSWORD, "new_password1": "alianzalima1901", "new_password2": "alianzalima1901"},
    )
    assert response.status_code == 400
    assert get_user_model().objects.get(username="manager").check_password(PASSWORD)


def test_the_administrators_reset_refuses_a_common_password(cast: dict[str, StaffMember]) -> None:
    client = staff_client("admin")
    url = f"/staff/staff/{cast['norte_investigator'].pk}/reset-password/"
    response = client.post(url, {"new_password1": "Contraseña2026", "new_password2": "Contraseña2026"})
    assert response.status_code == 400
    assert get_user_model().objects.get(username="norte_investigator").check_password(PASSWORD)


def test_create_staff_refuses_a_common_password(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_NEW_PASSWORD", "universitario123")
    with pytest.raises(CommandError, match="(too common|demasiado común)"):
        call_command("create_staff", username="nueva", role="investigator", stdout=StringIO())
    assert not get_user_model().objects.filter(username="nueva").exists()


def test_create_staff_stores_the_normalised_user_name(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_NEW_PASSWORD", PASSWORD)
    call_command("create_staff", username="Ｎｕｅｖａ_Investigadora", role="investigator", stdout=StringIO())
    assert get_user_model().objects.filter(username="nueva_investigadora").exists()
    with pytest.raises(CommandError, match="exists"):
        call_command("create_staff", username="NUEVA_INVESTIGADORA", role="investigator", stdout=StringIO())


def test_the_demo_password_still_logs_in_with_debug_on(settings: LazySettings, db: None) -> None:
    """load_demo sets the published demo password directly; with DEBUG on it still opens the demo."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.keys import staff_member_create
    from accounts.models import Role
    from tests.conftest import totp_code

    settings.DEBUG = True
    user = get_user_model().objects.create_user(username="demo", password=settings.TIPLINE_DEMO_PASSWORD)
    TOTPDevice.objects.create(user=user, name="authenticator", key=settings.TIPLINE_DEMO_TOTP_KEY)
    staff_member_create(user=user, role=Role.INVESTIGATOR, password=settings.TIPLINE_DEMO_PASSWORD)
    response = Client().post(
        "/staff/login/",
        {"username": "demo", "password": settings.TIPLINE_DEMO_PASSWORD, "otp_token": totp_code("demo")},
    )
    assert response.status_code == 302
