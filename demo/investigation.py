"""The investigation of a synthetic case, in the clear: tasks, interviews, persons, outcomes, searches, exhibits.

Like a tip (demo/synthetic.py), what happened inside a case is a pure function of
the seed, the case's number and the case's own clear metadata (`CaseFacts`): the same
case of the same seed gets the same tasks, searches and sanctions whether it is
written with its tip (`demo.writer`) or added later to an existing database
(`demo.investigation_writer`, `manage.py generate_investigation`). A fresh data set
numbers cases by their tip's index; a backfill by the case id (the index of an
existing case is not stored).

The proportions (docs/benchmarks.md, "The synthetic data"):
- tasks: none for a case closed without investigation; 2 to 6 for an investigated
  one, nearly all done once it is closed, some overdue while it is open;
- persons concerned (1 to 3) for investigated cases, with outcomes by the case's status;
  a disciplinary proceeding for most substantiated cases against staff, its sanction
  drawn from SANCTION_SHARES; referrals by category (AUTHORITY_BY_CATEGORY);
  a national platform code for about 10% of acknowledged cases;
- a cell search for about 30% of the investigated phone and drug cases, finding
  something in about 60% of them; exhibits for the phones it found, their numbers
  drawn from the same pool of phones the tips name (demo.synthetic.Pool), so a seized
  phone links blind to the tips that named it;
- routine searches prompted by no tip (`routine_searches`), finding something in
  about 25%, so the managers' comparison of the two means something;
- a question and the whistleblower's reply for some open cases, a share still unread.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from cases.statuses import CaseStatus
from demo import vocab
from demo.synthetic import Pool, _draw, _phone, _pick
from tipline.models import Category, SmugglingChannel

TASKS_INVESTIGATED = (2, 6)
TASK_DONE_WHEN_CLOSED = 0.92
INTERVIEWS_INVESTIGATED = (0, 4)
PROMPTED_SEARCH_SHARE = 0.30
PROMPTED_SEARCH_HIT_RATE = 0.60
ROUTINE_SEARCH_HIT_RATE = 0.25
# Routine searches: about one a week per facility.
ROUTINE_SEARCH_EVERY_DAYS = 7
PROCEEDING_SHARE = 0.85
# Of substantiated cases, how many are also referred to another authority.
SUBSTANTIATED_REFERRAL_SHARE = 0.35
PLATFORM_CODE_SHARE = 0.10
# Open cases: how many asked the whistleblower something and got an answer, and how many of those are unread.
REPLY_SHARE = 0.30
UNREAD_SHARE = 0.5
# A seized phone's number: from the pool the tips name (links blind to them) or never named before.
SEIZED_PHONE_FROM_POOL = 0.5
# Of the phones found, at most this many are registered one by one as exhibits.
EXHIBITS_PER_SEARCH = 4
TRANSFERRED_SHARE = 0.4

# Concluded proceedings: Ley 30057's sanctions (written warning, suspension, dismissal), some closed without.
SANCTION_SHARES: dict[str, int] = {
    "written_warning": 40,
    "suspension": 30,
    "dismissal": 12,
    "verbal_warning": 8,
    "no_sanction": 10,
}
AUTHORITY_BY_CATEGORY: dict[str, list[str]] = {
    Category.DRUGS_WEAPONS: ["fiscalia", "police"],
    Category.PHONES: ["fiscalia"],
    Category.BRIBERY: ["procuraduria", "fiscalia"],
    Category.ABUSE: ["fiscalia"],
    Category.NEGLIGENCE: ["control_office"],
    Category.OTHER: ["control_office", "other"],
}
REGION_CODES = ("LIM", "NOR", "SUR", "CEN", "ORI")


@dataclass(frozen=True)
class CaseFacts:
    """The clear metadata of a case that its investigation is drawn from."""

    status: str
    category: str
    smuggling_channel: str
    received_on: datetime.date
    acknowledged_on: datetime.date | None
    investigating_on: datetime.date | None
    closed_on: datetime.date | None
    end_date: datetime.date

    @property
    def investigated(self) -> bool:
        return self.investigating_on is not None


@dataclass(frozen=True)
class TaskSpec:
    what: str
    result: str
    created_on: datetime.date
    due_on: datetime.date
    done_on: datetime.date | None
    worker: int


@dataclass(frozen=True)
class InterviewSpec:
    held_on: datetime.date
    interviewee: str
    summary: str
    worker: int


@dataclass(frozen=True)
class PersonSpec:
    code: str
    role: str
    name: str
    details: str
    outcome: str
    outcome_on: datetime.date | None
    added_on: datetime.date


@dataclass(frozen=True)
class ProceedingSpec:
    person_code: str
    reference: str
    stage: str
    sanction: str
    suspension_days: int | None
    opened_on: datetime.date
    sanctioned_on: datetime.date | None
    concluded_on: datetime.date | None


@dataclass(frozen=True)
class ReferralSpec:
    authority: str
    reference: str
    status: str
    sent_on: datetime.date
    updated_on: datetime.date


@dataclass(frozen=True)
class SearchSpec:
    held_on: datetime.date
    area: str
    phones: int = 0
    sim_cards: int = 0
    chargers: int = 0
    drugs: int = 0
    weapons: int = 0
    other: int = 0

    @property
    def found_anything(self) -> bool:
        return any((self.phones, self.sim_cards, self.chargers, self.drugs, self.weapons, self.other))


@dataclass(frozen=True)
class ExhibitSpec:
    """A phone seized in the case's search: its number, and whether it changed hands (and to whom)."""

    description: str
    phone: str
    seized_on: datetime.date
    transferred_on: datetime.date | None
    handed_over_on: datetime.date | None
    worker: int
    receiver: int


