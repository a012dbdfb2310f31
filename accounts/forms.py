"""Staff authentication forms: log in with password and TOTP code, change password, enrol a TOTP device."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import login_failure_record, login_lockout_message, login_throttle_locked
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
    and every attempt for a user name locked by too many failures.
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
        "invalid_login": _("That user name and password do not match. Both are case-sensitive."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.otp_device: TOTPDevice | None = None
        self.helper = inline_form_helper()

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username", ""))
        if username and login_throttle_locked(username=username):
            raise forms.ValidationError(login_lockout_message(), code="throttled")
        try:
            return self._clean_credentials()
        except forms.ValidationError as error:
            if username:
                locked = login_failure_record(username=username)
                staff_login_failure_record(username=username, reason=_error_code(error), locked=locked)
            raise

    def _clean_credentials(self) -> dict[str, Any]:
        if not settings.DEBUG and self.data.get("password") == settings.TIPLINE_DEMO_PASSWORD:
            raise forms.ValidationError(_("The demo password only works on a demo server (DEBUG on)."), code="demo")
        token = "".join(str(self.cleaned_data.get("otp_token") or "").split())
        if not (len(token) == TOTP_DIGITS and token.isdigit()):
            # Checked before the password, so a guess without a code learns nothing about the password.
            raise forms.ValidationError(
                {"otp_token": _("Enter the 6-digit code from your authenticator app.")}, code="token_required"
            )
        cleaned = super().clean()
        user = self.get_user()
        if user is None:  # user name or password missing: their fields carry the errors
            return cleaned
        if not hasattr(user, "staff"):
            raise forms.ValidationError(_("This account has no staff role."), code="no_role")
        self.otp_device = self._verified_device(user, token)
        return cleaned

    def _verified_device(self, user: User, token: str) -> TOTPDevice:
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
        allowed, _detail = device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(
                _("Too many wrong codes in a row. Wait a minute, then try the newest code."), code="device_throttled"
            )
        verified = verify_token(user, device.persistent_id, token)
        if verified is None:
            raise forms.ValidationError(
                {
                    "otp_token": _(
                        "That code is not right, or was already used. Enter the newest code; "
                        "check that your phone's clock is set automatically."
                    )
                },
                code="invalid_token",
            )
        return verified


class StaffPasswordChangeForm(PasswordChangeForm):
    """Old password and the new one twice, checked by Django's password validators."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


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
