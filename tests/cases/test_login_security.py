"""Staff login security: TOTP second factor, throttling, idle timeout, logout everywhere,
password change with key re-wrap, and TOTP enrolment by an administrator."""

from __future__ import annotations

import base64
import re
import time
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts.models import StaffMember
from accounts.services import staff_totp_device
from audit.models import AuditAction, AuditEvent
from org.models import Facility
from tests.conftest import PASSWORD, staff_client, totp_code
from tests.factories import submit_tip

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a much longer passphrase, 2025 edition"
LOCKED_MESSAGE = "Too many failed attempts. Wait 15 minutes or ask an administrator."


@pytest.fixture(autouse=True)
def own_login_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count this test's failed logins apart from every other test's (the cache may be a shared Redis)."""
    monkeypatch.setattr(security, "_THROTTLE_SALT", f"test-{uuid.uuid4()}")


def in_english(client: Client) -> Client:
    """Choose English, as the language switch does (Spanish is the default), so messages read as written here."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def login(username: str, password: str = PASSWORD, otp_token: str | None = None, client: Client | None = None):  # type: ignore[no-untyped-def]
    data = {"username": username, "password": password}
    if otp_token is not None:
        data["otp_token"] = otp_token
    return in_english(client or Client()).post("/staff/login/", data)


def wrong_code(username: str) -> str:
    return f"{(int(totp_code(username)) + 1) % 1_000_000:06d}"