@dataclass(frozen=True)
class ExchangeSpec:
    """A question to the whistleblower and their answer."""

    question: str
    asked_on: datetime.date
    reply: str
    replied_on: datetime.date
    unread: bool


@dataclass(frozen=True)
class InvestigationSpec:
    tasks: tuple[TaskSpec, ...] = ()
    interviews: tuple[InterviewSpec, ...] = ()
    persons: tuple[PersonSpec, ...] = ()
    proceedings: tuple[ProceedingSpec, ...] = ()
    referrals: tuple[ReferralSpec, ...] = ()
    platform_code: str = ""
    platform_code_on: datetime.date | None = None
    search: SearchSpec | None = None
    exhibits: tuple[ExhibitSpec, ...] = ()
    exchange: ExchangeSpec | None = None

    @property
    def is_empty(self) -> bool:
        return self == InvestigationSpec()


def _days(rng: random.Random, median: float, sigma: float = 0.7) -> int:
    return max(1, int(rng.lognormvariate(math.log(median), sigma)))


def _within(day: datetime.date, facts: CaseFacts) -> datetime.date | None:
    """Return the day if it is not after the case closed (or the end of the data set), else None."""
    last = facts.closed_on or facts.end_date
    return day if day <= last else None


def _pavilion(rng: random.Random) -> str:
    return f"pabellón {rng.choice(vocab.PAVILIONS)}"


def _tasks(rng: random.Random, facts: CaseFacts, start: datetime.date) -> tuple[TaskSpec, ...]:
    tasks = []
    for _ in range(rng.randint(*TASKS_INVESTIGATED)):
        created = start + datetime.timedelta(days=rng.randrange(0, 10))
        if _within(created, facts) is None:
            created = start
        due = created + datetime.timedelta(days=rng.choice([5, 7, 10, 15, 20, 30]))
        done: datetime.date | None = None
        if facts.closed_on is not None:
            if rng.random() < TASK_DONE_WHEN_CLOSED:
                done = min(facts.closed_on, created + datetime.timedelta(days=_days(rng, 8)))
        else:
            # Open: done if its day came; the others are pending, overdue when due has passed.
            finished = created + datetime.timedelta(days=_days(rng, 10, 0.9))
            done = finished if finished <= facts.end_date and rng.random() < 0.75 else None
        tasks.append(
            TaskSpec(
                what=rng.choice(vocab.TASKS).format(pav=_pavilion(rng)),
                result=rng.choice(vocab.TASK_RESULTS) if done else "",
                created_on=created,
                due_on=due,
                done_on=done,
                worker=rng.randrange(1 << 16),
            )
        )
    return tuple(tasks)


