"""Staff authentication forms."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class StaffLoginForm(AuthenticationForm):
    """Login that refuses the published demo password unless DEBUG is on."""

    error_messages = {
        "invalid_login": _("That user name and password do not match. Both are case-sensitive."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self) -> dict[str, Any]:
        if not settings.DEBUG and self.data.get("password") == settings.TIPLINE_DEMO_PASSWORD:
            raise forms.ValidationError(_("The demo password only works on a demo server (DEBUG on)."), code="demo")
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and not hasattr(user, "staff"):
            raise forms.ValidationError(_("This account has no staff role."), code="no_role")
        return cleaned
