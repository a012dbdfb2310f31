"""Staff forms for case work."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from tipline.forms import REPLY_MAX


class QuestionForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the whistleblower"),
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The whistleblower reads this when they come back with their tracking code."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