def move_clock(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    start = time.time()
    monkeypatch.setattr(security, "_now", lambda: start + seconds)


# The second factor ----------------------------------------------------------------------------


def test_password_and_current_code_log_in(cast: dict[str, StaffMember]) -> None:
    client = Client()
    response = login("lima_investigator", otp_token=totp_code("lima_investigator"), client=client)
    assert response.status_code == 302
    assert settings.VAULT_COOKIE_NAME in response.cookies
    assert client.get("/staff/").status_code == 200


def test_a_wrong_code_is_refused(cast: dict[str, StaffMember]) -> None:
    response = login("lima_investigator", otp_token=wrong_code("lima_investigator"))
    assert response.status_code == 200
    assert "The user name, password or code is not right." in response.content.decode()
    assert settings.VAULT_COOKIE_NAME not in response.cookies


def test_no_code_is_refused(cast: dict[str, StaffMember]) -> None:
    for token in (None, "", "12345", "abcdef"):
        response = login("lima_investigator", otp_token=token)
        assert response.status_code == 200
        assert "Enter the 6-digit code" in response.content.decode()
        assert settings.VAULT_COOKIE_NAME not in response.cookies


def test_a_code_works_only_once(cast: dict[str, StaffMember]) -> None:
    code = totp_code("lima_investigator")
    assert login("lima_investigator", otp_token=code).status_code == 302
    response = login("lima_investigator", otp_token=code)
    assert response.status_code == 200
    assert "The user name, password or code is not right." in response.content.decode()


def test_staff_without_an_authenticator_cannot_log_in(cast: dict[str, StaffMember]) -> None:
    TOTPDevice.objects.filter(user__username="manager").delete()
    response = login("manager", otp_token="123456")
    assert response.status_code == 200
    assert "Ask an administrator to enrol your authenticator" in response.content.decode()
    assert settings.VAULT_COOKIE_NAME not in response.cookies


def test_an_unconfirmed_authenticator_does_not_count(cast: dict[str, StaffMember]) -> None:
    code = totp_code("manager")
    TOTPDevice.objects.filter(user__username="manager").update(confirmed=False)
    assert "enrol your authenticator" in login("manager", otp_token=code).content.decode()


def test_the_demo_authenticator_secret_is_refused_when_debug_is_off(
    settings: LazySettings, cast: dict[str, StaffMember]
) -> None:
    TOTPDevice.objects.filter(user__username="manager").update(key=settings.TIPLINE_DEMO_TOTP_KEY)
    settings.DEBUG = False
    response = login("manager", otp_token=totp_code("manager"))
    assert response.status_code == 200
    assert "published demo secret" in response.content.decode()
    settings.DEBUG = True
    assert login("manager", otp_token=totp_code("manager")).status_code == 302


def test_a_session_without_the_second_factor_reaches_no_staff_page(cast: dict[str, StaffMember]) -> None:
    client = Client()
    client.force_login(cast["lima_investigator"].user)  # password only: no verified device in the session
    for url in ("/staff/", "/staff/account/", "/staff/account/password/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/staff/login/")
    # The login page shows the form instead of bouncing back to the queue.
    assert client.get("/staff/login/").status_code == 200


def test_verified_staff_skip_the_login_form(cast: dict[str, StaffMember]) -> None:
    response = staff_client("manager").get("/staff/login/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/"


# Throttling -----------------------------------------------------------------------------------


def test_five_failures_lock_the_user_name_even_for_the_right_password(
    cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    for _attempt in range(5):
        response = login("lima_investigator", password="wrong " + PASSWORD, otp_token="123456")
        assert LOCKED_MESSAGE not in response.content.decode()
    response = login("lima_investigator", otp_token=totp_code("lima_investigator"))
    assert response.status_code == 200
    assert LOCKED_MESSAGE in response.content.decode()
    assert settings.VAULT_COOKIE_NAME not in response.cookies
    # The lock is per user name, whatever its case, and leaves other staff alone.
    assert LOCKED_MESSAGE in login("LIMA_Investigator", otp_token="123456").content.decode()
    assert login("lima_supervisor", otp_token=totp_code("lima_supervisor")).status_code == 302

    move_clock(monkeypatch, 14 * 60)
    assert LOCKED_MESSAGE in login("lima_investigator", otp_token=totp_code("lima_investigator")).content.decode()
    move_clock(monkeypatch, 15 * 60 + 1)
    assert login("lima_investigator", otp_token=totp_code("lima_investigator")).status_code == 302


def test_wrong_codes_count_as_failures(cast: dict[str, StaffMember]) -> None:
    for _attempt in range(5):
        TOTPDevice.objects.filter(user__username="manager").update(throttling_failure_count=0)
        login("manager", otp_token=wrong_code("manager"))
    assert LOCKED_MESSAGE in login("manager", otp_token=totp_code("manager")).content.decode()


def test_a_good_login_starts_the_count_again(cast: dict[str, StaffMember]) -> None:
    for _attempt in range(4):
        login("manager", password="wrong " + PASSWORD, otp_token="123456")
    assert login("manager", otp_token=totp_code("manager")).status_code == 302
    for _attempt in range(4):
        login("manager", password="wrong " + PASSWORD, otp_token="123456")
    assert login("manager", otp_token=totp_code("manager")).status_code == 302


def test_the_throttle_stores_no_user_name(settings: LazySettings, cast: dict[str, StaffMember]) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}}
    for _attempt in range(5):
        login("lima_investigator", password="wrong " + PASSWORD, otp_token="123456")
    stored = " ".join(str(key) for key in getattr(cache, "_cache", {}))
    assert "staff-login-locked:" in stored
    assert "lima_investigator" not in stored.lower()


def test_an_administrator_can_clear_a_lock(cast: dict[str, StaffMember]) -> None:
    for _attempt in range(5):
        login("manager", password="wrong " + PASSWORD, otp_token="123456")
    admin = staff_client("admin")
    response = admin.post("/staff/account/totp/", {"user": cast["manager"].user_id, "action": "unlock"})
    assert response.status_code == 302
    assert login("manager", otp_token=totp_code("manager")).status_code == 302


# Idle timeout ---------------------------------------------------------------------------------


def test_idle_staff_are_logged_out_and_lose_the_vault(
    cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = in_english(staff_client("lima_investigator"))
    move_clock(monkeypatch, 10 * 60)
    assert client.get("/staff/").status_code == 200
    move_clock(monkeypatch, 20 * 60)  # 10 minutes after the last request: still in
    assert client.get("/staff/").status_code == 200
    move_clock(monkeypatch, 35 * 60 + 1)  # 15 minutes and a second later: out
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert response.cookies[settings.VAULT_COOKIE_NAME].value == ""
    page = client.get(response["Location"]).content.decode()
    assert "You were logged out after 15 minutes without activity." in page
    assert client.get("/staff/").status_code == 302


def test_the_idle_timeout_is_a_setting(
    settings: LazySettings, cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 60
    client = staff_client("manager")
    move_clock(monkeypatch, 61)
    assert client.get("/staff/account/").status_code == 302


def test_the_public_side_has_no_idle_timeout(cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch) -> None:
    client = staff_client("manager")
    move_clock(monkeypatch, 3600)
    assert client.get("/").status_code == 200
    assert settings.VAULT_COOKIE_NAME not in client.get("/").cookies


# Logout everywhere ----------------------------------------------------------------------------


def test_logout_everywhere_ends_every_session_of_that_user_only(cast: dict[str, StaffMember]) -> None:
    here, elsewhere = in_english(staff_client("lima_investigator")), staff_client("lima_investigator")
    colleague = staff_client("lima_supervisor")
    page = here.get("/staff/account/").content.decode()
    assert "Log out on all devices" in page
    response = here.post("/staff/account/logout-everywhere/")
    assert response.status_code == 302
    assert response.cookies[settings.VAULT_COOKIE_NAME].value == ""
    assert "logged out on all devices" in here.get(response["Location"]).content.decode()
    assert here.get("/staff/").status_code == 302
    assert elsewhere.get("/staff/").status_code == 302
    assert colleague.get("/staff/").status_code == 200


def test_logout_everywhere_needs_a_post(cast: dict[str, StaffMember]) -> None:
    assert staff_client("manager").get("/staff/account/logout-everywhere/").status_code == 405


# Password change ------------------------------------------------------------------------------


def change_password(client: Client, old: str = PASSWORD, new: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/staff/account/password/", {"old_password": old, "new_password1": new, "new_password2": new})


def test_a_password_change_rewraps_the_key(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="The north gate guard takes money.")
    tip_url = f"/staff/tips/{tip.public_id}/"
    client = staff_client("lima_investigator")
    other_session = staff_client("lima_investigator")
    old_ciphertext = bytes(StaffMember.objects.get(pk=cast["lima_investigator"].pk).private_key_ct)

    response = change_password(client)
    assert response.status_code == 302, response.content.decode()[:2000]
    # Still logged in here, with working keys; the other session is over.
    assert "The north gate guard takes money." in client.get(tip_url).content.decode()
    assert other_session.get("/staff/").status_code == 302

    member = StaffMember.objects.get(pk=cast["lima_investigator"].pk)
    assert bytes(member.private_key_ct) != old_ciphertext
    assert member.user.check_password(NEW_PASSWORD)

    refused = login("lima_investigator", otp_token=totp_code("lima_investigator"))
    assert refused.status_code == 200
    fresh = staff_client("lima_investigator", password=NEW_PASSWORD)
    assert "The north gate guard takes money." in fresh.get(tip_url).content.decode()


def test_a_wrong_old_password_changes_nothing(cast: dict[str, StaffMember]) -> None:
    client = staff_client("lima_investigator")
    before = bytes(StaffMember.objects.get(pk=cast["lima_investigator"].pk).private_key_ct)
    response = change_password(client, old="wrong " + PASSWORD)
    assert response.status_code == 400
    member = StaffMember.objects.get(pk=cast["lima_investigator"].pk)
    assert bytes(member.private_key_ct) == before
    assert member.user.check_password(PASSWORD)


def test_the_new_password_must_pass_the_validators(cast: dict[str, StaffMember]) -> None:
    response = change_password(staff_client("manager"), new="short")
    assert response.status_code == 400
    assert get_user_model().objects.get(username="manager").check_password(PASSWORD)


# Enrolment ------------------------------------------------------------------------------------


def test_an_administrator_enrols_an_authenticator_and_its_codes_work(cast: dict[str, StaffMember]) -> None:
    old_device = staff_totp_device(user=cast["lima_investigator"].user)
    assert old_device is not None
    session_with_old_device = staff_client("lima_investigator")
    admin = in_english(staff_client("admin"))
    assert admin.get("/staff/account/totp/").status_code == 200

    response = admin.post("/staff/account/totp/", {"user": cast["lima_investigator"].user_id, "action": "enrol"})
    assert response.status_code == 200
    page = response.content.decode()
    secret_match = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page)
    assert secret_match is not None
    secret = secret_match.group(1)
    assert f"otpauth://totp/Tipline%3Alima_investigator?secret={secret}" in page.replace("&amp;", "&")
    assert 'src="data:image/svg+xml;base64,' in page
    assert "<script" not in page

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    code = f"{totp(key):06d}"
    assert login("lima_investigator", otp_token=code).status_code == 302
    # The phone enrolled before no longer works, nor do sessions verified with it.
    assert not TOTPDevice.objects.filter(pk=old_device.pk).exists()
    assert session_with_old_device.get("/staff/").status_code == 302
    old_code = f"{totp(old_device.bin_key):06d}"
    if old_code != code:
        assert login("lima_investigator", otp_token=old_code).status_code == 200


@pytest.mark.parametrize(
    "username", ["lima_investigator", "lima_supervisor", "norte_investigator", "national_investigator", "manager"]
)
def test_only_administrators_reach_the_enrolment_page(cast: dict[str, StaffMember], username: str) -> None:
    client = staff_client(username)
    assert client.get("/staff/account/totp/").status_code == 404
    target = cast["manager"].user_id
    assert client.post("/staff/account/totp/", {"user": target, "action": "enrol"}).status_code == 404
    assert "/staff/account/totp/" not in client.get("/staff/account/").content.decode()


def test_anonymous_visitors_are_sent_to_login_from_account_pages(db: None) -> None:
    for url in ("/staff/account/", "/staff/account/password/", "/staff/account/totp/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")


# Commands -------------------------------------------------------------------------------------


def test_enrol_totp_prints_a_working_secret(cast: dict[str, StaffMember]) -> None:
    out = StringIO()
    call_command("enrol_totp", username="manager", stdout=out)
    secret = re.search(r"Secret \(base32\): ([A-Z2-7]+)", out.getvalue())
    assert secret is not None
    assert "otpauth://totp/" in out.getvalue()
    key = base64.b32decode(secret.group(1) + "=" * (-len(secret.group(1)) % 8))
    assert login("manager", otp_token=f"{totp(key):06d}").status_code == 302


def test_enrol_totp_refuses_non_staff(db: None) -> None:
    get_user_model().objects.create_user(username="plain", password=PASSWORD)
    with pytest.raises(CommandError):
        call_command("enrol_totp", username="plain", stdout=StringIO())


def test_totp_code_works_only_with_debug_on(settings: LazySettings, cast: dict[str, StaffMember]) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("totp_code", username="manager", stdout=StringIO())
    settings.DEBUG = True
    out = StringIO()
    call_command("totp_code", username="manager", stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert login("manager", otp_token=code).status_code == 302


def test_load_demo_enrols_the_published_secret(settings: LazySettings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE = tmp_path / "escrow" / "escrow.pub"
    settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE.unlink(missing_ok=True)
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo", synthetic=0, stdout=out)
    assert "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in out.getvalue()
    for username in ("investigator", "supervisor", "investigator_norte", "investigator_national", "manager", "admin"):
        device = staff_totp_device(user=get_user_model().objects.get(username=username))
        assert device is not None and device.key == settings.TIPLINE_DEMO_TOTP_KEY
    code = StringIO()
    call_command("totp_code", username="investigator", stdout=code)
    response = login("investigator", password=settings.TIPLINE_DEMO_PASSWORD, otp_token=code.getvalue().strip())
    assert response.status_code == 302
    call_command("load_demo", stdout=StringIO())  # idempotent: the devices stay
    from demo.management.commands.load_demo import STAFF

    # The unit staff and the identity custodian (demo/custodian.py), who belongs to no unit.
    assert TOTPDevice.objects.count() == len(STAFF) + 1


# Audit ----------------------------------------------------------------------------------------


def test_account_actions_are_audited(cast: dict[str, StaffMember]) -> None:
    manager = cast["manager"].user
    login("manager", password="wrong " + PASSWORD, otp_token="123456")
    login("nobody-" + PASSWORD, otp_token="123456")  # no such account: nothing recorded
    client = staff_client("manager")
    change_password(client)
    client.post("/staff/account/logout-everywhere/")
    staff_client("admin").post("/staff/account/totp/", {"user": manager.pk, "action": "enrol"})

    events = list(AuditEvent.objects.filter(target_type="user").order_by("seq"))
    assert [(e.action, e.actor_username) for e in events] == [
        (AuditAction.LOGIN_FAILED, ""),
        (AuditAction.LOGIN, "manager"),
        (AuditAction.PASSWORD_CHANGED, "manager"),
        (AuditAction.LOGOUT_EVERYWHERE, "manager"),
        (AuditAction.LOGIN, "admin"),
        (AuditAction.TOTP_ENROLLED, "admin"),
    ]
    assert {e.target_id for e in events if e.actor_username != "admin"} == {str(manager.pk)}
    assert events[0].details == {"reason": "invalid_login", "locked": False}
    assert not any(PASSWORD in str(e.details) or "nobody" in str(e.details) for e in events)


@pytest.mark.parametrize("username", ["\x00", "lima_investigator\x00"])
def test_a_user_name_with_a_nul_byte_is_a_failed_login_not_an_error(
    cast: dict[str, StaffMember], username: str
) -> None:
    response = login(username, otp_token="12345\x00")
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).exists()
