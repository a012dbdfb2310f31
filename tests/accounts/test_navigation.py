"""The staff navigation offers each role its own pages, from the role predicates of accounts/permissions.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import StaffMember
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db

LINKS = {
    "queue": reverse("staff:queue"),
    "members": "/staff/units/lima/members/",
    "trends": reverse("trends:dashboard"),
    "phone": reverse("staff:phone_intake"),
    "audit": reverse("audit:events"),
    "admin": reverse("organisation_admin:index"),
    "changes": reverse("approvals:changes"),
}
EXPECTED = {
    "lima_investigator": {"queue"},
    "lima_supervisor": {"queue", "members", "trends", "changes"},
    "manager": {"trends"},
    "admin": {"admin", "changes"},
}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_role_sees_the_links_to_its_own_pages(cast: dict[str, StaffMember], username: str) -> None:
    page = staff_client(username).get(reverse("staff:account")).content.decode()
    nav = page.split("<nav", 1)[1].split("</nav>", 1)[0]
    nav = nav.split("navbar-brand", 1)[1].split("</a>", 1)[1]  # the brand always leads to the queue page
    shown = {name for name, url in LINKS.items() if f'href="{url}"' in nav}
    assert shown == EXPECTED[username]
