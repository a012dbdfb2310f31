"""The form a member fills to ask for a reserved identity."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from identity.services import REASON_MIN_LENGTH
from tipline.forms import inline_form_helper


class DisclosureRequestForm(forms.Form):
    helper = inline_form_helper()

    reason = forms.CharField(
        label=_("Why you need this person's identity"),
        help_text=_("Only the identity custodian reads it. The whistleblower will be told your role and unit."),
        min_length=REASON_MIN_LENGTH,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
