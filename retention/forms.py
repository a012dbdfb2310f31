"""Forms of the case page's retention section: placing and lifting a legal hold."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from retention.models import LegalHold
from tipline.forms import inline_form_helper


class LegalHoldPlaceForm(forms.Form):
    prefix = "hold"

    reason = forms.CharField(
        label=_("Why the case must be kept (a court order, an appeal...)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


class LegalHoldLiftForm(forms.Form):
    prefix = "lift"

    hold = forms.ModelChoiceField(queryset=LegalHold.objects.none(), to_field_name="public_id", label=_("Legal hold"))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hold"].queryset = LegalHold.objects.filter(case=case, lifted_on__isnull=True)  # type: ignore[attr-defined]
        self.helper = inline_form_helper()
