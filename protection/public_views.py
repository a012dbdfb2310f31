"""The whistleblower's protection pages under /followup/: ask for protection, answer a check-in, report
retaliation. They work without JavaScript and share the follow-up session of tipline.views.

Every form carries a form token (tipline/abuse.py); a refused form comes back with what was
typed. If the follow-up session ended while the person wrote, the page asks for the tracking
code again with everything typed kept in the form, and does what was asked once it opens.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

import envelope
from protection import public
from protection.models import CheckIn
from protection.public_forms import (
    FORM_CHECK_IN,
    FORM_PROTECTION,
    FORM_RETALIATION,
    CheckInForm,
    ProtectionRequestForm,
    RetaliationForm,
)
from tipline import abuse, services
from tipline.abuse import ReceiptOpening
from tipline.forms import ReceiptForm
from tipline.models import Tip
from tipline.views import (
    FORM_ERRORS,
    REPLY_LIMIT_NOTICE,
    Refusal,
    busy_notice,
    erased_page,
    followup_keep,
    followup_tip,
    receipt_open,
    token_refusal,
)

ALREADY_PENDING_NOTICE = gettext_lazy(
    "You already asked for protection on this report and internal affairs has not decided yet. "
    "You will see their decision on your report's page."
)
RETALIATION_LIMIT_NOTICE = gettext_lazy(
    "You have sent the most retaliation reports allowed in one day from this report. Nothing was sent; "
    "what you typed is kept below. Please send it again tomorrow, or write in your report's messages."
)
NOT_SAVED = gettext_lazy(
    "We could not save this right now. Nothing was saved; what you typed is kept. Please try again later."
)
# The fields of a posted form that are not what the person typed.
_NOT_TYPED = frozenset({"csrfmiddlewaretoken", abuse.TOKEN_FIELD, "receipt", "pending_reply"})


@dataclass(frozen=True)
class Opened:
    """The report of this follow-up session; `reopened` when its code was typed in this very request."""

    tip: Tip
    data_key: bytes
    reopened: bool = False


def _followup_url() -> str:
    return reverse("tipline:followup") + "#protection"


def _session_ended_page(request: HttpRequest, form: ReceiptForm, *, refusal: Refusal | None = None) -> HttpResponse:
    """Ask for the tracking code again, keeping everything typed as hidden fields of the same form."""
    kept = [(name, value) for name, values in request.POST.lists() if name not in _NOT_TYPED for value in values]
    context = {
        "form": form,
        "form_token": abuse.form_token_issue(abuse.FORM_RECEIPT),
        "kept": kept,
        "action": request.path,
        "notice": refusal.notice if refusal else "",
    }
    return render(request, "protection/followup_session_ended.html", context, status=refusal.status if refusal else 200)


def _open(request: HttpRequest) -> Opened | HttpResponse:
    """Return this session's report, open it with a code typed after the session ended, or the page to type it."""
    opened = followup_tip(request)
    if opened is not None and opened[0].erased_on is not None:
        return redirect("tipline:followup")  # deleted while the session was open: that page says so and ends it
    if opened is not None:
        return Opened(*opened)
    if request.method != "POST":
        return redirect("tipline:followup")
    if "receipt" not in request.POST:
        return _session_ended_page(request, ReceiptForm())
    form = ReceiptForm(request.POST)
    check = abuse.form_token_check(request.POST.get(abuse.TOKEN_FIELD), form=abuse.FORM_RECEIPT, min_fill=False)
    outcome = receipt_open(form, check)
    if isinstance(outcome, ReceiptOpening) and outcome.erased_on is not None:
        return erased_page(request, outcome.erased_on)
    if isinstance(outcome, ReceiptOpening) and outcome.tip is not None and outcome.data_key is not None:
        return Opened(outcome.tip, outcome.data_key, reopened=True)
    return _session_ended_page(request, form, refusal=outcome if isinstance(outcome, Refusal) else FORM_ERRORS)


def _token_refusal(request: HttpRequest, opened: Opened, form_name: str) -> Refusal | None:
    # A report opened again in this request had its code's token checked instead.
    if opened.reopened:
        return None
    check = abuse.form_token_check(request.POST.get(abuse.TOKEN_FIELD), form=form_name, min_fill=False)
    return token_refusal(check)


def _kept(request: HttpRequest, response: HttpResponse, opened: Opened) -> HttpResponse:
    if opened.reopened:
        followup_keep(request, response, tip=opened.tip, data_key=opened.data_key)
    return response


def _page(
    request: HttpRequest, template: str, context: dict[str, object], *, form_name: str, refusal: Refusal | None
) -> HttpResponse:
    context = {
        **context,
        "form_token": abuse.form_token_issue(form_name),
        "notice": refusal.notice if refusal else "",
    }
    return render(request, template, context, status=refusal.status if refusal else 200)


# --- asking for protection ----------------------------------------------------------------------------


def _protection_page(
    request: HttpRequest, tip: Tip, form: ProtectionRequestForm, *, refusal: Refusal | None = None
) -> HttpResponse:
    context = {
        "tip": tip,
        "status": public.protection_status(tip=tip),
        "can_request": public.can_request_protection(tip=tip),
        "form": form,
    }
    return _page(request, "protection/followup_protection.html", context, form_name=FORM_PROTECTION, refusal=refusal)


