"""Writes of the staff side: opening, working, linking, transferring and closing cases.

Every function checks who may do it (cases/permissions.py), changes the rows in
one transaction, writes the case's timeline and the audit log, and never stores
content in the clear: titles, notes and closing reasons are encrypted under the
case key; questions to the whistleblower under the tip's data key.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

import envelope
from accounts.keys import vault_unit_key_name
from accounts.permissions import can_enter_phone_tips
from audit.models import AuditAction
from audit.services import audit_record
from cases import permissions
from cases.deadlines import add_days, add_working_days
from cases.models import (
    WHISTLEBLOWER_EVENT_KINDS,
    Case,
    CaseEvent,
    CaseTip,
    Note,
    Priority,
    Recusal,
    StaffMember,
)
from cases.permissions import CaseActionRefused
from cases.statuses import CLOSED_STATUSES, CaseStatus
from org.models import Facility, Unit, UnitKeyPair
from tipline import abuse, scanning
from tipline.models import Attachment, Category, IntakeChannel, ScanStatus, StaffInvolved, Tip
from tipline.selectors import attachment_plaintext
from tipline.services import TipSubmission, message_post_by_staff, tip_submit
from tipline.uploads import EncryptedUpload

# --- keys -------------------------------------------------------------------------------------


def unit_private_key(*, keypair_id: int, vault: dict[str, bytes]) -> bytes:
    """Return a unit private key from the session vault, or refuse if this session lacks it."""
    key = vault.get(vault_unit_key_name(keypair_id))
    if key is None:
        raise CaseActionRefused(_("Your session does not hold this unit's key. Log in again."))
    return key


def case_key_open(*, case: Case, vault: dict[str, bytes]) -> bytes:
    """Open a case's key with the unit key held in the session vault."""
    return envelope.open_case_for_unit(
        case, unit_private_key=unit_private_key(keypair_id=case.unit_keypair_id, vault=vault)
    )


def tip_data_key_open(*, tip: Tip, vault: dict[str, bytes]) -> bytes:
    """Open a tip's data key with the unit key held in the session vault."""
    return envelope.open_tip_for_unit(
        tip, unit_private_key=unit_private_key(keypair_id=tip.unit_keypair_id, vault=vault)
    )


# --- triage ---------------------------------------------------------------------------------------

CATEGORY_WEIGHTS: dict[str, int] = {
    Category.DRUGS_WEAPONS: 40,
    Category.ABUSE: 40,
    Category.BRIBERY: 30,
    Category.PHONES: 20,
    Category.NEGLIGENCE: 10,
    # Reprisals against someone who reported: the law's protection is at stake.
    Category.RETALIATION: 40,
    Category.OTHER: 5,
}


@dataclass(frozen=True)
class TriageScore:
    """A 0-100 score and the reasons that add up to it, shown on the case page."""

    score: int
    reasons: list[tuple[str, int]]

    @property
    def priority(self) -> str:
        if self.score >= 70:
            return Priority.URGENT
        if self.score >= 50:
            return Priority.HIGH
        if self.score >= 25:
            return Priority.NORMAL
        return Priority.LOW


def triage_score(*, category: str, facility: Facility, staff_involved: str, protection_requested: bool) -> TriageScore:
    """Score a new case from its clear metadata: category, facility risk and crowding, conflict flag."""
    reasons: list[tuple[str, int]] = [(_("Category"), CATEGORY_WEIGHTS.get(category, 5))]
    reasons.append((_("Facility risk level"), 5 * facility.risk))
    if facility.capacity and facility.population > 2 * facility.capacity:
        reasons.append((_("Facility at more than twice its capacity"), 10))
    if staff_involved == StaffInvolved.YES:
        reasons.append((_("Staff or local internal affairs said to be involved"), 25))
    elif staff_involved == StaffInvolved.UNKNOWN:
        reasons.append((_("Staff involvement unknown"), 5))
    if protection_requested:
        reasons.append((_("The whistleblower asked for protection"), 15))
    return TriageScore(score=min(100, sum(points for _label, points in reasons)), reasons=reasons)


