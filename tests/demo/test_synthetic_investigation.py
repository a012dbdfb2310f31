"""The synthetic investigation of each case (demo/investigation.py, demo/investigation_writer.py).

Deterministic for a seed, in realistic proportions (NAVEX's calibration: about 44% of
the cases closed after an investigation substantiated, a median of about 40 days to
close), sealed under the case key, and added to an existing database once only.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

import envelope
from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.models import Case, CaseTip
from cases.services import case_key_open
from cases.statuses import CaseStatus
from demo import vocab
from demo.investigation import (
    PROMPTED_SEARCH_HIT_RATE,
    ROUTINE_SEARCH_HIT_RATE,
    CaseFacts,
    investigation_spec,
    routine_searches,
)
from demo.mentions import mention_writer
from demo.synthetic import build_world, facilities_ensure, tip_spec
from demo.writer import Keys, Plan, generate, write_specs
from evidence.models import CellSearch, CustodyEntry, Exhibit, ExhibitIdentifier
from investigation.models import Interview, Task
from linking.models import EntityMention
from outcomes.models import PersonConcerned, PlatformFiling, Proceeding, Referral
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SEED = 7
END = datetime.date(2026, 11, 27)
MODELS = (Task, Interview, PersonConcerned, Proceeding, Referral, PlatformFiling, CellSearch, Exhibit, CustodyEntry)


def _facts(spec: object) -> CaseFacts:
    life = spec.lifecycle  # type: ignore[attr-defined]
    return CaseFacts(
        status=life.status,
        category=spec.category,  # type: ignore[attr-defined]
        smuggling_channel=spec.smuggling_channel,  # type: ignore[attr-defined]
        received_on=spec.received_on,  # type: ignore[attr-defined]
        acknowledged_on=life.acknowledged_on,
        investigating_on=life.investigating_on,
        closed_on=life.closed_on,
        end_date=END,
    )


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_proportions_on_two_thousand_cases_match_the_calibration(cast: dict[str, StaffMember]) -> None:
    world = build_world(seed=SEED, end_date=END, facilities=facilities_ensure())
    tips = [tip_spec(world, index) for index in range(2000)]
    pairs = [(tip, investigation_spec(seed=SEED, number=tip.index, facts=_facts(tip), pool=world.pool)) for tip in tips]
    statuses = Counter(tip.lifecycle.status for tip in tips)
    rate = statuses[CaseStatus.SUBSTANTIATED] / (
        statuses[CaseStatus.SUBSTANTIATED] + statuses[CaseStatus.UNSUBSTANTIATED]
    )
    assert 0.38 < rate < 0.50, rate
    closed = [tip for tip in tips if tip.lifecycle.closed_on]
    median = statistics.median((tip.lifecycle.closed_on - tip.received_on).days for tip in closed)  # type: ignore[operator]
    assert 33 <= median <= 48, median
    assert 0.20 < statuses[CaseStatus.NOT_ACTIONABLE] / len(tips) < 0.40
    assert 0.08 < statuses[CaseStatus.REFERRED] / len(tips) < 0.20

    investigated = [(tip, spec) for tip, spec in pairs if tip.lifecycle.investigating_on]
    assert all(not spec.tasks and not spec.persons for tip, spec in pairs if not tip.lifecycle.investigating_on)
    assert all(2 <= len(spec.tasks) <= 6 and spec.persons for _tip, spec in investigated)
    closed_tasks = [task for tip, spec in investigated if tip.lifecycle.closed_on for task in spec.tasks]
    assert sum(task.done_on is not None for task in closed_tasks) / len(closed_tasks) > 0.85
    open_tasks = [task for tip, spec in investigated if not tip.lifecycle.closed_on for task in spec.tasks]
    assert any(task.done_on is None and task.due_on < END for task in open_tasks), "some open tasks are overdue"

    substantiated = [spec for tip, spec in pairs if tip.lifecycle.status == CaseStatus.SUBSTANTIATED]
    against_staff = [spec for spec in substantiated if any(p.role == "staff" for p in spec.persons)]
    assert sum(bool(spec.proceedings) for spec in against_staff) / len(against_staff) > 0.7
    sanctions = Counter(p.sanction for spec in substantiated for p in spec.proceedings if p.sanction)
    assert sanctions["written_warning"] > sanctions["suspension"] > sanctions["dismissal"] > 0
    referred = [(tip, spec) for tip, spec in pairs if tip.lifecycle.status == CaseStatus.REFERRED]
    assert all(spec.referrals for _tip, spec in referred)
    drugs = Counter(r.authority for tip, spec in pairs if tip.category == "drugs_weapons" for r in spec.referrals)
    assert drugs and set(drugs) <= {"fiscalia", "police"}
    bribery = Counter(r.authority for tip, spec in pairs if tip.category == "bribery" for r in spec.referrals)
    assert bribery["procuraduria"] > 0
    platform = sum(bool(spec.platform_code) for _tip, spec in pairs) / len(pairs)
    assert 0.05 < platform < 0.14, platform

    contraband = [spec for tip, spec in investigated if tip.category in ("phones", "drugs_weapons")]
    searches = [spec.search for spec in contraband if spec.search]
    assert 0.20 < len(searches) / len(contraband) < 0.38
    hits = sum(search.found_anything for search in searches) / len(searches)
    assert abs(hits - PROMPTED_SEARCH_HIT_RATE) < 0.12, hits
    routine = [
        search
        for _f, search in routine_searches(
            seed=SEED, facility_ids=range(1, 21), first_day=world.first_day, end_date=END
        )
    ]
    assert len(routine) > 3000
    assert abs(sum(s.found_anything for s in routine) / len(routine) - ROUTINE_SEARCH_HIT_RATE) < 0.04
    phones = [spec for spec in contraband if spec.search and spec.search.phones]
    assert all(spec.exhibits for spec in phones)
    seized = [e.phone for spec in phones for e in spec.exhibits]
    assert 0.3 < sum(phone in world.pool.phones for phone in seized) / len(seized) < 0.7

    open_cases = [spec for tip, spec in pairs if not tip.lifecycle.closed_on and tip.lifecycle.acknowledged_on]
    replies = [spec.exchange for spec in open_cases if spec.exchange]
    assert 0.15 < len(replies) / len(open_cases) < 0.45
    assert 0 < sum(e.unread for e in replies) < len(replies)


def test_the_same_seed_and_case_give_the_same_investigation(cast: dict[str, StaffMember]) -> None:
    world = build_world(seed=SEED, end_date=END, facilities=facilities_ensure())
    tip = next(t for t in (tip_spec(world, i) for i in range(500)) if t.lifecycle.status == CaseStatus.SUBSTANTIATED)
    first = investigation_spec(seed=SEED, number=tip.index, facts=_facts(tip), pool=world.pool)
    assert first == investigation_spec(seed=SEED, number=tip.index, facts=_facts(tip), pool=world.pool)
    assert first != investigation_spec(seed=SEED + 1, number=tip.index, facts=_facts(tip), pool=world.pool)

    def stored() -> list[tuple[object, ...]]:
        return [
            (
                list(Task.objects.filter(case=link.case).order_by("id").values_list("due_on", "done_on")),
                sorted(Interview.objects.filter(case=link.case).values_list("held_on", flat=True)),
                sorted(Proceeding.objects.filter(case=link.case).values_list("reference", "stage", "sanction")),
                sorted(CellSearch.objects.filter(prompted_by=link.case).values_list("held_on", "phones_found")),
                link.case.unread_reply,
            )
            for link in CaseTip.objects.select_related("case").order_by("tip_id")
        ]

    plan = Plan(count=150, seed=SEED, end_date=END, escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY)
    generate(plan)
    written = stored()
    assert Task.objects.exists()
    Case.objects.all().delete()
    generate(Plan(count=150, seed=SEED, batch=29, end_date=END, escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY))
    assert stored() == written


def test_the_investigation_is_sealed_under_the_case_key_and_seized_phones_link_blind(
    cast: dict[str, StaffMember],
) -> None:
    generate(Plan(count=300, seed=SEED, end_date=END, escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY))
    vault = staff_unlock_keys(member=cast["lima_investigator"], password=PASSWORD)
    task = Task.objects.filter(case__unit__slug="lima").select_related("case__unit_keypair").first()
    assert task is not None
    key = case_key_open(case=task.case, vault=vault)
    what = envelope.open_field(envelope.TASK, "what", task, task.case.public_id, task.public_id, key=key)
    assert what.split(" del pabellón")[0].split(" pabellón")[0] in " ".join(vocab.TASKS)
    assert what.encode() not in bytes(task.what_ct)
    person = PersonConcerned.objects.filter(case=task.case).first()
    assert person is not None
    name = envelope.open_field(
        envelope.PERSON_CONCERNED, "name", person, task.case.public_id, person.public_id, key=key
    )
    assert name and name.encode() not in bytes(person.name_ct)

    identifiers = ExhibitIdentifier.objects.select_related("exhibit__case__unit_keypair")
    assert identifiers.exists()
    mentioned = {bytes(p) for p in EntityMention.objects.filter(kind="phone").values_list("pseudonym", flat=True)}
    assert any(bytes(identifier.pseudonym) in mentioned for identifier in identifiers), "a seized phone meets a tip"
    identifier = identifiers.filter(exhibit__case__unit__slug="lima").first()
    if identifier is not None:
        case = identifier.exhibit.case
        value = envelope.open_field(
            envelope.EXHIBIT_IDENTIFIER,
            "value",
            identifier,
            case.public_id,
            identifier.exhibit.public_id,
            identifier.public_id,
            key=case_key_open(case=case, vault=vault),
        )
        assert value.startswith("9") and len(value) == 9
    for exhibit in Exhibit.objects.all():
        chain = list(exhibit.custody.order_by("seq"))
        assert chain[0].kind == "registered" and chain[0].seq == 1
        assert all(later.prev_digest == earlier.digest for earlier, later in zip(chain, chain[1:], strict=False))


def test_the_command_adds_the_investigation_to_an_existing_database_once(
    cast: dict[str, StaffMember], tmp_path: Path
) -> None:
    world = build_world(seed=SEED, end_date=END, facilities=facilities_ensure())
    keys = Keys(mention_writer=mention_writer(settings.TEST_ESCROW_PRIVATE_KEY))
    write_specs([tip_spec(world, index) for index in range(200)], keys)  # tips and cases, no investigation
    assert not any(_counts().values())
    escrow_file = tmp_path / "escrow.key"
    escrow_file.write_bytes(settings.TEST_ESCROW_PRIVATE_KEY)
    args = ["--seed", str(SEED), "--workers", "1", "--batch", "37", "--escrow-private-key", str(escrow_file)]
    args += ["--end-date", END.isoformat()]
    out = StringIO()
    call_command("generate_investigation", *args, stdout=out)
    first = _counts()
    assert first["Task"] > 0 and first["PersonConcerned"] > 0 and first["CellSearch"] > 0
    assert "Added the investigation of" in out.getvalue()

    out = StringIO()
    call_command("generate_investigation", *args, stdout=out)
    assert _counts() == first, "a second run adds nothing"
    assert "Added the investigation of 0 cases" in out.getvalue()
