"""Entity mentions for synthetic tips, built by the linking app's own mention_build.

Only used when the `linking` app is installed and the escrow private key is given:
the index keys are sealed to the escrow key, and the generator opens them that way (as
an offline recovery would), or creates those that do not exist yet. Each tip's
mentions are made with the key of its unit's scope (the national unit's own key for
its tips, the regional key for the others), as mention_record makes them. Without
either, tips are generated without mentions.

As the automatic step would have left them (linking.automatic), each person mention
also gets its name keys (`name_key_rows`), and each tip a TipLink to a few earlier tips
that name the same synthetic person, phone, plate or company (at most
LINKS_PER_TIP, score LINK_SCORE, the exact-match evidence codes). The earlier tips are
those this process wrote (each worker remembers its own), so no query is made per tip.
"""

from __future__ import annotations

import datetime
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from django.apps import apps
from django.db import connection

import envelope

if TYPE_CHECKING:
    from demo.synthetic import Mention
    from linking.models import EntityMention, TipLink
    from tipline.models import Tip

# The synthetic TipLinks: each tip to at most this many earlier tips sharing an entity, with this score.
LINKS_PER_TIP = 5
LINK_SCORE = 0.9
# The kinds whose sharing makes a synthetic link (a pavilion is shared by too many unrelated tips).
LINKED_KINDS = ("person", "phone", "vehicle", "company")
# How many names' keys a writer remembers before it forgets them all.
NAME_KEYS_REMEMBERED = 50_000


class MentionWriter(Protocol):
    def write(self, rows: Sequence[tuple[Tip, bytes, datetime.date, Sequence[Mention]]]) -> int:
        """Insert the mentions of these (tip, data key, day, mentions) rows; return how many."""
        ...

    def pseudonym(self, *, unit_id: int, kind: str, value: str, facility_id: int) -> tuple[int, bytes] | None:
        """Return (index key id, pseudonym) of an entity as a tip of this unit and facility naming it gets it."""
        ...


@dataclass(frozen=True)
class _ScopeKey:
    index_key_id: int
    key: bytes


