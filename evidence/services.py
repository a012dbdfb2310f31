"""Writes of evidence: cell searches, exhibits and their files, seized identifiers, and moving them on a merge.

Each function checks who may do it (cases/permissions.py), writes in one
transaction with the case's timeline event and an audit entry, and never stores
content in the clear: descriptions, file keys, file names and identifier values are
sealed under the case key. Changes of hands live in evidence/custody.py.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
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
from evidence.custody import AUDIT_TARGET, custody_append, custody_rechain
from evidence.models import CellSearch, CustodyEntry, Exhibit, ExhibitIdentifier, ExhibitKind
from evidence.selectors import identifier_named_in, member_search_units
from evidence.uploads import EvidenceUpload
from linking.models import EntityKind, IndexKey, IndexScope
from linking.pseudonyms import entity_pseudonym
from linking.services import index_key_of_unit, pseudonym_viewed_record
from org.models import Facility, Unit
from org.routing import facilities_routed_to
from tipline import storage

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# The kinds of a seized device's identifier, as linking names them.
IDENTIFIER_KINDS = (EntityKind.IMEI, EntityKind.PHONE)


def _audit(
    actor: StaffMember, action: str, *, target_type: str, target_id: object, unit_id: int, **details: object
) -> None:
    audit_record(
        actor=actor.user,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        unit_id=unit_id,
        details=details or None,
    )


# --- cell searches -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """What a search found, by kind."""

    phones: int = 0
    sim_cards: int = 0
    chargers: int = 0
    drugs: int = 0
    weapons: int = 0
    other: int = 0


def search_record(
    *,
    unit: Unit,
    facility: Facility,
    area: str,
    held_on: datetime.date,
    found: Found,
    actor: StaffMember,
    prompted_by: Case | None = None,
) -> CellSearch:
    """Record a search (requisa) of one of the unit's facilities, and whether a tip of one of its cases prompted it.

    A search a case prompted is recorded by a member who works that case, and takes
    the case's category and smuggling channel (counted by the managers' view);
    otherwise by any investigator or supervisor of the unit.
    """
    if prompted_by is not None:
        permissions.require_work(actor, prompted_by)
        if prompted_by.unit_id != unit.pk:
            raise CaseActionRefused(_("That case belongs to another unit."))
    elif not member_search_units(member=actor).filter(pk=unit.pk).exists():
        raise CaseActionRefused(_("Only the unit's investigators and supervisors record its searches."))
    if not facilities_routed_to(unit).filter(pk=facility.pk).exists():
        raise CaseActionRefused(_("That prison is not one of your unit's."))
    if held_on > timezone.localdate():
        raise CaseActionRefused(_("A search cannot be recorded for a day that has not come yet."))
    search = CellSearch(
        unit=unit,
        facility=facility,
        area=" ".join(area.split()),
        held_on=held_on,
        prompted_by=prompted_by,
        category=prompted_by.category if prompted_by else "",
        smuggling_channel=prompted_by.smuggling_channel if prompted_by else "",
        phones_found=found.phones,
        sim_cards_found=found.sim_cards,
        chargers_found=found.chargers,
        drugs_found=found.drugs,
        weapons_found=found.weapons,
        other_found=found.other,
        recorded_by=actor,
    )
    with transaction.atomic():
        search.save()
        if prompted_by is not None:
            CaseEvent.objects.create(
                case=prompted_by,
                kind=CaseEvent.Kind.SEARCH_RECORDED,
                actor=actor,
                details={"found": search.found_anything},
            )
        _audit(
            actor,
            AuditAction.SEARCH_RECORDED,
            target_type="cell search",
            target_id=search.public_id,
            unit_id=unit.pk,
            prompted=prompted_by is not None,
        )
    return search


# --- exhibits ----------------------------------------------------------------------------------------------------


def exhibit_register(
    *,
    case: Case,
    kind: str,
    description: str,
    seized_on: datetime.date,
    actor: StaffMember,
    vault: dict[str, bytes],
    search: CellSearch | None = None,
    upload: EvidenceUpload | None = None,
    sha256: str = "",
) -> Exhibit:
    """Register an item of evidence of a case, held first by the member who registers it.

    A digital file arrives already encrypted in the attachment store (evidence/uploads.py)
    with the SHA-256 of its bytes; its key and name are sealed here under the case key.
    `sha256` is the digest of a device image made elsewhere, or, given with a file, the
    digest the file must have (a mismatch refuses it). The first custody entry says who
    registered it.
    """
    permissions.require_work(actor, case)
    sha256 = sha256.strip().lower()
    if kind not in ExhibitKind.values:
        raise CaseActionRefused(_("Choose what kind of exhibit this is."))
    if seized_on > timezone.localdate():
        raise CaseActionRefused(_("An exhibit cannot have been seized on a day that has not come yet."))
    if search is not None and (search.unit_id != case.unit_id or search.facility_id != case.facility_id):
        raise CaseActionRefused(_("That search was not of this case's prison."))
    if sha256 and not SHA256_HEX.match(sha256):
        raise CaseActionRefused(_("A SHA-256 is 64 hexadecimal characters."))
    if upload is not None:
        if kind != ExhibitKind.DIGITAL_FILE:
            raise CaseActionRefused(_("Only a digital file exhibit takes a file."))
        if upload.too_large:
            raise CaseActionRefused(_("The file is too large to keep here."))
        if sha256 and sha256 != upload.sha256:
            raise CaseActionRefused(
                _("The file's SHA-256 is not the one you entered: it is not the file you meant. Nothing was kept.")
            )
        sha256 = upload.sha256
    elif kind == ExhibitKind.DIGITAL_FILE and not sha256:
        raise CaseActionRefused(_("A digital file exhibit needs its file, or the SHA-256 of the image made elsewhere."))
    case_key = case_key_open(case=case, vault=vault)
    exhibit = Exhibit(
        case=case,
        search=search,
        kind=kind,
        seized_on=seized_on,
        holder=actor,
        sha256=sha256,
        registered_by=actor,
    )
    fields: dict[str, str | bytes] = {"description": description}
    if upload is not None:
        exhibit.storage_name = upload.storage_name
        exhibit.size = upload.size or 0
        fields.update(file_key=upload.file_key, file_name=upload.name or "")
    for column, ciphertext in envelope.seal_fields(
        envelope.EXHIBIT, case.public_id, exhibit.public_id, key=case_key, **fields
    ).items():
        setattr(exhibit, column, ciphertext)
    with transaction.atomic():
        exhibit.save()
        custody_append(
            exhibit=exhibit, kind=CustodyEntry.Kind.REGISTERED, signed_by=actor, to_member=actor, case_key=case_key
        )
        CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.EXHIBIT_REGISTERED, actor=actor, details={"kind": kind})
        _audit(
            actor,
            AuditAction.EXHIBIT_REGISTERED,
            target_type=AUDIT_TARGET,
            target_id=exhibit.public_id,
            unit_id=case.unit_id,
            case=str(case.public_id),
            kind=kind,
        )
    if upload is not None:
        upload.kept = True
    return exhibit


def exhibit_file_decrypt(
    *, exhibit: Exhibit, actor: StaffMember, vault: dict[str, bytes]
) -> tuple[str, Iterator[bytes]]:
    """Return a digital exhibit's original name and its decrypted bytes, and record that it was opened."""
    case = exhibit.case
    permissions.require_work(actor, case)
    if not exhibit.storage_name:
        raise CaseActionRefused(_("This exhibit has no file here."))
    opened = envelope.open_fields(
        envelope.EXHIBIT, exhibit, case.public_id, exhibit.public_id, key=case_key_open(case=case, vault=vault)
    )
    chunks = envelope.decrypt_file(
        storage.read_chunks(exhibit.storage_name), file_key=opened["file_key"], storage_name=exhibit.storage_name
    )
    _audit(
        actor,
        AuditAction.ATTACHMENT_DECRYPTED,
        target_type=AUDIT_TARGET,
        target_id=exhibit.public_id,
        unit_id=case.unit_id,
    )
    return opened["file_name"], chunks


