"""Writes of outcomes: persons concerned and their outcomes, proceedings, referrals, platform codes, merging.

Every function checks who may do it (cases/permissions.py), changes the rows in one
transaction and writes the case's timeline and the audit log (OUTCOME_RECORDED, with
what changed but no content). A person's name and details are sealed under the case
key; everything else here is the official clear metadata the indicators count.

Recording the outcome of a person, a proceeding or a referral decides something about
the case: it is for the case's supervisors or its assignee (`require_close`), like
closing it. Adding a person concerned or a platform code is ordinary work on the case.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import envelope
from accounts.models import StaffMember
from audit.models import AuditAction
from audit.services import audit_record
from cases import permissions
from cases.models import Case, CaseEvent
from cases.permissions import CaseActionRefused
from cases.services import case_key_open
from cases.statuses import CaseStatus
from outcomes.models import (
    IMPOSED_SANCTIONS,
    PersonConcerned,
    PersonOutcome,
    PersonRole,
    PlatformFiling,
    Proceeding,
    ProceedingStage,
    Referral,
    ReferralExport,
    ReferralStatus,
    Sanction,
)
from outcomes.referral_file import RenderedFile, render_referral_file
from outcomes.selectors import case_file

# A suspension without pay under Ley 30057 (art. 88 b) lasts from one day to twelve months.
SUSPENSION_DAYS_MAX = 365
# Statuses a disciplinary proceeding may be opened or changed in: the facts are established or being established.
PROCEEDING_STATUSES = frozenset({CaseStatus.INVESTIGATING, CaseStatus.SUBSTANTIATED})
# The national platform's codes vary by year and entity; this only keeps out what cannot be a code.
PLATFORM_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]{2,48}[A-Za-z0-9]$")
PERSON_CODE = re.compile(r"^P-(\d+)$")


def _today() -> datetime.date:
    return timezone.localdate()


def _record(case: Case, kind: str, actor: StaffMember, change: str, **details: object) -> None:
    """Write the case's timeline event and the audit entry of one outcome change (clear metadata only)."""
    CaseEvent.objects.create(case=case, kind=kind, actor=actor, at=timezone.now(), details=details)
    audit_record(
        actor=actor.user,
        action=AuditAction.OUTCOME_RECORDED,
        target_type="case",
        target_id=str(case.public_id),
        unit_id=case.unit_id,
        details={"change": change, **details},
    )


def _code_number(code: str) -> int:
    match = PERSON_CODE.match(code)
    return int(match.group(1)) if match else 0


def _next_code(case: Case) -> str:
    used = PersonConcerned.objects.filter(case=case).values_list("code", flat=True)
    return f"P-{max((_code_number(code) for code in used), default=0) + 1}"


def _seal_person(person: PersonConcerned, case: Case, key: bytes, *, name: str, details: str) -> None:
    sealed = envelope.seal_fields(
        envelope.PERSON_CONCERNED, case.public_id, person.public_id, key=key, name=name, details=details
    )
    for column, ciphertext in sealed.items():
        setattr(person, column, ciphertext)


# --- persons concerned ---------------------------------------------------------------------------------


def person_add(
    *, case: Case, role: str, name: str, details: str, actor: StaffMember, vault: dict[str, bytes]
) -> PersonConcerned:
    """Add a person the case is about: the next code of the case (P-1, P-2, ...), name and details sealed."""
    permissions.require_work(actor, case)
    if role not in PersonRole.values or not name.strip():
        raise CaseActionRefused(_("Give the person's role and name."))
    key = case_key_open(case=case, vault=vault)
    with transaction.atomic():
        # Two members adding a person at once must not get the same code: the case row is the lock.
        case = Case.objects.select_for_update().get(pk=case.pk)
        person = PersonConcerned(case=case, role=role, code=_next_code(case))
        _seal_person(person, case, key, name=name.strip(), details=details.strip())
        person.save()
        _record(case, CaseEvent.Kind.PERSON_ADDED, actor, "person_added", person=person.code)
    return person


def person_outcome_set(*, person: PersonConcerned, outcome: str, actor: StaffMember) -> PersonConcerned:
    """Record what became of a person concerned (supervisors or the case's assignee), dated today."""
    case = person.case
    permissions.require_close(actor, case)
    if outcome not in PersonOutcome.values:
        raise CaseActionRefused(_("Unknown outcome."))
    with transaction.atomic():
        person.outcome = outcome
        person.outcome_on = _today()
        person.save(update_fields=["outcome", "outcome_on"])
        _record(case, CaseEvent.Kind.OUTCOME_RECORDED, actor, "person_outcome", person=person.code, outcome=outcome)
    return person