def _interviews(rng: random.Random, facts: CaseFacts, start: datetime.date) -> tuple[InterviewSpec, ...]:
    interviews = []
    for _ in range(rng.randint(*INTERVIEWS_INVESTIGATED)):
        held = _within(start + datetime.timedelta(days=_days(rng, 12)), facts)
        if held is not None:
            interviews.append(
                InterviewSpec(
                    held_on=held,
                    interviewee=rng.choice(vocab.INTERVIEWEES).format(pav=_pavilion(rng)),
                    summary=rng.choice(vocab.INTERVIEW_SUMMARIES),
                    worker=rng.randrange(1 << 16),
                )
            )
    return tuple(sorted(interviews, key=lambda i: i.held_on))


def _roles(rng: random.Random, facts: CaseFacts) -> list[str]:
    channel = facts.smuggling_channel
    if facts.category == Category.BRIBERY or channel == SmugglingChannel.STAFF:
        first = "staff"
    elif channel == SmugglingChannel.VISITORS:
        first = "visitor"
    elif channel == SmugglingChannel.SUPPLIERS:
        first = "supplier"
    elif facts.category in (Category.ABUSE, Category.NEGLIGENCE):
        first = "staff"
    else:
        first = rng.choice(["inmate", "other"])
    roles = [first]
    for _ in range(rng.choices([0, 1, 2], weights=[60, 30, 10])[0]):
        roles.append(rng.choice(["staff", "inmate", "visitor"]))
    return roles


def _person_outcome(rng: random.Random, facts: CaseFacts, role: str) -> str:
    status = facts.status
    if status == CaseStatus.UNSUBSTANTIATED:
        return "cleared"
    if status == CaseStatus.REFERRED:
        return "referred"
    if status == CaseStatus.SUBSTANTIATED:
        if role == "staff":
            return "pending"  # the proceeding decides (set below)
        return rng.choices(["referred", "no_action", "sanctioned"], weights=[50, 30, 20])[0]
    return "pending"


def _reference(rng: random.Random, prefix: str, day: datetime.date) -> str:
    return f"{prefix}-{rng.randrange(1, 2000):04d}-{day.year}-{rng.choice(REGION_CODES)}"


def _proceeding(rng: random.Random, facts: CaseFacts, person: PersonSpec) -> ProceedingSpec:
    assert facts.closed_on is not None
    opened = facts.closed_on + datetime.timedelta(days=rng.randrange(3, 40))
    sanctioned = opened + datetime.timedelta(days=_days(rng, 120, 0.5))
    concluded = sanctioned + datetime.timedelta(days=rng.randrange(15, 90))
    sanction = ""
    suspension_days = None
    stage = "instruction" if opened + datetime.timedelta(days=45) <= facts.end_date else "preliminary"
    if sanctioned <= facts.end_date:
        sanction = _pick(rng, SANCTION_SHARES)
        stage = "concluded" if concluded <= facts.end_date else "appeal" if rng.random() < 0.3 else "sanctioning"
        if sanction == "suspension":
            suspension_days = rng.choice([3, 7, 15, 30, 60, 90, 180])
    return ProceedingSpec(
        person_code=person.code,
        reference=_reference(rng, "PAD", opened),
        stage=stage,
        sanction=sanction,
        suspension_days=suspension_days,
        opened_on=opened,
        sanctioned_on=sanctioned if sanction else None,
        concluded_on=concluded if stage == "concluded" else None,
    )


def _referral(rng: random.Random, facts: CaseFacts, sent: datetime.date) -> ReferralSpec:
    authority = rng.choice(AUTHORITY_BY_CATEGORY.get(facts.category, ["other"]))
    age = (facts.end_date - sent).days
    status = (
        rng.choice(["concluded", "in_progress"])
        if age > 365
        else rng.choice(["received", "in_progress"])
        if age > 30
        else "sent"
    )
    updated = min(facts.end_date, sent + datetime.timedelta(days=_days(rng, 60)))
    prefix = {"fiscalia": "CF", "procuraduria": "PPE", "police": "OF-PNP"}.get(authority, "EXP")
    return ReferralSpec(
        authority=authority,
        reference=_reference(rng, prefix, sent) if status != "sent" else "",
        status=status,
        sent_on=sent,
        updated_on=updated if status != "sent" else sent,
    )


