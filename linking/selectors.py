"""Reads of linking: a tip's entities and suggestions, a case's suggested links, a pseudonym's page.

Links are found by comparing pseudonyms and clear metadata in the database; no key is
needed for that. Values are decrypted only for tips the member may read, with the tip's
data key from their session. Of tips in other units a member learns only that a link
exists: the unit, the facility, the day it was received and how much it shares; of
cases they are recused from, nothing at all.

Of the national (conflict-of-interest) unit's tips, a member of another unit learns
nothing, not even that a link exists: its tips' pseudonyms are made with the national
index key, which no regional member holds, and the reads below also leave out, for
them, any national tip whose mention was made before that (hidden_mentions). The
national unit sees links to regional tips: its session holds the regional key too,
and suggested_links looks its case's values up under it.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

import envelope
from accounts.models import Membership, StaffMember
from cases.models import Case, CaseTip, Recusal
from cases.selectors import case_title, cases_visible_to, tip_data_key
from linking.extract import Suggestion, suggest_entities
from linking.matching import related_tips
from linking.models import (
    EntityMention,
    IndexKey,
    IndexScope,
    MentionOrigin,
    MentionStatus,
    TipLink,
    Verdict,
)
from linking.normalise import fold, normalise
from linking.pseudonyms import entity_pseudonym, index_key_peek, index_scope_of_unit
from linking.scoring import STRONG, evidence_in_words
from org.models import Unit
from tipline.models import Tip

SIMILAR_WINDOW_DAYS = 30
MAX_SUGGESTED_LINKS = 20
# Bounds that keep suggested_links fast however often an entity is named.
MAX_CASE_PSEUDONYMS = 40
MATCHES_PER_PSEUDONYM = 25
# For an entity named more often than that, the member's own units' tips are looked for among this many newest.
CROWDED_WINDOW = 1000
MAX_PSEUDONYM_ROWS = 200
FACILITY_SAMPLE = 5000


def member_units(*, member: StaffMember) -> tuple[set[int], bool]:
    """Return the ids of the member's units and whether one of them is the national unit (one query)."""
    rows = list(Membership.objects.filter(member=member).values_list("unit_id", "unit__kind"))
    return {unit_id for unit_id, _kind in rows}, any(kind == Unit.Kind.NATIONAL for _unit, kind in rows)


def hidden_mentions(*, in_national_unit: bool) -> Q:
    """Return the condition of the mentions that lookups must never show or count for a member.

    For a member of no national unit: every mention on a national unit's tip, and every
    mention made with a national index key (subqueries, no query of their own).
    Pseudonyms of the two keys never match, so this only bites on mentions made before
    the national key existed, or before a transfer into the national unit, until
    index_key_rotate moves them to their key. For a national member it is empty (excludes nothing).
    """
    if in_national_unit:
        return Q()
    return Q(tip__unit_id__in=Unit.objects.filter(kind=Unit.Kind.NATIONAL).values("pk")) | Q(
        index_key_id__in=IndexKey.objects.filter(scope=IndexScope.NATIONAL).values("pk")
    )


def mention_value(*, mention: EntityMention, tip: Tip, data_key: bytes) -> str:
    """Decrypt the value of a mention of this tip with the tip's data key."""
    return str(envelope.open_field(envelope.MENTION, "value", mention, tip.public_id, mention.public_id, key=data_key))


def tip_linked_values(*, tip: Tip, data_key: bytes, limit: int | None = None) -> list[tuple[str, str, str]]:
    """Return the (kind, value, person role) of a tip's linked mentions, decrypted: what blind matching compares."""
    mentions = EntityMention.objects.filter(tip=tip, status=MentionStatus.LINKED).order_by("id")[:limit]
    return [(m.kind, mention_value(mention=m, tip=tip, data_key=data_key), m.person_role) for m in mentions]


