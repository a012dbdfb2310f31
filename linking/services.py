"""Writes of linking: the index key's life (create, seal, open, rotate) and recording entities on tips.

The index key is 32 random bytes, shared by all units and held like their keys: sealed
(HPKE) to every active unit key pair and to the escrow key. A request opens it from a
unit key in the session vault, uses it, and forgets it; it is never stored in the clear,
never put in the vault, and never given to Celery (no task here or elsewhere uses it).
"""

from __future__ import annotations

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

import envelope
from accounts.keys import vault_unit_key_name
from accounts.models import StaffMember
from audit.models import AuditAction
from audit.services import audit_record
from cases import permissions
from cases.permissions import CaseActionRefused
from cases.services import tip_data_key_open
from linking.models import EntityKind, EntityMention, IndexKey, IndexKeySeal, PersonRole
from linking.normalise import normalise
from org.models import UnitKeyPair
from tipline.models import Tip

ROTATION_BATCH_TIPS = 500


class IndexKeyExists(Exception):
    """Raised when creating a first index key where one exists already (rotate it instead)."""


# --- the pseudonym's input ----------------------------------------------------------------------------------


def entity_pseudonym(*, key: bytes, kind: str, value: str, facility_id: int) -> bytes | None:
    """Return the keyed pseudonym of an entity named in a tip of this facility, or None if nothing is left to link.

    The kind keeps a person and a company of the same name apart; for places, the
    facility keeps "pabellón 4" of one prison apart from "pabellón 4" of another.
    """
    normalised = normalise(kind, value)
    if not normalised:
        return None
    scope = envelope.facility_scope(facility_id) if kind == EntityKind.PLACE else envelope.ANYWHERE
    return envelope.entity_pseudonym(key, kind=kind, scope=scope, normalised=normalised)


# --- the index key ---------------------------------------------------------------------------------------


def _index_key_new() -> tuple[IndexKey, bytes]:
    """Create the next version, sealed to the escrow key and every active unit key pair; retire the others."""
    key = envelope.new_index_key()
    with transaction.atomic():
        latest = IndexKey.objects.select_for_update().order_by("-version").first()
        version = latest.version + 1 if latest else 1
        IndexKey.objects.filter(is_active=True).update(is_active=False)
        index_key = IndexKey.objects.create(
            version=version,
            sealed_to_escrow=envelope.seal_index_key_to_escrow(version, index_key=key),
        )
        index_key_seal_missing(index_key=index_key, key=key)
    return index_key, key


def index_key_create() -> tuple[IndexKey, bytes]:
    """Create the first index key, sealed to every active unit key pair and to the escrow key.

    Raise IndexKeyExists if there is one already: a new version would orphan the
    pseudonyms made with the old one, so replacing it is index_key_rotate's job.
    Return the row and the key, which the caller forgets.
    """
    if IndexKey.objects.exists():
        raise IndexKeyExists("an index key exists; rotate it instead")
    return _index_key_new()


def index_key_seal_missing(*, index_key: IndexKey, key: bytes) -> int:
    """Seal the index key to every active unit key pair that has no copy yet; return how many were sealed.

    Only the key pairs' public halves are needed, so any session that can open the
    index key can do it (a unit's new key after a rotation, a new unit).
    """
    missing = UnitKeyPair.objects.filter(is_active=True).exclude(
        pk__in=IndexKeySeal.objects.filter(index_key=index_key).values("unit_keypair_id")
    )
    seals = [
        IndexKeySeal(
            index_key=index_key,
            unit_keypair=keypair,
            sealed_key=envelope.seal_index_key_for_unit(index_key.version, index_key=key, unit_keypair=keypair),
        )
        for keypair in missing
    ]
    # Two sessions may seal the same key pair at once; the unique constraint keeps one copy.
    IndexKeySeal.objects.bulk_create(seals, ignore_conflicts=True)
    return len(seals)


def index_key_open(*, vault: dict[str, bytes]) -> tuple[IndexKey, bytes] | None:
    """Return the active index key opened with a unit key held in this session's vault, or None.

    Anyone holding any unit private key the index key is sealed to can open it. On the
    way it is sealed to the active unit key pairs that lack a copy (index_key_seal_missing).
    """
    held = [
        keypair_id
        for keypair_id in IndexKeySeal.objects.filter(index_key__is_active=True).values_list(
            "unit_keypair_id", flat=True
        )
        if vault_unit_key_name(keypair_id) in vault
    ]
    for seal in IndexKeySeal.objects.filter(index_key__is_active=True, unit_keypair_id__in=held).select_related(
        "index_key", "unit_keypair"
    ):
        try:
            key = envelope.open_index_key_for_unit(
                bytes(seal.sealed_key),
                version=seal.index_key.version,
                unit_keypair_id=seal.unit_keypair_id,
                unit_private_key=vault[vault_unit_key_name(seal.unit_keypair_id)],
            )
        except envelope.CryptoError:
            continue
        index_key_seal_missing(index_key=seal.index_key, key=key)
        return seal.index_key, key
    return None


