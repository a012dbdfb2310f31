"""Findings of the insider's pen test on the staff login, each pinned by a test.

Look-alike user names share the lock and the audit trail of the real account; a
right password with a wrong code reads exactly like a wrong password; a global
limit on login attempts refuses a flood before any Argon2 run; an unknown user
name costs the same password hash as a known one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

LOCKED_MESSAGE = "Too many failed attempts. Wait 15 minutes or ask an administrator."
GLOBAL_LIMIT_MESSAGE = "Too many login attempts right now. Wait a minute, then try again."
FULL_WIDTH = "ｌｉｍａ＿ｉｎｖｅｓｔｉｇａｔｏｒ"


@pytest.fixture(autouse=True)
def own_login_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count this test's logins apart from every other test's (the cache may be a shared Redis)."""
    monkeypatch.setattr(security, "_THROTTLE_SALT", f"test-{uuid.uuid4()}")
    monkeypatch.setattr(security, "_GLOBAL_ATTEMPTS_PREFIX", f"test-{uuid.uuid4()}", raising=False)


def login(username: str, password: str = PASSWORD, otp_token: str = "123456") -> Any:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post("/staff/login/", {"username": username, "password": password, "otp_token": otp_token})


def wrong_code(username: str) -> str:
    return f"{(int(totp_code(username)) + 1) % 1_000_000:06d}"


# 1. Look-alike user names ---------------------------------------------------------------------


def test_the_normalised_name_is_nfkc_then_case_folded() -> None:
    assert security.username_normalise(FULL_WIDTH) == "lima_investigator"
    assert security.username_normalise("  LIMA_Investigator ") == "lima_investigator"
    assert security.username_normalise("STRASSE") == security.username_normalise("straße")


def test_a_full_width_spelling_shares_the_lock_of_the_real_name(cast: dict[str, StaffMember]) -> None:
    for _attempt in range(5):
        login("lima_investigator", password="wrong " + PASSWORD)
    response = login(FULL_WIDTH, otp_token=totp_code("lima_investigator"))
    assert response.status_code == 200
    assert LOCKED_MESSAGE in response.content.decode()
    assert settings.VAULT_COOKIE_NAME not in response.cookies


def test_failures_under_look_alike_spellings_lock_and_are_audited_against_the_account(
    cast: dict[str, StaffMember],
) -> None:
    for spelling in (FULL_WIDTH, "LIMA_INVESTIGATOR", "Lima_Investigator ", FULL_WIDTH.upper(), FULL_WIDTH):
        login(spelling, password="wrong " + PASSWORD)
    failures = AuditEvent.objects.filter(
        action=AuditAction.LOGIN_FAILED, target_id=str(cast["lima_investigator"].user_id)
    )
    assert failures.count() == 5
    assert LOCKED_MESSAGE in login("lima_investigator", otp_token=totp_code("lima_investigator")).content.decode()


def test_any_spelling_of_the_name_logs_in_with_the_right_password_and_code(cast: dict[str, StaffMember]) -> None:
    response = login("LIMA_Investigator", otp_token=totp_code("lima_investigator"))
    assert response.status_code == 302


# 2. No password oracle before the code is checked -----------------------------------------------


def error_part(response: Any) -> str:
    """The page without the CSRF token, which differs on every response, and the code typed (shown back)."""
    page = re.sub(r'value="[0-9]{6}"', 'value="(code)"', response.content.decode())
    return "\n".join(line for line in page.splitlines() if "csrfmiddlewaretoken" not in line)


def test_a_right_password_with_a_wrong_code_reads_like_a_wrong_password(cast: dict[str, StaffMember]) -> None:
    wrong_password = login("manager", password="wrong " + PASSWORD, otp_token=wrong_code("manager"))
    wrong_password_right_code = login("manager", password="wrong " + PASSWORD, otp_token=totp_code("manager"))
    right_password = login("manager", otp_token=wrong_code("manager"))
    assert wrong_password.status_code == right_password.status_code == wrong_password_right_code.status_code == 200
    assert error_part(wrong_password) == error_part(right_password) == error_part(wrong_password_right_code)
    assert "That code is not right" not in right_password.content.decode()