# --- a tip's entities ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MentionView:
    """A recorded entity as its tip's reader sees it: the value, and how many other tips name it."""

    mention: EntityMention
    value: str
    other_tips: int
    other_tips_capped: bool = False  # more than OTHER_TIPS_CAP: shown as "more than 1,000"

    @property
    def found_by_machine(self) -> bool:
        return self.mention.origin == MentionOrigin.MACHINE

    @property
    def waiting(self) -> bool:
        """Found at intake, not keyed yet: no session that could open the index key has come by."""
        return self.mention.status == MentionStatus.PENDING


@dataclass(frozen=True)
class TipEntities:
    tip: Tip
    mentions: list[MentionView]
    suggestions: list[Suggestion]


OTHER_TIPS_CAP = 1000


def tip_entities(*, tip: Tip, text: str, member: StaffMember, vault: dict[str, bytes]) -> TipEntities:
    """Return the entities recorded on a tip, decrypted, and those its `text` suggests that are not recorded yet.

    Queries: the member's recusals, the tip's mentions, and for each mention how many
    other tips share its pseudonym (not counting cases the member is recused from),
    counted up to OTHER_TIPS_CAP so a person named in 50,000 tips costs what one named
    in 1,000 does. Without the tip's key in the vault (a key granted after login) the
    values are empty and nothing is suggested.
    """
    data_key = tip_data_key(tip=tip, vault=vault)
    recused = list(Recusal.objects.filter(member=member).values_list("case_id", flat=True))
    hidden = hidden_mentions(in_national_unit=member_units(member=member)[1])
    mentions = list(EntityMention.objects.filter(tip=tip).order_by("kind", "id"))
    dismissed = [m for m in mentions if m.status == MentionStatus.DISMISSED]
    views = []
    for m in mentions:
        if m.status == MentionStatus.DISMISSED:
            continue
        if m.pseudonym is None:
            value = mention_value(mention=m, tip=tip, data_key=data_key) if data_key else ""
            views.append(MentionView(mention=m, value=value, other_tips=0))
            continue
        others = EntityMention.objects.filter(pseudonym=bytes(m.pseudonym)).exclude(tip=tip).exclude(hidden)
        if recused:
            others = others.exclude(tip__case_link__case_id__in=recused)
        # COUNT over a LIMIT: at most OTHER_TIPS_CAP + 1 index entries are read.
        n = others.order_by().values("id")[: OTHER_TIPS_CAP + 1].count()
        views.append(
            MentionView(
                mention=m,
                value=mention_value(mention=m, tip=tip, data_key=data_key) if data_key else "",
                other_tips=min(n, OTHER_TIPS_CAP),
                other_tips_capped=n > OTHER_TIPS_CAP,
            )
        )
    if data_key is None:
        return TipEntities(tip=tip, mentions=views, suggestions=[])
    recorded = {(v.mention.kind, normalise(v.mention.kind, v.value)) for v in views}
    recorded |= {(m.kind, normalise(m.kind, mention_value(mention=m, tip=tip, data_key=data_key))) for m in dismissed}
    suggestions = [s for s in suggest_entities(text) if (s.kind, s.normalised) not in recorded]
    return TipEntities(tip=tip, mentions=views, suggestions=suggestions)


