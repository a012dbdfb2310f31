"""Staff forms for recording entities and merging suggested cases."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linking.models import EntityKind, PersonRole, Verdict
from linking.normalise import normalise
from org.models import Facility
from tipline.forms import BrowserDateInput, inline_form_helper

VALUE_MAX = 200


class MentionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What it is"), choices=EntityKind.choices)
    person_role = forms.ChoiceField(label=_("For a person: who they are"), choices=PersonRole.choices, required=False)
    value = forms.CharField(
        label=_("As written in the report"),
        max_length=VALUE_MAX,
        help_text=_("Encrypted like the report. Only a keyed pseudonym of it is stored in the clear, to find links."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if kind and value and not normalise(kind, value):
            self.add_error("value", _("There is nothing to record in that value for this kind of entity."))
        return cleaned


class MergeForm(forms.Form):
    other = forms.UUIDField()


class CorrectionForm(forms.Form):
    """A member's own spelling of an entity the machine misread: it replaces the machine's."""

    value = forms.CharField(label=_("Correct value"), max_length=VALUE_MAX)


class VerdictForm(forms.Form):
    """An analyst's verdict on a suggested link: the other case (one's own unit's) or the link (another unit's)."""

    verdict = forms.ChoiceField(
        choices=[(Verdict.SAME, Verdict.SAME.label), (Verdict.NOT_SAME, Verdict.NOT_SAME.label)]
    )
    other = forms.UUIDField(required=False)
    link = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("other") and not cleaned.get("link"):
            raise forms.ValidationError(_("Choose the related case."))
        return cleaned


class LinkSearchForm(forms.Form):
    """Find a related case to link on the case page (GET): by title, prison, received dates or an entity named.

    Field names start with "link_" so they share the case page's query string with nothing else.
    """

    link_q = forms.CharField(label=_("Title contains"), required=False, max_length=VALUE_MAX)
    link_facility = forms.ModelChoiceField(
        label=_("Prison"), queryset=Facility.objects.all(), required=False, empty_label=_("Any")
    )
    link_from = forms.DateField(label=_("Received from"), required=False, widget=BrowserDateInput())
    link_to = forms.DateField(label=_("Received to"), required=False, widget=BrowserDateInput())
    link_kind = forms.ChoiceField(
        label=_("Entity named in a report"), choices=[("", _("Any")), *EntityKind.choices], required=False
    )
    link_entity = forms.CharField(label=_("As written"), required=False, max_length=VALUE_MAX)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, value = cleaned.get("link_kind"), cleaned.get("link_entity")
        if value and not kind:
            self.add_error("link_kind", _("Say what kind of entity it is."))
        elif kind and value and not normalise(kind, value):
            self.add_error("link_entity", _("There is nothing to look for in that value for this kind of entity."))
        return cleaned

    def has_criteria(self) -> bool:
        """Return whether the member asked for something (a bound form with any field filled)."""
        return self.is_bound and any(self.data.get(name) for name in self.fields)