def case_triage(case: Case) -> TriageScore:
    """Recompute the explanation of a case's triage score from its first tip."""
    first = Tip.objects.filter(case_link__case=case).select_related("facility").order_by("id").first()
    if first is None:
        return TriageScore(score=case.triage_score, reasons=[])
    return triage_score(
        category=first.category,
        facility=first.facility,
        staff_involved=first.staff_involved,
        protection_requested=first.protection_requested,
    )


# --- opening ---------------------------------------------------------------------------------------


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of `day`: a whistleblower's submission or reply is dated to the day, never the minute."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _event(case: Case, kind: str, actor: StaffMember | None, **fields: object) -> CaseEvent:
    at = _day_start(_today()) if kind in WHISTLEBLOWER_EVENT_KINDS else timezone.now()
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, at=at, **fields)


def _audit(actor: StaffMember | None, action: str, case: Case, **details: object) -> None:
    audit_record(
        actor=actor.user if actor else None,
        action=action,
        target_type="case",
        target_id=str(case.public_id),
        unit_id=case.unit_id,
        details=details or None,
    )


def case_change_record(*, case: Case, actor: StaffMember, kind: str, action: str, details: dict[str, object]) -> None:
    """Write a staff member's change to a case: its timeline event and its audit entry, with the same details.

    The one home for the apps built on cases (investigation, protection, identity,
    retention): call it inside the service's transaction. `details` is clear metadata
    only (ids, kinds, days), never content.
    """
    CaseEvent.objects.create(case=case, kind=kind, actor=actor, details=details)
    audit_record(
        actor=actor.user,
        action=action,
        target_type="case",
        target_id=str(case.public_id),
        unit_id=case.unit_id,
        details=details,
    )


def _seal_case_key(case: Case, case_key: bytes, keypair: UnitKeyPair) -> None:
    case.unit_keypair = keypair
    case.case_key_for_unit = envelope.seal_record_key_for_unit(
        envelope.CASE, case.public_id, key=case_key, unit_keypair=keypair
    )


@dataclass(frozen=True)
class BuiltCase:
    """An unsaved case for a tip, its tip's place in it, the first event of its timeline, and its case key.

    The case key is kept in memory only while the rows are built.
    """

    case: Case
    link: CaseTip
    opened: CaseEvent
    case_key: bytes


def case_build_for_tip(*, tip: Tip) -> BuiltCase:
    """Return the unsaved case of a new tip: deadlines, triage score, a case key sealed to the unit, its title.

    `tip.unit`, `tip.facility` and `tip.unit_keypair` are read; the tip itself need
    not be saved yet (the synthetic-tip writer builds both and inserts them in bulk).
    """
    unit = tip.unit
    received = tip.received_on
    score = triage_score(
        category=tip.category,
        facility=tip.facility,
        staff_involved=tip.staff_involved,
        protection_requested=tip.protection_requested,
    )
    public_id = uuid.uuid4()
    sealed_key = envelope.new_record_key(envelope.CASE, public_id, unit_keypair=tip.unit_keypair)
    with override("es"):
        title = f"{tip.get_category_display()} · {tip.facility.name}"
    case = Case(
        public_id=public_id,
        unit_keypair=tip.unit_keypair,
        **sealed_key.columns,
        **envelope.seal_fields(envelope.CASE, public_id, key=sealed_key.key, title=title),
        unit=unit,
        facility=tip.facility,
        category=tip.category,
        smuggling_channel=tip.smuggling_channel,
        status=CaseStatus.RECEIVED,
        priority=score.priority,
        triage_score=score.score,
        received_on=received,
        acknowledge_due=add_days(received, unit.acknowledge_days),
        feedback_due=add_days(received, unit.feedback_days),
        protection_due=add_working_days(received, unit.protection_working_days) if tip.protection_requested else None,
    )
    case.next_due = case.compute_next_due()
    opened_at = _day_start(received)  # DESIGN.md section 8
    return BuiltCase(
        case=case,
        link=CaseTip(case=case, tip=tip, added_on=received),
        opened=CaseEvent(
            case=case, kind=CaseEvent.Kind.OPENED, at=opened_at, details={"intake_channel": tip.intake_channel}
        ),
        case_key=sealed_key.key,
    )