# --- a case's suggested links ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedCase:
    """A case the member can read that seems related: its score and evidence (linking.scoring), or a shared count.

    `shared_entities` counts shared pseudonyms of cases linked before scores existed;
    0 for a metadata match. `confirmed`: an analyst said it is the same matter.
    """

    case: Case
    shared_entities: int
    can_merge: bool
    score: float = 0.0
    evidence: tuple[str, ...] = ()
    confirmed: bool = False

    @property
    def evidence_words(self) -> str:
        return evidence_in_words(self.evidence)

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass(frozen=True)
class LinkElsewhere:
    """That a case of another unit seems related to this one: no content, no link, only a handle to judge it.

    `link_id` names one TipLink between the two cases, for the verdict form: the member
    never learns the other case's identifier.
    """

    unit_name: str
    facility_name: str
    received_on: datetime.date
    shared_entities: int
    score: float = 0.0
    evidence: tuple[str, ...] = ()
    confirmed: bool = False
    link_id: int | None = None
    # The other case's row id, for the server's own use (the evaluation maps links with it): never rendered.
    case_pk: int = 0

    @property
    def evidence_words(self) -> str:
        return evidence_in_words(self.evidence)

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass(frozen=True)
class SuggestedLinks:
    by_entity: list[LinkedCase] = field(default_factory=list)
    elsewhere: list[LinkElsewhere] = field(default_factory=list)
    # Two steps away: related to a case that is strongly related to this one (a plate here, a company there).
    hints: list[LinkedCase] = field(default_factory=list)
    by_metadata: list[LinkedCase] = field(default_factory=list)
    # This case's entities named in more tips than were looked at: only the newest of those were.
    crowded_entities: int = 0

    @property
    def exist(self) -> bool:
        return bool(self.by_entity or self.elsewhere or self.hints or self.by_metadata)


def _can_merge(case: Case, other: Case) -> bool:
    # cases_link merges within one unit; the case page offers linking only while the case is open.
    return other.unit_id == case.unit_id and not case.is_closed and not other.is_closed


def _cases_sharing_pseudonyms(*, case: Case, own_units: set[int], hidden: Q) -> tuple[dict[int, int], int]:
    """Return {other case id: number of this case's pseudonyms it shares} and how many pseudonyms were crowded.

    One query for this case's pseudonyms, then one per pseudonym (at most
    MAX_CASE_PSEUDONYMS) that reads the newest MATCHES_PER_PSEUDONYM other tips from
    the index (pseudonym, tip), then one that maps those tips to their cases. For a
    crowded pseudonym (named in more tips than that) one more query finds the newest
    tips of the member's own units among its CROWDED_WINDOW newest, so that links the
    member can act on are not crowded out by other units'. The work is bounded however
    often an entity is named: a guard named in 50,000 tips costs about what one named
    in 50 does. `hidden` (hidden_mentions) is never matched.
    """
    case_tip_ids = list(CaseTip.objects.filter(case=case).values_list("tip_id", flat=True))
    # bytes(): a database driver may return a memoryview; only linked mentions have a pseudonym.
    pseudonyms = [
        bytes(pseudonym)
        for pseudonym in EntityMention.objects.filter(
            tip_id__in=case_tip_ids, status=MentionStatus.LINKED, kind__in=STRONG_KINDS
        )
        .order_by("pseudonym")
        .values_list("pseudonym", flat=True)
        .distinct()[:MAX_CASE_PSEUDONYMS]
        if pseudonym is not None
    ]
    tips_by_pseudonym: dict[bytes, list[int]] = {}
    crowded = 0
    for pseudonym in pseudonyms:
        tip_ids = list(
            EntityMention.objects.filter(pseudonym=pseudonym)
            .exclude(tip_id__in=case_tip_ids)
            .exclude(hidden)
            .order_by("-tip_id")
            .values_list("tip_id", flat=True)[: MATCHES_PER_PSEUDONYM + 1]
        )
        if len(tip_ids) > MATCHES_PER_PSEUDONYM:
            crowded += 1
            newest = (
                EntityMention.objects.filter(pseudonym=pseudonym)
                .exclude(tip_id__in=case_tip_ids)
                .exclude(hidden)
                .order_by("-tip_id")
                .values("tip_id")[:CROWDED_WINDOW]
            )
            own = list(
                Tip.objects.filter(pk__in=newest, unit_id__in=own_units)
                .order_by("-pk")
                .values_list("pk", flat=True)[:MATCHES_PER_PSEUDONYM]
            )
            taken = set(own)
            tip_ids = own + [tip_id for tip_id in tip_ids[:MATCHES_PER_PSEUDONYM] if tip_id not in taken]
        tips_by_pseudonym[bytes(pseudonym)] = tip_ids
    all_tips = {tip_id for tip_ids in tips_by_pseudonym.values() for tip_id in tip_ids}
    case_of_tip = dict(CaseTip.objects.filter(tip_id__in=all_tips).values_list("tip_id", "case_id"))
    shared: Counter[int] = Counter()
    for tip_ids in tips_by_pseudonym.values():
        for other_case in {case_of_tip[tip_id] for tip_id in tip_ids if tip_id in case_of_tip}:
            shared[other_case] += 1
    return dict(shared), crowded


