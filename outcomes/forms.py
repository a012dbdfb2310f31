"""Forms of the case page's outcome section, the referral file page and its verification."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from outcomes.models import (
    Authority,
    PersonConcerned,
    PersonOutcome,
    PersonRole,
    Proceeding,
    ProceedingStage,
    Referral,
    ReferralStatus,
    Sanction,
)
from outcomes.selectors import INTERVIEWS, PERSONS_NAMES, TASKS, CaseFile
from outcomes.services import SUSPENSION_DAYS_MAX
from tipline.forms import BrowserDateInput, inline_form_helper

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# How much of a message or note the referral file page shows beside its checkbox, to tell them apart.
EXCERPT_CHARS = 80


class _OutcomeForm(forms.Form):
    """A form of the outcome section; `prefix` keeps its field ids apart from the case page's other forms."""

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)
        self.case = case
        self.helper = inline_form_helper()

    prefix_name = "outcome"


class _PublicIdChoice(forms.ModelChoiceField):
    """Rows chosen by their public UUID: a sequential id in the page would tell how many there are in all."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, to_field_name="public_id", **kwargs)


class PersonChoiceField(_PublicIdChoice):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.get_role_display()}"


class ProceedingChoiceField(_PublicIdChoice):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} · {obj.get_stage_display()}"


class ReferralChoiceField(_PublicIdChoice):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_authority_display()} · {obj.sent_on:%d/%m/%Y}"


class PersonAddForm(_OutcomeForm):
    prefix_name = "person"
    role = forms.ChoiceField(label=_("Role"), choices=PersonRole.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    details = forms.CharField(
        label=_("Details (position, ID number, pavilion)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PersonOutcomeForm(_OutcomeForm):
    prefix_name = "person_outcome"
    person = PersonChoiceField(label=_("Person"), queryset=PersonConcerned.objects.none())
    outcome = forms.ChoiceField(label=_("Outcome"), choices=PersonOutcome.choices)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["person"].queryset = PersonConcerned.objects.filter(case=case)  # type: ignore[attr-defined]


class ProceedingOpenForm(_OutcomeForm):
    prefix_name = "proceeding"
    person = PersonChoiceField(
        label=_("Person"), queryset=PersonConcerned.objects.none(), required=False, empty_label=_("Not known yet")
    )
    reference = forms.CharField(label=_("Reference (file number)"), max_length=100)
    opened_on = forms.DateField(label=_("Opened on"), widget=BrowserDateInput())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["person"].queryset = PersonConcerned.objects.filter(case=case)  # type: ignore[attr-defined]
        self.fields["opened_on"].initial = timezone.localdate()


class ProceedingUpdateForm(_OutcomeForm):
    prefix_name = "proceeding_update"
    proceeding = ProceedingChoiceField(label=_("Proceeding"), queryset=Proceeding.objects.none())
    stage = forms.ChoiceField(label=_("Stage"), choices=ProceedingStage.choices)
    sanction = forms.ChoiceField(label=_("Sanction"), choices=Sanction.choices, required=False)
    suspension_days = forms.IntegerField(
        label=_("Days of suspension"), required=False, min_value=1, max_value=SUSPENSION_DAYS_MAX
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["proceeding"].queryset = Proceeding.objects.filter(case=case)  # type: ignore[attr-defined]


class ReferralSendForm(_OutcomeForm):
    prefix_name = "referral"
    authority = forms.ChoiceField(label=_("Authority"), choices=Authority.choices)
    reference = forms.CharField(label=_("Their reference"), max_length=100, required=False)
    sent_on = forms.DateField(label=_("Sent on"), widget=BrowserDateInput())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["sent_on"].initial = timezone.localdate()


class ReferralUpdateForm(_OutcomeForm):
    prefix_name = "referral_update"
    referral = ReferralChoiceField(label=_("Referral"), queryset=Referral.objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
    reference = forms.CharField(label=_("Their reference"), max_length=100, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["referral"].queryset = Referral.objects.filter(case=case)  # type: ignore[attr-defined]


class PlatformCodeForm(_OutcomeForm):
    prefix_name = "platform"
    code = forms.CharField(label=_("National complaints platform code"), max_length=50)


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


class ReferralFileForm(forms.Form):
    """One "include" checkbox per item of the case that a referral file may leave out.

    By default the reports' descriptions and the messages are included; internal
    notes, persons' names, tasks and interviews are left out until chosen.
    """

    def __init__(self, *args: Any, data_file: CaseFile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()
        self.keys: list[str] = []
        referrals = Referral.objects.filter(case=data_file.case)
        if referrals.exists():
            self.fields["referral"] = ReferralChoiceField(
                label=_("For the referral"), queryset=referrals, required=False, empty_label=_("None in particular")
            )
        for number, tip in enumerate(data_file.tips, start=1):
            self._add(tip.description_key, _("Report %(n)s: description") % {"n": number}, tip.description, True)
            for message in tip.messages:
                who = _("whistleblower") if message.from_whistleblower else _("internal affairs")
                label = _("Report %(n)s: message from %(who)s, %(day)s") % {
                    "n": number,
                    "who": who,
                    "day": f"{message.created_on:%d/%m/%Y}",
                }
                self._add(message.key, label, message.body, True)
        for note in data_file.notes:
            label = _("Internal note by %(author)s, %(day)s") % {
                "author": note.author,
                "day": f"{note.created_on:%d/%m/%Y}",
            }
            self._add(note.key, label, note.body, False)
        if data_file.persons:
            self._add(PERSONS_NAMES, _("Names of the persons concerned (otherwise by code only)"), "", False)
        if data_file.tasks:
            self._add(TASKS, _("The investigation plan (tasks)"), "", False)
        if data_file.interviews:
            self._add(INTERVIEWS, _("The interview records"), "", False)

    def _add(self, key: str, label: StrOrPromise, text: str, default: bool) -> None:
        self.keys.append(key)
        self.fields[key] = forms.BooleanField(
            label=label, required=False, initial=default, help_text=_excerpt(text) if text else ""
        )

    def included(self) -> set[str]:
        """Return the keys of the items chosen for the file."""
        return {key for key in self.keys if self.cleaned_data.get(key)}


class ReferralFileVerifyForm(forms.Form):
    file = forms.FileField(label=_("The referral file (PDF) to check"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()
