"""Writes of linking: the index keys' life (create, seal, open, rotate) and recording entities on tips.

An index key is 32 random bytes held like the units' keys: sealed (HPKE) to unit key
pairs and to the escrow key. There is one per scope (linking.models.IndexScope): the
regional key, sealed to every unit, and the national key, sealed only to the national
(conflict-of-interest) unit; a tip's mentions are made with its unit's scope's key.
A request opens a key from a unit key in the session vault, uses it, and forgets it;
it is never stored in the clear, never put in the vault, and never given to Celery
(no task here or elsewhere uses it).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Protocol

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

import envelope
from accounts.models import StaffMember
from audit.models import AuditAction
from audit.services import audit_record
from cases import permissions
from cases.models import Case, CaseTip
from cases.permissions import CaseActionRefused
from cases.services import cases_link, tip_data_key_open
from linking.automatic import candidates_store, name_key_rows, tip_links_refresh, tip_mentions_link
from linking.models import (
    EntityKind,
    EntityMention,
    IndexKey,
    IndexKeySeal,
    IndexScope,
    MentionOrigin,
    MentionStatus,
    NameKey,
    PersonRole,
    TipLink,
    Verdict,
)
from linking.pseudonyms import (
    entity_pseudonym,
    held_index_key_seals,
    index_key_peek,
    index_key_unseal,
    index_scope_of_unit,
)
from linking.signals import mentions_indexed, mentions_unindexed, pseudonyms_rekeyed
from org.models import Unit, UnitKeyPair
from tipline.models import Tip

ROTATION_BATCH_TIPS = 500


class IndexKeyExists(Exception):
    """Raised when creating a first index key where one exists already (rotate it instead)."""


# --- the index keys ---------------------------------------------------------------------------------------


def _keypairs_of_scope(scope: str) -> QuerySet[UnitKeyPair]:
    """The active unit key pairs an index key of this scope is sealed to.

    The regional key goes to every unit, the national unit included (it sees links to
    regional tips); the national key only to the national unit.
    """
    keypairs = UnitKeyPair.objects.filter(is_active=True)
    if scope == IndexScope.NATIONAL:
        keypairs = keypairs.filter(unit__kind=Unit.Kind.NATIONAL)
    return keypairs


def _index_key_new(scope: str) -> tuple[IndexKey, bytes]:
    """Create the next version of a scope's key, sealed to escrow and its unit key pairs; retire the older ones."""
    key = envelope.new_index_key()
    with transaction.atomic():
        latest = IndexKey.objects.select_for_update().filter(scope=scope).order_by("-version").first()
        version = latest.version + 1 if latest else 1
        IndexKey.objects.filter(scope=scope, is_active=True).update(is_active=False)
        index_key = IndexKey.objects.create(
            scope=scope,
            version=version,
            sealed_to_escrow=envelope.seal_index_key_to_escrow(version, index_key=key, scope=scope),
        )
        index_key_seal_missing(index_key=index_key, key=key)
    return index_key, key


def index_key_create(*, scope: str = IndexScope.REGIONAL) -> tuple[IndexKey, bytes]:
    """Create the first index key of a scope, sealed to its unit key pairs and to the escrow key.

    Raise IndexKeyExists if that scope has one already: a new version would orphan the
    pseudonyms made with the old one, so replacing it is index_key_rotate's job.
    Return the row and the key, which the caller forgets.
    """
    if IndexKey.objects.filter(scope=scope).exists():
        raise IndexKeyExists(f"a {scope} index key exists; rotate it instead")
    return _index_key_new(scope)


def index_keys_create_missing() -> list[IndexKey]:
    """Create the index key of every scope that has none yet (a new install: both; an upgrade: the national one).

    Only public keys are needed. A national key created here makes the pseudonyms of
    national tips recorded from now on; mentions recorded before under the regional key
    keep it until index_key_rotate(scope="national") recomputes them through escrow.
    """
    missing = [scope for scope in IndexScope.values if not IndexKey.objects.filter(scope=scope).exists()]
    return [index_key_create(scope=scope)[0] for scope in missing]