MAX_CROSS_SCOPE_TIPS = 10


def _regional_related(*, case: Case, vault: dict[str, bytes]) -> dict[int, tuple[float, list[str]]]:
    """Return the regional tips related to a national case, found under the regional key in this request only.

    For the national unit (its cases' pseudonyms are made with the national key): the
    values of the case's tips (at most MAX_CROSS_SCOPE_TIPS, MAX_CASE_PSEUDONYMS values)
    are decrypted with their tips' keys and looked up under the regional index key
    (linking.matching.related_tips), then forgotten. Nothing is stored, so no row ever
    says that the national unit holds something related to a regional tip.
    """
    if not Unit.objects.filter(pk=case.unit_id, kind=Unit.Kind.NATIONAL).exists():
        return {}
    regional_key = index_key_peek(vault=vault, scope=IndexScope.REGIONAL)
    if regional_key is None:
        return {}
    related: dict[int, tuple[float, list[str]]] = {}
    tips = Tip.objects.filter(case_link__case=case).order_by("-pk")[:MAX_CROSS_SCOPE_TIPS]
    for tip in tips:
        data_key = tip_data_key(tip=tip, vault=vault)
        if data_key is None:
            continue
        values = tip_linked_values(tip=tip, data_key=data_key, limit=MAX_CASE_PSEUDONYMS)
        for other_tip, (score, codes) in related_tips(tip=tip, values=values, key=regional_key).items():
            if other_tip not in related or score > related[other_tip][0]:
                related[other_tip] = (score, codes)
    national_tips = set(
        Tip.objects.filter(pk__in=list(related), unit__kind=Unit.Kind.NATIONAL).values_list("pk", flat=True)
    )
    return {tip_id: found for tip_id, found in related.items() if tip_id not in national_tips}


# Kinds whose shared pseudonym alone says "related" (a phone, a plate, a DNI, a company): cases linked before
# scores existed, and the national unit's look-ups of regional tips. People, places and times need a score.
STRONG_KINDS = ("phone", "vehicle", "dni", "company")
MAX_LINK_ROWS = 200
HINT_SOURCES = 20


@dataclass
class _Scored:
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)
    confirmed: bool = False
    link_id: int | None = None

    def add(self, link: TipLink) -> None:
        if link.score > self.score or self.link_id is None:
            self.link_id = link.pk
        self.found(link.score, link.evidence)
        self.confirmed = self.confirmed or link.verdict == Verdict.SAME

    def found(self, score: float, codes: list[str]) -> None:
        self.score = max(self.score, score)
        self.evidence += [code for code in codes if code not in self.evidence]


def _links_touching(tip_ids: list[int], *, limit: int = MAX_LINK_ROWS) -> list[TipLink]:
    """The stored links of these tips, strongest first (two index scans: by tip_low, by tip_high)."""
    return list(
        TipLink.objects.filter(Q(tip_low_id__in=tip_ids) | Q(tip_high_id__in=tip_ids)).order_by("-score", "pk")[:limit]
    )


def _other_end(link: TipLink, tip_ids: set[int]) -> int:
    return link.tip_high_id if link.tip_low_id in tip_ids else link.tip_low_id


