"""The chain of custody of an exhibit: the one place that appends to it and verifies it.

Every entry is confirmed by the member who hands the exhibit over, with their own
password (their signature, throttled and locked exactly as a login: a wrong one counts
as a failed login of that member, and is recorded in the audit log), and is chained to the entry before it: `digest` is
SHA-256 over a canonical, versioned serialisation of the previous digest and the
entry's clear fields, with the SHA-256 of its encrypted remarks and outside recipient
standing in for them
(custody_digest says exactly which). In the same transaction the audit chain
records the entry's exhibit, sequence number and digest, so a row changed, removed
or inserted afterwards no longer matches the audit log, which cannot be rewritten
without breaking its own hash chain. custody_verify recomputes both.

Appending locks the exhibit's row, so two hand-overs at the same moment are
serialised: the second sees the first's holder and is refused if it no longer holds it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import envelope
from accounts.models import StaffMember
from accounts.security import login_failure_record, login_lockout_message, login_throttle_locked
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from cases import permissions
from cases.models import Case, CaseEvent
from cases.permissions import CaseActionRefused
from cases.services import case_key_open
from evidence.models import CustodyEntry, Exhibit, ExhibitStatus

# The serialisation's version: a new layout gets a new tag, and verify reads each entry by its own.
DIGEST_FORMAT = "tipline custody v1"
FIRST_PREV_DIGEST = "0" * 64
AUDIT_TARGET = "exhibit"

# Where each kind of entry leaves the exhibit.
STATUS_AFTER = {
    CustodyEntry.Kind.REGISTERED: ExhibitStatus.IN_CUSTODY,
    CustodyEntry.Kind.TRANSFERRED: ExhibitStatus.IN_CUSTODY,
    CustodyEntry.Kind.HANDED_OVER: ExhibitStatus.HANDED_OVER,
    CustodyEntry.Kind.RETURNED: ExhibitStatus.RETURNED,
    CustodyEntry.Kind.DESTROYED: ExhibitStatus.DESTROYED,
}


def custody_digest(
    *,
    prev_digest: str,
    exhibit_id: uuid.UUID,
    seq: int,
    kind: str,
    from_member_id: int | None,
    to_member_id: int | None,
    to_outside_ct: bytes,
    signed_by_id: int,
    at: datetime.datetime,
    remarks_ct: bytes,
) -> str:
    """Return the hex SHA-256 that chains one custody entry to the one before it.

    The input is JSON with sorted keys and no spaces, its first member the format tag;
    the time is ISO 8601 in UTC, and the remarks and the outside recipient count by the
    SHA-256 of their ciphertext (their plaintext never leaves the case key).
    """
    payload = {
        "format": DIGEST_FORMAT,
        "prev": prev_digest,
        "exhibit": str(exhibit_id),
        "seq": seq,
        "kind": kind,
        "from": from_member_id,
        "to": to_member_id,
        "to_outside": hashlib.sha256(to_outside_ct).hexdigest(),
        "signed_by": signed_by_id,
        "at": at.astimezone(datetime.UTC).isoformat(),
        "remarks": hashlib.sha256(remarks_ct).hexdigest(),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_digest(entry: CustodyEntry, *, exhibit_id: uuid.UUID) -> str:
    """Return the digest an entry of the exhibit `exhibit_id` must carry (custody_digest of its own fields)."""
    return custody_digest(
        prev_digest=entry.prev_digest,
        exhibit_id=exhibit_id,
        seq=entry.seq,
        kind=entry.kind,
        from_member_id=entry.from_member_id,
        to_member_id=entry.to_member_id,
        to_outside_ct=bytes(entry.to_outside_ct),
        signed_by_id=entry.signed_by_id,
        at=entry.at,
        remarks_ct=bytes(entry.remarks_ct),
    )


def custody_append(
    *,
    exhibit: Exhibit,
    kind: str,
    signed_by: StaffMember,
    to_member: StaffMember | None = None,
    to_outside: str = "",
    remarks: str = "",
    case_key: bytes,
) -> CustodyEntry:
    """Append one entry to an exhibit's chain, move the exhibit, and record the digest in the audit chain.

    Call it inside a transaction that has locked the exhibit's row (select_for_update);
    it checks nothing about who may: the services below (and exhibit_register) do.
    """
    last = CustodyEntry.objects.filter(exhibit=exhibit).order_by("-seq").first()
    entry = CustodyEntry(
        exhibit=exhibit,
        seq=last.seq + 1 if last else 1,
        kind=kind,
        from_member=None if kind == CustodyEntry.Kind.REGISTERED else exhibit.holder,
        to_member=to_member,
        signed_by=signed_by,
        at=timezone.now().replace(microsecond=0),
        prev_digest=last.digest if last else FIRST_PREV_DIGEST,
    )
    present = {name: value for name, value in (("remarks", remarks), ("to_outside", to_outside)) if value}
    for column, ciphertext in envelope.seal_fields(
        envelope.CUSTODY_ENTRY, exhibit.case.public_id, exhibit.public_id, entry.public_id, key=case_key, **present
    ).items():
        setattr(entry, column, ciphertext)
    entry.digest = entry_digest(entry, exhibit_id=exhibit.public_id)
    entry.save()
    exhibit.holder = to_member
    exhibit.status = STATUS_AFTER[CustodyEntry.Kind(kind)]
    exhibit.save(update_fields=["holder", "status"])
    audit_record(
        actor=signed_by.user,
        action=AuditAction.CUSTODY_CHANGED,
        target_type=AUDIT_TARGET,
        target_id=str(exhibit.public_id),
        unit_id=exhibit.case.unit_id,
        details={"exhibit": str(exhibit.public_id), "seq": entry.seq, "digest": entry.digest},
    )
    return entry


# --- changes of hands ------------------------------------------------------------------------------------


def _signature_refused(actor: StaffMember, *, locked: bool) -> None:
    """Record a refused custody signature in the audit log, as a failed login of the member (no content)."""
    audit_record(
        actor=actor.user,
        action=AuditAction.LOGIN_FAILED,
        target_type="user",
        target_id=actor.user.pk,
        details={"refused": "password", "locked": locked},
    )


def _signature_check(actor: StaffMember, password: str) -> None:
    """Refuse a signature while the member's login is locked, or with a wrong password (a failed login).

    The password is the member's login password, so guessing it here must cost what guessing
    it at the login page costs: the same counter (accounts.security), the same lock.
    """
    username = actor.user.get_username()
    if login_throttle_locked(username=username):
        _signature_refused(actor, locked=True)
        raise CaseActionRefused(login_lockout_message())
    if not actor.user.check_password(password):
        locked = login_failure_record(username=username)
        _signature_refused(actor, locked=locked)
        raise CaseActionRefused(
            login_lockout_message() if locked else _("That is not your password. Nothing was changed.")
        )


def _hand_over(
    *,
    exhibit: Exhibit,
    kind: str,
    actor: StaffMember,
    password: str,
    vault: dict[str, bytes],
    to_member: StaffMember | None = None,
    to_outside: str = "",
    remarks: str = "",
) -> CustodyEntry:
    """Check the hand-over, then append it under a lock on the exhibit; refuse and change nothing otherwise."""
    case = exhibit.case
    permissions.require_work(actor, case)
    _signature_check(actor, password)
    case_key = case_key_open(case=case, vault=vault)
    with transaction.atomic():
        locked = Exhibit.objects.select_for_update().select_related("case").get(pk=exhibit.pk)
        if locked.status != ExhibitStatus.IN_CUSTODY or locked.holder_id != actor.pk:
            raise CaseActionRefused(_("Only the member who holds this exhibit now can hand it over."))
        entry = custody_append(
            exhibit=locked,
            kind=kind,
            signed_by=actor,
            to_member=to_member,
            to_outside=to_outside,
            remarks=remarks,
            case_key=case_key,
        )
        CaseEvent.objects.create(
            case=case, kind=CaseEvent.Kind.CUSTODY_CHANGED, actor=actor, details={"custody": kind, "seq": entry.seq}
        )
    exhibit.refresh_from_db(fields=["holder", "status"])
    return entry


def custody_transfer(
    *,
    exhibit: Exhibit,
    to_member: StaffMember,
    actor: StaffMember,
    password: str,
    remarks: str,
    vault: dict[str, bytes],
) -> CustodyEntry:
    """Hand an exhibit to another member of its unit who works its case, signed with the holder's password."""
    case = exhibit.case
    if to_member.pk == actor.pk:
        raise CaseActionRefused(_("You already hold this exhibit."))
    if not permissions.can_work(to_member, case):
        raise CaseActionRefused(_("The exhibit can only be handed to a member of the unit who works this case."))
    return _hand_over(
        exhibit=exhibit,
        kind=CustodyEntry.Kind.TRANSFERRED,
        actor=actor,
        password=password,
        vault=vault,
        to_member=to_member,
        remarks=remarks,
    )


