"""Automatic blind linking: every tip's entities found at intake, keyed by a staff session, linked with a score.

Three steps, each where the keys it needs already are (DESIGN.md section 4):

1. At intake (linking.receivers), the server holds the report's text and the tip's
   data key in memory anyway. `candidates_store` keeps what the extractor
   (linking.extract) finds as machine-found mentions, each value sealed under the data
   key, PENDING: the server holds no index key, so there is no pseudonym yet.
2. The first staff session that can open the tip and its scope's index key keys them
   (`pending_link`, a bounded batch per staff request from linking.middleware, and the
   `link_waiting_tips` command through escrow): each value gets its keyed pseudonym
   and, for a person, the keyed pseudonyms of its name's parts (linking.names), so
   spellings meet without the server learning the name. The index key is opened from
   the session's vault, used and forgotten; Celery never sees it.
3. `tip_links_refresh` compares the tip's pseudonyms with every other tip's, blind,
   and stores each related pair as a TipLink with a score and evidence codes
   (linking.scoring). How rare a name part is comes from how many tips name its
   pseudonym (counted from the index), and from the public list of common surnames
   for this tip's own names, read while they are in memory.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

import envelope
from accounts.keys import vault_unit_key_name
from cases.selectors import tip_data_key
from linking import names
from linking.extract import suggest_entities
from linking.matching import related_tips
from linking.models import (
    EntityKind,
    EntityMention,
    IndexKey,
    MentionOrigin,
    MentionStatus,
    NameKey,
    PersonRole,
    TipLink,
    Verdict,
)
from linking.normalise import normalise
from linking.pseudonyms import entity_pseudonym, index_key_held, index_scope_of_unit
from linking.selectors import mention_value, tip_linked_values
from linking.signals import mentions_indexed
from org.models import UnitKeyPair
from tipline.models import Tip

# At most this many entities are kept from one text (a report or a reply).
MAX_CANDIDATES_PER_TEXT = 40
# The automatic step of one staff request links at most this many tips (linking.middleware).
TIPS_PER_REQUEST = 5


# --- 1. at intake ----------------------------------------------------------------------------------------


def candidates_store(*, tip: Tip, data_key: bytes, text: str) -> int:
    """Keep the entities a report's or reply's text names, sealed under the tip's data key, waiting to be linked.

    Return how many were kept. Nothing is keyed here: the server holds no index key.
    """
    rows = []
    for found in suggest_entities(text)[:MAX_CANDIDATES_PER_TEXT]:
        if found.kind not in EntityKind.values:
            continue
        mention_id = uuid.uuid4()
        rows.append(
            EntityMention(
                public_id=mention_id,
                tip=tip,
                kind=found.kind,
                person_role=found.role if found.kind == EntityKind.PERSON and found.role in PersonRole.values else "",
                value_ct=envelope.seal_field(
                    envelope.MENTION, "value", tip.public_id, mention_id, key=data_key, value=found.value
                ),
                pseudonym=None,
                index_key=None,
                origin=MentionOrigin.MACHINE,
                status=MentionStatus.PENDING,
            )
        )
    EntityMention.objects.bulk_create(rows)
    return len(rows)


# --- 2. keyed by a staff session ------------------------------------------------------------------------------


def _held_keypair_ids(vault: dict[str, bytes]) -> list[int]:
    return [pk for pk in UnitKeyPair.objects.values_list("pk", flat=True) if vault_unit_key_name(pk) in vault]


def pending_tip_ids(*, keypair_ids: Sequence[int], limit: int, tip_ids: Iterable[int] | None = None) -> list[int]:
    """Return the oldest tips sealed to these unit keys with mentions waiting for their pseudonyms."""
    pending = EntityMention.objects.filter(status=MentionStatus.PENDING, tip__unit_keypair_id__in=list(keypair_ids))
    if tip_ids is not None:
        pending = pending.filter(tip_id__in=list(tip_ids))
    return list(pending.order_by("tip_id").values_list("tip_id", flat=True).distinct()[:limit])


def pending_link(
    *,
    vault: dict[str, bytes],
    limit: int | None = None,
    tip_ids: Iterable[int] | None = None,
    budget_seconds: float | None = None,
) -> int:
    """Key and link up to `limit` waiting tips this session can open (of `tip_ids` only, if given); return how many.

    A tip needs its unit key in the vault and its scope's index key sealed to a unit key
    in the vault; tips this session cannot open wait for a session that can. With
    `budget_seconds`, no new tip is begun once that much time has passed (a staff
    request's bound, linking.middleware).
    """
    started = time.monotonic()
    keypair_ids = _held_keypair_ids(vault)
    if not keypair_ids:
        return 0
    ids = pending_tip_ids(keypair_ids=keypair_ids, limit=limit or TIPS_PER_REQUEST, tip_ids=tip_ids)
    opened: dict[str, tuple[IndexKey, bytes] | None] = {}
    done = 0
    for tip in Tip.objects.filter(pk__in=ids).order_by("pk"):
        if budget_seconds and time.monotonic() - started > budget_seconds:
            break
        scope = index_scope_of_unit(tip.unit_id)
        if scope not in opened:
            opened[scope] = index_key_held(vault=vault, scope=scope)
        held = opened[scope]
        data_key = tip_data_key(tip=tip, vault=vault)
        if held is None or data_key is None:
            continue
        index_key, key = held
        try:
            done += tip_mentions_link(tip=tip, data_key=data_key, index_key=index_key, key=key)
        except IntegrityError:
            continue  # a member recorded the same entity at this moment: the next request takes it
    return done


def name_key_rows(*, mention: EntityMention, tip: Tip, value: str, key: bytes) -> list[NameKey]:
    """Return the unsaved keyed pseudonyms of the parts of a person's or a company's name (none for other kinds)."""
    if mention.kind == EntityKind.PERSON:
        parts = names.name_keys(value, nickname=names.is_nickname(value))
    elif mention.kind == EntityKind.COMPANY:
        parts = names.company_keys(value)
    else:
        return []
    return [
        NameKey(
            mention=mention,
            tip=tip,
            slot=part.slot,
            position=part.position,
            method=part.method,
            pseudonym=envelope.name_key_pseudonym(key, text=part.text),
        )
        for part in parts
    ]


def tip_mentions_link(*, tip: Tip, data_key: bytes, index_key: IndexKey, key: bytes) -> int:
    """Key a tip's waiting mentions and link the tip; return 1 if it was done, 0 if another session has it.

    A value that normalises to nothing, that the tip names already, or that a member
    dismissed on this tip is dropped: their corrections win.
    """
    with transaction.atomic():
        # Another session linking this tip right now holds the lock: leave it to them (PostgreSQL).
        if not Tip.objects.select_for_update(skip_locked=True).filter(pk=tip.pk).exists():
            return 0
        mentions = list(EntityMention.objects.filter(tip=tip).order_by("id"))
        pending = [mention for mention in mentions if mention.status == MentionStatus.PENDING]
        if not pending:
            return 0
        linked = {bytes(m.pseudonym) for m in mentions if m.status == MentionStatus.LINKED and m.pseudonym}
        dismissed = {
            (m.kind, normalise(m.kind, mention_value(mention=m, tip=tip, data_key=data_key)))
            for m in mentions
            if m.status == MentionStatus.DISMISSED
        }
        keyed: list[EntityMention] = []
        dropped: list[int] = []
        name_rows: list[NameKey] = []
        for mention in pending:
            value = mention_value(mention=mention, tip=tip, data_key=data_key)
            pseudonym = entity_pseudonym(key=key, kind=mention.kind, value=value, facility_id=tip.facility_id)
            if pseudonym is None or pseudonym in linked or (mention.kind, normalise(mention.kind, value)) in dismissed:
                dropped.append(mention.pk)
                continue
            linked.add(pseudonym)
            mention.pseudonym, mention.index_key, mention.status = pseudonym, index_key, MentionStatus.LINKED
            keyed.append(mention)
            name_rows += name_key_rows(mention=mention, tip=tip, value=value, key=key)
        EntityMention.objects.filter(pk__in=dropped).delete()
        EntityMention.objects.bulk_update(keyed, ["pseudonym", "index_key", "status"])
        NameKey.objects.bulk_create(name_rows)
        mentions_indexed.send(sender=EntityMention, rows=[(m.linked_pseudonym, m.kind, tip.facility_id) for m in keyed])
        tip_links_refresh(tip=tip, data_key=data_key, key=key)
    return 1


# --- 3. linked, blind ---------------------------------------------------------------------------------------------


def tip_links_refresh(*, tip: Tip, data_key: bytes, key: bytes) -> int:
    """Compare a tip's linked mentions with every other tip's, blind, and store its links; return how many.

    The links a member judged stay as judged; the tip's other links are replaced by
    what is found now (linking.matching.related_tips). Needs the tip's data key (its own
    values, read in memory) and its scope's index key (to key them).
    """
    related = related_tips(tip=tip, values=tip_linked_values(tip=tip, data_key=data_key), key=key)
    links = {(min(tip.pk, other), max(tip.pk, other)): found for other, found in related.items()}
    return _links_store(tip=tip, links=links)


def _links_store(*, tip: Tip, links: dict[tuple[int, int], tuple[float, list[str]]]) -> int:
    """Replace a tip's unjudged links with `links`, keeping the verdicts members gave."""
    today = timezone.localdate()
    existing = {
        (link.tip_low_id, link.tip_high_id): link
        for link in TipLink.objects.filter(tip_low=tip) | TipLink.objects.filter(tip_high=tip)
    }
    stale = [link.pk for pair, link in existing.items() if pair not in links and link.verdict == Verdict.NONE]
    TipLink.objects.filter(pk__in=stale).delete()
    changed, new = [], []
    for (low, high), (score, codes) in links.items():
        link = existing.get((low, high))
        if link is None:
            new.append(TipLink(tip_low_id=low, tip_high_id=high, score=score, evidence=codes, computed_on=today))
        elif link.score != score or link.evidence != codes:
            link.score, link.evidence, link.computed_on = score, codes, today
            changed.append(link)
    TipLink.objects.bulk_update(changed, ["score", "evidence", "computed_on"])
    # Two sessions linking two tips of one pair at once: the unique constraint keeps one row.
    TipLink.objects.bulk_create(new, ignore_conflicts=True)
    return len(links)