def case_open_for_tip(*, tip: Tip) -> Case:
    """Open a new case for a just-submitted tip (see case_build_for_tip), with its timeline's first event."""
    built = case_build_for_tip(tip=tip)
    built.case.save()
    built.link.save()
    built.opened.save()
    return built.case


# --- workflow --------------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def _save_deadlines(case: Case, *fields: str) -> None:
    case.next_due = case.compute_next_due()
    case.save(update_fields=[*fields, "next_due"])


def _sync_tip_status(case: Case) -> None:
    # What the whistleblower reads at /followup/ is the status of the case their tip is in.
    Tip.objects.filter(case_link__case=case).update(status=case.status)


def case_transition(
    *, case: Case, to: str, actor: StaffMember, reason: str = "", vault: dict[str, bytes] | None = None
) -> Case:
    """Move a case to another status, if the workflow and the actor's role allow it.

    Closing (referred, substantiated, unsubstantiated, not actionable) needs a
    reason, encrypted under the case key, and may be done by a supervisor or the
    assignee. Every change writes the timeline and the audit log.
    """
    closing = to in CLOSED_STATUSES
    if closing and not reason.strip():
        raise CaseActionRefused(_("Give the reason for closing the case."))
    with transaction.atomic():
        # Decide on the current row, locked: two people changing one case at once cannot both win.
        case = Case.objects.select_for_update().select_related("unit_keypair").get(pk=case.pk)
        permissions.require_work(actor, case)
        if not case.can_transition_to(to):
            raise CaseActionRefused(_("A case cannot go from this status to that one."))
        if closing:
            permissions.require_close(actor, case)
        from_status = case.status
        case.status = to
        fields = ["status"]
        if closing:
            case_key = case_key_open(case=case, vault=vault or {})
            case.closing_reason_ct = envelope.seal_field(
                envelope.CASE, "closing_reason", case.public_id, key=case_key, value=reason
            )
            case.closed_on = _today()
            # The outcome the whistleblower sees is feedback too.
            if case.feedback_given_on is None:
                case.feedback_given_on = case.closed_on
            fields += ["closing_reason_ct", "closed_on", "feedback_given_on"]
        _save_deadlines(case, *fields)
        _sync_tip_status(case)
        _event(case, CaseEvent.Kind.STATUS_CHANGED, actor, from_status=from_status, to_status=to)
        _audit(actor, AuditAction.STATUS_CHANGED, case, **{"from": from_status, "to": to})
        if closing:
            for hook in _case_close_hooks:
                hook(case=case)
    return case


# Marked for extraction here, translated when sent (in Spanish: the whistleblower's default).
ACKNOWLEDGEMENT_TEXT = gettext_noop(
    "Internal affairs has received your report and will review it. "
    "Come back with your tracking code to see its progress and any questions."
)


def acknowledgement_text() -> str:
    """Return the standard acknowledgement, in Spanish (the whistleblower's default language)."""
    with override("es"):
        return _(ACKNOWLEDGEMENT_TEXT)


def case_acknowledge(*, case: Case, actor: StaffMember, vault: dict[str, bytes], message: str = "") -> Case:
    """Acknowledge receipt: one click that posts a standard message to each whistleblower and starts triage."""
    permissions.require_work(actor, case)
    if case.acknowledged_on is not None:
        raise CaseActionRefused(_("This case was already acknowledged."))
    body = message.strip() or acknowledgement_text()
    with transaction.atomic():
        for tip in Tip.objects.filter(case_link__case=case).select_related("unit_keypair"):
            message_post_by_staff(
                tip=tip, data_key=tip_data_key_open(tip=tip, vault=vault), body=body, author=actor.user
            )
        case.acknowledged_on = _today()
        fields = ["acknowledged_on"]
        from_status = case.status
        if case.status == CaseStatus.RECEIVED:
            case.status = CaseStatus.TRIAGE
            fields.append("status")
        _save_deadlines(case, *fields)
        _sync_tip_status(case)
        _event(case, CaseEvent.Kind.ACKNOWLEDGED, actor, from_status=from_status, to_status=case.status)
        _audit(actor, AuditAction.CASE_ACKNOWLEDGED, case)
    return case