def index_key_seal_missing(*, index_key: IndexKey, key: bytes) -> int:
    """Seal an index key to every active unit key pair of its scope that has no copy yet; return how many.

    Only the key pairs' public halves are needed, so any session that can open the
    index key can do it (a unit's new key after a rotation, a new unit).
    """
    missing = _keypairs_of_scope(index_key.scope).exclude(
        pk__in=IndexKeySeal.objects.filter(index_key=index_key).values("unit_keypair_id")
    )
    seals = [
        IndexKeySeal(
            index_key=index_key,
            unit_keypair=keypair,
            sealed_key=envelope.seal_index_key_for_unit(
                index_key.version, index_key=key, unit_keypair=keypair, scope=index_key.scope
            ),
        )
        for keypair in missing
    ]
    # Two sessions may seal the same key pair at once; the unique constraint keeps one copy.
    IndexKeySeal.objects.bulk_create(seals, ignore_conflicts=True)
    return len(seals)


def index_key_open(*, vault: dict[str, bytes], scope: str = IndexScope.REGIONAL) -> tuple[IndexKey, bytes] | None:
    """Return the active index key of a scope opened with a unit key held in this session's vault, or None.

    Anyone holding a unit private key the index key is sealed to can open it. On the
    way it is sealed to the active unit key pairs of its scope that lack a copy
    (index_key_seal_missing). The key is never stored: the caller uses it and forgets it.
    """
    for seal in held_index_key_seals(scope=scope, vault=vault):
        try:
            key = index_key_unseal(seal, vault=vault)
        except envelope.CryptoError:
            continue
        index_key_seal_missing(index_key=seal.index_key, key=key)
        return seal.index_key, key
    return None


def index_key_from_escrow(*, index_key: IndexKey, escrow_private_key: bytes) -> bytes:
    """Open an index key with the offline escrow private key (raises CryptoError for a wrong key)."""
    return envelope.open_index_key_with_escrow(
        bytes(index_key.sealed_to_escrow),
        version=index_key.version,
        escrow_private_key=escrow_private_key,
        scope=index_key.scope,
    )


def _tips_of_scope(scope: str) -> QuerySet[Tip]:
    national = Tip.objects.filter(unit__kind=Unit.Kind.NATIONAL)
    return national if scope == IndexScope.NATIONAL else Tip.objects.exclude(pk__in=national.values("pk"))


class PseudonymHolder(Protocol):
    """Recompute, under a scope's new index key, the pseudonyms an app keeps beside its own sealed values."""

    def __call__(self, *, scope: str, index_key: IndexKey, key: bytes, escrow_private_key: bytes) -> object: ...


# Apps that keep pseudonyms made like a tip's (evidence's seized identifiers) register here when they start;
# a rotation calls each inside its transaction. Linking imports none of them.
_pseudonym_holders: list[PseudonymHolder] = []


def pseudonym_holder_register(holder: PseudonymHolder) -> None:
    """Have every index key rotation also call `holder` with the new key and the escrow private key."""
    if holder not in _pseudonym_holders:
        _pseudonym_holders.append(holder)


