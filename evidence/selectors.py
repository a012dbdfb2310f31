"""Reads of evidence: a case's exhibits, one exhibit's page, the reports that name a seized number, a unit's searches."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

import envelope
from accounts.models import Membership, StaffMember
from cases.models import Case, Recusal
from cases.selectors import cases_visible_to
from cases.services import case_key_open
from evidence.custody import CustodyVerification, custody_verify
from evidence.models import CellSearch, CustodyEntry, Exhibit, ExhibitIdentifier
from linking.models import EntityKind, EntityMention
from linking.pseudonyms import national_unit_ids
from linking.selectors import PseudonymSeizure, hidden_mentions, member_units
from org.models import Unit


def exhibit_visible_to(*, member: StaffMember, public_id: uuid.UUID) -> Exhibit | None:
    """Return the exhibit if the member may read its case, else None (callers answer 404)."""
    return (
        Exhibit.objects.filter(case__in=cases_visible_to(member=member), public_id=public_id)
        .select_related("case__unit", "case__unit_keypair", "case__facility", "holder__user", "search")
        .first()
    )


def search_visible_to(*, member: StaffMember, public_id: uuid.UUID) -> CellSearch | None:
    """Return a search of one of the member's units, else None."""
    return CellSearch.objects.filter(unit__memberships__member=member, public_id=public_id).first()


# --- the reports that name a seized identifier -------------------------------------------------------------------


@dataclass(frozen=True)
class NamedIn:
    """Where a seized identifier is named: the cases the member reads, and how many reports elsewhere."""

    cases: list[Case]
    elsewhere: int

    @property
    def reports(self) -> int:
        return len(self.cases) + self.elsewhere


def identifier_named_in(*, pseudonym: bytes, member: StaffMember, exclude_case: Case | None = None) -> NamedIn:
    """Return the cases (the member may read) whose tips name this pseudonym, and a count of the others.

    The others are tips of other units (or of cases the member is recused from), counted as
    linking's pseudonym page counts them, and never the national unit's for anyone outside it.
    """
    _own_units, in_national_unit = member_units(member=member)
    mentions = EntityMention.objects.filter(pseudonym=pseudonym).exclude(
        hidden_mentions(in_national_unit=in_national_unit)
    )
    case_ids = set(mentions.values_list("tip__case_link__case_id", flat=True))
    if exclude_case is not None:
        case_ids.discard(exclude_case.pk)
    readable = list(
        cases_visible_to(member=member).filter(pk__in=case_ids).select_related("facility").order_by("-received_on")
    )
    readable_ids = {case.pk for case in readable}
    elsewhere = mentions.exclude(tip__case_link__case_id__in=readable_ids)
    if exclude_case is not None:
        elsewhere = elsewhere.exclude(tip__case_link__case=exclude_case)
    return NamedIn(cases=readable, elsewhere=elsewhere.count())


# --- a case's exhibits, an exhibit's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class IdentifierView:
    identifier: ExhibitIdentifier
    pseudonym: bytes
    kind_label: str
    value: str
    # Where else it is named: on the exhibit page only (the case page would look up every identifier).
    named_in: NamedIn | None


@dataclass(frozen=True)
class ExhibitView:
    exhibit: Exhibit
    description: str
    file_name: str
    identifiers: list[IdentifierView]

    @property
    def sha256_short(self) -> str:
        return f"{self.exhibit.sha256[:12]}…" if self.exhibit.sha256 else ""


def _identifiers(exhibit: Exhibit, *, key: bytes, member: StaffMember, named_in: bool) -> list[IdentifierView]:
    views = []
    for identifier in sorted(exhibit.identifiers.all(), key=lambda identifier: identifier.pk):
        value = envelope.open_field(
            envelope.EXHIBIT_IDENTIFIER,
            "value",
            identifier,
            exhibit.case.public_id,
            exhibit.public_id,
            identifier.public_id,
            key=key,
        )
        views.append(
            IdentifierView(
                identifier=identifier,
                pseudonym=bytes(identifier.pseudonym),
                kind_label=str(EntityKind(identifier.kind).label),
                value=value,
                named_in=identifier_named_in(
                    pseudonym=bytes(identifier.pseudonym), member=member, exclude_case=exhibit.case
                )
                if named_in
                else None,
            )
        )
    return views


def _exhibit_view(exhibit: Exhibit, *, key: bytes, member: StaffMember, named_in: bool) -> ExhibitView:
    fields = envelope.open_fields(envelope.EXHIBIT, exhibit, exhibit.case.public_id, exhibit.public_id, key=key)
    return ExhibitView(
        exhibit=exhibit,
        description=fields["description"],
        file_name=fields["file_name"],
        identifiers=_identifiers(exhibit, key=key, member=member, named_in=named_in),
    )