def exhibit_storage_names_kept(names: list[str]) -> list[str]:
    """Return which of these attachment-store names an exhibit holds (the orphan sweep keeps them)."""
    return list(Exhibit.objects.filter(storage_name__in=names).values_list("storage_name", flat=True))


# --- seized identifiers -----------------------------------------------------------------------------------------


def exhibit_identifier_add(
    *, exhibit: Exhibit, kind: str, value: str, actor: StaffMember, vault: dict[str, bytes]
) -> ExhibitIdentifier:
    """Record an IMEI or phone number of a seized device, sealed, with the pseudonym a tip naming it gets.

    The pseudonym is made exactly as linking makes a tip's (linking.pseudonyms.entity_pseudonym
    under the index key of the case's unit), so the seized phone meets, blind, the tips that named it.
    Adding one is a look-up of that pseudonym across units (the exhibit page then says where it is
    named), so it is audited as linking's pseudonym page is.
    """
    case = exhibit.case
    permissions.require_work(actor, case)
    if kind not in IDENTIFIER_KINDS:
        raise CaseActionRefused(_("A seized device is identified by its IMEI or its phone number."))
    value = " ".join(value.split())
    index_key, key = index_key_of_unit(unit_id=case.unit_id, vault=vault)
    pseudonym = entity_pseudonym(key=key, kind=kind, value=value, facility_id=case.facility_id)
    if pseudonym is None:
        raise CaseActionRefused(_("That is not a valid IMEI or phone number."))
    if ExhibitIdentifier.objects.filter(exhibit=exhibit, pseudonym=pseudonym).exists():
        raise CaseActionRefused(_("That identifier is already recorded on this exhibit."))
    identifier = ExhibitIdentifier(exhibit=exhibit, kind=kind, pseudonym=pseudonym, index_key=index_key)
    identifier.value_ct = envelope.seal_field(
        envelope.EXHIBIT_IDENTIFIER,
        "value",
        case.public_id,
        exhibit.public_id,
        identifier.public_id,
        key=case_key_open(case=case, vault=vault),
        value=value,
    )
    with transaction.atomic():
        identifier.save()
        _audit(
            actor,
            AuditAction.EXHIBIT_REGISTERED,
            target_type=AUDIT_TARGET,
            target_id=exhibit.public_id,
            unit_id=case.unit_id,
            identifier=kind,
        )
        named_in = identifier_named_in(pseudonym=pseudonym, member=actor, exclude_case=case)
        pseudonym_viewed_record(pseudonym=pseudonym, readable_tips=len(named_in.cases), actor=actor)
    return identifier


