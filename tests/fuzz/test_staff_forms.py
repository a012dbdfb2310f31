"""Fuzzing the staff forms through the real login: the login itself, the case actions, the queue and
dashboard filters, the CSV exports, phone intake, unit members, the audit log and the organisation admin.

No request gets a 5xx. Invalid input gets a 4xx, the form again, or a redirect with an
error message, and never changes a row it should not: a refused status change leaves
the status as it was, a refused assignment the assignee, a refused priority the priority.
"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import StaffMember
from cases.models import Case, Priority
from cases.statuses import CLOSED_STATUSES, CaseStatus
from fuzz.budget import Target, fuzz_settings
from fuzz.figures import FuzzLog
from fuzz.harness import Stored, assert_nothing_stored, assert_rejected, send
from fuzz.strategies import (
    SNIPPETS,
    FormPost,
    choice_refused_by,
    hostile_text,
    id_refused_by,
    invalid_dates,
    query_strings,
    report_posts,
    unicode_text,
    valid_dates,
)
from org.models import Facility, Unit
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.fuzz.conftest import FUZZ_MAX_ATTACHMENT_BYTES
from tests.fuzz.public import assert_report_reads_back
from tipline.abuse import HONEYPOT_FIELD
from tipline.models import Category

pytestmark = pytest.mark.django_db


def values(*options: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(*options, hostile_text(huge=False))


def test_login_refuses_every_guess(cast: dict[str, StaffMember], log: FuzzLog) -> None:
    target = "POST /staff/login/"
    names = st.sampled_from(sorted(cast))
    usernames = names | st.tuples(names, st.sampled_from(SNIPPETS)).map("".join) | unicode_text(30)
    codes = st.from_regex(r"\A[0-9 ]{0,10}\Z") | unicode_text(20)
    passwords = st.sampled_from(["correct horse battery staple 42", "demo-password-only-for-debug"]) | hostile_text()

    @fuzz_settings(Target.STAFF)
    @given(
        fields=st.fixed_dictionaries({}, optional={"username": usernames, "password": passwords, "otp_token": codes}),
        next_url=st.sampled_from(["", "//evil.example/", "/staff/", "https://evil.example"]),
    )
    def check(fields: dict[str, str], next_url: str) -> None:
        client = Client()
        response = send(client, log, target, "POST", f"/staff/login/?next={next_url}", data=fields)
        # The right password with a guessed code is as wrong as any other guess. A body over
        # Django's size limit (a huge password) is refused before the form: 400.
        assert response.status_code in (200, 400)
        assert "_auth_user_id" not in client.session

    check()


@pytest.fixture
def case(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Case:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Celulares en el pabellón 5.")
    return tip.case_link.case


ACTIONS = ("acknowledge", "transition", "assign", "priority", "note", "message", "link", "transfer", "recuse")


@st.composite
def case_action_posts(draw: st.DrawFn, worker_ids: list[int], unit_ids: list[int]) -> tuple[str, dict[str, str]]:
    """An action of the case page with drawn fields: valid choices, near misses and junk."""
    # No character that changes where the URL points ("/", "?", "#", "%", "\\"): those are other URLs.
    action = draw(st.sampled_from(ACTIONS) | unicode_text(12).filter(lambda a: not set(a) & set("/?#%\\")))
    fields = {
        "to": values(st.sampled_from(CaseStatus.values), choice_refused_by(CaseStatus.values)),
        "reason": values(st.just(""), st.just("Sin pruebas suficientes.")),
        "assignee": values(st.sampled_from([str(pk) for pk in worker_ids] + [""]), id_refused_by(worker_ids)),
        "priority": values(st.sampled_from(Priority.values), choice_refused_by(Priority.values)),
        "body": values(st.just("¿Qué día ocurre?")),
        "message": values(st.just("")),
        "tip": values(id_refused_by([])),
        "other": values(id_refused_by([])),
        "unit": values(st.sampled_from([str(pk) for pk in unit_ids]), id_refused_by(unit_ids)),
        "member": values(st.sampled_from([str(pk) for pk in worker_ids]), id_refused_by(worker_ids)),
        "is_feedback": values(st.sampled_from(["on", ""])),
    }
    return action, draw(st.fixed_dictionaries({}, optional=fields))


def test_case_actions_never_change_what_they_refuse(
    case: Case, cast: dict[str, StaffMember], facilities: dict[str, Facility], log: FuzzLog
) -> None:
    supervisor = staff_client("lima_supervisor")
    worker_ids = [cast["lima_investigator"].pk, cast["lima_supervisor"].pk]
    unit_ids = list(Unit.objects.values_list("pk", flat=True))
    current = {"case": case}

    # Nine forms in one test: about 250 posts each in `make fuzz`.
    @fuzz_settings(Target.STAFF, share=2.5)
    @given(drawn=case_action_posts(worker_ids, unit_ids))
    def check(drawn: tuple[str, dict[str, str]]) -> None:
        action, fields = drawn
        target = f"POST /staff/cases/<id>/{action}/" if action in ACTIONS else "POST /staff/cases/<id>/<junk>/"
        before = Case.objects.get(pk=current["case"].pk)
        path = f"/staff/cases/{before.public_id}/{action}/"
        response = send(supervisor, log, target, "POST", path, data=fields)
        after = Case.objects.get(pk=before.pk)
        if action not in ACTIONS:
            assert response.status_code == 404
            return
        assert response.status_code == 302
        if after.unit_id != before.unit_id:
            # Transferred away, as asked: the rest of the run works on a new case of the unit.
            assert action == "transfer" and str(after.unit_id) == fields.get("unit", "").strip()
            tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Otra vez celulares.")
            current["case"] = tip.case_link.case
            return
        to, reason = fields.get("to", ""), fields.get("reason", "")
        if after.status != before.status and action == "acknowledge":
            # Acknowledging a new case starts its triage; nothing else moves it.
            assert (before.status, after.status) == (CaseStatus.RECEIVED, CaseStatus.TRIAGE)
        elif after.status != before.status:
            assert action == "transition" and before.can_transition_to(to) and after.status == to
            assert to not in CLOSED_STATUSES or reason.strip()
        if after.assignee_id != before.assignee_id:
            assert action == "assign" and after.assignee_id in (*worker_ids, None)
        if after.priority != before.priority:
            assert action == "priority" and after.priority == fields.get("priority")

    check()


QUEUE_FIELDS = ("status", "facility", "category", "smuggling_channel", "priority", "assignee", "overdue", "after")


@st.composite
def cursors(draw: st.DrawFn) -> str:
    """Pagination cursors: real-looking ones (date_id), out-of-range numbers and junk."""
    day = draw(st.dates().map(lambda d: d.isoformat()) | unicode_text(12))
    edges = st.sampled_from(["9223372036854775807", "9223372036854775808", "-9223372036854775809", "9" * 30, "0"])
    number = draw(st.integers(-(2**80), 2**80).map(str) | edges | unicode_text(8))
    return draw(st.sampled_from([f"{day}_{number}", day, number, f"{day}_", f"_{number}"]))


def test_queue_filters_and_cursor_accept_anything(case: Case, log: FuzzLog) -> None:
    investigator = staff_client("lima_investigator")
    params = st.fixed_dictionaries(
        {},
        optional={
            **{name: values(st.just("")) for name in QUEUE_FIELDS if name != "after"},
            "status": values(st.sampled_from(CaseStatus.values)),
            "category": values(st.sampled_from(Category.values)),
            "assignee": values(st.sampled_from(["me", "none", ""])),
            "after": cursors(),
        },
    )

    @fuzz_settings(Target.STAFF)
    @given(query=params)
    def check(query: dict[str, str]) -> None:
        response = send(investigator, log, "GET /staff/ (filters)", "GET", "/staff/", data=query)
        assert response.status_code == 200

    check()


def test_dashboard_filters_and_csv_exports_accept_anything(case: Case, log: FuzzLog) -> None:
    manager = staff_client("manager")
    region_ids = [str(pk) for pk in Facility.objects.values_list("region_id", flat=True)]
    params = st.fixed_dictionaries(
        {},
        optional={
            "region": values(st.sampled_from(region_ids), id_refused_by([int(pk) for pk in region_ids])),
            "category": values(st.sampled_from(Category.values)),
            "period": values(st.sampled_from(["12", "26", "52", "custom", "0", "-1", "99999999999"])),
            "date_from": st.one_of(valid_dates(), invalid_dates()),
            "date_to": st.one_of(valid_dates(), invalid_dates()),
        },
    )
    exports = st.sampled_from(["weekly", "facilities", "channels", "heatmap", "alerts", "outcomes-by-category"])

    # The dashboard and the exports: about 750 requests each.
    @fuzz_settings(Target.STAFF, share=1.5)
    @given(query=params, page=st.one_of(st.just(""), exports, unicode_text(12).filter(lambda n: "/" not in n)))
    def check(query: dict[str, str], page: str) -> None:
        path = f"/staff/trends/export/{page}.csv" if page else "/staff/trends/"
        target = "GET /staff/trends/export/<name>.csv" if page else "GET /staff/trends/ (filters)"
        response = send(manager, log, target, "GET", path, data=query)
        if page:
            assert response.status_code in (200, 404)
            if response.status_code == 200:
                assert response["Content-Type"].startswith("text/csv")
        else:
            assert response.status_code == 200

    check()


def test_phone_intake_stores_only_valid_reports(
    operator: StaffMember, facilities: dict[str, Facility], log: FuzzLog
) -> None:
    client = staff_client("operator")
    posts = report_posts(
        facility_ids=[facility.pk for facility in facilities.values()],
        max_files=0,
        max_file_bytes=FUZZ_MAX_ATTACHMENT_BYTES,
    )
    target = "POST /staff/phone/"

    @fuzz_settings(Target.STAFF)
    @given(post=posts)
    def check(post: FormPost) -> None:
        before = Stored.now()
        data: dict[str, list[str]] = {}
        for name, value in post.fields:
            data.setdefault(name, []).append(value)
        response = send(client, log, target, "POST", "/staff/phone/", data=data)
        # The operator's form has neither files nor the public form's honeypot.
        if post.broken - {"attachments", HONEYPOT_FIELD}:
            assert_rejected(log, target, before, response)
            return
        after = Stored.now()
        if after.tips == before.tips:
            assert_nothing_stored(log, target, before, response)
            assert response.status_code == 400
        else:
            assert response.status_code == 200 and after.tips == before.tips + 1
            assert_report_reads_back(post, response.content.decode())

    check()


def test_unit_member_forms_refuse_outsiders_and_junk(cast: dict[str, StaffMember], log: FuzzLog) -> None:
    supervisor = staff_client("lima_supervisor")
    member_ids = list(StaffMember.objects.values_list("pk", flat=True))
    slugs = st.sampled_from(["lima", "norte", "national", "nope"]) | unicode_text(10).filter(
        lambda s: s and "/" not in s
    )

    # Adding and removing: about 750 requests each.
    @fuzz_settings(Target.STAFF, share=1.5)
    @given(
        slug=slugs,
        what=st.sampled_from(["add", "remove"]),
        member=values(st.sampled_from([str(pk) for pk in member_ids]), id_refused_by(member_ids)),
        remove_id=st.sampled_from(member_ids) | st.integers(0, 2**40),
    )
    def check(slug: str, what: str, member: str, remove_id: int) -> None:
        lima_members = set(StaffMember.objects.filter(memberships__unit__slug="lima").values_list("pk", flat=True))
        if what == "add":
            path = f"/staff/units/{slug}/members/add/"
            response = send(
                supervisor, log, "POST /staff/units/<slug>/members/add/", "POST", path, data={"member": member}
            )
        else:
            path = f"/staff/units/{slug}/members/{remove_id}/remove/"
            response = send(
                supervisor, log, "POST /staff/units/<slug>/members/<id>/remove/", "POST", path, data={"confirm": "yes"}
            )
        if slug != "lima":
            assert response.status_code == 404
            assert (
                set(StaffMember.objects.filter(memberships__unit__slug="lima").values_list("pk", flat=True))
                == lima_members
            )
            return
        assert response.status_code in (302, 404)
        now = set(StaffMember.objects.filter(memberships__unit__slug="lima").values_list("pk", flat=True))
        # The supervisor may remove the others, but never themselves, and adds only a real member.
        assert cast["lima_supervisor"].pk in now
        assert now - lima_members <= {as_int(member)}
        if now != lima_members and what == "remove":
            assert lima_members - now == {remove_id}

    check()


def as_int(value: str) -> int | None:
    """Read a posted id as Django's integer lookups do (int(): spaces, other scripts' digits), or None."""
    try:
        return int(value)
    except ValueError:
        return None


def test_audit_log_filters_and_admin_lists_accept_anything(
    auditor: StaffMember, cast: dict[str, StaffMember], log: FuzzLog
) -> None:
    auditor_client = staff_client("auditor")
    admin_client = staff_client("admin")
    admin_lists = ["/staff/admin/org/facility/", "/staff/admin/org/region/", "/staff/admin/accounts/staffmember/"]

    # The audit log and the admin lists: about 750 requests each.
    @fuzz_settings(Target.STAFF, share=1.5)
    @given(
        which=st.sampled_from(["audit", "admin"]),
        query=query_strings(
            ("action", "actor", "unit", "page", "q", "o", "p", "e", "region__id__exact", "_changelist_filters")
        ),
        admin_list=st.sampled_from(admin_lists),
    )
    def check(which: str, query: str, admin_list: str) -> None:
        if which == "audit":
            response = send(
                auditor_client, log, "GET /staff/audit/ (filters)", "GET", "/staff/audit/", QUERY_STRING=query
            )
            assert response.status_code == 200
        else:
            response = send(
                admin_client, log, "GET /staff/admin/<list>/ (filters)", "GET", admin_list, QUERY_STRING=query
            )
            assert response.status_code in (200, 302, 400)

    check()
