"""Staff authentication forms: log in with password and TOTP code, change password, enrol a TOTP device."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import (
    login_attempt_allowed,
    login_busy_message,
    login_failure_record,
    login_lockout_message,
    login_throttle_locked,
    username_normalise,
)
from accounts.services import staff_login_failure_record, staff_totp_device, totp_is_demo_key
from tipline.forms import inline_form_helper

TOTP_DIGITS = 6


def _error_code(error: forms.ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return next((e.code for errors in error.error_dict.values() for e in errors if e.code), "invalid")
    return error.code or "invalid"


class StaffLoginForm(AuthenticationForm):
    """User name, password and the 6-digit code from the staff member's authenticator, in one form.

    Refuses the published demo password and demo TOTP secret unless DEBUG is on,
    every attempt for a user name locked by too many failures (under any spelling:
    user names are compared normalised), and every attempt over the limit for all
    user names together (TIPLINE_LOGIN_ATTEMPTS_PER_MINUTE).
    """

    otp_token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        required=False,
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "size": 8}
        ),
    )

    error_messages = {
        # One message for a wrong password and for a right password with a wrong code, so that a guess
        # never learns whether the password was right (finding 2 of the pen test).
        "invalid_login": _(
            "The user name, password or code is not right. The password is case-sensitive. Enter the newest "
            "code from your authenticator app, and check that your phone sets its clock automatically."
        ),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.otp_device: TOTPDevice | None = None
        self.helper = inline_form_helper()

    def clean(self) -> dict[str, Any]:
        # Every spelling of a name ("ＬＩＭＡ", "Lima") shares the lock, the account and the audit trail.
        username = username_normalise(str(self.data.get("username", "")))
        if username and login_throttle_locked(username=username):
            raise forms.ValidationError(login_lockout_message(), code="throttled")
        # Before any password hash: a flood over many names is refused without running Argon2.
        if not login_attempt_allowed():
            raise forms.ValidationError(login_busy_message(), code="busy")
        if self.cleaned_data.get("username"):
            self.cleaned_data["username"] = username  # the name the account was created under
        try:
            return self._clean_credentials()
        except forms.ValidationError as error:
            if username:
                locked = login_failure_record(username=username)
                staff_login_failure_record(username=username, reason=_error_code(error), locked=locked)
            raise

    def _wrong_credentials(self, code: str) -> forms.ValidationError:
        """The error of a wrong password, under another code for the audit log."""
        return forms.ValidationError(self.error_messages["invalid_login"], code=code)

    def _clean_credentials(self) -> dict[str, Any]:
        if not settings.DEBUG and self.data.get("password") == settings.TIPLINE_DEMO_PASSWORD:
            raise forms.ValidationError(_("The demo password only works on a demo server (DEBUG on)."), code="demo")
        token = "".join(str(self.cleaned_data.get("otp_token") or "").split())
        if not (len(token) == TOTP_DIGITS and token.isdigit()):
            # Checked before the password, so a guess without a code learns nothing about the password.
            raise forms.ValidationError(
                {"otp_token": _("Enter the 6-digit code from your authenticator app.")}, code="token_required"
            )
        # For an unknown name, Django's ModelBackend hashes the password all the same, so it costs
        # what a known name with a wrong password costs; the keys are unwrapped only after success.
        cleaned = super().clean()
        user = self.get_user()
        if user is None:  # user name or password missing: their fields carry the errors
            return cleaned
        if not hasattr(user, "staff"):
            raise self._wrong_credentials("no_role")
        self.otp_device = self._verified_device(user, token)
        return cleaned

    def _verified_device(self, user: User, token: str) -> TOTPDevice:
        # The password was right. The two errors below tell the person what to ask an administrator
        # for; only someone who knows the password of an account in that state can see them.
        device = staff_totp_device(user=user)
        if device is None:
            raise forms.ValidationError(
                _("Your account has no authenticator yet. Ask an administrator to enrol your authenticator."),
                code="no_device",
            )
        if not settings.DEBUG and totp_is_demo_key(device):
            raise forms.ValidationError(
                _(
                    "This authenticator uses the published demo secret, which only works on a demo server (DEBUG on). "
                    "Ask an administrator to enrol your authenticator."
                ),
                code="demo_device",
            )
        # A wrong code, a code used before, or too many wrong codes in a row: all read as a wrong password.
        allowed, _detail = device.verify_is_allowed()
        if not allowed:
            raise self._wrong_credentials("device_throttled")
        verified = verify_token(user, device.persistent_id, token)
        if verified is None:
            raise self._wrong_credentials("invalid_token")
        return verified


class StaffPasswordChangeForm(PasswordChangeForm):
    """Old password and the new one twice, checked by Django's password validators."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


class StaffOwnPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """After an administrator's reset: the member's own new password twice, never the temporary one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()

    def clean_new_password1(self) -> str:
        password: str = self.cleaned_data["new_password1"]
        if self.user.check_password(password):
            raise forms.ValidationError(
                _("Choose a password of your own: not the temporary one the administrator gave you."),
                code="temporary_password",
            )
        return password


class TotpEnrolForm(forms.Form):
    """Choose the staff member who gets a new authenticator."""

    user = forms.ModelChoiceField(
        label=_("Staff member"),
        queryset=get_user_model().objects.filter(staff__isnull=False, is_active=True).order_by("username"),
        help_text=_("Any authenticator this person used before stops working."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()