def _search(rng: random.Random, facts: CaseFacts, start: datetime.date, *, hit_rate: float) -> SearchSpec | None:
    held = _within(start + datetime.timedelta(days=_days(rng, 6)), facts)
    if held is None:
        return None
    return search_found(rng, held=held, area=_pavilion(rng), hit_rate=hit_rate, category=facts.category)


def search_found(
    rng: random.Random, *, held: datetime.date, area: str, hit_rate: float, category: str = ""
) -> SearchSpec:
    """Return what a search found: nothing, or counts leaning to the category the tip was about."""
    if rng.random() >= hit_rate:
        return SearchSpec(held_on=held, area=area)
    drugs_case = category == Category.DRUGS_WEAPONS
    phones = rng.randint(1, 8) if not drugs_case or rng.random() < 0.4 else 0
    return SearchSpec(
        held_on=held,
        area=area,
        phones=phones,
        sim_cards=rng.randint(0, phones + 2) if phones else 0,
        chargers=rng.randint(0, phones) if phones else 0,
        drugs=rng.randint(1, 5) if drugs_case or rng.random() < 0.1 else 0,
        weapons=rng.randint(1, 3) if drugs_case and rng.random() < 0.3 else 0,
        other=rng.randint(0, 3),
    )


def _exhibits(rng: random.Random, facts: CaseFacts, search: SearchSpec, pool: Pool) -> tuple[ExhibitSpec, ...]:
    exhibits = []
    for _ in range(min(search.phones, EXHIBITS_PER_SEARCH)):
        from_pool = rng.random() < SEIZED_PHONE_FROM_POOL
        phone = pool.phones[_draw(rng, pool.phone_weights)] if from_pool else _phone(rng)
        transferred = _within(search.held_on + datetime.timedelta(days=rng.randrange(1, 10)), facts)
        handed_over = None
        if facts.status in (CaseStatus.REFERRED, CaseStatus.SUBSTANTIATED) and facts.closed_on is not None:
            handed_over = facts.closed_on if rng.random() < 0.5 else None
        exhibits.append(
            ExhibitSpec(
                description=f"{rng.choice(vocab.EXHIBIT_PHONES)}, color {rng.choice(['negro', 'azul', 'gris'])}",
                phone=phone,
                seized_on=search.held_on,
                transferred_on=transferred if rng.random() < TRANSFERRED_SHARE else None,
                handed_over_on=handed_over,
                worker=rng.randrange(1 << 16),
                receiver=rng.randrange(1 << 16),
            )
        )
    return tuple(exhibits)


def _exchange(rng: random.Random, facts: CaseFacts) -> ExchangeSpec | None:
    if facts.closed_on is not None or facts.acknowledged_on is None or rng.random() >= REPLY_SHARE:
        return None
    asked = facts.acknowledged_on + datetime.timedelta(days=rng.randrange(0, 10))
    replied = asked + datetime.timedelta(days=_days(rng, 5))
    if replied > facts.end_date:
        return None
    return ExchangeSpec(
        question=rng.choice(vocab.QUESTIONS),
        asked_on=asked,
        reply=rng.choice(vocab.REPLIES),
        replied_on=replied,
        unread=rng.random() < UNREAD_SHARE,
    )