def case_assign(*, case: Case, assignee: StaffMember | None, actor: StaffMember) -> Case:
    """Assign the case to a reading member of its unit who is not recused (supervisors only)."""
    permissions.require_supervise(actor, case)
    if assignee is not None and not permissions.can_work(assignee, case):
        raise CaseActionRefused(_("That person cannot work this case (not in the unit, or recused)."))
    username = assignee.user.get_username() if assignee else ""
    with transaction.atomic():
        case.assignee = assignee
        case.save(update_fields=["assignee"])
        _event(case, CaseEvent.Kind.ASSIGNED, actor, details={"assignee": username})
        _audit(actor, AuditAction.CASE_ASSIGNED, case, assignee=username)
    return case


def case_set_priority(*, case: Case, priority: str, actor: StaffMember) -> Case:
    """Change a case's priority (supervisors only)."""
    permissions.require_supervise(actor, case)
    if priority not in Priority.values:
        raise CaseActionRefused(_("Unknown priority."))
    old = case.priority
    with transaction.atomic():
        case.priority = priority
        case.save(update_fields=["priority"])
        _event(case, CaseEvent.Kind.PRIORITY_CHANGED, actor, details={"from": old, "to": priority})
        _audit(actor, AuditAction.SETTINGS_CHANGED, case, priority=priority)
    return case


def note_add(*, case: Case, actor: StaffMember, body: str, vault: dict[str, bytes]) -> Note:
    """Add an internal note, encrypted under the case key."""
    permissions.require_work(actor, case)
    note = Note(case=case, author=actor)
    note.body_ct = envelope.seal_field(
        envelope.NOTE, "body", case.public_id, note.public_id, key=case_key_open(case=case, vault=vault), value=body
    )
    with transaction.atomic():
        note.save()
        _event(case, CaseEvent.Kind.NOTE_ADDED, actor)
        _audit(actor, AuditAction.NOTE_ADDED, case)
    return note


def case_message_send(
    *, case: Case, tip: Tip, actor: StaffMember, body: str, vault: dict[str, bytes], is_feedback: bool = False
) -> None:
    """Send a question or feedback to the whistleblower of one tip of the case."""
    permissions.require_work(actor, case)
    if not CaseTip.objects.filter(case=case, tip=tip).exists():
        raise CaseActionRefused(_("That tip is not part of this case."))
    with transaction.atomic():
        message_post_by_staff(tip=tip, data_key=tip_data_key_open(tip=tip, vault=vault), body=body, author=actor.user)
        _event(case, CaseEvent.Kind.QUESTION_SENT, actor, details={"feedback": is_feedback})
        if is_feedback and case.feedback_given_on is None:
            case.feedback_given_on = _today()
            _save_deadlines(case, "feedback_given_on")
            _event(case, CaseEvent.Kind.FEEDBACK_GIVEN, actor)
        audit_record(
            actor=actor.user,
            action=AuditAction.MESSAGE_SENT,
            target_type="tip",
            target_id=str(tip.public_id),
            unit_id=case.unit_id,
            details={"feedback": is_feedback},
        )


def case_reply_received(*, tip: Tip) -> None:
    """Note on the timeline that the whistleblower answered, and mark the case as having an unread reply.

    The reply itself stays encrypted; the mark is what the queue, the digest and the
    assignee's reminder show until someone who works the case opens it (case_whistleblower_event).
    """
    case_whistleblower_event(tip=tip, kind=CaseEvent.Kind.REPLY_RECEIVED)


def case_protection_requested(*, tip: Tip) -> Case | None:
    """Open the protection deadline of the tip's case: its whistleblower asked for protection at /followup/.

    The unit decides within its working-day deadline counted from today; a request after an
    earlier decision opens a new one. The timeline gets a day-dated whistleblower event (no
    audit row: its exact time would date the whistleblower) and the case is marked unread so
    that the people who work it notice. Return the case, or None for a tip without one.
    """
    link = CaseTip.objects.filter(tip=tip).select_related("case__unit").first()
    if link is None:
        return None
    case = link.case
    with transaction.atomic():
        case.protection_due = add_working_days(_today(), case.unit.protection_working_days)
        case.protection_decided_on = None
        case.unread_reply = True
        _save_deadlines(case, "protection_due", "protection_decided_on", "unread_reply")
        _event(case, CaseEvent.Kind.PROTECTION_REQUESTED, None)
    return case