# --- disciplinary proceedings --------------------------------------------------------------------------


def _require_proceeding_allowed(actor: StaffMember, case: Case) -> None:
    permissions.require_close(actor, case)
    if case.status not in PROCEEDING_STATUSES:
        raise CaseActionRefused(
            _("A disciplinary proceeding is recorded only on a case under investigation or substantiated.")
        )


def proceeding_open(
    *,
    case: Case,
    person: PersonConcerned | None,
    reference: str,
    opened_on: datetime.date,
    actor: StaffMember,
) -> Proceeding:
    """Record a disciplinary proceeding (PAD) opened on the case, against one person concerned or not yet known."""
    _require_proceeding_allowed(actor, case)
    if person is not None and person.case_id != case.pk:
        raise CaseActionRefused(_("That person is not part of this case."))
    if not reference.strip():
        raise CaseActionRefused(_("Give the proceeding's reference."))
    if opened_on > _today():
        raise CaseActionRefused(_("A proceeding cannot be opened in the future."))
    with transaction.atomic():
        proceeding = Proceeding.objects.create(
            case=case, person=person, reference=reference.strip(), opened_on=opened_on
        )
        _record(
            case,
            CaseEvent.Kind.PROCEEDING_OPENED,
            actor,
            "proceeding_opened",
            person=person.code if person else "",
        )
    return proceeding


def proceeding_update(
    *,
    proceeding: Proceeding,
    stage: str,
    sanction: str,
    suspension_days: int | None,
    actor: StaffMember,
) -> Proceeding:
    """Move a proceeding to a stage and record its sanction.

    A suspension needs its length (1 to 365 days: Ley 30057 allows up to twelve
    months). The day a sanction is first set is its `sanctioned_on`; reaching the
    concluded stage sets `concluded_on`. An imposed sanction marks the person
    concerned as sanctioned, unless an outcome was already recorded for them.
    """
    case = proceeding.case
    _require_proceeding_allowed(actor, case)
    if stage not in ProceedingStage.values or sanction not in Sanction.values:
        raise CaseActionRefused(_("Unknown stage or sanction."))
    if sanction == Sanction.SUSPENSION:
        if suspension_days is None or not 1 <= suspension_days <= SUSPENSION_DAYS_MAX:
            raise CaseActionRefused(_("A suspension lasts from 1 to 365 days: give its length."))
    else:
        suspension_days = None
    today = _today()
    with transaction.atomic():
        proceeding.stage = stage
        if sanction != proceeding.sanction:
            proceeding.sanctioned_on = today if sanction else None
        proceeding.sanction = sanction
        proceeding.suspension_days = suspension_days
        if stage == ProceedingStage.CONCLUDED and proceeding.concluded_on is None:
            proceeding.concluded_on = today
        elif stage != ProceedingStage.CONCLUDED:
            proceeding.concluded_on = None
        proceeding.save(update_fields=["stage", "sanction", "sanctioned_on", "suspension_days", "concluded_on"])
        person = proceeding.person
        if person is not None and sanction in IMPOSED_SANCTIONS and person.outcome == PersonOutcome.PENDING:
            person.outcome = PersonOutcome.SANCTIONED
            person.outcome_on = today
            person.save(update_fields=["outcome", "outcome_on"])
        _record(
            case,
            CaseEvent.Kind.PROCEEDING_UPDATED,
            actor,
            "proceeding_updated",
            stage=stage,
            sanction=sanction,
        )
    return proceeding


# --- referrals and the national platform ---------------------------------------------------------------


def referral_send(
    *, case: Case, authority: str, reference: str, sent_on: datetime.date, actor: StaffMember
) -> Referral:
    """Record that the case was sent to another authority (supervisors or the case's assignee)."""
    permissions.require_close(actor, case)
    if sent_on > _today():
        raise CaseActionRefused(_("A referral cannot be sent in the future."))
    with transaction.atomic():
        referral = Referral.objects.create(
            case=case, authority=authority, reference=reference.strip(), sent_on=sent_on, updated_on=_today()
        )
        _record(case, CaseEvent.Kind.REFERRAL_SENT, actor, "referral_sent", authority=authority)
    return referral


def referral_update(*, referral: Referral, status: str, reference: str, actor: StaffMember) -> Referral:
    """Record where a referral stands at the other authority, and the reference it gave the case there."""
    case = referral.case
    permissions.require_close(actor, case)
    if status not in ReferralStatus.values:
        raise CaseActionRefused(_("Unknown referral status."))
    with transaction.atomic():
        referral.status = status
        referral.reference = reference.strip() or referral.reference
        referral.updated_on = _today()
        referral.save(update_fields=["status", "reference", "updated_on"])
        _record(case, CaseEvent.Kind.REFERRAL_UPDATED, actor, "referral_updated", status=status)
    return referral


