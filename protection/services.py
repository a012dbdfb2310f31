"""Writes of the staff side of protection: deciding a request, ending or extending a measure, check-ins.

Like cases/services.py: every function checks who may do it (a supervisor of the case's
unit), writes in one transaction with the case's timeline event and an audit entry, and
keeps only clear metadata here (kinds, dates, who). What the whistleblower is told goes
into their thread through cases.services.case_message_send, sealed under the tip's data
key; the timeline and the audit log never hold the words.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import StaffMember
from audit.models import AuditAction
from cases import permissions
from cases.deadlines import add_days
from cases.models import Case, CaseEvent
from cases.permissions import CaseActionRefused
from cases.services import case_change_record, case_message_send
from protection.models import (
    CHECK_IN_DAYS,
    MEASURE_EXPLANATIONS,
    CheckIn,
    MeasureKind,
    ProtectionDecision,
    ProtectionMeasure,
)
from tipline.models import Tip

# A granted measure: its kind and the day it ends (None: until the case is closed and monitored).
MeasureGrant = tuple[str, datetime.date | None]


def today() -> datetime.date:
    """Return today in Lima (one place, so that a test can set the day the supervisor decides)."""
    return timezone.localdate()


def _record(case: Case, actor: StaffMember, event: str, action: str, **details: object) -> None:
    """Write the timeline event and the audit entry of one change (kinds, ids and dates only, never words)."""
    case_change_record(case=case, actor=actor, kind=event, action=action, details=details)


def _protected_tips(case: Case) -> list[Tip]:
    """Return the case's tips whose whistleblower asked for protection (all of them if none says so).

    A request made on the case as a whole (the flag of a merged tip lost, say) still
    reaches every whistleblower of the case rather than none.
    """
    tips = list(Tip.objects.filter(case_link__case=case).select_related("unit_keypair").order_by("pk"))
    asked = [tip for tip in tips if tip.protection_requested]
    return asked or tips


def _check_ins_schedule(*, case: Case, tips: Iterable[Tip], after: str, start: datetime.date) -> int:
    """Create the check-ins 30, 60 and 90 days after `start` for each tip, once; return how many are new."""
    rows = [
        CheckIn(case=case, tip=tip, after=after, days=days, due_on=add_days(start, days))
        for tip in tips
        for days in CHECK_IN_DAYS
    ]
    before = CheckIn.objects.filter(case=case).count()
    CheckIn.objects.bulk_create(rows, ignore_conflicts=True)
    return CheckIn.objects.filter(case=case).count() - before


def _day_in_words(day: datetime.date) -> str:
    return str(formats.date_format(day, "DATE_FORMAT"))


def decision_message(*, granted: bool, measures: Sequence[MeasureGrant], note: str) -> str:
    """Return what the whistleblower reads about a decision, in plain words (in the active language)."""
    if granted:
        lines = [_("Internal affairs has decided on your request for protection: it is granted.")]
        lines.append(_("These are the measures taken to protect you:"))
        for kind, until in measures:
            measure = MeasureKind(kind)
            if until is None:
                lasting = _("Until your case is closed, and while we keep checking on you.")
            else:
                lasting = _("Until %(day)s.") % {"day": _day_in_words(until)}
            lines.append(f"- {measure.label}: {MEASURE_EXPLANATIONS[measure]} {lasting}")
    else:
        lines = [_("Internal affairs has decided on your request for protection: it is not granted at this time.")]
    if note.strip():
        lines += ["", note.strip()]
    lines += [
        "",
        _(
            "We will ask you how you are 30, 60 and 90 days from now. If anyone takes reprisals against you "
            "for your report, tell us at any time from this page."
        ),
    ]
    return "\n".join(lines)


def _validate_measures(*, granted: bool, measures: Sequence[MeasureGrant], day: datetime.date) -> None:
    if not granted:
        if measures:
            raise CaseActionRefused(_("A refused request grants no measure."))
        return
    if not measures:
        raise CaseActionRefused(_("Choose at least one measure to grant."))
    kinds = [kind for kind, _until in measures]
    if len(set(kinds)) != len(kinds) or not set(kinds) <= set(MeasureKind.values):
        raise CaseActionRefused(_("Choose each measure once."))
    if any(until is not None and until < day for _kind, until in measures):
        raise CaseActionRefused(_("A measure cannot end before the day it is granted."))


def protection_decide(
    *,
    case: Case,
    actor: StaffMember,
    granted: bool,
    measures: Sequence[MeasureGrant],
    message: str,
    vault: dict[str, bytes],
) -> ProtectionDecision:
    """Decide the case's pending protection request (supervisors only) and tell the whistleblower.

    Records the decision against the working-day deadline it answers, the measures
    granted (which, by whom, until when), meets the case's protection deadline, sends
    each whistleblower who asked a message in plain words (each measure explained, the
    supervisor's own words after them), and schedules check-ins 30, 60 and 90 days later.
    """
    permissions.require_supervise(actor, case)
    day = today()
    _validate_measures(granted=granted, measures=measures, day=day)
    with transaction.atomic():
        # Decided on the locked row: two supervisors deciding at once record one decision.
        case = Case.objects.select_for_update().select_related("unit").get(pk=case.pk)
        due = case.protection_due
        if due is None:
            raise CaseActionRefused(_("No protection was requested in this case."))
        if case.protection_decided_on is not None or case.protection_decisions.filter(due_on=due).exists():
            raise CaseActionRefused(_("This protection request was already decided."))
        decision = ProtectionDecision.objects.create(
            case=case, granted=granted, decided_by=actor, decided_on=day, due_on=due
        )
        granted_rows = ProtectionMeasure.objects.bulk_create(
            ProtectionMeasure(case=case, decision=decision, kind=kind, granted_by=actor, granted_on=day, until=until)
            for kind, until in measures
        )
        case.protection_decided_on = day
        case.next_due = case.compute_next_due()
        case.save(update_fields=["protection_decided_on", "next_due"])
        tips = _protected_tips(case)
        with override("es"):  # the whistleblower's default language, as for the acknowledgement
            body = decision_message(granted=granted, measures=measures, note=message)
        for tip in tips:
            case_message_send(case=case, tip=tip, actor=actor, body=body, vault=vault)
        _check_ins_schedule(case=case, tips=tips, after=CheckIn.After.DECISION, start=day)
        for measure in granted_rows:
            CaseEvent.objects.create(
                case=case,
                kind=CaseEvent.Kind.PROTECTION_MEASURE,
                actor=actor,
                details={"measure": str(measure.public_id), "kind": measure.kind, "change": "granted"},
            )
        _record(
            case,
            actor,
            CaseEvent.Kind.PROTECTION_DECIDED,
            AuditAction.PROTECTION_DECIDED,
            granted=granted,
            measures=[measure.kind for measure in granted_rows],
            on_time=decision.on_time,
        )
    return decision


def _require_current(measure: ProtectionMeasure, actor: StaffMember) -> None:
    permissions.require_supervise(actor, measure.case)
    if measure.ended_on is not None:
        raise CaseActionRefused(_("This measure has already ended."))


def protection_measure_end(*, measure: ProtectionMeasure, actor: StaffMember, on: datetime.date) -> ProtectionMeasure:
    """End a granted measure on `on` (a day between its grant and today; supervisors only)."""
    _require_current(measure, actor)
    if on < measure.granted_on or on > today():
        raise CaseActionRefused(_("A measure ends between the day it was granted and today."))
    with transaction.atomic():
        measure.ended_on = on
        measure.ended_by = actor
        measure.save(update_fields=["ended_on", "ended_by"])
        _record(
            measure.case,
            actor,
            CaseEvent.Kind.PROTECTION_MEASURE,
            AuditAction.PROTECTION_MEASURE_CHANGED,
            measure=str(measure.public_id),
            kind=measure.kind,
            change="ended",
            on=on.isoformat(),
        )
    return measure


def protection_measure_extend(
    *, measure: ProtectionMeasure, actor: StaffMember, until: datetime.date
) -> ProtectionMeasure:
    """Make a granted measure last until a later day (supervisors only)."""
    _require_current(measure, actor)
    if measure.until is None:
        raise CaseActionRefused(_("This measure already lasts until the case is closed."))
    if until <= measure.until or until < today():
        raise CaseActionRefused(_("An extension ends later than the measure does now, and not in the past."))
    with transaction.atomic():
        measure.until = until
        measure.save(update_fields=["until"])
        _record(
            measure.case,
            actor,
            CaseEvent.Kind.PROTECTION_MEASURE,
            AuditAction.PROTECTION_MEASURE_CHANGED,
            measure=str(measure.public_id),
            kind=measure.kind,
            change="extended",
            until=until.isoformat(),
        )
    return measure


# --- hooks of cases (registered in protection/apps.py) ----------------------------------------------------


def check_ins_after_closure(*, case: Case) -> int:
    """Schedule the check-ins 30, 60 and 90 days after a case's closure; return how many are new.

    Only for the tips whose whistleblower asked for protection (on the report or later),
    or all the case's tips once a protection decision exists. Idempotent: a case closed,
    reopened and closed again on the same day gets its check-ins once.
    """
    if case.closed_on is None:
        return 0
    tips = list(Tip.objects.filter(case_link__case=case).order_by("pk"))
    if not case.protection_decisions.exists():
        tips = [tip for tip in tips if tip.protection_requested]
    return _check_ins_schedule(case=case, tips=tips, after=CheckIn.After.CLOSURE, start=case.closed_on)


def protection_merge(*, target: Case, other: Case, target_key: bytes, other_key: bytes) -> int:
    """Move a merged case's decisions, measures and check-ins to the case it joins; return how many rows moved.

    None of them holds content sealed under the case key, so nothing is re-sealed.
    """
    return sum(
        model.objects.filter(case=other).update(case=target)
        for model in (ProtectionDecision, ProtectionMeasure, CheckIn)
    )


def protection_erase(*, case: Case) -> int:
    """Delete the unanswered check-ins of a case deleted on its retention schedule (cases.on_case_erase).

    Nobody can be asked anything about a deleted report. Decisions, measures and the
    answers given are clear metadata (kinds, days) and stay, like the case's status.
    """
    return CheckIn.objects.filter(case=case, answered_on__isnull=True).delete()[0]