def case_exhibits(*, case: Case, member: StaffMember, vault: dict[str, bytes]) -> list[ExhibitView]:
    """Return a case's exhibits, decrypted, with their seized identifiers (where else they are named: exhibit_detail)."""
    key = case_key_open(case=case, vault=vault)
    exhibits = (
        Exhibit.objects.filter(case=case)
        .select_related("case", "holder__user")
        .prefetch_related("identifiers")
        .order_by("seized_on", "pk")
    )
    return [_exhibit_view(exhibit, key=key, member=member, named_in=False) for exhibit in exhibits]


@dataclass(frozen=True)
class CustodyEntryView:
    entry: CustodyEntry
    remarks: str
    to_outside: str


@dataclass(frozen=True)
class ExhibitDetail:
    view: ExhibitView
    custody: list[CustodyEntryView]
    verification: CustodyVerification


def exhibit_detail(*, exhibit: Exhibit, member: StaffMember, vault: dict[str, bytes]) -> ExhibitDetail:
    """Return an exhibit decrypted, its custody history with remarks, and whether its chain holds."""
    case = exhibit.case
    key = case_key_open(case=case, vault=vault)
    entries = CustodyEntry.objects.filter(exhibit=exhibit).select_related(
        "from_member__user", "to_member__user", "signed_by__user"
    )
    custody = [
        CustodyEntryView(entry=entry, **custody_entry_open(entry, case=case, exhibit=exhibit, key=key))
        for entry in entries.order_by("seq")
    ]
    return ExhibitDetail(
        view=_exhibit_view(exhibit, key=key, member=member, named_in=True),
        custody=custody,
        verification=custody_verify(exhibit),
    )


def custody_entry_open(entry: CustodyEntry, *, case: Case, exhibit: Exhibit, key: bytes) -> dict[str, str]:
    """Return a custody entry's sealed fields in the clear: its remarks and the outside recipient."""
    return envelope.open_fields(
        envelope.CUSTODY_ENTRY, entry, case.public_id, exhibit.public_id, entry.public_id, key=key
    )


# How far back the exhibit form offers a prison's searches that the case did not prompt: an exhibit is
# registered soon after its seizure, and a prison holds thousands of searches over the years.
RECENT_SEARCH_DAYS = 30


def case_searches(*, case: Case) -> QuerySet[CellSearch]:
    """Return the searches an exhibit of this case can come from, newest first.

    Those the case prompted, and its unit's searches of its prison in the last
    RECENT_SEARCH_DAYS days: the form's menu stays short at any scale.
    """
    since = timezone.localdate() - datetime.timedelta(days=RECENT_SEARCH_DAYS)
    return CellSearch.objects.filter(
        Q(prompted_by=case) | Q(unit_id=case.unit_id, facility_id=case.facility_id, held_on__gte=since)
    ).order_by("-held_on", "-pk")


def member_search_units(*, member: StaffMember) -> QuerySet[Unit]:
    """Return the units whose searches the member reads and records: those they investigate or supervise in.

    The one rule of who records searches (evidence.services.search_record asks it too).
    """
    if not member.can_read_tips:
        return Unit.objects.none()
    return Unit.objects.filter(pk__in=Membership.objects.filter(member=member).values("unit_id")).order_by("name")


def unit_searches(*, units: QuerySet[Unit]) -> QuerySet[CellSearch]:
    """Return the searches of these units, newest first."""
    return (
        CellSearch.objects.filter(unit__in=units)
        .select_related("facility", "unit", "recorded_by__user", "prompted_by")
        .order_by("-held_on", "-pk")
    )


# --- for linking's pseudonym page ------------------------------------------------------------------------------


def pseudonym_seizures(pseudonym: bytes, member: StaffMember) -> list[PseudonymSeizure]:
    """Return the exhibits seized carrying this pseudonym: linked for a member who reads their case, else unit only.

    As for tips, the national unit's are left out for anyone outside it, and those of cases the member is recused from.
    """
    _own_units, in_national_unit = member_units(member=member)
    hidden_units = set() if in_national_unit else national_unit_ids()
    visible = set(cases_visible_to(member=member).values_list("pk", flat=True))
    recused = set(Recusal.objects.filter(member=member).values_list("case_id", flat=True))
    seizures = []
    identifiers = ExhibitIdentifier.objects.filter(pseudonym=pseudonym).select_related("exhibit__case__unit")
    for identifier in identifiers.order_by("-exhibit__seized_on")[:200]:
        exhibit = identifier.exhibit
        label = str(exhibit.get_kind_display())
        if exhibit.case_id in visible:
            url = reverse("evidence:exhibit", kwargs={"public_id": exhibit.public_id})
            seizures.append(PseudonymSeizure(label=label, seized_on=exhibit.seized_on, unit_name="", url=url))
        elif exhibit.case_id not in recused and exhibit.case.unit_id not in hidden_units:
            seizures.append(
                PseudonymSeizure(label=label, seized_on=exhibit.seized_on, unit_name=exhibit.case.unit.name)
            )
    return seizures