def suggested_links(*, case: Case, member: StaffMember, vault: dict[str, bytes] | None = None) -> SuggestedLinks:
    """Return the cases that seem related to `case`, for a member who reads it.

    Strongest first: cases whose tips the automatic step linked to this case's tips,
    with a score and the evidence in words (linking.automatic, linking.scoring), and
    cases sharing a phone, plate, DNI or company recorded before scores existed. Those
    the member can read come with a verdict form (and a merge, where cases_link allows
    it); those of other units only as unit, facility, day and evidence; those the
    member is recused from not at all; those of the national unit, for anyone outside
    it, not at all; a pair an analyst judged "not the same" never. Then hints two
    steps away (strongly related to a strongly related case), then the member's cases
    at the same facility, of the same category and smuggling channel, received within
    30 days either side. With the member's session `vault`, a national case is also
    looked up under the regional index key, so the national unit sees links to regional tips.

    Every query is an index range scan with a bound.
    """
    if not member.can_read_tips:
        return SuggestedLinks()
    own_units, in_national_unit = member_units(member=member)
    recused = set(Recusal.objects.filter(member=member).values_list("case_id", flat=True))
    hidden = hidden_mentions(in_national_unit=in_national_unit)
    national_units = set(Unit.objects.filter(kind=Unit.Kind.NATIONAL).values_list("pk", flat=True))
    case_tip_ids = set(CaseTip.objects.filter(case=case).values_list("tip_id", flat=True))

    links = _links_touching(sorted(case_tip_ids))
    other_tips = {_other_end(link, case_tip_ids) for link in links}
    case_of_tip = dict(CaseTip.objects.filter(tip_id__in=other_tips).values_list("tip_id", "case_id"))
    rejected = {case_of_tip.get(_other_end(link, case_tip_ids)) for link in links if link.verdict == Verdict.NOT_SAME}
    scored: dict[int, _Scored] = {}
    for link in links:
        other_case = case_of_tip.get(_other_end(link, case_tip_ids))
        if other_case is None or other_case in rejected or other_case == case.pk or link.verdict == Verdict.NOT_SAME:
            continue
        if link.score <= 0 and link.verdict != Verdict.SAME:
            continue
        scored.setdefault(other_case, _Scored()).add(link)

    cross_scope = _regional_related(case=case, vault=vault) if vault and in_national_unit else {}
    cross_cases = dict(CaseTip.objects.filter(tip_id__in=list(cross_scope)).values_list("tip_id", "case_id"))
    for other_tip, (score, codes) in cross_scope.items():
        other_case = cross_cases.get(other_tip)
        if other_case is not None and other_case not in rejected:
            scored.setdefault(other_case, _Scored()).found(score, codes)
    shared, crowded = _cases_sharing_pseudonyms(case=case, own_units=own_units, hidden=hidden)
    for other_id in recused | rejected | {case.pk, None}:
        shared.pop(other_id, None)  # type: ignore[arg-type]
        scored.pop(other_id, None)  # type: ignore[arg-type]
    candidates = set(scored) | set(shared)
    strongest = sorted(
        candidates,
        key=lambda other_id: (
            -(scored[other_id].score if other_id in scored else 0),
            -shared.get(other_id, 0),
            -other_id,
        ),
    )[: 2 * MAX_SUGGESTED_LINKS]
    by_entity: list[LinkedCase] = []
    elsewhere: list[LinkElsewhere] = []
    for other in Case.objects.filter(pk__in=strongest).select_related("facility", "unit"):
        if other.unit_id in national_units and not in_national_unit:
            continue
        found = scored.get(other.pk, _Scored())
        if other.unit_id in own_units:
            by_entity.append(
                LinkedCase(
                    case=other,
                    shared_entities=shared.get(other.pk, 0),
                    can_merge=_can_merge(case, other),
                    score=found.score,
                    evidence=tuple(found.evidence),
                    confirmed=found.confirmed,
                )
            )
        else:
            elsewhere.append(
                LinkElsewhere(
                    unit_name=other.unit.name,
                    facility_name=other.facility.name,
                    received_on=other.received_on,
                    shared_entities=shared.get(other.pk, 0),
                    score=found.score,
                    evidence=tuple(found.evidence),
                    confirmed=found.confirmed,
                    link_id=found.link_id,
                    case_pk=other.pk,
                )
            )
    by_entity.sort(
        key=lambda link: (-link.score, -link.shared_entities, -link.case.received_on.toordinal(), -link.case.pk)
    )
    elsewhere.sort(key=lambda link: (-link.score, -link.shared_entities, -link.received_on.toordinal(), link.unit_name))
    shown = {link.case.pk for link in by_entity} | set(scored) | set(shared)

    # Two steps: what the strongly related tips are strongly related to.
    sources = sorted(
        {_other_end(link, case_tip_ids) for link in links if link.score >= STRONG and link.verdict != Verdict.NOT_SAME}
        - {tip for tip, case_id in case_of_tip.items() if case_id in rejected}
    )[:HINT_SOURCES]
    hint_tips: dict[int, float] = {}
    for link in _links_touching(sources) if sources else []:
        if link.score < STRONG or link.verdict == Verdict.NOT_SAME:
            continue
        source = link.tip_low_id if link.tip_low_id in sources else link.tip_high_id
        far = _other_end(link, {source})
        if far not in case_tip_ids:
            hint_tips[far] = max(hint_tips.get(far, 0.0), link.score)
    hint_cases = dict(CaseTip.objects.filter(tip_id__in=list(hint_tips)).values_list("tip_id", "case_id"))
    hint_scores: dict[int, float] = {}
    for tip_id, case_id in hint_cases.items():
        if case_id not in shown and case_id not in rejected and case_id not in recused and case_id != case.pk:
            hint_scores[case_id] = max(hint_scores.get(case_id, 0.0), hint_tips[tip_id])
    hints = [
        LinkedCase(
            case=other,
            shared_entities=0,
            can_merge=_can_merge(case, other),
            score=hint_scores[other.pk],
            evidence=("two_steps",),
        )
        for other in cases_visible_to(member=member)
        .filter(pk__in=list(hint_scores))
        .select_related("facility", "unit")[:MAX_SUGGESTED_LINKS]
    ]
    hints.sort(key=lambda link: (-link.score, -link.case.pk))

    window = datetime.timedelta(days=SIMILAR_WINDOW_DAYS)
    similar = (
        cases_visible_to(member=member)
        .filter(
            facility_id=case.facility_id,
            category=case.category,
            smuggling_channel=case.smuggling_channel,
            received_on__range=(case.received_on - window, case.received_on + window),
        )
        .exclude(pk=case.pk)
        .exclude(
            pk__in=[link.case.pk for link in by_entity] + [link.case.pk for link in hints] + list(rejected - {None})
        )
        .select_related("facility", "unit")
        .order_by("-received_on", "-id")[:MAX_SUGGESTED_LINKS]
    )
    return SuggestedLinks(
        by_entity=by_entity[:MAX_SUGGESTED_LINKS],
        elsewhere=elsewhere[:MAX_SUGGESTED_LINKS],
        hints=hints,
        by_metadata=[LinkedCase(case=other, shared_entities=0, can_merge=_can_merge(case, other)) for other in similar],
        crowded_entities=crowded,
    )


