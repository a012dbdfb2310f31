"""Staff forms for case work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffMember
from cases.models import Case, Priority
from cases.selectors import QueueFilters
from cases.statuses import CLOSED_STATUSES, CaseStatus
from org.models import Facility, Unit
from tipline.forms import REPLY_MAX, ReportForm, inline_form_helper
from tipline.models import Category, SmugglingChannel, Tip


class _CrispyForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.get_username())


class _PublicIdChoiceField(forms.ModelChoiceField):
    """A picker of tips or cases whose option values are their public UUIDs.

    A row's sequential id, shown in the page, would tell staff in what order reports
    arrived and, beside the day, roughly when (DESIGN.md section 8).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, to_field_name="public_id", **kwargs)


class TipChoiceField(_PublicIdChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.received_on:%d/%m/%Y} · {obj.facility}"


class CaseChoiceField(_PublicIdChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.received_on:%d/%m/%Y} · {obj.facility} · {obj.get_category_display()}"


def _any(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=_any(_("Open")) + CaseStatus.choices, required=False)
    facility = forms.ModelChoiceField(
        label=_("Prison"), queryset=Facility.objects.all(), required=False, empty_label=_("Any")
    )
    category = forms.ChoiceField(label=_("Category"), choices=_any(_("Any")) + Category.choices, required=False)
    smuggling_channel = forms.ChoiceField(
        label=_("How it got in"),
        choices=_any(_("Any")) + [c for c in SmugglingChannel.choices if c[0]],
        required=False,
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=_any(_("Any")) + Priority.choices, required=False)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    unread = forms.BooleanField(label=_("With an unread reply"), required=False)
    # The "Awaiting my action" tab above the queue; kept when other filters are applied.
    mine = forms.ChoiceField(choices=[("", ""), ("action", "action")], required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, workers: list[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody")),
            *[(str(w.pk), w.user.get_username()) for w in workers],
        ]

    def filters(self) -> QueueFilters:
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        facility = data.get("facility")
        return QueueFilters(
            status=data.get("status") or "",
            facility=facility.pk if facility else None,
            category=data.get("category") or "",
            smuggling_channel=data.get("smuggling_channel") or "",
            priority=data.get("priority") or "",
            assignee=data.get("assignee") or "",
            overdue=bool(data.get("overdue")),
            unread=bool(data.get("unread")),
            awaiting_action=data.get("mine") == "action",
        )


class TransitionForm(_CrispyForm):
    to = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(
        label=_("Reason (required to close)"),
        required=False,
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Internal: encrypted, never shown to the whistleblower."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        # No status preselected: an untouched menu must not submit a closing status.
        allowed = [(value, label) for value, label in CaseStatus.choices if case.can_transition_to(value)]
        field.choices = [("", _("— Choose —")), *allowed] if allowed else []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("to") in CLOSED_STATUSES and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for closing the case."))
        return cleaned


class AssignForm(_CrispyForm):
    assignee = MemberChoiceField(
        label=_("Assign to"), queryset=StaffMember.objects.none(), required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers


class PriorityForm(_CrispyForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class AcknowledgeForm(_CrispyForm):
    message = forms.CharField(
        label=_("Message to the whistleblower (optional)"),
        required=False,
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty to send the standard acknowledgement."),
    )


class NoteForm(_CrispyForm):
    body = forms.CharField(
        label=_("Internal note"),
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted; only your unit reads it; the whistleblower never sees it."),
    )


class MessageForm(_CrispyForm):
    tip = TipChoiceField(label=_("To the whistleblower of"), queryset=Tip.objects.none(), empty_label=None)
    body = forms.CharField(
        label=_("Message to the whistleblower"),
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The whistleblower reads this when they come back with their tracking code."),
    )
    is_feedback = forms.BooleanField(
        label=_("This message tells them what was done (counts as feedback)"), required=False
    )

    def __init__(self, *args: Any, tips: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tip"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = tips


class QuestionForm(_CrispyForm):
    """A message to the whistleblower from the page of one tip."""

    body = forms.CharField(
        label=_("Message to the whistleblower"),
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The whistleblower reads this when they come back with their tracking code."),
    )


class LinkForm(_CrispyForm):
    other = CaseChoiceField(label=_("Related case to merge into this one"), queryset=Case.objects.none())

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["other"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates


class TransferForm(_CrispyForm):
    unit = forms.ModelChoiceField(label=_("Transfer to unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.exclude(pk=case.unit_id).filter(keypairs__is_active=True).distinct()


class RecuseForm(_CrispyForm):
    member = MemberChoiceField(label=_("Recuse"), queryset=StaffMember.objects.none())

    def __init__(self, *args: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers


# The public form speaks to the whistleblower ("you"); the operator fills it in about the caller.
PHONE_WORDING: dict[str, tuple[Any, Any]] = {
    "facility": (_("Which prison did the caller report about?"), ""),
    "category": (_("What is the report about?"), ""),
    "smuggling_channel": (
        _("How did the item get in, according to the caller?"),
        _("Only if something was brought into the prison."),
    ),
    "when_period": (_("When did it happen, according to the caller?"), ""),
    "occurred_on": (_("Date, if the caller knows it"), _("For example 2026-11-03 or 03/11/2026.")),
    "description": (
        _("What did the caller report?"),
        _("Who, what, where and when, in the caller's words. Do not write down the caller's name here."),
    ),
    "staff_involved": (
        _("Did the caller say staff or internal affairs of this prison are involved?"),
        _("If yes, the report goes to the national internal-affairs office, not the local one."),
    ),
    "protection_requested": (
        _("Did the caller ask for protection?"),
        _(
            "Tick only if the caller asked for it. Internal affairs must decide within 15 working days "
            "(D.Leg. 1327); write in the contact field how to reach the caller."
        ),
    ),
    "contact": (
        _("The caller's contact details or name (only if they ask)"),
        _("Leave empty unless the caller asks to be contacted. It is encrypted like the rest."),
    ),
}


class PhoneReportForm(ReportForm):
    """The intake form, filled by a hotline operator while on the phone with the caller (no files).

    Its questions speak to the operator about the caller, not to a whistleblower.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["attachments"]
        for name, (label, help_text) in PHONE_WORDING.items():
            self.fields[name].label = label
            self.fields[name].help_text = help_text