@dataclass
class _LinkingWriter:
    keys: dict[str, _ScopeKey]
    national_units: set[int]
    # The last tips this process wrote naming each pseudonym, newest last.
    recent: dict[bytes, deque[int]] = field(default_factory=dict)
    # The name keys of the names written lately (see _name_keys).
    name_keys: dict[tuple[str, bytes], list[tuple[str, int, str, bytes]]] = field(default_factory=dict)

    def write(self, rows: Sequence[tuple[Tip, bytes, datetime.date, Sequence[Mention]]]) -> int:
        from linking.models import EntityMention
        from linking.services import mention_build

        mentions: list[EntityMention] = []
        values: list[tuple[str, bytes]] = []
        for tip, data_key, day, named in rows:
            seen: set[bytes] = set()
            scoped = self.keys[
                envelope.INDEX_NATIONAL if tip.unit_id in self.national_units else envelope.INDEX_REGIONAL
            ]
            for entity in named:
                try:
                    mention = mention_build(
                        tip=tip,
                        data_key=data_key,
                        index_key_id=scoped.index_key_id,
                        key=scoped.key,
                        kind=entity.kind,
                        value=entity.value,
                        role=entity.person_role,
                        created_on=day,
                    )
                except ValueError:
                    continue  # nothing left to link in that value, as mention_store refuses it
                pseudonym = mention.linked_pseudonym
                if pseudonym in seen:
                    continue  # the same entity written two ways in one tip is one mention, as in mention_store
                seen.add(pseudonym)
                mentions.append(mention)
                values.append((entity.value, scoped.key))
        EntityMention.objects.bulk_create(mentions)
        # After the insert, so the mentions have their ids.
        name_keys = []
        for mention, (value, key) in zip(mentions, values, strict=True):
            if mention.kind == "person":
                name_keys += [(mention.pk, mention.tip_id, *keyed) for keyed in self._name_keys(value, key)]
        _name_keys_insert(name_keys)
        _tip_links_insert(self._links(mentions, {tip.pk: day for tip, _key, day, _named in rows}))
        return len(mentions)

    def pseudonym(self, *, unit_id: int, kind: str, value: str, facility_id: int) -> tuple[int, bytes] | None:
        from linking.pseudonyms import entity_pseudonym

        scoped = self.keys[envelope.INDEX_NATIONAL if unit_id in self.national_units else envelope.INDEX_REGIONAL]
        pseudonym = entity_pseudonym(key=scoped.key, kind=kind, value=value, facility_id=facility_id)
        return None if pseudonym is None else (scoped.index_key_id, pseudonym)

    def _name_keys(self, value: str, key: bytes) -> list[tuple[str, int, str, bytes]]:
        """Return (slot, position, method, pseudonym) of each key of a person's name, as `name_key_rows` makes them.

        Without model rows (about 30 a person), and remembered per name, as the recurring
        people are named again and again: the rows and the keyed hashes were most of the
        generator's time. tests/bench checks that the rows are those of name_key_rows.
        """
        from linking import names

        if (value, key) not in self.name_keys:
            if len(self.name_keys) > NAME_KEYS_REMEMBERED:
                self.name_keys.clear()
            self.name_keys[value, key] = [
                (part.slot, part.position, part.method, envelope.name_key_pseudonym(key, text=part.text))
                for part in names.name_keys(value)
            ]
        return self.name_keys[value, key]

    def _links(self, mentions: Sequence[EntityMention], days: dict[int, datetime.date]) -> list[TipLink]:
        """Link each tip to at most LINKS_PER_TIP earlier tips naming one of its entities, as the automatic step would."""
        from linking.models import TipLink
        from linking.scoring import EXACT_CODE

        by_tip: dict[int, list[EntityMention]] = {}
        for mention in mentions:
            if mention.kind in LINKED_KINDS:
                by_tip.setdefault(mention.tip_id, []).append(mention)
        links = []
        for tip_id in sorted(by_tip):
            shared: dict[int, list[str]] = {}
            for mention in by_tip[tip_id]:
                earlier = self.recent.setdefault(bytes(mention.pseudonym or b""), deque(maxlen=LINKS_PER_TIP))
                for other in reversed(earlier):
                    if other in shared or len(shared) < LINKS_PER_TIP:
                        codes = shared.setdefault(other, [])
                        if EXACT_CODE[mention.kind] not in codes:
                            codes.append(EXACT_CODE[mention.kind])
                earlier.append(tip_id)
            links += [
                TipLink(
                    tip_low_id=min(other, tip_id),
                    tip_high_id=max(other, tip_id),
                    score=LINK_SCORE,
                    evidence=sorted(codes),
                    computed_on=days[tip_id],
                )
                for other, codes in shared.items()
                if other != tip_id
            ]
        return links


def _name_keys_insert(rows: Sequence[tuple[int, int, str, int, str, bytes]]) -> None:
    """Insert (mention, tip, slot, position, method, pseudonym) name keys: by COPY on PostgreSQL, else in bulk.

    COPY, as there are about 30 a person mention: tens of millions of rows at a million tips.
    """
    from linking.models import NameKey

    columns = ("mention_id", "tip_id", "slot", "position", "method", "pseudonym")
    if connection.vendor != "postgresql":
        NameKey.objects.bulk_create([NameKey(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000)
        return
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(  # type: ignore[attr-defined]
            f"COPY {NameKey._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _tip_links_insert(rows: Sequence[TipLink]) -> None:
    from linking.models import TipLink

    # Two workers may link the same pair: the unique constraint keeps one.
    TipLink.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def mention_writer(escrow_private_key: bytes | None) -> MentionWriter | None:
    """Return a writer for entity mentions, or None when linking is not installed or no key is given.

    Opens the active index keys with the escrow private key, creating those that do not exist yet.
    """
    if escrow_private_key is None or not apps.is_installed("linking"):
        return None
    from linking.models import IndexKey
    from linking.pseudonyms import national_unit_ids
    from linking.services import index_key_from_escrow, index_keys_create_missing

    index_keys_create_missing()
    keys = {
        index_key.scope: _ScopeKey(
            index_key_id=index_key.pk,
            key=index_key_from_escrow(index_key=index_key, escrow_private_key=escrow_private_key),
        )
        for index_key in IndexKey.objects.filter(is_active=True)
    }
    return _LinkingWriter(keys=keys, national_units=national_unit_ids())