def custody_hand_over(
    *, exhibit: Exhibit, to_outside: str, actor: StaffMember, password: str, remarks: str, vault: dict[str, bytes]
) -> CustodyEntry:
    """Hand an exhibit over to an outside authority, named as on the receipt it signed."""
    to_outside = " ".join(to_outside.split())
    if not to_outside:
        raise CaseActionRefused(_("Name the authority that receives the exhibit."))
    return _hand_over(
        exhibit=exhibit,
        kind=CustodyEntry.Kind.HANDED_OVER,
        actor=actor,
        password=password,
        vault=vault,
        to_outside=to_outside,
        remarks=remarks,
    )


def custody_return(
    *, exhibit: Exhibit, to_outside: str, actor: StaffMember, password: str, remarks: str, vault: dict[str, bytes]
) -> CustodyEntry:
    """Record that the holder returned the exhibit to its owner (named as on the receipt, if given)."""
    return _hand_over(
        exhibit=exhibit,
        kind=CustodyEntry.Kind.RETURNED,
        actor=actor,
        password=password,
        vault=vault,
        to_outside=" ".join(to_outside.split()),
        remarks=remarks,
    )


def custody_destroy(
    *, exhibit: Exhibit, actor: StaffMember, password: str, remarks: str, vault: dict[str, bytes]
) -> CustodyEntry:
    """Record that the holder destroyed the exhibit (the remarks say how and under whose order)."""
    return _hand_over(
        exhibit=exhibit, kind=CustodyEntry.Kind.DESTROYED, actor=actor, password=password, vault=vault, remarks=remarks
    )


