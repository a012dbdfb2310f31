"""Entity mentions for synthetic tips, built by the linking app's own mention_build.

Only used when the `linking` app is installed and the escrow private key is given:
the index key is sealed to the escrow key, and the generator opens it that way (as
an offline recovery would), or creates the first index key when there is none.
Without either, tips are generated without mentions.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.apps import apps

if TYPE_CHECKING:
    from demo.synthetic import Mention
    from tipline.models import Tip


class MentionWriter(Protocol):
    def write(self, rows: Sequence[tuple[Tip, bytes, datetime.date, Sequence[Mention]]]) -> int:
        """Insert the mentions of these (tip, data key, day, mentions) rows; return how many."""
        ...


@dataclass
class _LinkingWriter:
    index_key_id: int
    key: bytes

    def write(self, rows: Sequence[tuple[Tip, bytes, datetime.date, Sequence[Mention]]]) -> int:
        from linking.models import EntityMention
        from linking.services import mention_build

        mentions = []
        for tip, data_key, day, named in rows:
            seen: set[bytes] = set()
            for entity in named:
                try:
                    mention = mention_build(
                        tip=tip,
                        data_key=data_key,
                        index_key_id=self.index_key_id,
                        key=self.key,
                        kind=entity.kind,
                        value=entity.value,
                        role=entity.person_role,
                        created_on=day,
                    )
                except ValueError:
                    continue  # nothing left to link in that value, as mention_store refuses it
                if bytes(mention.pseudonym) in seen:
                    continue  # the same entity written two ways in one tip is one mention, as in mention_store
                seen.add(bytes(mention.pseudonym))
                mentions.append(mention)
        EntityMention.objects.bulk_create(mentions)
        return len(mentions)


def mention_writer(escrow_private_key: bytes | None) -> MentionWriter | None:
    """Return a writer for entity mentions, or None when linking is not installed or no key is given.

    Opens the active index key with the escrow private key, or creates the first one.
    """
    if escrow_private_key is None or not apps.is_installed("linking"):
        return None
    from linking.models import IndexKey
    from linking.services import index_key_create, index_key_from_escrow

    index_key = IndexKey.objects.filter(is_active=True).first()
    if index_key is None:
        index_key, key = index_key_create()
    else:
        key = index_key_from_escrow(index_key=index_key, escrow_private_key=escrow_private_key)
    return _LinkingWriter(index_key_id=index_key.pk, key=key)
