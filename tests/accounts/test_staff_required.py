"""`staff_required` lets only verified staff through, checks the role when asked, and hands the view its member."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from accounts.models import Role, StaffMember
from accounts.security import staff_required

pytestmark = pytest.mark.django_db


@staff_required
def any_staff(request: HttpRequest, member: StaffMember, slug: str) -> HttpResponse:
    return HttpResponse(f"{member.user.get_username()} {slug}")


@staff_required(roles={Role.SUPERVISOR, Role.MANAGER})
def supervisors_and_managers(request: HttpRequest, member: StaffMember) -> HttpResponse:
    return HttpResponse(member.role)


def _request(user: User | AnonymousUser, *, verified: bool) -> HttpRequest:
    request = RequestFactory().get("/staff/somewhere/?page=2")
    user.is_verified = lambda: verified  # type: ignore[union-attr]  # what django-otp's middleware sets
    request.user = user
    return request


def test_the_view_is_handed_the_member_and_the_url_arguments(cast: dict[str, StaffMember]) -> None:
    member = cast["lima_investigator"]
    response = any_staff(_request(member.user, verified=True), slug="lima")
    assert response.content.decode() == "lima_investigator lima"


@pytest.mark.parametrize("who", ["anonymous", "no second factor", "no staff role"])
def test_anyone_but_verified_staff_is_sent_to_log_in(who: str, cast: dict[str, StaffMember]) -> None:
    if who == "anonymous":
        request = _request(AnonymousUser(), verified=False)
    elif who == "no second factor":
        request = _request(cast["lima_investigator"].user, verified=False)
    else:
        request = _request(User.objects.create_user(username="citizen"), verified=True)
    response = any_staff(request, slug="lima")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/staff/somewhere/%3Fpage%3D2"


def test_a_member_of_another_role_gets_a_404(cast: dict[str, StaffMember]) -> None:
    with pytest.raises(Http404):
        supervisors_and_managers(_request(cast["lima_investigator"].user, verified=True))


@pytest.mark.parametrize("name", ["lima_supervisor", "manager"])
def test_a_member_of_a_given_role_gets_through(name: str, cast: dict[str, StaffMember]) -> None:
    response = supervisors_and_managers(_request(cast[name].user, verified=True))
    assert response.content.decode() == cast[name].role


def test_the_role_is_checked_only_after_the_login(cast: dict[str, StaffMember]) -> None:
    response = supervisors_and_managers(_request(cast["lima_investigator"].user, verified=False))
    assert response.status_code == 302