def index_key_rotate(*, escrow_private_key: bytes, scope: str = IndexScope.REGIONAL) -> tuple[IndexKey, int]:
    """Replace a scope's index key with a new version and recompute its tips' pseudonyms under it.

    The scope's tips are those of its units today (the national unit's for the national
    key, every other unit's for the regional key), so this also moves a tip's mentions
    to the right key after the tip changed scope (an upgrade that introduced the
    national key, a transfer into or out of the national unit). Each value is decrypted
    with its tip's data key, opened with the escrow private key (the one key that opens
    every tip). The current normalisation applies, so mentions of one tip that now
    normalise alike become one. The old versions are kept as retired rows, but their
    seals are deleted. All or nothing: on any error the old key stays active. Return the
    new key and how many mentions it now covers.
    """
    active = IndexKey.objects.filter(scope=scope, is_active=True).first()
    if active is not None:
        # Fail before changing anything if this is not the escrow key the index key was sealed to.
        index_key_from_escrow(index_key=active, escrow_private_key=escrow_private_key)
    recomputed = merged = 0
    scope_tips = _tips_of_scope(scope)
    with transaction.atomic():
        index_key, key = _index_key_new(scope)
        last_tip_id = 0
        while True:
            tip_ids = list(
                EntityMention.objects.filter(tip_id__gt=last_tip_id, tip__in=scope_tips, status=MentionStatus.LINKED)
                .order_by("tip_id")
                .values_list("tip_id", flat=True)
                .distinct()[:ROTATION_BATCH_TIPS]
            )
            if not tip_ids:
                break
            last_tip_id = tip_ids[-1]
            tips = Tip.objects.only("pk", "public_id", "facility_id", "data_key_for_escrow").in_bulk(tip_ids)
            by_tip: dict[int, list[EntityMention]] = {}
            for mention in EntityMention.objects.filter(tip_id__in=tip_ids, status=MentionStatus.LINKED).order_by(
                "tip_id", "id"
            ):
                by_tip.setdefault(mention.tip_id, []).append(mention)
            changed: list[EntityMention] = []
            duplicates: list[int] = []
            name_rows: list[NameKey] = []
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
                    name_rows += name_key_rows(mention=mention, tip=tip, value=value, key=key)
            EntityMention.objects.filter(pk__in=duplicates).delete()
            EntityMention.objects.bulk_update(changed, ["pseudonym", "index_key"], batch_size=1000)
            NameKey.objects.filter(tip_id__in=tip_ids).delete()
            NameKey.objects.bulk_create(name_rows, batch_size=1000)
            recomputed += len(changed)
            merged += len(duplicates)
        for rekey in _pseudonym_holders:
            rekey(scope=scope, index_key=index_key, key=key, escrow_private_key=escrow_private_key)
        IndexKeySeal.objects.filter(index_key__scope=scope).exclude(index_key=index_key).delete()
        pseudonyms_rekeyed.send(sender=IndexKey, scope=scope)
        audit_record(
            actor=None,
            action=AuditAction.INDEX_KEY_ROTATED,
            target_type="index_key",
            target_id=f"{scope}:{index_key.version}",
            details={"scope": scope, "mentions": recomputed, "merged": merged},
        )
    return index_key, recomputed