@require_http_methods(["GET", "POST"])
def protection(request: HttpRequest) -> HttpResponse:
    """Show the protection of the report and ask for it (D.Leg. 1327), with optional reserved contact details."""
    opened = _open(request)
    if isinstance(opened, HttpResponse):
        return opened
    tip = opened.tip
    if request.method != "POST":
        return _protection_page(request, tip, ProtectionRequestForm())
    form = ProtectionRequestForm(request.POST)
    refusal = _token_refusal(request, opened, FORM_PROTECTION)
    if refusal is None and not form.is_valid():
        refusal = FORM_ERRORS
    if refusal is None and not public.can_request_protection(tip=tip):
        refusal = Refusal(str(ALREADY_PENDING_NOTICE), 409)
    if refusal is None:
        try:
            public.protection_request(tip=tip, contact=form.cleaned_data["contact"])
        except services.IntakeUnavailable:
            refusal = Refusal(str(NOT_SAVED), 503)
        else:
            return _kept(request, HttpResponseRedirect(_followup_url()), opened)
    return _kept(request, _protection_page(request, tip, form, refusal=refusal), opened)


# --- check-ins ------------------------------------------------------------------------------------------


def _check_in_page(
    request: HttpRequest, check_in: CheckIn, form: CheckInForm, *, refusal: Refusal | None = None
) -> HttpResponse:
    context = {"check_in": check_in, "question": public.check_in_question(check_in), "form": form}
    return _page(request, "protection/followup_check_in.html", context, form_name=FORM_CHECK_IN, refusal=refusal)


@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Answer a protection check-in; an answer of retaliation leads on to the retaliation form."""
    opened = _open(request)
    if isinstance(opened, HttpResponse):
        return opened
    question = next((c for c in public.check_ins_open(tip=opened.tip) if c.public_id == public_id), None)
    if question is None:  # answered already, not due yet, or not this report's
        return _kept(request, HttpResponseRedirect(_followup_url()), opened)
    if request.method != "POST":
        return _check_in_page(request, question, CheckInForm())
    form = CheckInForm(request.POST)
    refusal = _token_refusal(request, opened, FORM_CHECK_IN)
    if refusal is None and not form.is_valid():
        refusal = FORM_ERRORS
    if refusal is None and form.cleaned_data["text"].strip() and abuse.reply_limit_reached(tip=opened.tip):
        refusal = Refusal(str(REPLY_LIMIT_NOTICE), 429)
    if refusal is not None:
        return _kept(request, _check_in_page(request, question, form, refusal=refusal), opened)
    answer = form.cleaned_data["answer"]
    public.check_in_answer(check_in=question, data_key=opened.data_key, answer=answer, text=form.cleaned_data["text"])
    target = reverse("protection_public:retaliation") if answer == CheckIn.Answer.RETALIATION else _followup_url()
    return _kept(request, HttpResponseRedirect(target), opened)


# --- retaliation ------------------------------------------------------------------------------------------


def _retaliation_page(
    request: HttpRequest, tip: Tip, form: RetaliationForm, *, refusal: Refusal | None = None
) -> HttpResponse:
    context = {"tip": tip, "form": form}
    return _page(request, "protection/followup_retaliation.html", context, form_name=FORM_RETALIATION, refusal=refusal)


def _retaliation_refusal(request: HttpRequest, opened: Opened, form: RetaliationForm) -> Refusal | None:
    refusal = _token_refusal(request, opened, FORM_RETALIATION)
    if refusal is not None:
        return refusal
    if not form.is_valid():
        return FORM_ERRORS
    if public.retaliation_limit_reached(tip=opened.tip):
        return Refusal(str(RETALIATION_LIMIT_NOTICE), 429)
    admission = abuse.admit_new_tip()
    if admission.refused:
        return Refusal(busy_notice(admission.retry_after), 503, retry_after=admission.retry_after)
    return None


@require_http_methods(["GET", "POST"])
def retaliation(request: HttpRequest) -> HttpResponse:
    """Report retaliation for this report: a separate report at the national office, with its own code."""
    opened = _open(request)
    if isinstance(opened, HttpResponse):
        return opened
    if request.method != "POST":
        return _retaliation_page(request, opened.tip, RetaliationForm())
    form = RetaliationForm(request.POST)
    refusal = _retaliation_refusal(request, opened, form)
    if refusal is None:
        try:
            _new_tip, receipt = public.retaliation_report(
                tip=opened.tip,
                data_key=opened.data_key,
                description=form.cleaned_data["description"],
                contact=form.cleaned_data["contact"],
                staff_involved=form.cleaned_data["staff_involved"],
            )
        except services.IntakeUnavailable:
            form.add_error(
                None, _("We could not receive your report right now. Nothing was saved. Please try again later.")
            )
            refusal = Refusal("", 503)
        else:
            page = render(
                request, "protection/followup_retaliation_receipt.html", {"receipt": envelope.format_receipt(receipt)}
            )
            return _kept(request, page, opened)
    response = _retaliation_page(request, opened.tip, form, refusal=refusal)
    if refusal is not None and refusal.retry_after:
        response["Retry-After"] = str(refusal.retry_after)
    return _kept(request, response, opened)