def exhibit_identifiers_rekey(*, scope: str, index_key: IndexKey, key: bytes, escrow_private_key: bytes) -> int:
    """Recompute the pseudonyms of the seized identifiers of a scope under its new index key (a rotation).

    Called by linking.services.index_key_rotate inside its transaction: each value is opened with
    its case's key through escrow, as the rotation opens tips. The scope's identifiers are those of
    its units' cases today, so a case transferred into or out of the national unit moves to the
    right key, as its tips do. Return how many were recomputed.
    """
    national = Q(exhibit__case__unit__kind=Unit.Kind.NATIONAL)
    of_scope = ExhibitIdentifier.objects.filter(national if scope == IndexScope.NATIONAL else ~national)
    identifiers = list(
        of_scope.exclude(index_key=index_key).select_related("exhibit__case").order_by("exhibit__case_id", "pk")
    )
    case_keys: dict[int, bytes] = {}
    changed: list[ExhibitIdentifier] = []
    for identifier in identifiers:
        case = identifier.exhibit.case
        if case.pk not in case_keys:
            case_keys[case.pk] = envelope.open_record_key_with_escrow(
                envelope.CASE, case, escrow_private_key=escrow_private_key
            )
        value = envelope.open_field(
            envelope.EXHIBIT_IDENTIFIER,
            "value",
            identifier,
            case.public_id,
            identifier.exhibit.public_id,
            identifier.public_id,
            key=case_keys[case.pk],
        )
        pseudonym = entity_pseudonym(key=key, kind=identifier.kind, value=value, facility_id=case.facility_id)
        if pseudonym is None:  # accepted once, so the normalisation changed since: it no longer links
            continue
        identifier.pseudonym = pseudonym
        identifier.index_key = index_key
        changed.append(identifier)
    ExhibitIdentifier.objects.bulk_update(changed, ["pseudonym", "index_key"], batch_size=1000)
    return len(changed)