def case_whistleblower_event(*, tip: Tip, kind: str, details: dict[str, object] | None = None) -> Case | None:
    """Note on the tip's case something its whistleblower did at /followup/ (a check-in answered, retaliation
    reported), dated to the day, and mark the case unread. `details` holds clear metadata only.

    Only the kinds of WHISTLEBLOWER_EVENT_KINDS: any other would carry an exact time.
    """
    if kind not in WHISTLEBLOWER_EVENT_KINDS:
        raise ValueError(f"{kind} is not a whistleblower event")
    link = CaseTip.objects.filter(tip=tip).select_related("case").first()
    if link is None:
        return None
    with transaction.atomic():
        Case.objects.filter(pk=link.case_id).update(unread_reply=True)
        _event(link.case, kind, None, details=details or {})
    return link.case


def case_replies_seen(*, case: Case, actor: StaffMember) -> None:
    """Clear the case's unread-reply mark: a member who works the case has opened it.

    The page view is already audited (tip viewed); this writes one row only when the
    mark was set, so an ordinary visit costs no write. The row in memory keeps its mark:
    the page being rendered is the one that shows the reply as new (its next step says
    to read and answer it).
    """
    if not case.unread_reply or not permissions.can_work(actor, case):
        return
    Case.objects.filter(pk=case.pk, unread_reply=True).update(unread_reply=False)


def recusal_add(*, case: Case, member: StaffMember, actor: StaffMember) -> Recusal:
    """Recuse an investigator from a case: it disappears from their queue (supervisors only, never themselves).

    A supervisor who must step aside asks another supervisor: recusing oneself would
    hide the case from the person who just decided about it, mid-action.
    """
    permissions.require_supervise(actor, case)
    if member.pk == actor.pk:
        raise CaseActionRefused(_("You cannot recuse yourself; ask another supervisor of the unit."))
    with transaction.atomic():
        recusal, _created = Recusal.objects.get_or_create(case=case, member=member, defaults={"decided_by": actor})
        if case.assignee_id == member.pk:
            case.assignee = None
            case.save(update_fields=["assignee"])
        _event(case, CaseEvent.Kind.RECUSED, actor, details={"member": member.user.get_username()})
        _audit(actor, AuditAction.RECUSAL_ADDED, case, member=member.user.get_username())
    return recusal


# --- phone intake --------------------------------------------------------------------------------


class PhoneTipLimitReached(Exception):
    """Raised when an operator's account has used up its TIPLINE_PHONE_TIPS_PER_HOUR phone tips."""


def _phone_tip_bucket(operator: StaffMember) -> abuse.TokenBucket:
    """Return the operator's bucket: TIPLINE_PHONE_TIPS_PER_HOUR tips at once, refilled at that rate an hour.

    Not counted from the audit log: a phone tip's audit entry holds only its day, so
    that the chain does not date the call (audit.models.DAY_DATED_ACTIONS).
    """
    per_hour = settings.TIPLINE_PHONE_TIPS_PER_HOUR
    return abuse.TokenBucket(f"phone-tips:{operator.pk}", per_hour / 3600, per_hour)


def phone_tip_enter(
    *, submission: TipSubmission, operator: StaffMember, uploads: Sequence[EncryptedUpload] = ()
) -> tuple[Tip, str]:
    """Store a tip a hotline operator took from a caller, and record that they entered one; return it and its receipt.

    The tip (with its case) and the audit entry are one transaction: neither exists
    without the other. The entry says that the operator entered a tip, never which
    one. The tip is stored as a phone tip whatever `submission` says. Raise
    IntakeUnavailable (nothing stored) if the receiving unit has no key, and
    PhoneTipLimitReached (nothing stored) once the operator's account has used up
    its bucket (TIPLINE_PHONE_TIPS_PER_HOUR at once, then as many an hour). Staff are
    identified, so this limit is per account. The audit entry is dated to the day
    only (audit.models.DAY_DATED_ACTIONS): it must not date the caller's call.
    """
    if not can_enter_phone_tips(operator):
        raise PermissionError("only hotline operators enter tips by phone")
    if not _phone_tip_bucket(operator).take():
        raise PhoneTipLimitReached
    with transaction.atomic():
        # tip_submit's own transaction becomes a savepoint, so its retry after a receipt collision still works.
        tip, receipt = tip_submit(
            submission=dataclasses.replace(submission, intake_channel=IntakeChannel.PHONE), uploads=uploads
        )
        audit_record(actor=operator.user, action=AuditAction.PHONE_TIP_ENTERED, target_type="tip", target_id="")
    return tip, receipt