def investigation_spec(*, seed: int, number: int, facts: CaseFacts, pool: Pool) -> InvestigationSpec:
    """Return what happened inside synthetic case `number`: always the same for the same seed and facts."""
    rng = random.Random(f"tipline-bench-investigation/{seed}/{number}")
    exchange = _exchange(rng, facts)
    platform_code, platform_on = "", None
    if facts.acknowledged_on is not None and rng.random() < PLATFORM_CODE_SHARE:
        platform_on = facts.acknowledged_on + datetime.timedelta(days=rng.randrange(0, 20))
        platform_code = f"PDUD-{platform_on.year}-{rng.randrange(1, 10**7):07d}"
        if _within(platform_on, facts) is None:
            platform_code, platform_on = "", None
    referrals: list[ReferralSpec] = []
    if facts.status == CaseStatus.REFERRED and facts.closed_on is not None:
        referrals.append(_referral(rng, facts, facts.closed_on))
    if facts.investigating_on is None:
        return InvestigationSpec(
            referrals=tuple(referrals), platform_code=platform_code, platform_code_on=platform_on, exchange=exchange
        )
    start = facts.investigating_on
    persons = []
    for number_in_case, role in enumerate(_roles(rng, facts), start=1):
        name_pool = pool.people if role == "staff" else pool.visitors
        named = name_pool[_draw(rng, pool.person_weights if role == "staff" else pool.visitor_weights)]
        outcome = _person_outcome(rng, facts, role)
        persons.append(
            PersonSpec(
                code=f"P-{number_in_case}",
                role=role,
                name=f"{named.rank} {named.name}" if role == "staff" else named.name,
                details=rng.choice(vocab.PERSON_DETAILS).format(n=rng.randrange(1, 25), pav=_pavilion(rng)),
                outcome=outcome,
                outcome_on=facts.closed_on if outcome != "pending" else None,
                added_on=start,
            )
        )
    proceedings = []
    if facts.status == CaseStatus.SUBSTANTIATED and facts.closed_on is not None:
        for index, person in enumerate(persons):
            if person.role == "staff" and rng.random() < PROCEEDING_SHARE:
                proceeding = _proceeding(rng, facts, person)
                proceedings.append(proceeding)
                if proceeding.sanction:
                    persons[index] = _with_outcome(person, proceeding)
        if rng.random() < SUBSTANTIATED_REFERRAL_SHARE:
            referrals.append(_referral(rng, facts, facts.closed_on))
    search = None
    exhibits: tuple[ExhibitSpec, ...] = ()
    if facts.category in (Category.PHONES, Category.DRUGS_WEAPONS) and rng.random() < PROMPTED_SEARCH_SHARE:
        search = _search(rng, facts, start, hit_rate=PROMPTED_SEARCH_HIT_RATE)
        if search is not None:
            exhibits = _exhibits(rng, facts, search, pool)
    return InvestigationSpec(
        tasks=_tasks(rng, facts, start),
        interviews=_interviews(rng, facts, start),
        persons=tuple(persons),
        proceedings=tuple(proceedings),
        referrals=tuple(referrals),
        platform_code=platform_code,
        platform_code_on=platform_on,
        search=search,
        exhibits=exhibits,
        exchange=exchange,
    )


def _with_outcome(person: PersonSpec, proceeding: ProceedingSpec) -> PersonSpec:
    outcome = "cleared" if proceeding.sanction == "no_sanction" else "sanctioned"
    return PersonSpec(
        code=person.code,
        role=person.role,
        name=person.name,
        details=person.details,
        outcome=outcome,
        outcome_on=proceeding.sanctioned_on,
        added_on=person.added_on,
    )


def routine_searches(
    *, seed: int, facility_ids: Sequence[int], first_day: datetime.date, end_date: datetime.date
) -> list[tuple[int, SearchSpec]]:
    """Return the routine searches prompted by no tip, as (facility id, search): about one a week per facility."""
    searches = []
    for facility_id in facility_ids:
        rng = random.Random(f"tipline-bench-routine-searches/{seed}/{facility_id}")
        day = first_day + datetime.timedelta(days=rng.randrange(ROUTINE_SEARCH_EVERY_DAYS))
        while day <= end_date:
            searches.append(
                (facility_id, search_found(rng, held=day, area=_pavilion(rng), hit_rate=ROUTINE_SEARCH_HIT_RATE))
            )
            day += datetime.timedelta(days=rng.randint(ROUTINE_SEARCH_EVERY_DAYS - 3, ROUTINE_SEARCH_EVERY_DAYS + 3))
    return searches