def index_key_from_escrow(*, index_key: IndexKey, escrow_private_key: bytes) -> bytes:
    """Open an index key with the offline escrow private key (raises CryptoError for a wrong key)."""
    return envelope.open_index_key_with_escrow(
        bytes(index_key.sealed_to_escrow), version=index_key.version, escrow_private_key=escrow_private_key
    )


def index_key_rotate(*, escrow_private_key: bytes) -> tuple[IndexKey, int]:
    """Replace the index key with a new version and recompute every mention's pseudonym under it.

    Each value is decrypted with its tip's data key, opened with the escrow private
    key (the one key that opens every tip). The current normalisation applies, so
    mentions of one tip that now normalise alike become one. The old versions are
    kept as retired rows, but their seals are deleted. All or nothing: on any error the
    old key stays active. Return the new key and how many mentions it now covers.
    """
    active = IndexKey.objects.filter(is_active=True).first()
    if active is not None:
        # Fail before changing anything if this is not the escrow key the index key was sealed to.
        index_key_from_escrow(index_key=active, escrow_private_key=escrow_private_key)
    recomputed = merged = 0
    with transaction.atomic():
        index_key, key = _index_key_new()
        last_tip_id = 0
        while True:
            tip_ids = list(
                EntityMention.objects.filter(tip_id__gt=last_tip_id)
                .order_by("tip_id")
                .values_list("tip_id", flat=True)
                .distinct()[:ROTATION_BATCH_TIPS]
            )
            if not tip_ids:
                break
            last_tip_id = tip_ids[-1]
            tips = Tip.objects.only("pk", "public_id", "facility_id", "data_key_for_escrow").in_bulk(tip_ids)
            by_tip: dict[int, list[EntityMention]] = {}
            for mention in EntityMention.objects.filter(tip_id__in=tip_ids).order_by("tip_id", "id"):
                by_tip.setdefault(mention.tip_id, []).append(mention)
            changed: list[EntityMention] = []
            duplicates: list[int] = []
            for tip_id, mentions in by_tip.items():
                tip = tips[tip_id]
                data_key = envelope.open_tip_with_escrow(tip, escrow_private_key=escrow_private_key)
                seen: set[bytes] = set()
                for mention in mentions:
                    value = envelope.open_field(
                        envelope.MENTION, "value", mention, tip.public_id, mention.public_id, key=data_key
                    )
                    pseudonym = entity_pseudonym(key=key, kind=mention.kind, value=value, facility_id=tip.facility_id)
                    if pseudonym is None or pseudonym in seen:
                        duplicates.append(mention.pk)
                        continue
                    seen.add(pseudonym)
                    mention.pseudonym = pseudonym
                    mention.index_key = index_key
                    changed.append(mention)
            EntityMention.objects.filter(pk__in=duplicates).delete()
            EntityMention.objects.bulk_update(changed, ["pseudonym", "index_key"], batch_size=1000)
            recomputed += len(changed)
            merged += len(duplicates)
        IndexKeySeal.objects.exclude(index_key=index_key).delete()
        audit_record(
            actor=None,
            action=AuditAction.INDEX_KEY_ROTATED,
            target_type="index_key",
            target_id=str(index_key.version),
            details={"mentions": recomputed, "merged": merged},
        )
    return index_key, recomputed


def index_key_seal_with_escrow(*, escrow_private_key: bytes) -> int:
    """Seal the active index key to every active unit key pair that lacks it, opened with the escrow key.

    For a unit whose members cannot wait for someone of another unit to log in.
    Return how many key pairs were sealed.
    """
    index_key = IndexKey.objects.filter(is_active=True).first()
    if index_key is None:
        return 0
    key = index_key_from_escrow(index_key=index_key, escrow_private_key=escrow_private_key)
    return index_key_seal_missing(index_key=index_key, key=key)


# --- recording entities ----------------------------------------------------------------------------------


