"""The whistleblower's side of protection at /followup/: ask for it, read the decision, answer check-ins,
report retaliation.

Writes here are the whistleblower's: dated to the day, with no actor and no audit row (an
audit row's exact time would date them; DESIGN.md section 8). What they write goes into
their tip's thread, sealed like any reply; a contact given is a reserved identity, sealed to
the identity custodian and never to the unit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from cases.models import Case, CaseEvent, CaseTip
from cases.services import case_protection_requested, case_whistleblower_event
from protection.models import CheckIn, ProtectionDecision, ProtectionMeasure
from tipline.models import Category, StaffInvolved, Tip, WhenPeriod
from tipline.services import TipSubmission, message_post_by_whistleblower, reserved_identity_add, tip_submit

# Retaliation reports one report may open in a day: each is a new case at the national unit.
RETALIATION_REPORTS_PER_DAY = 3


def _today() -> datetime.date:
    return timezone.localdate()


def _case_of(tip: Tip) -> Case | None:
    link = CaseTip.objects.filter(tip=tip).select_related("case__unit").first()
    return link.case if link else None


# --- reads -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtectionStatus:
    """What the whistleblower reads about the protection of their report, dates only.

    `state` is "none" (never asked), "pending" (asked, not decided yet) or "decided"
    (`decision` says granted or refused, `measures` lists what was granted).
    """

    state: str
    working_days: int
    requested_on: datetime.date | None = None
    due_on: datetime.date | None = None
    decided_on: datetime.date | None = None
    decision: ProtectionDecision | None = None
    measures: list[ProtectionMeasure] = field(default_factory=list)
    check_ins: list[CheckIn] = field(default_factory=list)
    retaliation_reports: list[Tip] = field(default_factory=list)


def _requested_on(case: Case, tip: Tip) -> datetime.date:
    event = case.events.filter(kind=CaseEvent.Kind.PROTECTION_REQUESTED).order_by("-at", "-id").first()
    return timezone.localdate(event.at) if event else tip.received_on


def check_ins_open(*, tip: Tip) -> list[CheckIn]:
    """Return the check-ins of `tip` that are due and not answered yet, oldest first."""
    return list(CheckIn.objects.filter(tip=tip, due_on__lte=_today(), answered_on__isnull=True))


def check_in_question(check_in: CheckIn) -> str:
    """Return the question a check-in asks, in the whistleblower's words."""
    if check_in.after == CheckIn.After.CLOSURE:
        text = ngettext(
            "It is %(days)d day since your case was closed. How are you?",
            "It is %(days)d days since your case was closed. How are you?",
            check_in.days,
        )
    else:
        text = ngettext(
            "It is %(days)d day since the decision on your protection. How are you?",
            "It is %(days)d days since the decision on your protection. How are you?",
            check_in.days,
        )
    return text % {"days": check_in.days}


def protection_status(*, tip: Tip) -> ProtectionStatus:
    """Return the protection of `tip` as its whistleblower sees it at /followup/."""
    case = _case_of(tip)
    check_ins = check_ins_open(tip=tip)
    retaliation_reports = list(tip.retaliation_reports.order_by("received_on", "id"))
    unit = case.unit if case is not None else tip.unit
    if case is None or case.protection_due is None:
        return ProtectionStatus(
            state="none",
            working_days=unit.protection_working_days,
            check_ins=check_ins,
            retaliation_reports=retaliation_reports,
        )
    decided = case.protection_decided_on is not None
    return ProtectionStatus(
        state="decided" if decided else "pending",
        working_days=unit.protection_working_days,
        requested_on=_requested_on(case, tip),
        due_on=case.protection_due,
        decided_on=case.protection_decided_on,
        decision=case.protection_decisions.order_by("-decided_on", "-id").first() if decided else None,
        measures=list(case.protection_measures.order_by("granted_on", "id")) if decided else [],
        check_ins=check_ins,
        retaliation_reports=retaliation_reports,
    )


def can_request_protection(*, tip: Tip) -> bool:
    """Return whether the whistleblower may ask now: never asked, or the last request was decided."""
    case = _case_of(tip)
    return case is None or case.protection_due is None or case.protection_decided_on is not None


def retaliation_limit_reached(*, tip: Tip) -> bool:
    """Return whether `tip` already opened today's maximum of retaliation reports."""
    sent_today = Tip.objects.filter(retaliation_for=tip, received_on=_today()).count()
    return sent_today >= RETALIATION_REPORTS_PER_DAY


# --- writes ------------------------------------------------------------------------------------------


def protection_request(*, tip: Tip, contact: str = "") -> Case | None:
    """Ask for protection (D.Leg. 1327) from /followup/: the unit must decide within its working-day deadline.

    A contact given is reserved (sealed to the identity custodian; the unit sees a code).
    A new request after an earlier decision is allowed and opens a new deadline. Raise
    tipline.services.IntakeUnavailable, with nothing saved, if a contact cannot be reserved.
    """
    with transaction.atomic():
        if contact.strip():
            reserved_identity_add(tip=tip, contact=contact.strip())
        if not tip.protection_requested:
            tip.protection_requested = True
            tip.save(update_fields=["protection_requested"])
        return case_protection_requested(tip=tip)


def check_in_answer(*, check_in: CheckIn, data_key: bytes, answer: str, text: str = "") -> CheckIn:
    """Answer a protection check-in: the answer and the day, and any text as a message in the thread."""
    answer = CheckIn.Answer(answer)
    with transaction.atomic():
        check_in.answered_on = _today()
        check_in.answer = answer
        check_in.save(update_fields=["answered_on", "answer"])
        if text.strip():
            message_post_by_whistleblower(tip=check_in.tip, data_key=data_key, body=text.strip())
        case_whistleblower_event(
            tip=check_in.tip,
            kind=CaseEvent.Kind.CHECK_IN_ANSWERED,
            details={"answer": answer.value, "days": check_in.days, "after": check_in.after},
        )
    return check_in


def retaliation_report(
    *, tip: Tip, data_key: bytes, description: str, contact: str = "", staff_involved: str = StaffInvolved.UNKNOWN
) -> tuple[Tip, str]:
    """Report retaliation suffered for `tip`: a new report, routed to the national unit with protection asked.

    Return the new tip and its tracking code (shown once). The original tip's case notes,
    dated to the day, that retaliation was reported. `data_key` (the original tip's) proves
    the caller opened it; nothing of the original is copied into the new report.
    """
    del data_key  # the new report is sealed under a key of its own
    submission = TipSubmission(
        facility=tip.facility,
        category=Category.RETALIATION,
        smuggling_channel="",
        staff_involved=staff_involved,
        when_period=WhenPeriod.ONGOING,
        occurred_on=None,
        description=description,
        contact=contact,
        protection_requested=True,
    )
    with transaction.atomic():
        new_tip, receipt = tip_submit(submission=submission, retaliation_for=tip)
        case_whistleblower_event(tip=tip, kind=CaseEvent.Kind.RETALIATION_REPORTED)
    return new_tip, receipt