# --- a pseudonym's page --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PseudonymTip:
    """A tip the member reads that names the entity: its case, and the value as recorded there."""

    tip: Tip
    case: Case
    kind_label: str
    value: str


@dataclass(frozen=True)
class PseudonymElsewhere:
    unit_name: str
    facility_name: str
    received_on: datetime.date


@dataclass(frozen=True)
class PseudonymSeizure:
    """A seized device that carries the entity: a link to it for a member who may see it, else its unit only."""

    label: str
    seized_on: datetime.date
    unit_name: str
    url: str = ""


# Apps that hold seized identifiers (evidence) give their rows here when they start; linking imports none of them.
PseudonymSeizureSource = Callable[[bytes, StaffMember], list[PseudonymSeizure]]
_pseudonym_seizure_sources: list[PseudonymSeizureSource] = []


def pseudonym_seizures_source(source: PseudonymSeizureSource) -> None:
    """Have the pseudonym page also list what `source` says was seized carrying a pseudonym."""
    if source not in _pseudonym_seizure_sources:
        _pseudonym_seizure_sources.append(source)


@dataclass(frozen=True)
class PseudonymView:
    pseudonym_hex: str
    kind_label: str
    readable: list[PseudonymTip]
    elsewhere: list[PseudonymElsewhere]
    facilities: list[tuple[str, int]]
    total_tips: int
    seizures: list[PseudonymSeizure] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.total_tips > len(self.readable) + len(self.elsewhere)

    @property
    def facilities_sampled(self) -> bool:
        return self.total_tips > FACILITY_SAMPLE


