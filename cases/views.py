"""Staff views: the unit's queue, a case and its actions, a tip, its attachments, phone intake.

Views look the object up (404 for anything the member may not read), validate a
form, call one service, and redirect. Services enforce who may do what.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import envelope
from accounts import permissions as roles
from accounts.models import Role, StaffMember
from accounts.security import staff_required
from cases import forms as case_forms
from cases import permissions, services
from cases.models import Case
from cases.permissions import CaseActionRefused
from cases.selectors import (
    case_queue,
    case_timeline,
    case_view,
    case_visible_or_404,
    link_candidates,
    tip_data_key,
    tip_visible_to,
    unit_workers,
)
from envelope.vault import vault_open
from tipline import safecopy
from tipline.models import Attachment, IntakeChannel, Tip
from tipline.selectors import AttachmentView, attachment_plaintext, tip_content
from tipline.services import IntakeUnavailable
from tipline.views import attachment_download


def _relogin(request: HttpRequest) -> HttpResponse:
    """The session's keys are gone (cookie lost or expired): log in again to unlock them."""
    auth_logout(request)
    messages.info(request, _("Please log in again to unlock your unit's keys."))
    return redirect(f"{reverse('staff:login')}?next={request.path}")


# --- the queue -----------------------------------------------------------------------------------------


@staff_required
@require_GET
def queue(request: HttpRequest, member: StaffMember) -> HttpResponse:
    # Each role's home: the operator's phone form, the auditor's log, the administrator's screens.
    if roles.can_enter_phone_tips(member):
        return redirect("staff:phone_intake")
    if roles.is_auditor(member):
        return redirect("audit:events")
    if roles.is_administrator(member):
        return redirect("organisation_admin:index")
    if roles.is_manager(member):
        return redirect("trends:dashboard")
    if roles.is_custodian(member):
        return redirect("identity:requests")
    if not roles.can_read_tips(member):
        return render(request, "cases/queue.html", {"member": member})
    workers = list(
        StaffMember.objects.filter(memberships__unit__in=member.memberships.values("unit"))
        .distinct()
        .select_related("user")
        .order_by("user__username")
    )
    form = case_forms.QueueFilterForm(request.GET or None, workers=workers)
    page = case_queue(
        member=member, filters=form.filters(), cursor=request.GET.get("after", ""), vault=vault_open(request)
    )
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "cases/queue.html",
        {"member": member, "form": form, "page": page, "query": query.urlencode()},
    )


# --- a case --------------------------------------------------------------------------------------------


