"""Writes behind staff accounts: TOTP enrolment, password change with key re-wrap, logging out, ending sessions.

Each writes its audit entry inside the transaction of the change it records.
"""

from __future__ import annotations

import base64
import io
from binascii import unhexlify
from importlib import import_module

import segno
from django.conf import settings
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

import envelope
from accounts.keys import staff_private_key
from accounts.models import StaffMember
from audit.models import AuditAction
from audit.services import audit_record

TOTP_DEVICE_NAME = "authenticator"


def staff_totp_device(*, user: User) -> TOTPDevice | None:
    """Return the user's confirmed TOTP device, or None if they have not been enrolled."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def staff_totp_enrol(*, user: User, enrolled_by: User | None = None, key_hex: str | None = None) -> TOTPDevice:
    """Give a user a new confirmed TOTP device, replacing any earlier one (which stops working).

    The key is random unless `key_hex` is given (only the demo does that). Sessions
    verified with a replaced device stop counting as verified. `enrolled_by` is the
    administrator, or None for a management command.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, key=key_hex or default_key(), confirmed=True
        )
        audit_record(actor=enrolled_by, action=AuditAction.TOTP_ENROLLED, target_type="user", target_id=user.pk)
    return device


def totp_is_demo_key(device: TOTPDevice) -> bool:
    """Return whether the device uses the published demo secret."""
    return device.key.lower() == settings.TIPLINE_DEMO_TOTP_KEY.lower()


def totp_key_base32(key_hex: str) -> str:
    """Return a hex TOTP key (as django-otp stores it) in base32, as authenticator apps take it."""
    return base64.b32encode(unhexlify(key_hex)).decode("ascii").rstrip("=")


def totp_secret_base32(device: TOTPDevice) -> str:
    """Return the device's secret as authenticator apps expect it typed in."""
    return totp_key_base32(device.key)


def totp_qr_data_uri(config_url: str) -> str:
    """Return an otpauth:// URL drawn as a QR code, as an SVG data URI for an <img> (CSP: img-src data:)."""
    buffer = io.BytesIO()
    segno.make(config_url, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def staff_private_key_rewrap(*, member: StaffMember, private_key: bytes, new_password: str) -> None:
    """Encrypt the member's private key under a new password, with a fresh salt (not saved here).

    Uses the same KDF cost and associated data as accounts.keys.staff_member_create,
    so staff_private_key() and staff_unlock_keys() open the result.
    """
    envelope.check_private_key(private_key, public_key=bytes(member.public_key))
    member.private_key_ct, member.key_salt = envelope.wrap_staff_private_key(
        user_id=member.user_id, private_key=private_key, password=new_password
    )


def staff_keys_choose(*, member: StaffMember, new_password: str) -> None:
    """Let a member whose password an administrator reset choose their own, and give them a new key pair.

    The temporary password the administrator set never wraps a key: the key pair
    is created here, under the password only the member knows, in one transaction
    with the password and the audit entry. Raises ValueError if the member is not
    awaiting their own password, or if the new one is the temporary one.
    """
    user = member.user
    if not member.awaiting_own_password:
        raise ValueError("only a member whose password was reset chooses a new one this way")
    if user.check_password(new_password):
        raise ValueError("the new password must not be the temporary one")
    keys = envelope.new_staff_keys(user_id=user.pk, password=new_password)
    member.public_key, member.private_key_ct, member.key_salt = keys.public_key, keys.private_key_ct, keys.key_salt
    member.awaiting_own_password = False
    user.set_password(new_password)
    with transaction.atomic():
        user.save(update_fields=["password"])
        member.save(update_fields=["public_key", "private_key_ct", "key_salt", "awaiting_own_password"])
        audit_record(
            actor=user,
            action=AuditAction.PASSWORD_CHANGED,
            target_type="user",
            target_id=user.pk,
            details={"chosen_after_reset": True, "key_pair": "new"},
        )


def staff_login_record(*, user: User) -> None:
    """Record a successful staff login in the audit log."""
    audit_record(actor=user, action=AuditAction.LOGIN, target_type="user", target_id=user.pk)


def staff_login_failure_record(*, username: str, reason: str, locked: bool) -> None:
    """Record a failed login in the audit log if the user name belongs to a staff account.

    Names that match no account are not recorded: people type passwords into the
    user name field, and the log is kept for ever. The actor is unknown (None).
    """
    if "\x00" in username:
        return  # no account has one, and PostgreSQL refuses NUL in a text parameter
    user = User.objects.filter(username=username, staff__isnull=False).first()
    if user is not None:
        audit_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            target_type="user",
            target_id=user.pk,
            details={"reason": reason, "locked": locked},
        )


def staff_password_change(*, member: StaffMember, old_password: str, new_password: str) -> None:
    """Change a staff member's password and re-wrap their private key under it, in one transaction.

    Raises CryptoError (and changes nothing) if the old password does not open the key.
    Unit keys are sealed to the member's public key, which does not change, so every
    grant keeps working.
    """
    private_key = staff_private_key(member=member, password=old_password)
    staff_private_key_rewrap(member=member, private_key=private_key, new_password=new_password)
    user = member.user
    user.set_password(new_password)
    with transaction.atomic():
        user.save(update_fields=["password"])
        member.save(update_fields=["key_salt", "private_key_ct"])
        audit_record(actor=user, action=AuditAction.PASSWORD_CHANGED, target_type="user", target_id=user.pk)


def staff_logout(*, request: HttpRequest, reason: str = "") -> None:
    """End the request's session and record the logout, in one transaction.

    `reason` says why when the member did not ask ("idle" for the idle timeout).
    """
    user = request.user
    with transaction.atomic():
        if user.is_authenticated:
            audit_record(
                actor=user,  # type: ignore[arg-type]
                action=AuditAction.LOGOUT,
                target_type="user",
                target_id=str(user.pk),
                details={"reason": reason} if reason else None,
            )
        auth_logout(request)


def staff_sessions_end_all(*, user: User) -> int:
    """Delete every session in which `user` is logged in, on any device, and record it; return how many.

    The deletions and the audit entry are one transaction. The session store has no
    index by user, so this decodes every unexpired session: one signature check and
    JSON parse each, which is milliseconds for the few thousand staff and follow-up
    sessions this service holds at a time. Works with the "db" and "cached_db"
    session engines (deleting through the engine's SessionStore also drops the
    cached copy).
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    user_id = str(user.pk)
    ended = 0
    with transaction.atomic():
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if str(session.get_decoded().get("_auth_user_id")) == user_id:
                store_class(session_key=session.session_key).delete()
                ended += 1
        audit_record(
            actor=user,
            action=AuditAction.LOGOUT_EVERYWHERE,
            target_type="user",
            target_id=user.pk,
            details={"sessions": ended},
        )
    return ended