def custody_rechain(*, exhibit: Exhibit, from_case: Case, to_case: Case, from_key: bytes, to_key: bytes) -> None:
    """Seal an exhibit's custody remarks and outside recipients under another case's key (a merge), re-link its chain.

    Their ciphertexts are part of their entry's digest, so every digest from the first
    re-sealed entry on changes. The chain must hold before (else CaseActionRefused, and
    the merge's transaction rolls back); each new digest is recorded in the audit chain
    like a new entry, with "resealed" set, so custody_verify holds the chain to it.
    """
    verification = custody_verify(exhibit)
    if not verification.ok:
        raise CaseActionRefused(_("The chain of custody of an exhibit of that case is broken; it cannot be moved."))
    prev = FIRST_PREV_DIGEST
    for entry in CustodyEntry.objects.filter(exhibit=exhibit).order_by("seq"):
        ids = (exhibit.public_id, entry.public_id)
        fields = envelope.open_fields(envelope.CUSTODY_ENTRY, entry, from_case.public_id, *ids, key=from_key)
        present = {name: value for name, value in fields.items() if value}
        for column, ciphertext in envelope.seal_fields(
            envelope.CUSTODY_ENTRY, to_case.public_id, *ids, key=to_key, **present
        ).items():
            setattr(entry, column, ciphertext)
        entry.prev_digest = prev
        digest = entry_digest(entry, exhibit_id=exhibit.public_id)
        if digest != entry.digest:
            entry.digest = digest
            entry.save(update_fields=["remarks_ct", "to_outside_ct", "prev_digest", "digest"])
            audit_record(
                actor=None,
                action=AuditAction.CUSTODY_CHANGED,
                target_type=AUDIT_TARGET,
                target_id=str(exhibit.public_id),
                unit_id=to_case.unit_id,
                details={"exhibit": str(exhibit.public_id), "seq": entry.seq, "digest": digest, "resealed": True},
            )
        prev = entry.digest


# --- verification ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustodyVerification:
    """Whether an exhibit's chain holds; if not, the first entry (by position) that does not, and why."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def custody_verify(exhibit: Exhibit) -> CustodyVerification:
    """Recompute an exhibit's chain of custody and check each digest against its audit entry.

    The entries must be numbered 1, 2, 3, ... without gaps, each one's prev_digest the
    digest of the one before, each digest what its fields give, and the audit log must
    hold a CUSTODY_CHANGED entry for each seq whose latest digest is that one, and none for a seq past the last.
    The exhibit passes hand to hand (each entry starts with the member the one before ended with),
    and who holds it now, and its status, are where the last entry left it.
    """
    audited: dict[int, str] = {}
    for details in (
        AuditEvent.objects.filter(
            action=AuditAction.CUSTODY_CHANGED, target_type=AUDIT_TARGET, target_id=str(exhibit.public_id)
        )
        .order_by("seq")
        .values_list("details", flat=True)
    ):
        # A merge re-links a chain (custody_rechain): the latest digest recorded for a seq is the one that holds.
        audited[int(details["seq"])] = str(details["digest"])
    entries = list(CustodyEntry.objects.filter(exhibit=exhibit).order_by("seq"))
    prev = FIRST_PREV_DIGEST
    for position, entry in enumerate(entries, start=1):
        if entry.seq != position:
            return CustodyVerification(False, position - 1, position, _("An entry is missing from the chain."))
        if entry.prev_digest != prev:
            return CustodyVerification(False, position - 1, position, _("The entry does not follow the one before."))
        if position > 1 and entry.from_member_id != entries[position - 2].to_member_id:
            return CustodyVerification(
                False, position - 1, position, _("The entry starts with someone the one before did not hand it to.")
            )
        if entry_digest(entry, exhibit_id=exhibit.public_id) != entry.digest:
            return CustodyVerification(False, position - 1, position, _("The entry was changed after it was made."))
        if audited.get(position) != entry.digest:
            return CustodyVerification(False, position - 1, position, _("The entry does not match the audit log."))
        prev = entry.digest
    if len(audited) > len(entries) or (audited and max(audited) > len(entries)):
        missing = len(entries) + 1
        return CustodyVerification(False, len(entries), missing, _("An entry is missing from the chain."))
    if entries:
        last = entries[-1]
        # Read from the database: the caller's instance may predate a change of hands.
        now = Exhibit.objects.filter(pk=exhibit.pk).values_list("holder_id", "status").first()
        if now != (last.to_member_id, STATUS_AFTER[CustodyEntry.Kind(last.kind)]):
            return CustodyVerification(
                False, len(entries) - 1, last.seq, _("Who holds the exhibit now is not what its last entry says.")
            )
    return CustodyVerification(True, len(entries))
