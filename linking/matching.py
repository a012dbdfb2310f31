"""Blind matching: which other tips seem to be about the same matter as one tip, from pseudonyms only.

Reads only. Given a tip's own values (decrypted in the memory of the session or the
escrow run that is linking it) and an index key, it keys them, looks the pseudonyms up
in the index, and scores each other tip with linking.scoring. How rare a part of a name
is comes from how many tips name its pseudonym (the index, capped), and, for the tip's
own surnames while they are in memory, from the public list of common surnames
(linking.names). Nothing here stores anything or sees another tip's values.

Two callers: linking.automatic stores what it finds for a tip, keyed with the tip's
own scope's key; linking.selectors, on a national case's page, looks the national
tip's values up under the regional key, so the national unit sees related regional
tips without any row saying so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import envelope
from linking import names
from linking.models import EntityKind, EntityMention, MentionStatus, NameKey
from linking.normalise import normalise
from linking.pseudonyms import entity_pseudonym
from linking.scoring import (
    EXACT_CODE,
    EXACT_STRENGTH,
    LINK_THRESHOLD,
    LONE_NAME_ELSEWHERE_FACTOR,
    PLACE_NOUNS_WEAK,
    SAME_FACILITY_PERSON_BONUS,
    WEAK_PLACE_STRENGTH,
    PairEvidence,
)
from tipline.models import SmugglingChannel, Tip

# Bounds of the comparison of one tip with the others, so linking a tip costs the same at any size.
MATCHES_PER_PSEUDONYM = 25
MATCHES_PER_NAME_KEY = 25
RARITY_CAP = 1000
# Channels that say how something got in; "unknown", "other" and "" say nothing shared.
_TELLING_CHANNELS = frozenset(
    {SmugglingChannel.VISITORS, SmugglingChannel.STAFF, SmugglingChannel.SUPPLIERS, SmugglingChannel.THROWN}
)
# A person recorded before name keys existed meets another only by the whole name's pseudonym.
WHOLE_NAME_STRENGTH = 0.85


def _tips_naming(pseudonym: bytes) -> int:
    """How many tips name a part of a name (capped): the blind rarity count, read from the index."""
    return NameKey.objects.filter(pseudonym=pseudonym).order_by().values("id")[:RARITY_CAP].count()


def _counted(counts: dict[str, int]) -> Callable[[names.NameKey], int]:
    return lambda name_key: counts.get(name_key.text, 0)


def _roles_differ(ours: str, theirs: str) -> bool:
    """A guard and an inmate of the same name are two people: known roles that differ refuse a match."""
    return bool(ours) and bool(theirs) and ours != theirs


def _person_evidence(
    *, tip_id: int, persons: Iterable[tuple[str, str]], key: bytes, found: defaultdict[int, PairEvidence]
) -> set[int]:
    """Add to `found` the other tips naming someone these (value, role) name, by their name keys; return those tips."""
    persons = list(persons)
    if not persons:
        return set()
    total = max(Tip.objects.order_by("-pk").values_list("pk", flat=True).first() or 1, 1)
    matched_tips: set[int] = set()
    for value, role in persons:
        ours_plain = names.name_keys(value, nickname=names.is_nickname(value))
        if not ours_plain:
            continue
        ours = []
        counts: dict[str, int] = {}
        candidate_mentions: dict[int, int] = {}
        for plain in ours_plain:
            pseudonym = envelope.name_key_pseudonym(key, text=plain.text)
            ours.append(names.NameKey(plain.slot, plain.position, plain.method, pseudonym.hex(), plain.prior))
            rows = list(
                NameKey.objects.filter(pseudonym=pseudonym)
                .exclude(tip_id=tip_id)
                .order_by("-tip_id")
                .values_list("mention_id", "tip_id")[:MATCHES_PER_NAME_KEY]
            )
            # How rare the part is: known from the rows when they are fewer than the bound (this tip's own
            # too), counted from the index (capped) only for a part named more often than that.
            counts[pseudonym.hex()] = (
                _tips_naming(pseudonym) if len(rows) == MATCHES_PER_NAME_KEY else len({t for _m, t in rows}) + 1
            )
            candidate_mentions.update(rows)
        roles = dict(EntityMention.objects.filter(pk__in=list(candidate_mentions)).values_list("pk", "person_role"))
        candidate_mentions = {
            mention_id: other_tip
            for mention_id, other_tip in candidate_mentions.items()
            if not _roles_differ(role, roles.get(mention_id, ""))
        }
        # Only the parts that met count in the score (linking.names.match_names), and those are ours: the
        # other mentions' parts are compared, never counted.
        theirs: defaultdict[int, list[names.NameKey]] = defaultdict(list)
        for row in NameKey.objects.filter(mention_id__in=list(candidate_mentions)).order_by("id"):
            theirs[row.mention_id].append(names.NameKey(row.slot, row.position, row.method, bytes(row.pseudonym).hex()))
        best: dict[int, names.NameMatch] = {}
        tips_naming = _counted(counts)
        for mention_id, keys in theirs.items():
            match = names.match_names(ours, keys, tips_naming=tips_naming, total_tips=total)
            other_tip = candidate_mentions[mention_id]
            if match is not None and (other_tip not in best or match.score > best[other_tip].score):
                best[other_tip] = match
        for other_tip, match in best.items():
            found[other_tip].add(match.score, *match.evidence)
            matched_tips.add(other_tip)
    return matched_tips


COMPANY_NAME_STRENGTH = EXACT_STRENGTH["company"]


def _company_evidence(
    *, tip_id: int, companies: Iterable[str], key: bytes, found: defaultdict[int, PairEvidence]
) -> None:
    """Add to `found` the other tips naming a company with this name, unless their business nouns differ."""
    for value in companies:
        keys = {part.method: envelope.name_key_pseudonym(key, text=part.text) for part in names.company_keys(value)}
        core = keys.get(names.CORE)
        if core is None:
            continue
        candidates = dict(
            NameKey.objects.filter(pseudonym=core)
            .exclude(tip_id=tip_id)
            .order_by("-tip_id")
            .values_list("mention_id", "tip_id")[:MATCHES_PER_NAME_KEY]
        )
        their_nouns = dict(
            NameKey.objects.filter(mention_id__in=list(candidates), method=names.NOUN).values_list(
                "mention_id", "pseudonym"
            )
        )
        ours = keys.get(names.NOUN)
        for mention_id, other_tip in candidates.items():
            theirs = their_nouns.get(mention_id)
            if ours is not None and theirs is not None and bytes(theirs) != ours:
                continue  # "Distribuidora Santa Rosa" and "Panadería Santa Rosa": two businesses
            found[other_tip].add(COMPANY_NAME_STRENGTH, EXACT_CODE["company"])


def _place_noun(value: str) -> str:
    """The noun of a place as normalised ("pabellon" of "Pab. 4"), or ""."""
    words = normalise(EntityKind.PLACE, value).split()
    return words[0] if words else ""


def _strength(kind: str, value: str) -> float:
    if kind == EntityKind.PLACE and _place_noun(value) in PLACE_NOUNS_WEAK:
        return WEAK_PLACE_STRENGTH
    return EXACT_STRENGTH.get(kind, 0.0)


def related_tips(*, tip: Tip, values: Iterable[tuple[str, str, str]], key: bytes) -> dict[int, tuple[float, list[str]]]:
    """Return {other tip id: (score, evidence codes)} of the tips that seem about the same matter as `tip`.

    `values` are the tip's own (kind, value, person role) triples, in memory; `key` the
    index key they are looked up under. Only pairs scoring LINK_THRESHOLD or more are
    returned.
    """
    values = [(kind, value, role) for kind, value, role in values if kind in EntityKind.values]
    found: defaultdict[int, PairEvidence] = defaultdict(PairEvidence)
    persons = [(value, role) for kind, value, role in values if kind == EntityKind.PERSON]
    named_alike = _person_evidence(tip_id=tip.pk, persons=persons, key=key, found=found)
    companies = [value for kind, value, _role in values if kind == EntityKind.COMPANY]
    _company_evidence(tip_id=tip.pk, companies=companies, key=key, found=found)
    for kind, value, _role in values:
        pseudonym = entity_pseudonym(key=key, kind=kind, value=value, facility_id=tip.facility_id)
        if pseudonym is None:
            continue
        mentions = EntityMention.objects.filter(pseudonym=pseudonym, status=MentionStatus.LINKED).exclude(tip_id=tip.pk)
        if kind in (EntityKind.PERSON, EntityKind.COMPANY):
            # Only a name recorded before name keys existed is matched whole; the others were compared above.
            mentions = mentions.filter(name_keys__isnull=True)
        other_tips = mentions.order_by("-tip_id").values_list("tip_id", flat=True)[:MATCHES_PER_PSEUDONYM]
        for other_tip in other_tips:
            strength = WHOLE_NAME_STRENGTH if kind == EntityKind.PERSON else _strength(kind, value)
            found[other_tip].add(strength, EXACT_CODE[kind])
    metadata = {
        pk: (facility_id, channel)
        for pk, facility_id, channel in Tip.objects.filter(pk__in=list(found)).values_list(
            "pk", "facility_id", "smuggling_channel"
        )
    }
    related: dict[int, tuple[float, list[str]]] = {}
    for other_tip, evidence in found.items():
        if other_tip not in metadata:
            continue
        facility_id, channel = metadata[other_tip]
        same_facility = facility_id == tip.facility_id
        same_channel = channel == tip.smuggling_channel and channel in _TELLING_CHANNELS
        if not same_facility:
            evidence.weaken_lone_names(LONE_NAME_ELSEWHERE_FACTOR)
        if same_facility and other_tip in named_alike and evidence.score(same_channel=False) >= 0.5:
            evidence.add(SAME_FACILITY_PERSON_BONUS)
        score = evidence.score(same_channel=same_channel)
        if score >= LINK_THRESHOLD:
            related[other_tip] = (score, evidence.codes(same_facility=same_facility, same_channel=same_channel))
    return related
