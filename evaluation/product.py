"""The product as it runs, as the "auto" pipeline of the linking evaluation: zero clicks.

Each tip of the set is submitted through intake (`tipline.services.tip_submit`, which
finds and seals its entities), then each unit's investigator "opens the staff side":
their session's automatic step (`linking.automatic.pending_link`, the middleware's
bounded batch) runs until nothing waits. A pair of tips counts as linked when the case
page of one (`linking.selectors.suggested_links`, as a member of its unit sees it)
shows the other's case as related: linked by its entities, or in another unit, or,
with `hints`, two steps away. Related "same prison, category and channel within 30
days" cases are a separate, weaker list and are not counted as links. What was
extracted is what intake stored, decrypted through escrow.

It runs on a throw-away SQLite database in a temporary folder, whatever DATABASE_URL
and REDIS_URL say (tasks run inline), with a cheap Argon2 cost (receipts are not what
is measured here).
"""

from __future__ import annotations

import datetime
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evaluation.linking import EvalSet, Pair, PipelineResult

PASSWORD = "evaluation-only-password-9f3k2"  # invented; the throw-away database dies with the run


def _django(folder: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'evaluation.sqlite3'}"
    os.environ.pop("REDIS_URL", None)
    os.environ["TIPLINE_VAR_DIR"] = str(folder / "var")
    os.environ["TIPLINE_ARGON2_MEMORY_KIB"] = "8192"
    os.environ["TIPLINE_ARGON2_ITERATIONS"] = "1"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _organisation(evalset: EvalSet, escrow_public_key_file: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create the set's facilities, a regional unit per region and the national unit, each with one investigator."""
    from django.contrib.auth import get_user_model

    import envelope
    from accounts.keys import membership_grant, staff_member_create, unit_keypair_create
    from accounts.models import Role
    from linking.services import index_keys_create_missing
    from org.models import Facility, Region, Unit

    escrow = envelope.new_keypair()
    escrow_public_key_file.parent.mkdir(parents=True, exist_ok=True)
    escrow_public_key_file.write_bytes(escrow.public)
    units = {"national": Unit.objects.create(slug="nacional", name="Unidad nacional", kind=Unit.Kind.NATIONAL)}
    facilities = {}
    for code, facility in sorted(evalset.facilities.items()):
        region_name = facility.region
        if region_name not in units:
            slug = f"region-{len(units)}"
            units[region_name] = Unit.objects.create(slug=slug, name=f"OAI {region_name}", kind=Unit.Kind.REGIONAL)
            Region.objects.create(name=region_name, unit=units[region_name])
        region = Region.objects.get(name=region_name)
        facilities[code] = Facility.objects.create(name=facility.name, region=region, population=1000)
    members = {}
    for name, unit in units.items():
        user = get_user_model().objects.create_user(username=f"investigador-{unit.slug}", password=PASSWORD)
        member = staff_member_create(user=user, role=Role.INVESTIGATOR, password=PASSWORD)
        keypair, private_key = unit_keypair_create(unit=unit)
        membership_grant(member=member, keypair=keypair, unit_private_key=private_key)
        members[name] = member
    index_keys_create_missing()
    return facilities, {"members": members, "escrow_private_key": escrow.private}


def _submit(evalset: EvalSet, facilities: dict[str, Any]) -> dict[int, str]:
    """Submit every tip through intake, oldest first, dated as the set says; return {tip id: set id}."""
    from django.utils import timezone

    from cases.models import Case
    from tipline.models import Tip, WhenPeriod
    from tipline.services import TipSubmission, tip_submit

    today = timezone.localdate()
    by_pk: dict[int, str] = {}
    for item in sorted(evalset.tips, key=lambda t: (-t.days_ago, t.id)):
        tip, _receipt = tip_submit(
            submission=TipSubmission(
                facility=facilities[item.facility],
                category=item.category,
                smuggling_channel=item.smuggling_channel,
                staff_involved=item.staff_involved,
                when_period=WhenPeriod.UNSURE,
                occurred_on=None,
                description=item.text,
                contact="",
            )
        )
        received_on = today - datetime.timedelta(days=item.days_ago)
        Tip.objects.filter(pk=tip.pk).update(received_on=received_on)
        Case.objects.filter(case_tips__tip=tip).update(received_on=received_on)
        by_pk[tip.pk] = item.id
    return by_pk


def auto(evalset: EvalSet, *, hints: bool = False) -> PipelineResult:
    """Run the set through the product with zero clicks; return what it extracted and linked."""
    with tempfile.TemporaryDirectory(prefix="tipline-eval-") as folder:
        _django(Path(folder))
        from django.conf import settings

        facilities, people = _organisation(evalset, Path(settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE))
        by_pk = _submit(evalset, facilities)
        return _measure(evalset, by_pk, people, hints=hints)


def _measure(evalset: EvalSet, by_pk: dict[int, str], people: dict[str, Any], *, hints: bool) -> PipelineResult:
    import envelope
    from accounts.keys import staff_unlock_keys
    from cases.models import Case, CaseTip
    from evaluation.linking import PipelineResult
    from linking.automatic import pending_link
    from linking.models import EntityMention, MentionStatus
    from linking.selectors import suggested_links
    from tipline.models import Tip

    members = people["members"]
    vaults = {name: staff_unlock_keys(member=member, password=PASSWORD) for name, member in members.items()}
    # Each investigator opens staff pages until their session's automatic step has nothing left to link.
    for vault in vaults.values():
        while pending_link(vault=vault):
            pass
    waiting = EntityMention.objects.filter(status=MentionStatus.PENDING).count()
    if waiting:
        print(f"warning: {waiting} mentions still wait for a session that can link them")

    tips_of_case: dict[int, list[int]] = defaultdict(list)
    for tip_id, case_id in CaseTip.objects.values_list("tip_id", "case_id"):
        tips_of_case[case_id].append(tip_id)
    member_of_unit = {member.memberships.first().unit_id: member for member in members.values()}
    vault_of_unit = {member.memberships.first().unit_id: vaults[name] for name, member in members.items()}
    pairs: set[Pair] = set()
    reasons: dict[Pair, list[str]] = defaultdict(list)

    def add(case_a: int, case_b: int, why: str) -> None:
        for a in tips_of_case[case_a]:
            for b in tips_of_case[case_b]:
                pair = frozenset((by_pk[a], by_pk[b]))
                if len(pair) == 2:
                    pairs.add(pair)
                    reasons[pair].append(why)

    for case in Case.objects.select_related("unit"):
        member = member_of_unit[case.unit_id]
        links = suggested_links(case=case, member=member, vault=vault_of_unit[case.unit_id])
        for linked in links.by_entity:
            add(case.pk, linked.case.pk, f"{linked.percent}: {linked.evidence_words}")
        for elsewhere in links.elsewhere:
            add(case.pk, elsewhere.case_pk, f"{elsewhere.percent}: {elsewhere.evidence_words} (other unit)")
        if hints:
            for hint in links.hints:
                add(case.pk, hint.case.pk, f"hint {hint.percent}")

    extracted: dict[str, list[tuple[str, str]]] = defaultdict(list)
    escrow_private_key = people["escrow_private_key"]
    for tip in Tip.objects.all():
        data_key = envelope.open_tip_with_escrow(tip, escrow_private_key=escrow_private_key)
        for mention in EntityMention.objects.filter(tip=tip).exclude(status=MentionStatus.DISMISSED):
            value = envelope.open_field(
                envelope.MENTION, "value", mention, tip.public_id, mention.public_id, key=data_key
            )
            extracted[by_pk[tip.pk]].append((mention.kind, str(value)))
    for item in evalset.tips:
        extracted.setdefault(item.id, [])
    return PipelineResult(dict(extracted), pairs, dict(reasons))
