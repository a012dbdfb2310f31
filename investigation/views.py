"""Staff views of a case's investigation: plan a task, mark it done, change it, record an interview.

All are POSTs from the case page's forms: look the case up (404 for anything the
member may not read), validate the form, call one service, and go back to the case
page's plan. A refused action says why and changes nothing.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import StaffMember
from accounts.security import staff_required
from cases.models import Case
from cases.permissions import CaseActionRefused
from cases.selectors import case_visible_or_404, unit_workers
from envelope.vault import vault_open
from investigation import services
from investigation.forms import InterviewForm, TaskChangeForm, TaskDoneForm, TaskForm
from investigation.selectors import task_of_case


def _back(case: Case, anchor: str = "investigation-plan") -> HttpResponse:
    return redirect(f"{reverse('staff:case', kwargs={'public_id': case.public_id})}#{anchor}")


def _form_errors(form: TaskForm | TaskChangeForm | TaskDoneForm | InterviewForm) -> str:
    return " ".join(
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


@staff_required
@require_POST
def task_add(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    case = case_visible_or_404(member=member, public_id=public_id)
    form = TaskForm(request.POST, workers=unit_workers(case=case))
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(case)
    try:
        services.task_add(
            case=case,
            actor=member,
            what=form.cleaned_data["what"],
            assignee=form.cleaned_data["assignee"],
            due_on=form.cleaned_data["due_on"],
            vault=vault_open(request),
        )
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Task added to the plan."))
    return _back(case)


@staff_required
@require_POST
def task_done(request: HttpRequest, member: StaffMember, public_id: uuid.UUID, task_id: uuid.UUID) -> HttpResponse:
    case = case_visible_or_404(member=member, public_id=public_id)
    task = task_of_case(case=case, public_id=task_id)
    if task is None:
        raise Http404
    form = TaskDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(case)
    try:
        services.task_done(task=task, actor=member, result=form.cleaned_data["result"], vault=vault_open(request))
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Task marked done."))
    return _back(case)


@staff_required
@require_POST
def task_change(request: HttpRequest, member: StaffMember, public_id: uuid.UUID, task_id: uuid.UUID) -> HttpResponse:
    case = case_visible_or_404(member=member, public_id=public_id)
    task = task_of_case(case=case, public_id=task_id)
    if task is None:
        raise Http404
    form = TaskChangeForm(request.POST, workers=unit_workers(case=case))
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(case)
    try:
        services.task_reassign(
            task=task, actor=member, assignee=form.cleaned_data["assignee"], due_on=form.cleaned_data["due_on"]
        )
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Task changed."))
    return _back(case)


@staff_required
@require_POST
def interview_record(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    case = case_visible_or_404(member=member, public_id=public_id)
    form = InterviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(case, "interviews")
    try:
        services.interview_record(
            case=case,
            actor=member,
            held_on=form.cleaned_data["held_on"],
            interviewee=form.cleaned_data["interviewee"],
            summary=form.cleaned_data["summary"],
            vault=vault_open(request),
        )
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Interview recorded."))
    return _back(case, "interviews")
