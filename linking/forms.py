"""Staff forms for recording entities and merging suggested cases."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linking.models import EntityKind, PersonRole, Verdict
from linking.normalise import normalise
from tipline.forms import inline_form_helper

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