def mention_build(
    *,
    tip: Tip,
    data_key: bytes,
    index_key_id: int,
    key: bytes,
    kind: str,
    value: str,
    role: str = "",
    created_by: StaffMember | None = None,
    created_on: datetime.date | None = None,
) -> EntityMention:
    """Return the unsaved row saying a tip names an entity: the value sealed under the tip's data key, its pseudonym.

    Raise ValueError for an unknown kind or role, or a value that normalises to nothing.
    """
    if kind not in EntityKind.values or role not in PersonRole.values:
        raise ValueError(f"unknown entity kind or role {kind!r}, {role!r}")
    value = " ".join(value.split())
    pseudonym = entity_pseudonym(key=key, kind=kind, value=value, facility_id=tip.facility_id)
    if pseudonym is None:
        raise ValueError("nothing to record in that value")
    mention_id = uuid.uuid4()
    mention = EntityMention(
        public_id=mention_id,
        tip=tip,
        kind=kind,
        person_role=role if kind == EntityKind.PERSON else PersonRole.UNKNOWN,
        pseudonym=pseudonym,
        index_key_id=index_key_id,
        created_by=created_by,
        value_ct=envelope.seal_field(envelope.MENTION, "value", tip.public_id, mention_id, key=data_key, value=value),
    )
    if created_on is not None:
        mention.created_on = created_on
    return mention


def mention_store(
    *,
    tip: Tip,
    data_key: bytes,
    index_key: IndexKey,
    key: bytes,
    kind: str,
    value: str,
    role: str = "",
    created_by: StaffMember | None = None,
) -> tuple[EntityMention, bool]:
    """Store that a tip names an entity (see mention_build); the same entity recorded twice on one tip is stored once.

    For callers that hold both keys already; it checks no permission and writes no
    audit entry (mention_record does both). Return the mention and whether it is new.
    """
    mention = mention_build(
        tip=tip,
        data_key=data_key,
        index_key_id=index_key.pk,
        key=key,
        kind=kind,
        value=value,
        role=role,
        created_by=created_by,
    )
    existing = EntityMention.objects.filter(tip=tip, pseudonym=mention.pseudonym).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            mention.save()
    except IntegrityError:
        # Recorded by someone else at the same moment.
        return EntityMention.objects.get(tip=tip, pseudonym=mention.pseudonym), False
    return mention, True


def mention_record(
    *, tip: Tip, kind: str, value: str, actor: StaffMember, vault: dict[str, bytes], role: str = ""
) -> tuple[EntityMention, bool]:
    """Record that a tip the actor works names an entity, with the keys of their session; audit it.

    Raise CaseActionRefused if the actor may not work the tip's case, if their session
    cannot open the index key or the tip, or if the value holds nothing to record.
    Return the mention and whether it is new.
    """
    permissions.require_work(actor, tip.case_link.case)
    opened = index_key_open(vault=vault)
    if opened is None:
        raise CaseActionRefused(
            _(
                "Entities cannot be recorded: your session holds no key that opens the index key. "
                "Log in again; if this persists, ask an administrator to create or seal the index key."
            )
        )
    index_key, key = opened
    data_key = tip_data_key_open(tip=tip, vault=vault)
    with transaction.atomic():
        try:
            mention, created = mention_store(
                tip=tip,
                data_key=data_key,
                index_key=index_key,
                key=key,
                kind=kind,
                value=value,
                role=role,
                created_by=actor,
            )
        except ValueError as exc:
            raise CaseActionRefused(_("There is nothing to record in that value.")) from exc
        if created:
            audit_record(
                actor=actor.user,
                action=AuditAction.ENTITY_RECORDED,
                target_type="tip",
                target_id=str(tip.public_id),
                unit_id=tip.unit_id,
                details={"kind": kind, "mention": str(mention.public_id)},
            )
    return mention, created


def mention_delete(*, mention: EntityMention, actor: StaffMember) -> None:
    """Delete a recorded entity from a tip the actor works (a mistake, a wrong person); audit it."""
    tip = mention.tip
    permissions.require_work(actor, tip.case_link.case)
    with transaction.atomic():
        mention_id = str(mention.public_id)
        mention.delete()
        audit_record(
            actor=actor.user,
            action=AuditAction.ENTITY_REMOVED,
            target_type="tip",
            target_id=str(tip.public_id),
            unit_id=tip.unit_id,
            details={"kind": mention.kind, "mention": mention_id},
        )


def pseudonym_viewed_record(*, pseudonym: bytes, readable_tips: int, actor: StaffMember) -> None:
    """Record that the actor was shown where a pseudonym appears, with the values of `readable_tips` tips."""
    audit_record(
        actor=actor.user,
        action=AuditAction.PSEUDONYM_VIEWED,
        target_type="pseudonym",
        target_id=pseudonym.hex(),
        details={"tips": readable_tips},
    )