# --- merging cases ------------------------------------------------------------------------------------------------


def exhibits_move_to_case(*, target: Case, other: Case, target_key: bytes, other_key: bytes) -> int:
    """Move every exhibit of `other` into `target` (a merge), sealing its content again under the target's key.

    Descriptions, file keys and names, custody remarks and identifier values are bound
    to their case by their associated data, so each is opened with `other_key` and sealed
    with `target_key`. A custody remark's new ciphertext changes its entry's digest: the
    chain is re-linked and its new digests recorded in the audit chain (custody_rechain),
    after checking that it held before. The searches `other` prompted are the target's then. Call it
    inside the merge's transaction, before `other` is deleted (its exhibits cascade with it); return
    how many exhibits moved.
    """
    moved = 0
    for exhibit in Exhibit.objects.select_for_update().filter(case=other).order_by("pk"):
        fields = envelope.open_fields(envelope.EXHIBIT, exhibit, other.public_id, exhibit.public_id, key=other_key)
        present = {name: value for name, value in fields.items() if value}
        exhibit.description_ct = b""
        exhibit.file_key_ct = b""
        exhibit.file_name_ct = b""
        for column, ciphertext in envelope.seal_fields(
            envelope.EXHIBIT, target.public_id, exhibit.public_id, key=target_key, **present
        ).items():
            setattr(exhibit, column, ciphertext)
        exhibit.case = target
        exhibit.save(update_fields=["case", "description_ct", "file_key_ct", "file_name_ct"])
        for identifier in ExhibitIdentifier.objects.filter(exhibit=exhibit):
            ids = (exhibit.public_id, identifier.public_id)
            value = envelope.open_field(
                envelope.EXHIBIT_IDENTIFIER, "value", identifier, other.public_id, *ids, key=other_key
            )
            identifier.value_ct = envelope.seal_field(
                envelope.EXHIBIT_IDENTIFIER, "value", target.public_id, *ids, key=target_key, value=value
            )
            identifier.save(update_fields=["value_ct"])
        custody_rechain(exhibit=exhibit, from_case=other, to_case=target, from_key=other_key, to_key=target_key)
        moved += 1
    # The searches its tips prompted were prompted by the merged case's tips now.
    CellSearch.objects.filter(prompted_by=other).update(prompted_by=target)
    return moved


def exhibits_erase(*, case: Case) -> int:
    """Delete the case's exhibits, their custody and identifiers, and their files after commit (on_case_erase).

    The rows go with their pseudonyms (whoever holds the index key could test a guessed
    number against them); the files leave the store once the deletion commits, and the
    nightly orphan sweep takes any a failed delete left behind.
    """
    exhibits = Exhibit.objects.filter(case=case)
    names = [name for name in exhibits.values_list("storage_name", flat=True) if name]
    gone = exhibits.delete()[0]
    for name in names:
        transaction.on_commit(functools.partial(storage.delete, name))
    return gone + len(names)