def index_key_seal_with_escrow(*, escrow_private_key: bytes) -> int:
    """Seal every active index key to the active unit key pairs of its scope that lack it, opened with escrow.

    For a unit whose members cannot wait for someone holding the key to log in (the
    national key, created before the national unit had a key pair, say). Return how
    many seals were made.
    """
    sealed = 0
    for index_key in IndexKey.objects.filter(is_active=True):
        key = index_key_from_escrow(index_key=index_key, escrow_private_key=escrow_private_key)
        sealed += index_key_seal_missing(index_key=index_key, key=key)
    return sealed


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
    """Store that a tip names an entity (see mention_build) and link the tip again; stored once per tip.

    A person also gets the keyed pseudonyms of the parts of their name
    (linking.automatic.name_key_rows). For callers that hold both keys already; it
    checks no permission and writes no audit entry (mention_record does both). Return
    the mention and whether it is new.
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
            NameKey.objects.bulk_create(name_key_rows(mention=mention, tip=tip, value=value, key=key))
            mentions_indexed.send(sender=EntityMention, rows=[(mention.linked_pseudonym, kind, tip.facility_id)])
            tip_links_refresh(tip=tip, data_key=data_key, key=key)
    except IntegrityError:
        # Recorded by someone else at the same moment.
        return EntityMention.objects.get(tip=tip, pseudonym=mention.pseudonym), False
    return mention, True


def _index_key_of_tip(*, tip: Tip, vault: dict[str, bytes]) -> tuple[IndexKey, bytes]:
    """Open the index key of the tip's scope with the session's keys, or raise CaseActionRefused."""
    return index_key_of_unit(unit_id=tip.unit_id, vault=vault)


def index_key_of_unit(*, unit_id: int | None, vault: dict[str, bytes]) -> tuple[IndexKey, bytes]:
    """Open the index key that pseudonyms of this unit's tips are made with, or raise CaseActionRefused.

    Evidence makes the pseudonym of a seized phone's number with it, so that it meets the tips that name it.
    """
    opened = index_key_open(vault=vault, scope=index_scope_of_unit(unit_id))
    if opened is None:
        raise CaseActionRefused(
            _(
                "Entities cannot be recorded: your session holds no key that opens the index key. "
                "Log in again; if this persists, ask an administrator to create or seal the index key."
            )
        )
    return opened


def mention_record(
    *, tip: Tip, kind: str, value: str, actor: StaffMember, vault: dict[str, bytes], role: str = ""
) -> tuple[EntityMention, bool]:
    """Record that a tip the actor works names an entity, with the keys of their session; audit it and the probe.

    The pseudonym is made with the index key of the tip's unit's scope: a regional
    office's pseudonyms can never match the national unit's. Recording a name is what
    looks it up in other units (the case page then shows where else it appears), so
    every call writes a "pseudonym probed" audit entry naming the pseudonym, even when
    the entity was recorded already: an auditor sees one name probed again and again.
    On a national tip, the regional pseudonym that the national unit's pages look up in
    the regional units is audited too. The tip's links are computed again.

    Raise CaseActionRefused if the actor may not work the tip's case, if their session
    cannot open the index key of the tip's scope or the tip, or if the value holds
    nothing to record. Return the mention and whether it is new.
    """
    permissions.require_work(actor, tip.case_link.case)
    scope = index_scope_of_unit(tip.unit_id)
    index_key, key = _index_key_of_tip(tip=tip, vault=vault)
    data_key = tip_data_key_open(tip=tip, vault=vault)
    probed: list[tuple[str, bytes]] = []
    if scope == IndexScope.NATIONAL:
        regional_key = index_key_peek(vault=vault, scope=IndexScope.REGIONAL)
        regional = (
            entity_pseudonym(key=regional_key, kind=kind, value=" ".join(value.split()), facility_id=tip.facility_id)
            if regional_key is not None and kind in EntityKind.values
            else None
        )
        if regional is not None:
            probed.append((IndexScope.REGIONAL, regional))
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
        for probe_scope, pseudonym in [(scope, mention.linked_pseudonym), *probed]:
            pseudonym_probed_record(pseudonym=pseudonym, scope=probe_scope, tip=tip, kind=kind, actor=actor)
    return mention, created


def mention_confirm(*, mention: EntityMention, actor: StaffMember) -> EntityMention:
    """Mark a machine-found entity as checked and kept by the actor, who works its tip's case; audit it."""
    tip = mention.tip
    permissions.require_work(actor, tip.case_link.case)
    if mention.origin != MentionOrigin.MACHINE or mention.status == MentionStatus.DISMISSED:
        raise CaseActionRefused(_("Only an entity the machine found can be confirmed."))
    with transaction.atomic():
        mention.confirmed_by = actor
        mention.save(update_fields=["confirmed_by"])
        audit_record(
            actor=actor.user,
            action=AuditAction.ENTITY_CONFIRMED,
            target_type="tip",
            target_id=str(tip.public_id),
            unit_id=tip.unit_id,
            details={"kind": mention.kind, "mention": str(mention.public_id)},
        )
    return mention


