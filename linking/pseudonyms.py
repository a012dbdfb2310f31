"""Keyed pseudonyms and the index keys that make them: which key a tip's entities use, and reading a key.

One home for what both linking's writes (services) and reads (selectors) need: the
pseudonym of a value, the scope of a unit's tips, and opening a session's index key
without writing anything. Creating, sealing and rotating keys are writes
(linking.services).
"""

from __future__ import annotations

from django.db.models import QuerySet

import envelope
from accounts.keys import vault_unit_key_name
from linking.models import EntityKind, IndexKey, IndexKeySeal, IndexScope
from linking.normalise import normalise
from org.models import Unit


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


def national_unit_ids() -> set[int]:
    """Return the ids of the national (conflict-of-interest) units: one, by a constraint, or none."""
    return set(Unit.objects.filter(kind=Unit.Kind.NATIONAL).values_list("pk", flat=True))


def index_scope_of_unit(unit_id: int | None) -> str:
    """Return the scope of the index key that pseudonyms of this unit's tips are made with."""
    return IndexScope.NATIONAL if unit_id is not None and unit_id in national_unit_ids() else IndexScope.REGIONAL


def held_index_key_seals(*, scope: str, vault: dict[str, bytes]) -> QuerySet[IndexKeySeal]:
    """Return the seals of a scope's active index key to unit keys this session's vault holds."""
    held = [
        keypair_id
        for keypair_id in IndexKeySeal.objects.filter(index_key__scope=scope, index_key__is_active=True).values_list(
            "unit_keypair_id", flat=True
        )
        if vault_unit_key_name(keypair_id) in vault
    ]
    return IndexKeySeal.objects.filter(
        index_key__scope=scope, index_key__is_active=True, unit_keypair_id__in=held
    ).select_related("index_key")


def index_key_unseal(seal: IndexKeySeal, *, vault: dict[str, bytes]) -> bytes:
    """Open an index key from its seal to a unit key held in the vault (raises CryptoError)."""
    return envelope.open_index_key_for_unit(
        bytes(seal.sealed_key),
        version=seal.index_key.version,
        unit_keypair_id=seal.unit_keypair_id,
        unit_private_key=vault[vault_unit_key_name(seal.unit_keypair_id)],
        scope=seal.index_key.scope,
    )


def index_key_held(*, vault: dict[str, bytes], scope: str) -> tuple[IndexKey, bytes] | None:
    """Return the active index key of a scope and its row if this session holds it, writing nothing.

    The caller uses the key and forgets it (linking.services.index_key_open also seals it
    to key pairs that lack it, which is a write).
    """
    for seal in held_index_key_seals(scope=scope, vault=vault):
        try:
            return seal.index_key, index_key_unseal(seal, vault=vault)
        except envelope.CryptoError:
            continue
    return None


def index_key_peek(*, vault: dict[str, bytes], scope: str) -> bytes | None:
    """Return the active index key of a scope if this session holds it, writing nothing; the caller forgets it."""
    held = index_key_held(vault=vault, scope=scope)
    return held[1] if held is not None else None
