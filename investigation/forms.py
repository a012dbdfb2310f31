"""Staff forms of a case's investigation: a task, its completion, an interview.

Each form renders inside the case page, beside the page's own forms: its fields get
ids of their own (`auto_id`), so none clashes with the case's forms (their
`id_assignee`, `id_body`, ...).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffMember
from cases.forms import MemberChoiceField
from tipline.forms import REPLY_MAX, BrowserDateInput, inline_form_helper

INTERVIEWEE_MAX = 300


class _InvestigationForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


class TaskForm(_InvestigationForm):
    what = forms.CharField(
        label=_("Task"),
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Encrypted; only your unit reads it. Reminders say only that a task is due."),
    )
    assignee = MemberChoiceField(label=_("Who does it"), queryset=StaffMember.objects.none(), empty_label=None)
    due_on = forms.DateField(label=_("By when"), required=False, widget=BrowserDateInput())

    def __init__(self, *args: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="task_%s", **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers


class TaskChangeForm(_InvestigationForm):
    assignee = MemberChoiceField(label=_("Who does it"), queryset=StaffMember.objects.none(), empty_label=None)
    due_on = forms.DateField(label=_("By when"), required=False, widget=BrowserDateInput())

    def __init__(self, *args: Any, workers: Any, prefix_id: str = "change", **kwargs: Any) -> None:
        super().__init__(*args, auto_id=f"{prefix_id}_%s", **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers


class TaskDoneForm(_InvestigationForm):
    result = forms.CharField(
        label=_("Result (optional)"),
        required=False,
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, prefix_id: str = "done", **kwargs: Any) -> None:
        super().__init__(*args, auto_id=f"{prefix_id}_%s", **kwargs)


class InterviewForm(_InvestigationForm):
    held_on = forms.DateField(label=_("Held on"), widget=BrowserDateInput())
    interviewee = forms.CharField(
        label=_("Person interviewed"),
        max_length=INTERVIEWEE_MAX,
        help_text=_("Encrypted, like the summary."),
    )
    summary = forms.CharField(label=_("Summary"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, auto_id="interview_%s", **kwargs)
