"""Entity mentions for synthetic tips, built by the linking app's own mention_build.

Only used when the `linking` app is installed and the escrow private key is given:
the index keys are sealed to the escrow key, and the generator opens them that way (as
an offline recovery would), or creates those that do not exist yet. Each tip's
mentions are made with the key of its unit's scope (the national unit's own key for
its tips, the regional key for the others), as mention_record makes them. Without
either, tips are generated without mentions.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.apps import apps

import envelope

if TYPE_CHECKING:
    from demo.synthetic import Mention
    from tipline.models import Tip


class MentionWriter(Protocol):
    def write(self, rows: Sequence[tuple[Tip, bytes, datetime.date, Sequence[Mention]]]) -> int:
        """Insert the mentions of these (tip, data key, day, mentions) rows; return how many."""
        ...


@dataclass(frozen=True)
class _ScopeKey:
    index_key_id: int
    key: bytes


@dataclass
class _LinkingWriter:
    keys: dict[str, _ScopeKey]
    national_units: set[int]

    def write(self, rows: Sequence[tuple[Tip, bytes, datetime.date, Sequence[Mention]]]) -> int:
        from linking.models import EntityMention
        from linking.services import mention_build

        mentions = []
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
                if mention.linked_pseudonym in seen:
                    continue  # the same entity written two ways in one tip is one mention, as in mention_store
                seen.add(mention.linked_pseudonym)
                mentions.append(mention)
        EntityMention.objects.bulk_create(mentions)
        return len(mentions)


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
