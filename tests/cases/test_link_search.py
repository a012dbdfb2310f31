"""Linking a related case is a search on the case page (title, prison, dates, entity), not a menu of every case."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import Case
from linking import selectors as linking_selectors
from linking.models import EntityKind
from linking.services import index_key_create, mention_record
from org.models import Facility
from tests.conftest import PASSWORD, staff_client
from tests.factories import submit_tip
from tipline.models import Tip

pytestmark = pytest.mark.django_db


def results(html: str) -> list[str]:
    """The public ids behind each result's Link button."""
    block = html.split('id="link-search-results"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'name="other" value="([0-9a-f-]{36})"', block)


def new_case(facility: Facility, days_ago: int, **overrides: object) -> Case:
    case = submit_tip(facility=facility, **overrides)[0].case_link.case
    Case.objects.filter(pk=case.pk).update(received_on=timezone.localdate() - datetime.timedelta(days=days_ago))
    return Case.objects.get(pk=case.pk)


def test_two_cases_with_the_same_title_are_told_apart(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    lurigancho = facilities["lurigancho"]
    case = new_case(lurigancho, 0)
    first, second = new_case(lurigancho, 3), new_case(lurigancho, 10)
    client = staff_client("lima_investigator")
    page = client.get(f"/staff/cases/{case.public_id}/").content.decode()
    assert 'name="link_q"' in page and 'id="link-search-results"' not in page, "no list of every case up front"

    found = client.get(f"/staff/cases/{case.public_id}/?link_q=LURIGANCHO").content.decode()
    assert results(found) == [str(first.public_id), str(second.public_id)]
    block = found.split('id="link-search-results"', 1)[1].split("</ul>", 1)[0]
    labels = [
        re.sub(r"<[^>]+>", "", label)
        for label in re.findall(r'<div class="small text-body-secondary">(.*?)</div>', block, re.S)
    ]
    assert len(set(labels)) == 2, "identical titles, distinguishable labels"
    assert first.public_id.hex[:8] in labels[0] and first.received_on.strftime("%d/%m/%Y") in labels[0]
    assert second.public_id.hex[:8] in labels[1] and second.received_on.strftime("%d/%m/%Y") in labels[1]

    # Each result links with its own button, through the case's own link action.
    client.post(f"/staff/cases/{case.public_id}/link/", {"other": str(second.public_id)})
    assert Tip.objects.filter(case_link__case=case).count() == 2
    assert not Case.objects.filter(pk=second.pk).exists() or Tip.objects.filter(case_link__case=second).count() == 0


def test_prison_and_dates_narrow_the_search(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    case = new_case(facilities["lurigancho"], 0)
    recent, old = new_case(facilities["lurigancho"], 2), new_case(facilities["lurigancho"], 40)
    elsewhere = new_case(facilities["trujillo"], 2)
    client = staff_client("lima_investigator")
    url = f"/staff/cases/{case.public_id}/"
    by_prison = results(client.get(url, {"link_facility": facilities["lurigancho"].pk}).content.decode())
    assert str(elsewhere.public_id) not in by_prison and set(by_prison) <= {str(recent.public_id), str(old.public_id)}
    since = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    by_date = results(
        client.get(url, {"link_from": since, "link_facility": str(facilities["lurigancho"].pk)}).content.decode()
    )
    assert by_date == [str(recent.public_id)]


def test_an_entity_finds_the_cases_whose_tips_name_it(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    index_key_create()
    lurigancho = facilities["lurigancho"]
    case = new_case(lurigancho, 0)
    named, other = new_case(lurigancho, 1), new_case(lurigancho, 2)
    supervisor = cast["lima_supervisor"]
    tip = Tip.objects.get(case_link__case=named)
    mention_record(
        tip=tip,
        kind=EntityKind.PHONE,
        value="987 654 321",
        actor=supervisor,
        vault=staff_unlock_keys(member=supervisor, password=PASSWORD),
    )
    client = staff_client("lima_investigator")
    found = client.get(
        f"/staff/cases/{case.public_id}/", {"link_kind": EntityKind.PHONE, "link_entity": "+51 987-654-321"}
    ).content.decode()
    assert results(found) == [str(named.public_id)]
    assert str(other.public_id) not in results(found)
    assert AuditEvent.objects.filter(action=AuditAction.PSEUDONYM_VIEWED, actor=cast["lima_investigator"].user).exists()
    # The typed value is never stored in the clear.
    assert not AuditEvent.objects.filter(details__icontains="987").exists()


def test_the_title_search_says_when_it_is_capped(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linking_selectors, "LINK_SEARCH_TITLE_CAP", 1)
    case = new_case(facilities["lurigancho"], 0)
    newest, older = new_case(facilities["lurigancho"], 1), new_case(facilities["lurigancho"], 2)
    found = staff_client("lima_investigator").get(f"/staff/cases/{case.public_id}/?link_q=lurigancho").content.decode()
    assert results(found) == [str(newest.public_id)] and str(older.public_id) not in results(found)
    assert 'id="link-search-capped"' in found


def test_outsiders_and_recused_members_find_nothing(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    case = new_case(facilities["lurigancho"], 0)
    norte_case = new_case(facilities["trujillo"], 0)
    new_case(facilities["lurigancho"], 1)
    found = staff_client("norte_investigator").get(f"/staff/cases/{norte_case.public_id}/?link_q=lurigancho")
    assert results(found.content.decode()) == []
    assert staff_client("norte_investigator").get(f"/staff/cases/{case.public_id}/?link_q=x").status_code == 404
