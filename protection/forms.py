"""Forms of the case page's protection section: the decision on a request, ending or extending a measure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import Case
from protection.models import MEASURE_EXPLANATIONS, MeasureKind, ProtectionMeasure
from protection.services import MeasureGrant
from tipline.forms import REPLY_MAX, BrowserDateInput, inline_form_helper


class _ProtectionForm(forms.Form):
    """A form of the protection section; `prefix` keeps its field ids apart from the case page's other forms."""

    prefix_name = "protection"

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)
        self.case = case
        self.helper = inline_form_helper()


@dataclass(frozen=True)
class MeasureRow:
    """One measure of the decision form: its name, what it means, its checkbox and its end date."""

    label: str
    explanation: str
    chosen: forms.BoundField
    until: forms.BoundField


class DecideForm(_ProtectionForm):
    """Granted or refused; for a grant, which measures and until when; a message to the whistleblower.

    One checkbox and one date per measure kind: the page works without JavaScript, so
    every measure a supervisor may grant is on it at once.
    """

    prefix_name = "decide"
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[
            ("1", pgettext_lazy("protection decision", "Granted")),
            ("0", pgettext_lazy("protection decision", "Refused")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Message to the whistleblower (sent after the measures, in your words)"),
        required=False,
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        for kind in MeasureKind:
            self.fields[f"measure_{kind.value}"] = forms.BooleanField(
                label=kind.label, required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
            )
            self.fields[f"until_{kind.value}"] = forms.DateField(
                label=_("Until (empty: until the case is closed)"),
                required=False,
                widget=BrowserDateInput(attrs={"class": "form-control form-control-sm"}),
            )

    def measure_rows(self) -> list[MeasureRow]:
        """Return one row per measure kind, for the template's table."""
        return [
            MeasureRow(
                label=str(kind.label),
                explanation=str(MEASURE_EXPLANATIONS[kind]),
                chosen=self[f"measure_{kind.value}"],
                until=self[f"until_{kind.value}"],
            )
            for kind in MeasureKind
        ]

    def measures(self) -> list[MeasureGrant]:
        """Return the chosen measures and their end dates (call after is_valid)."""
        return [
            (kind.value, self.cleaned_data.get(f"until_{kind.value}"))
            for kind in MeasureKind
            if self.cleaned_data.get(f"measure_{kind.value}")
        ]


class MeasureChoiceField(forms.ModelChoiceField):
    """A measure picked by its public UUID: a sequential id in the page would tell how many there are in all."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, to_field_name="public_id", **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        until = f"{obj.until:%d/%m/%Y}" if obj.until else "—"
        return f"{obj.get_kind_display()} · {obj.granted_on:%d/%m/%Y} → {until}"


def _current_measures(case: Case) -> Any:
    return ProtectionMeasure.objects.filter(case=case, ended_on__isnull=True)


class MeasureEndForm(_ProtectionForm):
    prefix_name = "measure_end"
    measure = MeasureChoiceField(label=_("Measure"), queryset=ProtectionMeasure.objects.none())
    on = forms.DateField(label=_("Ended on"), widget=BrowserDateInput())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["measure"].queryset = _current_measures(case)  # type: ignore[attr-defined]
        self.fields["on"].initial = timezone.localdate()


class MeasureExtendForm(_ProtectionForm):
    prefix_name = "measure_extend"
    measure = MeasureChoiceField(label=_("Measure"), queryset=ProtectionMeasure.objects.none())
    until = forms.DateField(label=_("New end date"), widget=BrowserDateInput())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["measure"].queryset = _current_measures(case).filter(  # type: ignore[attr-defined]
            until__isnull=False
        )
