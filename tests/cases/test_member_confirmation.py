"""Removing a member and rotating the unit key ask for confirmation first, without JavaScript."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Membership, StaffMember
from org.models import Unit
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db

LIMA = "/staff/units/lima/members/"


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    return client


def test_the_lists_remove_button_leads_to_a_question(cast: dict[str, StaffMember]) -> None:
    supervisor = english(staff_client("lima_supervisor"))
    url = f"{LIMA}{cast['lima_investigator'].pk}/remove/"
    for response in (supervisor.post(url), supervisor.get(url)):
        page = response.content.decode()
        assert response.status_code == 200
        assert "Remove lima_investigator from Lima IA?" in page
        assert "will lose access" in page
        assert 'name="confirm" value="yes"' in page and f'href="{LIMA}"' in page  # [Remove] [Cancel]
    assert Membership.objects.filter(member=cast["lima_investigator"]).exists()

    supervisor.post(url, {"confirm": "yes"})
    assert not Membership.objects.filter(member=cast["lima_investigator"]).exists()


def test_rotating_asks_first(cast: dict[str, StaffMember], units: dict[str, Unit]) -> None:
    supervisor = english(staff_client("lima_supervisor"))
    page = supervisor.post(f"{LIMA}rotate-key/").content.decode()
    assert "Rotate the key of Lima IA?" in page
    assert units["lima"].keypairs.count() == 1
    supervisor.post(f"{LIMA}rotate-key/", {"confirm": "yes"})
    assert units["lima"].keypairs.count() == 2


def test_the_question_in_spanish(cast: dict[str, StaffMember]) -> None:
    page = staff_client("lima_supervisor").get(f"{LIMA}{cast['lima_investigator'].pk}/remove/").content.decode()
    assert "¿Quitar a lima_investigator de Lima IA?" in page


def test_outsiders_get_no_question(cast: dict[str, StaffMember]) -> None:
    url = f"{LIMA}{cast['lima_investigator'].pk}/remove/"
    assert staff_client("lima_investigator").get(url).status_code == 404
    assert staff_client("norte_investigator").post(url, {"confirm": "yes"}).status_code == 404
    assert Membership.objects.filter(member=cast["lima_investigator"]).exists()