def pseudonym_view(*, pseudonym: bytes, member: StaffMember, vault: dict[str, bytes]) -> PseudonymView:
    """Return where a pseudonym appears, for a member with a reading role.

    Tips of cases the member reads come with their case and the value as recorded
    (when the session holds the tip's key); tips of other units with their unit,
    facility and day only; tips of cases the member is recused from, and for anyone
    outside the national unit that unit's tips, are left out.
    The rows are the newest 200 and the facilities are counted over the newest 5,000,
    both read backwards along the index (pseudonym, tip), so the page stays quick
    however often the entity is named.
    """
    if not member.can_read_tips:
        raise PermissionError("only members with a reading role see pseudonyms")
    own_units, in_national_unit = member_units(member=member)
    recused = list(Recusal.objects.filter(member=member).values_list("case_id", flat=True))
    mentions = EntityMention.objects.filter(pseudonym=pseudonym).exclude(
        hidden_mentions(in_national_unit=in_national_unit)
    )
    if recused:
        mentions = mentions.exclude(tip__case_link__case_id__in=recused)
    total = mentions.count()
    newest_tips = mentions.order_by("-tip_id").values("tip_id")[:FACILITY_SAMPLE]
    facilities = sorted(
        Tip.objects.filter(pk__in=newest_tips).order_by().values_list("facility__name").annotate(n=Count("id")),
        key=lambda item: (-item[1], item[0]),
    )
    readable: list[PseudonymTip] = []
    elsewhere: list[PseudonymElsewhere] = []
    kind_label = ""
    rows = mentions.select_related("tip__facility", "tip__unit_keypair", "tip__case_link__case__unit").order_by(
        "-tip_id"
    )[:MAX_PSEUDONYM_ROWS]
    for mention in rows:
        tip = mention.tip
        case = tip.case_link.case
        kind_label = kind_label or str(mention.get_kind_display())
        if case.unit_id in own_units:
            data_key = tip_data_key(tip=tip, vault=vault)
            value = mention_value(mention=mention, tip=tip, data_key=data_key) if data_key else ""
            readable.append(PseudonymTip(tip=tip, case=case, kind_label=kind_label, value=value))
        else:
            elsewhere.append(
                PseudonymElsewhere(
                    unit_name=case.unit.name, facility_name=tip.facility.name, received_on=tip.received_on
                )
            )
    return PseudonymView(
        pseudonym_hex=pseudonym.hex(),
        kind_label=kind_label,
        readable=readable,
        elsewhere=elsewhere,
        facilities=facilities,
        total_tips=total,
        seizures=[seizure for source in _pseudonym_seizure_sources for seizure in source(pseudonym, member)],
    )


# --- for the managers' trends --------------------------------------------------------------------------------