# --- reading content -------------------------------------------------------------------------------
# Reading a tip is not a change, but it is recorded: these are the only audit writes of a GET.


def tips_viewed_record(*, tips: Iterable[Tip], actor: StaffMember) -> None:
    """Record that the actor was shown the content of these tips (a case page shows all of its tips)."""
    with transaction.atomic():
        for tip in tips:
            audit_record(
                actor=actor.user,
                action=AuditAction.TIP_VIEWED,
                target_type="tip",
                target_id=str(tip.public_id),
                unit_id=tip.unit_id,
            )


def attachment_decrypted_record(*, attachment: Attachment, actor: StaffMember, safe_copy: bool = False) -> None:
    """Record that the actor opened (downloaded, decrypted) an attachment of a tip, or its safe copy."""
    audit_record(
        actor=actor.user,
        action=AuditAction.ATTACHMENT_DECRYPTED,
        target_type="attachment",
        target_id=str(attachment.public_id),
        unit_id=attachment.tip.unit_id,
        details={"copy": "safe"} if safe_copy else None,
    )


def attachment_scan(*, attachment: Attachment, data_key: bytes, actor: StaffMember | None) -> str:
    """Scan a file the scanner could not take at intake, decrypted in memory; return its scan status.

    Called when a staff member who can open the tip views it or downloads the file
    (``actor``), and by the scan_attachments command through the escrow key (no
    actor). A scanner still unavailable leaves the file not scanned. A file found
    infected is marked so (its download is blocked from then on) and audited with
    the signature's name, in one transaction.
    """
    if attachment.scan_status != ScanStatus.NOT_SCANNED:
        return attachment.scan_status
    _view, chunks = attachment_plaintext(attachment=attachment, data_key=data_key)
    result = scanning.scan_chunks(chunks)
    if result.verdict is scanning.Verdict.UNAVAILABLE:
        return attachment.scan_status
    status = ScanStatus.INFECTED if result.verdict is scanning.Verdict.INFECTED else ScanStatus.CLEAN
    with transaction.atomic():
        # Only a row still not scanned changes: two scans of the same file at once mark (and audit) it once.
        changed = Attachment.objects.filter(pk=attachment.pk, scan_status=ScanStatus.NOT_SCANNED).update(
            scan_status=status
        )
        if changed and status == ScanStatus.INFECTED:
            audit_record(
                actor=actor.user if actor is not None else None,
                action=AuditAction.ATTACHMENT_INFECTED,
                target_type="attachment",
                target_id=str(attachment.public_id),
                unit_id=attachment.tip.unit_id,
                details={"signature": result.signature[:100]},
            )
    attachment.refresh_from_db(fields=["scan_status"])
    return attachment.scan_status


@dataclass(frozen=True)
class ScanTally:
    clean: int
    infected: int
    not_scanned: int


def attachments_scan_offline(*, escrow_private_key: bytes) -> ScanTally:
    """Scan every file still not scanned, each tip's key opened with the offline escrow private key.

    For files the scanner could not take at intake and no staff member has opened
    since. Files the scanner still cannot take stay not scanned; a wrong escrow key
    raises envelope.CryptoError before any file is scanned.
    """
    counts = {ScanStatus.CLEAN: 0, ScanStatus.INFECTED: 0, ScanStatus.NOT_SCANNED: 0}
    pending = Attachment.objects.filter(scan_status=ScanStatus.NOT_SCANNED).select_related("tip").order_by("tip_id")
    data_keys: dict[int, bytes] = {}
    for attachment in pending.iterator(chunk_size=200):
        if attachment.tip_id not in data_keys:
            data_keys.clear()  # ordered by tip: one tip's key in memory at a time
            data_keys[attachment.tip_id] = envelope.open_tip_with_escrow(
                attachment.tip, escrow_private_key=escrow_private_key
            )
        status = attachment_scan(attachment=attachment, data_key=data_keys[attachment.tip_id], actor=None)
        counts[ScanStatus(status)] += 1
    return ScanTally(
        clean=counts[ScanStatus.CLEAN],
        infected=counts[ScanStatus.INFECTED],
        not_scanned=counts[ScanStatus.NOT_SCANNED],
    )