def mention_delete(*, mention: EntityMention, actor: StaffMember, vault: dict[str, bytes]) -> None:
    """Remove an entity from a tip the actor works (a mistake, a wrong person), link the tip again; audit it.

    A machine-found entity is kept DISMISSED (sealed value, no pseudonym), so the
    machine never finds it on this tip again; one a member recorded is deleted.
    """
    tip = mention.tip
    permissions.require_work(actor, tip.case_link.case)
    opened = index_key_open(vault=vault, scope=index_scope_of_unit(tip.unit_id))
    data_key = tip_data_key_open(tip=tip, vault=vault)
    with transaction.atomic():
        mention_id = str(mention.public_id)
        if mention.pseudonym is not None:
            mentions_unindexed.send(
                sender=EntityMention, rows=[(mention.linked_pseudonym, mention.kind, tip.facility_id)]
            )
        if mention.origin == MentionOrigin.MACHINE:
            NameKey.objects.filter(mention=mention).delete()
            mention.status, mention.pseudonym, mention.index_key = MentionStatus.DISMISSED, None, None
            mention.save(update_fields=["status", "pseudonym", "index_key"])
        else:
            mention.delete()
        if opened is not None:
            tip_links_refresh(tip=tip, data_key=data_key, key=opened[1])
        audit_record(
            actor=actor.user,
            action=AuditAction.ENTITY_REMOVED,
            target_type="tip",
            target_id=str(tip.public_id),
            unit_id=tip.unit_id,
            details={"kind": mention.kind, "mention": mention_id},
        )


def mention_correct(
    *, mention: EntityMention, value: str, actor: StaffMember, vault: dict[str, bytes], role: str = ""
) -> EntityMention:
    """Replace an entity of a tip with the value a member wrote (the machine misread it); their value wins.

    The old one is removed (dismissed, if the machine found it) and the corrected one
    recorded, in one transaction, each audited as removing and recording are.
    """
    with transaction.atomic():
        corrected, _created = mention_record(
            tip=mention.tip, kind=mention.kind, value=value, actor=actor, vault=vault, role=role
        )
        if corrected.pk != mention.pk:
            mention_delete(mention=mention, actor=actor, vault=vault)
    return corrected