@staff_required
@require_GET
def case_detail(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    case = case_visible_or_404(member=member, public_id=public_id)
    if case.erased_on is not None:
        # Deleted on its retention schedule: no key is left to open, only the clear metadata and timeline.
        context = {"member": member, "case": case, "events": case_timeline(case=case)}
        return render(request, "cases/case_erased.html", context)
    vault = vault_open(request)
    try:
        view = case_view(case=case, vault=vault)
    except (CaseActionRefused, envelope.CryptoError):
        return _relogin(request)
    services.tips_viewed_record(tips=[tip_view.tip for tip_view in view.tips], actor=member)
    services.case_replies_seen(case=case, actor=member)
    workers = unit_workers(case=case)
    context = {
        "member": member,
        "view": view,
        "case": case,
        "deadline_states": case.deadline_states(view.today),
        "can_supervise": permissions.can_supervise(member, case),
        "can_close": permissions.can_close(member, case),
        "transition_form": case_forms.TransitionForm(case=case),
        "assign_form": case_forms.AssignForm(workers=workers, initial={"assignee": case.assignee_id}),
        "priority_form": case_forms.PriorityForm(initial={"priority": case.priority}),
        "acknowledge_form": case_forms.AcknowledgeForm(),
        "note_form": case_forms.NoteForm(),
        "message_form": case_forms.MessageForm(
            tips=Tip.objects.filter(case_link__case=case).select_related("facility")
        ),
        "transfer_form": case_forms.TransferForm(case=case),
        "recuse_form": case_forms.RecuseForm(workers=workers.exclude(pk=member.pk)),
    }
    return render(request, "cases/case_detail.html", context)


CaseAction = Callable[[HttpRequest, Case, StaffMember, dict[str, bytes]], str | None]


def _action_acknowledge(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = case_forms.AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _("Check the acknowledgement message.")
    services.case_acknowledge(case=case, actor=member, vault=vault, message=form.cleaned_data["message"])
    messages.success(request, _("Acknowledged. The whistleblower will see your message."))
    return None


def form_errors(form: Form) -> str:
    """Return a form's errors as one message, for a case page form sent back with a problem."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _action_transition(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = case_forms.TransitionForm(request.POST, case=case)
    if not form.is_valid():
        return form_errors(form)
    services.case_transition(
        case=case, to=form.cleaned_data["to"], actor=member, reason=form.cleaned_data["reason"], vault=vault
    )
    messages.success(request, _("Status changed."))
    return None


def _action_assign(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = case_forms.AssignForm(request.POST, workers=unit_workers(case=case))
    if not form.is_valid():
        return _("Choose someone from the unit.")
    services.case_assign(case=case, assignee=form.cleaned_data["assignee"], actor=member)
    messages.success(request, _("Assignment saved."))
    return None


def _action_priority(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = case_forms.PriorityForm(request.POST)
    if not form.is_valid():
        return _("Choose a priority.")
    services.case_set_priority(case=case, priority=form.cleaned_data["priority"], actor=member)
    messages.success(request, _("Priority saved."))
    return None


def _action_note(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = case_forms.NoteForm(request.POST)
    if not form.is_valid():
        return _("Write the note first.")
    services.note_add(case=case, actor=member, body=form.cleaned_data["body"], vault=vault)
    messages.success(request, _("Note added."))
    return None


def _action_message(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = case_forms.MessageForm(request.POST, tips=Tip.objects.filter(case_link__case=case))
    if not form.is_valid():
        return _("Write the message and choose the report it answers.")
    services.case_message_send(
        case=case,
        tip=form.cleaned_data["tip"],
        actor=member,
        body=form.cleaned_data["body"],
        vault=vault,
        is_feedback=form.cleaned_data["is_feedback"],
    )
    messages.success(request, _("Your message was sent. The whistleblower will see it when they come back."))
    return None


def _action_link(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = case_forms.LinkForm(request.POST, candidates=link_candidates(case=case, member=member))
    if not form.is_valid():
        return _("Choose the related case.")
    services.cases_link(target=case, other=form.cleaned_data["other"], actor=member, vault=vault)
    messages.success(request, _("The cases were merged into this one."))
    return None


def _action_transfer(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = case_forms.TransferForm(request.POST, case=case)
    if not form.is_valid():
        return _("Choose the unit.")
    services.case_transfer(case=case, to_unit=form.cleaned_data["unit"], actor=member, vault=vault)
    messages.success(request, _("The case was transferred."))
    return "transferred"


def _action_recuse(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = case_forms.RecuseForm(request.POST, workers=unit_workers(case=case).exclude(pk=member.pk))
    if not form.is_valid():
        return _("Choose the investigator.")
    services.recusal_add(case=case, member=form.cleaned_data["member"], actor=member)
    messages.success(request, _("The investigator was recused and no longer sees this case."))
    return None


CASE_ACTIONS: dict[str, CaseAction] = {
    "acknowledge": _action_acknowledge,
    "transition": _action_transition,
    "assign": _action_assign,
    "priority": _action_priority,
    "note": _action_note,
    "message": _action_message,
    "link": _action_link,
    "transfer": _action_transfer,
    "recuse": _action_recuse,
}


def run_case_action(
    request: HttpRequest, member: StaffMember, public_id: uuid.UUID, handler: CaseAction | None
) -> HttpResponse:
    """Run one form of the case page and go back to the case (to the queue once it was transferred away).

    The case is one the member may read (404 otherwise; so is an unknown action,
    `handler` None); a refusal or the problem the handler returns is shown as a
    message. The one home for the case page's POSTs: cases' own actions and those of
    the apps built on it (outcomes.views).
    """
    if handler is None:
        raise Http404
    case = case_visible_or_404(member=member, public_id=public_id)
    try:
        if case.erased_on is not None:
            raise CaseActionRefused(_("This case was deleted on its retention schedule: nothing can change in it."))
        outcome = handler(request, case, member, vault_open(request))
    except CaseActionRefused as refused:
        outcome = str(refused)
    if outcome == "transferred":
        return redirect("staff:queue")
    if outcome:
        messages.error(request, outcome)
    return redirect("staff:case", public_id=case.public_id)


@staff_required
@require_POST
def case_action(request: HttpRequest, member: StaffMember, public_id: uuid.UUID, action: str) -> HttpResponse:
    return run_case_action(request, member, public_id, CASE_ACTIONS.get(action))


# --- a tip ---------------------------------------------------------------------------------------------


def _open_tip(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> tuple[Tip, bytes] | HttpResponse:
    """Return the tip and its data key, a 404 for tips this member may not read, or a re-login."""
    tip = tip_visible_to(member=member, public_id=public_id)
    if tip is None:
        raise Http404
    if tip.erased_on is not None:  # deleted on its retention schedule: its case page says so
        return redirect("staff:case", public_id=tip.case_link.case.public_id)
    data_key = tip_data_key(tip=tip, vault=vault_open(request))
    if data_key is None:
        return _relogin(request)
    return tip, data_key


@staff_required
@require_http_methods(["GET", "POST"])
def tip_detail(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    opened = _open_tip(request, member, public_id)
    if isinstance(opened, HttpResponse):
        return opened
    tip, data_key = opened
    form = case_forms.QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = tip.case_link.case
        try:
            services.case_message_send(
                case=case, tip=tip, actor=member, body=form.cleaned_data["body"], vault=vault_open(request)
            )
        except CaseActionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Your message was sent. The whistleblower will see it when they come back."))
        return redirect("staff:tip", public_id=tip.public_id)
    services.tips_viewed_record(tips=[tip], actor=member)
    services.attachments_scan_pending(tip=tip, data_key=data_key, actor=member)
    return render(
        request,
        "cases/tip_detail.html",
        {
            "tip": tip,
            "case": tip.case_link.case,
            "content": tip_content(tip=tip, data_key=data_key),
            "form": form,
            "member": member,
        },
        status=400 if request.method == "POST" else 200,
    )


def _downloadable_attachment(
    request: HttpRequest, member: StaffMember, public_id: uuid.UUID, attachment_id: uuid.UUID
) -> tuple[Attachment, bytes] | HttpResponse:
    """Open a tip's attachment for download: scanned first if it was not, refused (back to the tip) if infected."""
    opened = _open_tip(request, member, public_id)
    if isinstance(opened, HttpResponse):
        return opened
    tip, data_key = opened
    attachment = get_object_or_404(Attachment.objects.select_related("tip"), public_id=attachment_id, tip=tip)
    services.attachment_scan(attachment=attachment, data_key=data_key, actor=member)
    if attachment.blocked:
        messages.error(request, INFECTED_DOWNLOAD_BLOCKED)
        return redirect("staff:tip", public_id=tip.public_id)
    return attachment, data_key


@staff_required
@require_GET
def tip_attachment(
    request: HttpRequest, member: StaffMember, public_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponseBase:
    found = _downloadable_attachment(request, member, public_id, attachment_id)
    if isinstance(found, HttpResponse):
        return found
    attachment, data_key = found
    services.attachment_decrypted_record(attachment=attachment, actor=member)
    return attachment_download(*attachment_plaintext(attachment=attachment, data_key=data_key))


@staff_required
@require_GET
def tip_attachment_safe_copy(
    request: HttpRequest, member: StaffMember, public_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponseBase:
    """Download a flattened copy of an image or PDF (tipline/safecopy.py), built in memory."""
    found = _downloadable_attachment(request, member, public_id, attachment_id)
    if isinstance(found, HttpResponse):
        return found
    attachment, data_key = found
    view, chunks = attachment_plaintext(attachment=attachment, data_key=data_key)
    try:
        copy = safecopy.safe_copy(chunks=chunks, content_type=view.content_type)
    except safecopy.SafeCopyUnavailable:
        messages.error(request, _("A safe copy of this file could not be made. Open the original with care."))
        return redirect("staff:tip", public_id=public_id)
    services.attachment_decrypted_record(attachment=attachment, actor=member, safe_copy=True)
    return attachment_download(
        AttachmentView(public_id=attachment.public_id, name=copy.name, content_type=copy.content_type),
        iter([copy.content]),
    )


INFECTED_DOWNLOAD_BLOCKED = gettext_lazy(
    "This file was found to contain malware when it was scanned, so it cannot be downloaded. "
    "The finding is recorded in the audit log; ask your supervisor before doing anything else with it."
)


# --- phone intake ----------------------------------------------------------------------------------------


@staff_required(roles={Role.OPERATOR})
@require_http_methods(["GET", "POST"])
def phone_intake(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """A hotline operator enters a caller's tip and reads the tracking code back to them."""
    form = case_forms.PhoneReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _tip, receipt = services.phone_tip_enter(
                submission=form.submission(intake_channel=IntakeChannel.PHONE), operator=member
            )
        except IntakeUnavailable:
            form.add_error(None, _("The tip could not be sealed: the receiving unit has no key. Nothing was saved."))
        except services.PhoneTipLimitReached:
            limit = settings.TIPLINE_PHONE_TIPS_PER_HOUR
            message = ngettext(
                "One account can enter at most %(limit)d tip by phone in one hour. This tip was not saved; "
                "what you typed is kept below. Please send it again later.",
                "One account can enter at most %(limit)d tips by phone in one hour. This tip was not saved; "
                "what you typed is kept below. Please send it again later.",
                limit,
            ) % {"limit": limit}
            form.add_error(None, message)
            status = 429
        else:
            return render(request, "cases/phone_receipt.html", {"receipt": envelope.format_receipt(receipt)})
    if form.errors and status == 200:
        status = 400
    return render(request, "cases/phone_intake.html", {"form": form}, status=status)