def attachments_scan_pending(*, tip: Tip, data_key: bytes, actor: StaffMember | None) -> None:
    """Scan every file of a tip that is still not scanned (attachment_scan), while its key is in memory."""
    if not scanning.scanner_configured():
        return
    for attachment in tip.attachments.filter(scan_status=ScanStatus.NOT_SCANNED).select_related("tip"):
        if attachment_scan(attachment=attachment, data_key=data_key, actor=actor) == ScanStatus.NOT_SCANNED:
            return  # the scanner is down: the page is not kept waiting for it once per file


# --- linking and transfer ------------------------------------------------------------------------


class CaseMergeHook(Protocol):
    """Move what an app keeps of `other` into `target`, re-sealing its content from `other_key` to `target_key`."""

    def __call__(self, *, target: Case, other: Case, target_key: bytes, other_key: bytes) -> object: ...


_case_merge_hooks: list[CaseMergeHook] = []


def on_case_merge(hook: CaseMergeHook) -> None:
    """Call `hook` whenever one case is merged into another (cases_link), once per hook.

    The apps built on cases keep rows of their own under a case, sealed under its key:
    the investigation's tasks and interviews, the evidence's exhibits, custody remarks
    and seized identifiers, the outcomes' persons concerned. cases imports none of
    them, so each registers its hook when it starts (its AppConfig.ready). A hook runs
    inside cases_link's transaction, with both case keys open and before the merged
    case is deleted (its rows would go with it): it moves its rows to `target` and
    re-seals their content under `target_key`. A hook that raises undoes the merge.
    """
    if hook not in _case_merge_hooks:
        _case_merge_hooks.append(hook)


class CaseCloseHook(Protocol):
    """Do what an app does when `case` is closed (it is saved with its `closed_on` already)."""

    def __call__(self, *, case: Case) -> object: ...


_case_close_hooks: list[CaseCloseHook] = []


def on_case_close(hook: CaseCloseHook) -> None:
    """Call `hook` whenever a case is closed (case_transition to a closing status), once per hook.

    As with on_case_merge: an app built on cases may have work to start when a case
    closes (protection schedules its check-ins with the whistleblower 30, 60 and 90
    days after closure), and cases imports none of them, so each registers its hook
    when it starts (its AppConfig.ready). A hook runs inside case_transition's
    transaction, after the case was saved closed and its timeline written: it must be
    idempotent (a case may be reopened and closed again) and write nothing but clear
    metadata, since no key is handed to it. A hook that raises undoes the closure.
    """
    if hook not in _case_close_hooks:
        _case_close_hooks.append(hook)


class CaseEraseHook(Protocol):
    """Destroy what an app keeps of `case` (rows, ciphertext, stored files); return how many things went."""

    def __call__(self, *, case: Case) -> int: ...


_case_erase_hooks: list[CaseEraseHook] = []


def on_case_erase(hook: CaseEraseHook) -> None:
    """Call `hook` whenever a case is deleted on its retention schedule (retention/), once per hook.

    As with on_case_merge: the apps built on cases keep rows of their own under a case,
    sealed under its key or its tips' keys, and cases imports none of them. A hook runs
    inside the erasing transaction, after the case's and its tips' keys are destroyed:
    it deletes its content rows (or empties their ciphertext where the clear metadata
    feeds the roll-ups) and arranges the deletion of any stored file after commit.
    A hook that raises undoes the deletion.
    """
    if hook not in _case_erase_hooks:
        _case_erase_hooks.append(hook)


