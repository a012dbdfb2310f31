"""Synthetic tips at scale, sealed through the real envelope (`manage.py generate_tips`).

Each tip is a pure function of (seed, index) and the organisation in the database:
the same seed gives the same clear metadata whatever the batch size or the number
of workers, and a run can grow an existing data set (`start_index`). Only the keys
and ciphertexts are random, as in production.

What is real: routing (`org.routing.route_tip`), the per-tip random data key sealed
with HPKE to the unit key pair and to escrow, every field encrypted with the
associated data of `tipline.services`, a Case per tip with its own case key sealed
the same two ways (`cases.services.case_key_info` / `case_field_aad`), triage and
deadlines from `cases.services.triage_score` and `cases.deadlines`, and (when the
`linking` app is installed) entity mentions with keyed pseudonyms.

What is deliberately different, for speed (documented in docs/benchmarks.md):
- no receipt: a synthetic tip has no whistleblower, so instead of Argon2id (about
  0.1 s and 64 MiB per tip) it gets a random `lookup_id`, and its receipt copy of
  the data key is wrapped under a random key that is thrown away;
- no signals: rows are built in memory and written with `bulk_create`; the Case,
  CaseTip, timeline and acknowledgement message rows that `case_open_for_tip` and
  the workflow would write are written here with the same fields;
- no audit entries for the invented case work, and no roll-up updates (run the
  trends rebuild afterwards).
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from cases.statuses import CaseStatus
from demo import vocab
from org.models import Facility, Region
from tipline.models import (
    Category,
    IntakeChannel,
    SmugglingChannel,
    StaffInvolved,
    WhenPeriod,
)

YEARS = 4
# A facility "has" only a handful of facilities in the demo; below this many, synthetic ones are added.
MIN_FACILITIES = 20

# --- distributions (shares, not probabilities: they are normalised) ------------------------------------

CATEGORY_SHARES: dict[str, int] = {
    Category.PHONES: 36,
    Category.BRIBERY: 20,
    Category.DRUGS_WEAPONS: 17,
    Category.ABUSE: 12,
    Category.NEGLIGENCE: 8,
    Category.OTHER: 7,
}
# Visitors most frequent, then staff, suppliers, thrown over the wall (DESIGN.md section 1).
CONTRABAND_CHANNEL_SHARES: dict[str, int] = {
    SmugglingChannel.VISITORS: 42,
    SmugglingChannel.STAFF: 26,
    SmugglingChannel.SUPPLIERS: 14,
    SmugglingChannel.THROWN: 10,
    SmugglingChannel.UNKNOWN: 6,
    SmugglingChannel.OTHER: 2,
}
BRIBERY_CHANNEL_SHARES: dict[str, int] = {
    SmugglingChannel.STAFF: 70,
    SmugglingChannel.VISITORS: 10,
    SmugglingChannel.SUPPLIERS: 10,
    SmugglingChannel.UNKNOWN: 10,
}
OTHER_CHANNEL_SHARES: dict[str, int] = {
    SmugglingChannel.NOT_APPLICABLE: 80,
    SmugglingChannel.STAFF: 10,
    SmugglingChannel.UNKNOWN: 10,
}
WHEN_SHARES: dict[str, int] = {
    WhenPeriod.DATE: 30,
    WhenPeriod.THIS_WEEK: 20,
    WhenPeriod.THIS_MONTH: 15,
    WhenPeriod.LAST_MONTHS: 10,
    WhenPeriod.OVER_A_YEAR: 3,
    WhenPeriod.ONGOING: 17,
    WhenPeriod.UNSURE: 5,
}
# Tips arrive after the weekend's visits: Monday and Tuesday are the busiest days.
WEEKDAY_FACTOR = (1.45, 1.25, 1.0, 0.95, 0.9, 0.7, 0.75)
# NAVEX's hotline benchmark: of the cases closed after an investigation, about 44% are substantiated
# (substantiated / (substantiated + unsubstantiated)); some are referred to another authority instead.
INVESTIGATED_OUTCOME_SHARES: dict[str, int] = {
    CaseStatus.SUBSTANTIATED: 37,
    CaseStatus.UNSUBSTANTIATED: 47,
    CaseStatus.REFERRED: 16,
}
# Closed without an investigation: mostly not actionable, some sent to the competent authority.
TRIAGED_OUTCOME_SHARES: dict[str, int] = {
    CaseStatus.NOT_ACTIONABLE: 85,
    CaseStatus.REFERRED: 15,
}
# Days from the start of the work (acknowledgement, or investigation) to closing: log-normal medians and
# spread, chosen so the median time from tip to closing is about 40 days (NAVEX's median case closure).
CLOSING_MEDIAN_DAYS = {"investigated": 42, "triaged": 12}
CLOSING_SIGMA = 0.8
# How many recurring people, phones, plates and suppliers; and the Zipf exponent of how often each is named.
POOL_SIZES = {"person": 500, "visitor": 300, "phone": 300, "vehicle": 120, "company": 60}
ZIPF_EXPONENT = 1.1
SPIKES = 8
SPIKE_KINDS = [
    (Category.PHONES, SmugglingChannel.VISITORS),
    (Category.PHONES, SmugglingChannel.THROWN),
    (Category.PHONES, SmugglingChannel.STAFF),
    (Category.BRIBERY, SmugglingChannel.STAFF),
    (Category.DRUGS_WEAPONS, SmugglingChannel.SUPPLIERS),
]
SPIKE_SHARE = 0.03


def _pick(rng: random.Random, shares: dict[str, int]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _draw(rng: random.Random, cumulative: Sequence[float]) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


# --- the invented world -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """An entity a tip names, as an investigator would record it (kinds of linking.models.EntityKind)."""

    kind: str
    value: str
    person_role: str = ""


@dataclass(frozen=True)
class Person:
    name: str
    rank: str
    nickname: str


@dataclass(frozen=True)
class Pool:
    """The recurring people, phones, plates and suppliers, named again and again (Zipf-like)."""

    people: list[Person]
    visitors: list[Person]
    phones: list[str]
    plates: list[str]
    suppliers: list[str]
    person_weights: list[float]
    visitor_weights: list[float]
    phone_weights: list[float]
    plate_weights: list[float]
    supplier_weights: list[float]


def _person(rng: random.Random) -> Person:
    name = f"{rng.choice(vocab.FIRST_NAMES)} {rng.choice(vocab.SURNAMES)} {rng.choice(vocab.SURNAMES)}"
    return Person(name=name, rank=rng.choice(vocab.STAFF_RANKS), nickname=rng.choice(vocab.NICKNAMES))


def _phone(rng: random.Random) -> str:
    """Return a Peruvian mobile number, 9 digits starting with 9, in its canonical form."""
    return "9" + "".join(rng.choice("0123456789") for _ in range(8))


def _plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    if rng.random() < 0.5:  # older format ABC-123
        return "".join(rng.choice(letters) for _ in range(3)) + "-" + f"{rng.randrange(100, 1000)}"
    # current format: letter, digit, letter, dash, three digits (e.g. V2A-345)
    return f"{rng.choice(letters)}{rng.randrange(10)}{rng.choice(letters)}-{rng.randrange(100, 1000)}"


def _supplier(rng: random.Random) -> str:
    return f"{rng.choice(vocab.SUPPLIER_KINDS)} {rng.choice(vocab.SURNAMES)} {rng.choice(vocab.SUPPLIER_FORMS)}"


def _zipf(n: int) -> list[float]:
    return _cumulative([1.0 / (rank**ZIPF_EXPONENT) for rank in range(1, n + 1)])


def build_pool(seed: int) -> Pool:
    rng = random.Random(f"tipline-bench-pool/{seed}")
    return Pool(
        people=[_person(rng) for _ in range(POOL_SIZES["person"])],
        visitors=[_person(rng) for _ in range(POOL_SIZES["visitor"])],
        phones=[_phone(rng) for _ in range(POOL_SIZES["phone"])],
        plates=[_plate(rng) for _ in range(POOL_SIZES["vehicle"])],
        suppliers=[_supplier(rng) for _ in range(POOL_SIZES["company"])],
        person_weights=_zipf(POOL_SIZES["person"]),
        visitor_weights=_zipf(POOL_SIZES["visitor"]),
        phone_weights=_zipf(POOL_SIZES["phone"]),
        plate_weights=_zipf(POOL_SIZES["vehicle"]),
        supplier_weights=_zipf(POOL_SIZES["company"]),
    )


@dataclass(frozen=True)
class Spike:
    """A burst of tips about one facility: a week or two when everyone reports the same thing."""

    facility: int
    start: int  # day offset into the window
    days: int
    category: str
    channel: str


@dataclass(frozen=True)
class World:
    """What every tip is drawn from: facilities, days, spikes, the recurring pool."""

    seed: int
    end_date: datetime.date
    facilities: list[Facility]
    facility_weights: list[float]
    first_day: datetime.date
    day_weights: list[float]
    spikes: list[Spike]
    pool: Pool


def build_world(*, seed: int, end_date: datetime.date, facilities: Sequence[Facility]) -> World:
    """Return the world for a seed: the day-weight curve (growth, weekdays), spikes and the pool."""
    if not facilities:
        raise ValueError("no active facility to report about")
    facilities = sorted(facilities, key=lambda f: f.pk)
    first_day = end_date - datetime.timedelta(days=round(365.25 * YEARS))
    span = (end_date - first_day).days + 1
    weights = []
    for offset in range(span):
        day = first_day + datetime.timedelta(days=offset)
        growth = 0.45 + 0.55 * offset / span  # the line becomes known: more tips every year
        december = 1.15 if day.month == 12 else 1.0  # holiday visits
        weights.append(growth * december * WEEKDAY_FACTOR[day.weekday()])
    rng = random.Random(f"tipline-bench-spikes/{seed}")
    spikes = [
        Spike(
            facility=rng.randrange(len(facilities)),
            start=rng.randrange(30, span - 30),
            days=rng.choice([7, 10, 14]),
            category=category,
            channel=channel,
        )
        for category, channel in rng.choices(SPIKE_KINDS, k=SPIKES)
    ]
    # More people, more tips; riskier places, more still.
    facility_weights = _cumulative([max(f.population, 50) * (0.7 + 0.2 * f.risk) for f in facilities])
    return World(
        seed=seed,
        end_date=end_date,
        facilities=list(facilities),
        facility_weights=facility_weights,
        first_day=first_day,
        day_weights=_cumulative(weights),
        spikes=spikes,
        pool=build_pool(seed),
    )


# --- one tip, in the clear ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lifecycle:
    """What happened to the case by the end date (clear metadata only, plus the closing reason)."""

    status: str
    acknowledged_on: datetime.date | None
    feedback_given_on: datetime.date | None
    protection_decided_on: datetime.date | None
    closed_on: datetime.date | None
    investigating_on: datetime.date | None
    closing_reason: str
    worker: int  # which reading member of the unit works it (modulo their number)


@dataclass(frozen=True)
class TipSpec:
    """Everything about one synthetic tip that does not depend on keys."""

    index: int
    facility: Facility
    category: str
    smuggling_channel: str
    intake_channel: str
    staff_involved: str
    protection_requested: bool
    when_period: str
    occurred_on: datetime.date | None
    received_on: datetime.date
    description: str
    contact: str
    mentions: tuple[Mention, ...]
    lifecycle: Lifecycle

    def clear_metadata(self) -> tuple[object, ...]:
        """Return what is stored in the clear: the fields a determinism test compares."""
        life = self.lifecycle
        return (
            self.facility.name,
            self.category,
            self.smuggling_channel,
            self.intake_channel,
            self.staff_involved,
            self.protection_requested,
            self.when_period,
            self.received_on,
            life.status,
            life.acknowledged_on,
            life.feedback_given_on,
            life.closed_on,
        )


@dataclass
class _Text:
    """The description being written and the entities it names."""

    parts: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


def _recurring(rng: random.Random, items: Sequence[str], weights: Sequence[float]) -> str:
    return items[_draw(rng, weights)]


def _name_person(rng: random.Random, world: World, text: _Text, *, staff: bool) -> str:
    """Return how the text names a person: often one of the recurring ones, with rank and nickname."""
    pool = world.pool.people if staff else world.pool.visitors
    recurring = rng.random() < 0.45
    weights = world.pool.person_weights if staff else world.pool.visitor_weights
    person = pool[_draw(rng, weights)] if recurring else _person(rng)
    # Recorded in full, as an investigator would after reading it: the pseudonym links the tips.
    text.mentions.append(Mention("person", person.name, "staff" if staff else "visitor"))
    shown = person.name if rng.random() < 0.6 else " ".join(person.name.split()[:2])
    label = f"{person.rank} {shown}" if staff else f"{shown}, que visita a un interno"
    if rng.random() < 0.5:
        label += f", a quien le dicen '{person.nickname}',"
    elif not staff:
        label += ","
    return label


def _name_phone(rng: random.Random, world: World, text: _Text) -> str:
    phone = _recurring(rng, world.pool.phones, world.pool.phone_weights) if rng.random() < 0.5 else _phone(rng)
    style = rng.randrange(4)
    if style == 1:
        phone = f"{phone[:3]} {phone[3:6]} {phone[6:]}"
    elif style == 2:
        phone = f"+51 {phone[:3]} {phone[3:6]} {phone[6:]}"
    elif style == 3:
        phone = f"{phone[:3]}-{phone[3:6]}-{phone[6:]}"
    # Recorded as written: the linking app's normaliser makes the spellings meet.
    text.mentions.append(Mention("phone", phone))
    return phone


def _name_plate(rng: random.Random, world: World, text: _Text) -> str:
    plate = _recurring(rng, world.pool.plates, world.pool.plate_weights) if rng.random() < 0.5 else _plate(rng)
    text.mentions.append(Mention("vehicle", plate))
    return plate


def _name_supplier(rng: random.Random, world: World, text: _Text) -> str:
    if rng.random() < 0.6:
        supplier = _recurring(rng, world.pool.suppliers, world.pool.supplier_weights)
    else:
        supplier = _supplier(rng)
    text.mentions.append(Mention("company", supplier))
    return supplier


def _describe(rng: random.Random, world: World, category: str, channel: str, facility: Facility) -> _Text:
    """Write a plausible Spanish description and record the entities it names."""
    text = _Text()
    pav = f"pabellón {rng.choice(vocab.PAVILIONS)}"
    if rng.random() < 0.3:
        text.mentions.append(Mention("place", pav))
    items = rng.choice(vocab.ITEMS)
    if category == Category.BRIBERY or channel == SmugglingChannel.STAFF:
        guard = _name_person(rng, world, text, staff=True)
        text.parts.append(
            f"En el {pav}, {guard} {rng.choice(vocab.SHIFTS)}, cobra {rng.choice(vocab.AMOUNTS)} soles "
            f"{rng.choice(vocab.WEEKDAYS)} por dejar pasar {items}."
        )
        if rng.random() < 0.5:
            text.parts.append(f"Los familiares le depositan o lo llaman al {_name_phone(rng, world, text)}.")
    elif channel == SmugglingChannel.VISITORS:
        visitor = _name_person(rng, world, text, staff=False)
        text.parts.append(
            f"{rng.choice(vocab.VISIT_DAYS).capitalize()}, {visitor} ingresa {items} escondidos en "
            f"{rng.choice(vocab.HIDING_PLACES)} para el {pav}."
        )
        if rng.random() < 0.4:
            guard = _name_person(rng, world, text, staff=True)
            text.parts.append(f"En la revisión de la puerta {guard} no revisa sus cosas.")
        if rng.random() < 0.4:
            text.parts.append(f"Coordinan por el número {_name_phone(rng, world, text)}.")
    elif channel == SmugglingChannel.SUPPLIERS:
        supplier = _name_supplier(rng, world, text)
        text.parts.append(
            f"El camión de {supplier}, placa {_name_plate(rng, world, text)}, que trae "
            f"{rng.choice(vocab.SUPPLIER_GOODS)} {rng.choice(vocab.WEEKDAYS)}, entra sin revisión y adentro de "
            f"los {rng.choice(vocab.CONTAINERS)} vienen {items}."
        )
        if rng.random() < 0.3:
            guard = _name_person(rng, world, text, staff=True)
            text.parts.append(f"Lo recibe {guard}.")
    elif channel == SmugglingChannel.THROWN:
        text.parts.append(
            f"De madrugada lanzan paquetes por encima del muro {rng.choice(vocab.WALL_SIDES)}, cerca de la torre "
            f"{rng.randrange(1, 9)}. Adentro hay {items} envueltos en cinta."
        )
        if rng.random() < 0.5:
            text.parts.append(f"Afuera espera un auto de placa {_name_plate(rng, world, text)}.")
        if rng.random() < 0.3:
            text.parts.append(f"Los internos del {pav} avisan por el {_name_phone(rng, world, text)}.")
    elif category == Category.ABUSE:
        guard = _name_person(rng, world, text, staff=rng.random() < 0.6)
        text.parts.append(
            f"En el {pav}, {guard} amenaza a los internos para que entreguen su comida y el dinero de sus visitas."
        )
    elif category == Category.NEGLIGENCE:
        guard = _name_person(rng, world, text, staff=True)
        text.parts.append(
            f"La torre {rng.randrange(1, 9)} queda sin vigilancia {rng.choice(vocab.SHIFTS)} y {guard} lo sabe."
        )
    else:
        text.parts.append(f"En el {pav} pasan cosas que nadie controla: {items} y peleas cada semana.")
        if rng.random() < 0.3:
            text.parts.append(f"Un número que usan es el {_name_phone(rng, world, text)}.")
    if rng.random() < 0.25:
        text.parts.append(f"Pasa en {facility.name.removeprefix('E.P. ')} desde hace meses.")
    return text


def _lifecycle(rng: random.Random, *, received: datetime.date, end: datetime.date, protection: bool) -> Lifecycle:
    """Age the case realistically: older cases mostly closed, deadlines mostly but not always met."""
    age = (end - received).days

    def by(offset: int) -> datetime.date | None:
        day = received + datetime.timedelta(days=offset)
        return day if day <= end else None

    roll = rng.random()
    if roll < 0.80:
        ack_delay = rng.randrange(0, 8)  # within the 7-day deadline
    elif roll < 0.95:
        ack_delay = rng.randrange(8, 30)
    else:
        ack_delay = rng.randrange(30, 120)
    acknowledged = by(ack_delay)
    closed_share = 0.97 if age > 365 else 0.9 if age > 180 else 0.7 if age > 90 else 0.35 if age > 30 else 0.05
    closed_on = None
    investigating_on = None
    status: str = CaseStatus.RECEIVED
    if acknowledged is not None:
        status = CaseStatus.TRIAGE
        investigating_on = by(ack_delay + rng.randrange(1, 20)) if rng.random() < 0.6 else None
        if investigating_on is not None:
            status = CaseStatus.INVESTIGATING
        if rng.random() < closed_share:
            investigated = "investigated" if investigating_on is not None else "triaged"
            outcome = _pick(rng, INVESTIGATED_OUTCOME_SHARES if investigating_on else TRIAGED_OUTCOME_SHARES)
            start = (investigating_on or acknowledged) - received
            duration = int(rng.lognormvariate(math.log(CLOSING_MEDIAN_DAYS[investigated]), CLOSING_SIGMA))
            closed_on = by(start.days + max(1, duration))
            if closed_on is not None:
                status = outcome
    feedback = closed_on
    if feedback is None and acknowledged is not None and rng.random() < 0.5:
        feedback = by(ack_delay + rng.randrange(20, 150))
    decided = by(rng.randrange(5, 30)) if protection and rng.random() < 0.9 else None
    reason = ""
    if closed_on is not None:
        reason = rng.choice(vocab.CLOSING_REASONS[status]).format(n=rng.randrange(2, 40))
    return Lifecycle(
        status=status,
        acknowledged_on=acknowledged,
        feedback_given_on=feedback,
        protection_decided_on=decided,
        closed_on=closed_on,
        investigating_on=investigating_on,
        closing_reason=reason,
        worker=rng.randrange(1 << 16),
    )


def tip_spec(world: World, index: int) -> TipSpec:
    """Return synthetic tip number `index` of this world: always the same for the same seed."""
    rng = random.Random(f"tipline-bench-tip/{world.seed}/{index}")
    span = len(world.day_weights)
    if rng.random() < SPIKE_SHARE:
        spike = world.spikes[rng.randrange(len(world.spikes))]
        facility = world.facilities[spike.facility]
        offset = min(span - 1, spike.start + rng.randrange(spike.days))
        category = spike.category
        channel = spike.channel
    else:
        facility = world.facilities[_draw(rng, world.facility_weights)]
        offset = _draw(rng, world.day_weights)
        category = _pick(rng, CATEGORY_SHARES)
        if category in (Category.PHONES, Category.DRUGS_WEAPONS):
            channel = _pick(rng, CONTRABAND_CHANNEL_SHARES)
        elif category == Category.BRIBERY:
            channel = _pick(rng, BRIBERY_CHANNEL_SHARES)
        else:
            channel = _pick(rng, OTHER_CHANNEL_SHARES)
    received = world.first_day + datetime.timedelta(days=offset)
    involved_yes = 0.2 if category == Category.BRIBERY else 0.06
    roll = rng.random()
    staff_involved = (
        StaffInvolved.YES if roll < involved_yes else StaffInvolved.UNKNOWN if roll < 0.4 else StaffInvolved.NO
    )
    protection = rng.random() < (0.12 if staff_involved == StaffInvolved.YES else 0.04)
    when = _pick(rng, WHEN_SHARES)
    occurred = received - datetime.timedelta(days=rng.randrange(0, 21)) if when == WhenPeriod.DATE else None
    text = _describe(rng, world, category, channel, facility)
    contact = ""
    if rng.random() < 0.15:
        contact = f"Pueden escribirme al {_phone(rng)} solo los {rng.choice(vocab.WEEKDAYS).removeprefix('los ')}."
    return TipSpec(
        index=index,
        facility=facility,
        category=category,
        smuggling_channel=channel,
        intake_channel=IntakeChannel.PHONE if rng.random() < 0.12 else IntakeChannel.WEB,
        staff_involved=staff_involved,
        protection_requested=protection,
        when_period=when,
        occurred_on=occurred,
        received_on=received,
        description=" ".join(text.parts),
        contact=contact,
        mentions=tuple(dict.fromkeys(text.mentions)),
        lifecycle=_lifecycle(rng, received=received, end=world.end_date, protection=protection),
    )


# --- facilities ----------------------------------------------------------------------------------------------


def facilities_ensure(*, minimum: int = MIN_FACILITIES) -> list[Facility]:
    """Return the active facilities, first adding illustrative "(sintético)" ones if there are only a few.

    Synthetic facilities go to the demo regions whose unit has the matching slug
    (lima, norte), or to the first region when those do not exist.
    """
    facilities = list(Facility.objects.filter(is_active=True).select_related("region__unit").order_by("pk"))
    if len(facilities) >= minimum:
        return facilities
    regions = list(Region.objects.select_related("unit").order_by("pk"))
    if not regions:
        raise ValueError("no region to add synthetic facilities to; load the demo organisation first")
    by_unit = {region.unit.slug: region for region in regions}
    for name, unit_slug, capacity, population, risk in vocab.SYNTHETIC_FACILITIES:
        Facility.objects.get_or_create(
            name=name,
            defaults={
                "region": by_unit.get(unit_slug, regions[0]),
                "capacity": capacity,
                "population": population,
                "risk": risk,
                "is_illustrative": True,
            },
        )
    return list(Facility.objects.filter(is_active=True).select_related("region__unit").order_by("pk"))