def pseudonym_probed_record(*, pseudonym: bytes, scope: str, tip: Tip, kind: str, actor: StaffMember) -> None:
    """Record that the actor looked a pseudonym up in other units (by recording it on a tip of theirs)."""
    audit_record(
        actor=actor.user,
        action=AuditAction.PSEUDONYM_PROBED,
        target_type="pseudonym",
        target_id=pseudonym.hex(),
        unit_id=tip.unit_id,
        details={"kind": kind, "scope": scope, "tip": str(tip.public_id)},
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


# --- analysts' verdicts on suggested links ---------------------------------------------------------------------


def _case_tip_ids(case: Case) -> list[int]:
    return list(CaseTip.objects.filter(case=case).values_list("tip_id", flat=True))


def link_judge(*, case: Case, other: Case, verdict: str, actor: StaffMember, vault: dict[str, bytes]) -> Case:
    """Record the actor's verdict that `other` is (or is not) about the same matter as `case`; audit it.

    The verdict is kept on every pair of their tips, so a rejected pair is never
    suggested again, however often the links are computed. "The same": a case of the
    actor's unit is merged into `case` (cases.services.cases_link); one of another unit
    stays there, and both pages show that a confirmed link exists. Return the case the
    page should show.
    """
    permissions.require_work(actor, case)
    if verdict not in (Verdict.SAME, Verdict.NOT_SAME):
        raise CaseActionRefused(_("Say whether the reports are about the same matter."))
    if other.pk == case.pk:
        raise CaseActionRefused(_("A case cannot be linked to itself."))
    today = timezone.localdate()
    ours, theirs = _case_tip_ids(case), _case_tip_ids(other)
    with transaction.atomic():
        for tip_id in ours:
            for other_tip in theirs:
                low, high = min(tip_id, other_tip), max(tip_id, other_tip)
                link, created = TipLink.objects.get_or_create(
                    tip_low_id=low,
                    tip_high_id=high,
                    defaults={
                        "score": 0.0,
                        "evidence": [],
                        "verdict": verdict,
                        "verdict_by": actor,
                        "verdict_on": today,
                    },
                )
                if not created:
                    link.verdict, link.verdict_by, link.verdict_on = verdict, actor, today
                    link.save(update_fields=["verdict", "verdict_by", "verdict_on"])
        audit_record(
            actor=actor.user,
            action=AuditAction.LINK_JUDGED,
            target_type="case",
            target_id=str(case.public_id),
            unit_id=case.unit_id,
            details={"verdict": verdict, "other_unit": other.unit_id, "pairs": len(ours) * len(theirs)},
        )
        if verdict == Verdict.SAME and other.unit_id == case.unit_id and not (case.is_closed or other.is_closed):
            return cases_link(target=case, other=other, actor=actor, vault=vault)
    return case


# --- linking through escrow, offline ---------------------------------------------------------------------------


def waiting_tips_link_with_escrow(
    *, escrow_private_key: bytes, extract_missing: bool = False, batch: int = ROTATION_BATCH_TIPS
) -> tuple[int, int]:
    """Key and link every waiting tip with the offline escrow key, for when no member can (a backfill, the demo).

    With `extract_missing`, tips that never had their text read by the machine (stored
    before automatic linking) get their entities found first, from the report and the
    whistleblower's replies. Return (tips whose entities were found, tips linked).
    """
    keys: dict[str, tuple[IndexKey, bytes]] = {}
    for index_key in IndexKey.objects.filter(is_active=True):
        keys[index_key.scope] = (
            index_key,
            index_key_from_escrow(index_key=index_key, escrow_private_key=escrow_private_key),
        )
    extracted = linked = 0
    if extract_missing:
        unread = Tip.objects.exclude(pk__in=EntityMention.objects.filter(origin=MentionOrigin.MACHINE).values("tip_id"))
        for tip in unread.order_by("pk").iterator(chunk_size=batch):
            data_key = envelope.open_tip_with_escrow(tip, escrow_private_key=escrow_private_key)
            texts = [envelope.open_field(envelope.TIP, "description", tip, tip.public_id, key=data_key)]
            for message in tip.messages.filter(author_kind="whistleblower").order_by("id"):
                texts.append(
                    envelope.open_field(
                        envelope.MESSAGE, "body", message, tip.public_id, message.public_id, key=data_key
                    )
                )
            with transaction.atomic():
                found = sum(candidates_store(tip=tip, data_key=data_key, text=str(text)) for text in texts)
            extracted += 1 if found else 0
    last = 0
    while True:
        tip_ids = list(
            EntityMention.objects.filter(status=MentionStatus.PENDING, tip_id__gt=last)
            .order_by("tip_id")
            .values_list("tip_id", flat=True)
            .distinct()[:batch]
        )
        if not tip_ids:
            break
        last = tip_ids[-1]
        for tip in Tip.objects.filter(pk__in=tip_ids).order_by("pk"):
            held = keys.get(index_scope_of_unit(tip.unit_id))
            if held is None:
                continue
            data_key = envelope.open_tip_with_escrow(tip, escrow_private_key=escrow_private_key)
            linked += tip_mentions_link(tip=tip, data_key=data_key, index_key=held[0], key=held[1])
    audit_record(
        actor=None,
        action=AuditAction.ENTITIES_BACKFILLED,
        target_type="index_key",
        target_id=",".join(sorted(keys)),
        details={"extracted": extracted, "linked": linked},
    )
    return extracted, linked


# --- deletion on the retention schedule -----------------------------------------------------------------------


def linking_erase(*, case: Case) -> int:
    """Delete the entities, name keys and suggested links of the case's tips (cases.services.on_case_erase).

    A pseudonym outlives its ciphertext: whoever holds the index key could test a guessed
    name against it. The tallies of repeatedly named pseudonyms are uncounted first, as
    when a member removes a mention.
    """
    tip_ids = _case_tip_ids(case)
    indexed = EntityMention.objects.filter(tip_id__in=tip_ids, pseudonym__isnull=False).select_related("tip")
    rows = [(mention.linked_pseudonym, mention.kind, mention.tip.facility_id) for mention in indexed]
    if rows:
        mentions_unindexed.send(sender=EntityMention, rows=rows)
    gone = NameKey.objects.filter(tip_id__in=tip_ids).delete()[0]
    gone += TipLink.objects.filter(Q(tip_low_id__in=tip_ids) | Q(tip_high_id__in=tip_ids)).delete()[0]
    gone += EntityMention.objects.filter(tip_id__in=tip_ids).delete()[0]
    return gone