def case_erase_hooks() -> tuple[CaseEraseHook, ...]:
    """Return the registered erase hooks, in registration order (for retention.services)."""
    return tuple(_case_erase_hooks)


def cases_link(*, target: Case, other: Case, actor: StaffMember, vault: dict[str, bytes]) -> Case:
    """Merge `other` into `target`: its tips, notes and timeline join the target case.

    Both cases must be in the same unit; the notes are re-encrypted under the
    target's key, and so is what other apps keep under the case (on_case_merge).
    The earliest deadlines of the two are kept.
    """
    permissions.require_work(actor, target)
    permissions.require_work(actor, other)
    if target.pk == other.pk:
        raise CaseActionRefused(_("A case cannot be linked to itself."))
    if target.unit_id != other.unit_id:
        raise CaseActionRefused(_("Transfer the case to this unit before linking it."))
    target_key = case_key_open(case=target, vault=vault)
    other_key = case_key_open(case=other, vault=vault)
    with transaction.atomic():
        for note in Note.objects.filter(case=other):
            body = envelope.open_field(envelope.NOTE, "body", note, other.public_id, note.public_id, key=other_key)
            note.case = target
            note.body_ct = envelope.seal_field(
                envelope.NOTE, "body", target.public_id, note.public_id, key=target_key, value=body
            )
            note.save(update_fields=["case", "body_ct"])
        for hook in _case_merge_hooks:
            hook(target=target, other=other, target_key=target_key, other_key=other_key)
        moved = CaseTip.objects.filter(case=other).update(case=target)
        CaseEvent.objects.filter(case=other).update(case=target)
        Recusal.objects.filter(case=other).exclude(member__in=target.recusals.values("member")).update(case=target)
        target.acknowledge_due = min(target.acknowledge_due, other.acknowledge_due)
        target.feedback_due = min(target.feedback_due, other.feedback_due)
        dues = [d for d in (target.protection_due, other.protection_due) if d is not None]
        target.protection_due = min(dues, default=None)
        target.triage_score = max(target.triage_score, other.triage_score)
        # A reply nobody has read in the merged case is still unread in the case it joins.
        target.unread_reply = target.unread_reply or other.unread_reply
        _save_deadlines(target, "acknowledge_due", "feedback_due", "protection_due", "triage_score", "unread_reply")
        _sync_tip_status(target)
        other_id = str(other.public_id)
        other.delete()
        _event(target, CaseEvent.Kind.LINKED, actor, details={"merged_case": other_id, "tips": moved})
        _audit(actor, AuditAction.TIPS_LINKED, target, merged_case=other_id)
    return target


def case_transfer(*, case: Case, to_unit: Unit, actor: StaffMember, vault: dict[str, bytes]) -> Case:
    """Move a case to another unit, re-sealing its key and its tips' data keys to that unit's key.

    Only public keys of the receiving unit are needed, so nothing waits in the
    clear for a member of that unit to log in.
    """
    permissions.require_supervise(actor, case)
    keypair = to_unit.active_keypair()
    if keypair is None:
        raise CaseActionRefused(_("That unit has no key yet."))
    if to_unit.pk == case.unit_id:
        raise CaseActionRefused(_("The case is already in that unit."))
    from_unit = case.unit_id
    with transaction.atomic():
        for tip in Tip.objects.filter(case_link__case=case).select_related("unit_keypair"):
            data_key = tip_data_key_open(tip=tip, vault=vault)
            tip.unit = to_unit
            tip.unit_keypair = keypair
            tip.data_key_for_unit = envelope.seal_record_key_for_unit(
                envelope.TIP, tip.public_id, key=data_key, unit_keypair=keypair
            )
            tip.save(update_fields=["unit", "unit_keypair", "data_key_for_unit"])
        _seal_case_key(case, case_key_open(case=case, vault=vault), keypair)
        case.unit = to_unit
        case.assignee = None
        case.save(update_fields=["unit", "unit_keypair", "case_key_for_unit", "assignee"])
        _event(case, CaseEvent.Kind.TRANSFERRED, actor, details={"from_unit": from_unit, "to_unit": to_unit.pk})
        _audit(actor, AuditAction.TIP_TRANSFERRED, case, from_unit=from_unit, to_unit=to_unit.pk)
    return case
