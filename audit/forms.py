"""The auditors' filter form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any action")), *AuditAction.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    actor = forms.CharField(
        label=_("Username"), required=False, max_length=150, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    unit = forms.IntegerField(
        label=_("Unit id"), required=False, min_value=1, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
