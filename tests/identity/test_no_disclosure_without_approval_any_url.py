"""A disclosure without a custodian's approval is impossible through every URL.

The URL resolver is walked: every staff URL whose parameters are all ids (<uuid:...>,
<int:...>, <slug:...>) is requested with the case's, the tip's, the reserved
identity's and the disclosure request's ids (each uuid parameter tried with each),
by every role, as GET and as an empty POST. Before the approval the contact never
comes back; after it, only the member who asked reads it (a second investigator of
the same unit does not).
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import security
from accounts.keys import membership_grant
from accounts.models import Role, StaffMember
from identity.models import DisclosureRequest
from identity.services import disclosure_approve
from tests.conftest import _staff, staff_client
from tests.identity.conftest import CONTACT, Reserved, vault_of

pytestmark = pytest.mark.django_db

PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
ACTORS = (
    "lima_investigator",
    "lima_supervisor",
    "norte_investigator",
    "national_investigator",
    "manager",
    "admin",
    "auditor",
    "operator",
    "custodian",
    "lima_colleague",
)


@pytest.fixture(autouse=True)
def own_login_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "_THROTTLE_SALT", f"test-{uuid.uuid4()}")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def staff_urls_with_ids(ids: list[str], numbers: list[str], slugs: list[str]) -> list[str]:
    """Return every /staff/ URL with its parameters filled, each uuid parameter with each id of `ids`."""
    urls = []
    for route in _routes(get_resolver().url_patterns):
        if not route.startswith("staff/") or route.startswith("staff/admin/"):
            continue
        params = PARAM.findall(route)
        if not params:
            continue
        choices = []
        for converter, _name in params:
            choices.append({"uuid": ids, "int": numbers, "slug": slugs}.get(converter or "str", slugs))
        for values in itertools.product(*choices):
            filled = iter(values)
            url = PARAM.sub(lambda _m, filled=filled: next(filled), "/" + route)  # type: ignore[misc]
            urls.append(url.removesuffix("\\Z"))
    return urls


def _read(client: Client, url: str, method: str) -> bytes:
    response = client.get(url) if method == "GET" else client.post(url, {})
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(response.content)


def _leaks(clients: dict[str, Client], urls: list[str]) -> list[str]:
    # POSTs last: an empty POST that logs a client out must not hide what its GETs would have shown. The
    # custodian's approve and refuse buttons are the decision itself (an empty form): those POSTs are left out.
    leaks = []
    for method in ("GET", "POST"):
        for name, client in clients.items():
            for url in urls:
                if method == "POST" and name == "custodian" and url.endswith(("/approve/", "/refuse/")):
                    continue
                if CONTACT.encode() in _read(client, url, method):
                    leaks.append(f"{method} {url} as {name}")
    return leaks


def test_the_contact_is_read_only_by_the_requester_after_approval(
    reserved: Reserved, asked: DisclosureRequest, cast: dict[str, StaffMember], custodian: StaffMember
) -> None:
    _staff("auditor", Role.AUDITOR)
    _staff("operator", Role.OPERATOR)
    colleague = _staff("lima_colleague", Role.INVESTIGATOR)
    lima_membership = cast["lima_investigator"].memberships.get()
    membership_grant(
        member=colleague,
        keypair=lima_membership.keypair,
        unit_private_key=vault_of(cast["lima_investigator"])[f"unit_key:{lima_membership.keypair_id}"],
    )
    ids = [
        str(x) for x in (reserved.case.public_id, reserved.tip.public_id, reserved.identity.public_id, asked.public_id)
    ]
    numbers = [str(asked.pk), str(cast["lima_investigator"].pk)]
    urls = staff_urls_with_ids(ids, numbers, ["lima", "note"])
    assert any("/staff/identity/requests/" in url for url in urls) and any("/staff/cases/" in url for url in urls)

    clients = {name: staff_client(name) for name in ACTORS}
    assert _leaks(clients, urls) == [], "the contact was disclosed without approval"
    asked.refresh_from_db()
    assert asked.status == "pending", "an empty POST must not decide the request"

    disclosure_approve(request=asked, actor=custodian, vault=vault_of(custodian))
    clients = {name: staff_client(name) for name in ACTORS}
    leaks = _leaks({name: c for name, c in clients.items() if name != "lima_investigator"}, urls)
    assert leaks == [], "the contact reached someone it was not disclosed to"
    page = clients["lima_investigator"].get(f"/staff/cases/{reserved.case.public_id}/").content.decode()
    assert CONTACT in page
    tip_page = clients["lima_investigator"].get(f"/staff/tips/{reserved.tip.public_id}/").content.decode()
    assert CONTACT in tip_page