def platform_code_add(*, case: Case, code: str, actor: StaffMember) -> PlatformFiling:
    """Record the code the same matter has on the national complaints platform (letters, digits, - and /)."""
    permissions.require_work(actor, case)
    code = code.strip().upper()
    if not PLATFORM_CODE.match(code):
        raise CaseActionRefused(_("A platform code has 4 to 50 letters, digits, dashes or slashes."))
    if PlatformFiling.objects.filter(case=case, code=code).exists():
        raise CaseActionRefused(_("That platform code is already recorded on this case."))
    with transaction.atomic():
        filing = PlatformFiling.objects.create(case=case, code=code)
        _record(case, CaseEvent.Kind.PLATFORM_CODE_RECORDED, actor, "platform_code")
    return filing


# --- the referral file ----------------------------------------------------------------------------------


def referral_file_make(
    *,
    case: Case,
    included: Collection[str],
    actor: StaffMember,
    vault: dict[str, bytes],
    language: str = "es",
    referral: Referral | None = None,
) -> tuple[ReferralExport, RenderedFile]:
    """Draw a referral file of the case and record its SHA-256, what it left out and its manifest (no content).

    Supervisors or the case's assignee only. The file itself is not kept: the caller
    hands it to the member, and the stored SHA-256 lets anyone verify a copy later.
    """
    permissions.require_close(actor, case)
    if referral is not None and referral.case_id != case.pk:
        raise CaseActionRefused(_("That referral is not part of this case."))
    made_at = timezone.now()
    rendered = render_referral_file(
        data=case_file(case=case, vault=vault),
        included=included,
        made_by=actor,
        made_on=timezone.localdate(made_at),
        language=language,
    )
    with transaction.atomic():
        export = ReferralExport.objects.create(
            case=case,
            referral=referral,
            made_by=actor,
            made_at=made_at,
            sha256=rendered.sha256,
            redactions=rendered.redactions,
            manifest=rendered.manifest,
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.REFERRAL_FILE_MADE,
            actor=actor,
            at=made_at,
            details={"sha256": rendered.sha256},
        )
        audit_record(
            actor=actor.user,
            action=AuditAction.REFERRAL_FILE_MADE,
            target_type="case",
            target_id=str(case.public_id),
            unit_id=case.unit_id,
            details={"sha256": rendered.sha256, "export": str(export.public_id), "reserved": len(rendered.redactions)},
        )
    return export, rendered


# --- merging cases -------------------------------------------------------------------------------------


def persons_move_to_case(*, target: Case, other: Case, target_key: bytes, other_key: bytes) -> None:
    """Move the outcomes of `other` into `target`, inside the caller's merge transaction.

    Names and details are re-encrypted under the target's key; a code already used
    in the target is renumbered after the target's last one (a proceeding points at
    the person, not the code, so it follows). Proceedings, referrals, platform codes
    (those not already recorded on the target) and referral files move with them.
    """
    next_number = max(
        (_code_number(code) for code in PersonConcerned.objects.filter(case=target).values_list("code", flat=True)),
        default=0,
    )
    taken = set(PersonConcerned.objects.filter(case=target).values_list("code", flat=True))
    for person in PersonConcerned.objects.filter(case=other).order_by("id"):
        fields = envelope.open_fields(
            envelope.PERSON_CONCERNED, person, other.public_id, person.public_id, key=other_key
        )
        person.case = target
        if person.code in taken:
            next_number += 1
            person.code = f"P-{next_number}"
        taken.add(person.code)
        _seal_person(person, target, target_key, name=fields["name"], details=fields["details"])
        person.save(update_fields=["case", "code", "name_ct", "details_ct"])
    Proceeding.objects.filter(case=other).update(case=target)
    Referral.objects.filter(case=other).update(case=target)
    ReferralExport.objects.filter(case=other).update(case=target)
    PlatformFiling.objects.filter(case=other).exclude(code__in=target.platform_filings.values("code")).update(
        case=target
    )


def persons_erase(*, case: Case) -> int:
    """Delete the case's persons concerned (cases.services.on_case_erase).

    Their proceedings stay, with the person emptied: the roll-ups count sanctions and
    proceedings by their clear stage and dates. Referral exports keep only hashes.
    """
    return PersonConcerned.objects.filter(case=case).delete()[0]