def test_a_throttled_authenticator_reads_like_a_wrong_password(cast: dict[str, StaffMember]) -> None:
    wrong_password = login("manager", password="wrong " + PASSWORD)
    code = totp_code("manager")
    TOTPDevice.objects.filter(user__username="manager").update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )
    throttled = login("manager", otp_token=code)
    assert throttled.status_code == 200
    assert error_part(throttled) == error_part(wrong_password)


# 3. A global limit on login attempts ------------------------------------------------------------


def count_hasher_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every run of the (test) password hash: make_password encodes, and so does verify."""
    runs: list[str] = []

    def counted(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: MD5PasswordHasher, *args: Any, **kwargs: Any) -> Any:
            runs.append(name)
            return method(self, *args, **kwargs)

        return run

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted("encode", MD5PasswordHasher.encode))
    return runs


def test_a_flood_of_logins_over_many_names_is_refused_without_hashing(
    settings: LazySettings, cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TIPLINE_LOGIN_ATTEMPTS_PER_MINUTE = 3
    for number in range(3):
        assert login(f"nobody{number}", password="guess").status_code == 200
    runs = count_hasher_runs(monkeypatch)
    refused = login("lima_supervisor", otp_token=totp_code("lima_supervisor"))
    assert refused.status_code == 429
    assert GLOBAL_LIMIT_MESSAGE in refused.content.decode()
    assert runs == []
    assert settings.VAULT_COOKIE_NAME not in refused.cookies


def test_the_global_limit_opens_again_the_next_minute(
    settings: LazySettings, cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TIPLINE_LOGIN_ATTEMPTS_PER_MINUTE = 2
    start = 1_800_000_000.0  # the start of a minute
    monkeypatch.setattr(security, "_now", lambda: start)
    login("nobody", password="guess")
    login("nobody", password="guess")
    assert login("manager", otp_token=totp_code("manager")).status_code == 429
    monkeypatch.setattr(security, "_now", lambda: start + 60)
    assert login("manager", otp_token=totp_code("manager")).status_code == 302


def test_refusals_by_the_global_limit_lock_no_account(
    settings: LazySettings, cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TIPLINE_LOGIN_ATTEMPTS_PER_MINUTE = 1
    start = 1_800_000_000.0
    monkeypatch.setattr(security, "_now", lambda: start)
    login("nobody", password="guess")
    for _attempt in range(6):
        assert login("manager", password="wrong " + PASSWORD).status_code == 429
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).exists()
    monkeypatch.setattr(security, "_now", lambda: start + 60)
    assert login("manager", otp_token=totp_code("manager")).status_code == 302


def test_the_default_global_limit_is_sixty_a_minute() -> None:
    """The suite lifts the limit (tests/conftest.py); the settings module itself gives 60."""
    from config import settings as config_settings

    assert config_settings.TIPLINE_LOGIN_ATTEMPTS_PER_MINUTE == 60


# 4. Unknown and known user names cost the same ---------------------------------------------------


def test_an_unknown_name_pays_the_same_hash_as_a_known_name_with_a_wrong_password(
    cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = count_hasher_runs(monkeypatch)
    login("lima_investigator", password="wrong " + PASSWORD)
    known = len(runs)
    runs.clear()
    login("nobody_at_all", password="wrong " + PASSWORD)
    unknown = len(runs)
    runs.clear()
    login(FULL_WIDTH.replace("ｌｉｍａ", "ｃｕｓｃｏ"), password="wrong " + PASSWORD)
    assert known == unknown == len(runs) == 1


def test_the_keys_are_unwrapped_only_after_a_good_login(
    cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Argon2 key unwrap never runs for a failed login, known name or not, so it adds no difference."""
    from accounts import views

    unwraps: list[str] = []
    original = views.staff_unlock_keys

    def unlock(**kwargs: Any) -> Any:
        unwraps.append(kwargs["member"].user.username)
        return original(**kwargs)

    monkeypatch.setattr(views, "staff_unlock_keys", unlock)
    login("lima_investigator", password="wrong " + PASSWORD)
    login("manager", otp_token=wrong_code("manager"))
    login("nobody", password="wrong " + PASSWORD)
    assert unwraps == []
    assert login("manager", otp_token=totp_code("manager")).status_code == 302
    assert unwraps == ["manager"]