def pseudonyms_repeated(*, min_tips: int = 2) -> QuerySet[EntityMention, dict[str, object]]:
    """Return the pseudonyms named in at least `min_tips` tips, with counts only, most named first.

    Rows are {"pseudonym", "kind", "tips", "facilities"}; no value, no tip. For the
    managers' trends, which show counts and apply their own small-cell threshold.
    """
    return (
        EntityMention.objects.order_by()
        .values("pseudonym", "kind")
        .annotate(tips=Count("id"), facilities=Count("tip__facility", distinct=True))
        .filter(Q(tips__gte=min_tips))
        .order_by("-tips", "kind")
    )


# --- finding a related case to link --------------------------------------------------------------------

# Titles are encrypted: a title search decrypts the titles of at most this many of the newest open cases.
LINK_SEARCH_TITLE_CAP = 300
LINK_SEARCH_RESULTS = 50


@dataclass(frozen=True)
class LinkSearchResult:
    """A case found by the search, with what tells it apart from others of the same title."""

    case: Case
    title: str

    @property
    def short_id(self) -> str:
        return self.case.public_id.hex[:8]


@dataclass(frozen=True)
class LinkSearch:
    results: list[LinkSearchResult]
    title_capped: bool = False  # the title search read only the LINK_SEARCH_TITLE_CAP newest cases
    entity_unavailable: bool = False  # the session holds no index key to look the entity up
    pseudonym: bytes | None = None  # the entity's pseudonym, when one was looked up (for the audit)


def link_search(
    *,
    case: Case,
    member: StaffMember,
    vault: dict[str, bytes],
    title: str = "",
    facility_id: int | None = None,
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    entity_kind: str = "",
    entity_value: str = "",
) -> LinkSearch:
    """Return the open cases of this case's unit, visible to the member, that match the search.

    The clear filters (prison, received dates) narrow first. An entity is looked up
    the way a mention of that kind is made: its keyed pseudonym under the index key of
    the unit's scope (a place within the chosen prison, or this case's), matched
    against the pseudonyms recorded on the tips. A title, being encrypted, is sought
    among the titles of the LINK_SEARCH_TITLE_CAP newest cases left, decrypted with
    the session's keys, folded like entity values (no accents, any case).
    """
    candidates = (
        cases_visible_to(member=member)
        .filter(unit_id=case.unit_id, closed_on__isnull=True)
        .exclude(pk=case.pk)
        .select_related("facility", "unit_keypair")
        .order_by("-received_on", "-id")
    )
    if facility_id:
        candidates = candidates.filter(facility_id=facility_id)
    if received_from:
        candidates = candidates.filter(received_on__gte=received_from)
    if received_to:
        candidates = candidates.filter(received_on__lte=received_to)
    pseudonym = None
    if entity_kind and entity_value:
        key = index_key_peek(vault=vault, scope=index_scope_of_unit(case.unit_id))
        if key is None:
            return LinkSearch(results=[], entity_unavailable=True)
        pseudonym = entity_pseudonym(
            key=key, kind=entity_kind, value=" ".join(entity_value.split()), facility_id=facility_id or case.facility_id
        )
        naming = CaseTip.objects.filter(tip__entity_mentions__pseudonym=pseudonym).values("case_id")
        candidates = candidates.filter(pk__in=naming)
    if not title.strip():
        rows = list(candidates[:LINK_SEARCH_RESULTS])
        return LinkSearch(
            results=[LinkSearchResult(case=c, title=case_title(c, vault)) for c in rows], pseudonym=pseudonym
        )
    wanted = fold(title)
    newest = list(candidates[: LINK_SEARCH_TITLE_CAP + 1])
    found = []
    for candidate in newest[:LINK_SEARCH_TITLE_CAP]:
        candidate_title = case_title(candidate, vault)
        if wanted in fold(candidate_title):
            found.append(LinkSearchResult(case=candidate, title=candidate_title))
    return LinkSearch(
        results=found[:LINK_SEARCH_RESULTS], title_capped=len(newest) > LINK_SEARCH_TITLE_CAP, pseudonym=pseudonym
    )
