"""The whistleblower's protection forms at /followup/: ask for protection, answer a check-in, report retaliation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from protection.models import CheckIn
from tipline.forms import CONTACT_MAX, DESCRIPTION_MAX, REPLY_MAX, inline_form_helper
from tipline.models import StaffInvolved

# Form-token names (tipline/abuse.py): a token issued for one of these forms is refused by the others.
FORM_PROTECTION = "protection"
FORM_CHECK_IN = "check_in"
FORM_RETALIATION = "retaliation"

CONTACT_HELP = _(
    "Optional. Only the identity custodian of internal affairs can read it: the investigators see a code "
    "instead of your name or contact details (D.Leg. 1327). Leave it empty to stay anonymous."
)


class ProtectionRequestForm(forms.Form):
    contact = forms.CharField(
        label=_("How to reach you (optional)"),
        required=False,
        max_length=CONTACT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=CONTACT_HELP,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


class CheckInForm(forms.Form):
    answer = forms.ChoiceField(label=_("How are you?"), choices=CheckIn.Answer.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Anything you want to tell us (optional)"),
        required=False,
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("It is added to the messages of your report, encrypted like them."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


class RetaliationForm(forms.Form):
    description = forms.CharField(
        label=_("What is happening to you?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Who is doing it, what, where and since when, as far as you can say."),
    )
    staff_involved = forms.ChoiceField(
        label=_("Are staff or internal affairs of the prison involved?"),
        choices=StaffInvolved.choices,
        initial=StaffInvolved.UNKNOWN,
        widget=forms.RadioSelect,
    )
    contact = forms.CharField(
        label=_("How to reach you (optional)"),
        required=False,
        max_length=CONTACT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=CONTACT_HELP,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()
