"""The access matrix: every staff URL, requested by every role, answers the status code DESIGN.md section 2 implies.

Rows are the URLs under /staff/ (namespaces `staff`, `audit` and the organisation admin
site), columns the actors: anonymous, the hotline operator, the two Lima members, an
investigator of Lima recused from the case, the Norte and national investigators, the
manager, the administrator and the auditor. Each cell is its own test, with an id such
as "staff:case[norte_investigator]", its own database and its own freshly logged-in client,
so a cell that logs out, rotates a key or removes a member cannot affect another one.

A guard test walks the URL resolver: a new staff URL without a row in MATRIX fails it.

Besides the status code, every cell checks that an actor who may not read the Lima tip
never receives its plaintext, and every request that must not act (a 404, a refused or
invalid case action) leaves the case exactly as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts.keys import staff_member_create, staff_unlock_keys
from accounts.models import Role, StaffMember
from approvals.services import change_request
from cases import services
from cases.members import unit_member_add
from cases.models import Case
from cases.permissions import can_work
from cases.views import CASE_ACTIONS
from evidence.models import ExhibitKind
from evidence.services import exhibit_register
from evidence.views import EXHIBIT_ACTIONS
from identity.services import disclosure_request
from investigation.models import Interview, Task
from investigation.services import task_add
from linking.models import EntityKind, EntityMention, IndexKey
from linking.services import index_key_create, mention_record
from org.models import Facility, Unit
from outcomes.views import OUTCOME_ACTIONS
from protection.views import PROTECTION_ACTIONS
from retention.views import RETENTION_ACTIONS
from tests.conftest import PASSWORD, staff_client
from tests.factories import report_data
from tipline.models import Attachment, Message, Tip
from tipline.services import reserved_identity_add
from trends.models import SpikeAlert

pytestmark = pytest.mark.django_db

# The Django admin site is mounted at /staff/admin/ under this namespace. All of its URLs are
# governed by one check, OrganisationAdminSite.has_permission (cases/admin.py), so the matrix
# holds a few representative admin URLs (ADMIN_ROWS) and the guard below leaves the rest of
# `organisation_admin:*` out of the "every staff URL has a row" rule, by namespace.
ADMIN_NAMESPACE = "organisation_admin"

# --- the actors ------------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
OPERATOR = "operator"
LIMA_INVESTIGATOR = "lima_investigator"
LIMA_SUPERVISOR = "lima_supervisor"
RECUSED = "recused_investigator"  # a Lima investigator, recused from the Lima case
NORTE_INVESTIGATOR = "norte_investigator"
NATIONAL_INVESTIGATOR = "national_investigator"
MANAGER = "manager"
ADMINISTRATOR = "admin"
AUDITOR = "auditor"
CUSTODIAN = "custodian"  # the identity custodian: in no unit, decides disclosures of reserved identities

ACTORS = (
    ANONYMOUS,
    OPERATOR,
    LIMA_INVESTIGATOR,
    LIMA_SUPERVISOR,
    RECUSED,
    NORTE_INVESTIGATOR,
    NATIONAL_INVESTIGATOR,
    MANAGER,
    ADMINISTRATOR,
    AUDITOR,
    CUSTODIAN,
)
STAFF = tuple(actor for actor in ACTORS if actor != ANONYMOUS)
# Those who read the Lima case and its tip: the unit's members, the recused one excepted.
LIMA_READERS = frozenset({LIMA_INVESTIGATOR, LIMA_SUPERVISOR})
# Those who see the routing and role changes awaiting approval (approvals/views.py).
CHANGE_WATCHERS = (LIMA_SUPERVISOR, ADMINISTRATOR, AUDITOR, NATIONAL_INVESTIGATOR)

TIP_SECRET = "recibe celulares de visitas"  # a phrase of the tip's description (report_data)
ATTACHMENT_SECRET = b"evidencia-matriz-7f3a9c"


# --- expected answers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """A status code and, for redirects, where the Location must start (None: anywhere)."""

    status: int
    location: str | None = None

    def __str__(self) -> str:
        return f"{self.status} -> {self.location}" if self.location else str(self.status)


OK = Expect(200)
NOT_FOUND = Expect(404)
REDIRECT = Expect(302)  # back to the page the form was on, or wherever the action leads
TO_LOGIN = Expect(302, "/staff/login/")
TO_ADMIN_LOGIN = Expect(302, "/staff/admin/login/")  # the admin site's login, which sends on to /staff/login/


def expect(default: Expect, *, anonymous: Expect = TO_LOGIN, **by_actor: Expect) -> dict[str, Expect]:
    """Return one expected answer per actor: `default` for staff not named, TO_LOGIN for anonymous."""
    unknown = set(by_actor) - set(STAFF)
    assert not unknown, f"unknown actors {unknown}"
    return {ANONYMOUS: anonymous, **{actor: by_actor.get(actor, default) for actor in STAFF}}


def lima_readers(answer: Expect) -> dict[str, Expect]:
    """The Lima case and tip: `answer` for its unit's members, 404 for every other staff member."""
    return expect(NOT_FOUND, **{actor: answer for actor in LIMA_READERS})


def every_staff(answer: Expect, *, anonymous: Expect = TO_LOGIN) -> dict[str, Expect]:
    return expect(answer, anonymous=anonymous)


# --- the objects the URLs point at ---------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    tip: Tip
    case: Case
    attachment: Attachment
    unit: Unit
    members: dict[str, StaffMember]


def _staff_with_authenticator(username: str, role: str) -> StaffMember:
    """Like tests/conftest.py's `_staff`: a user, a confirmed TOTP device, a staff role and key pair."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return staff_member_create(user=user, role=role, password=PASSWORD)


@pytest.fixture(autouse=True)
def own_login_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count this test's logins apart from every other test's (the cache may be a shared Redis)."""
    monkeypatch.setattr(security, "_THROTTLE_SALT", f"test-{uuid.uuid4()}")


@pytest.fixture
def world(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], units: dict[str, Unit], custodian: StaffMember
) -> World:
    """A Lima tip with an attachment, submitted through the public form, and the extra actors."""
    upload = SimpleUploadedFile("evidencia.txt", ATTACHMENT_SECRET, "text/plain")
    response = Client().post("/report/", {**report_data(facilities["lurigancho"]), "attachments": [upload]})
    assert response.status_code == 200
    tip = Tip.objects.get()
    case = tip.case_link.case
    assert case.unit == units["lima"]

    members = dict(cast)
    members[OPERATOR] = _staff_with_authenticator("operator", Role.OPERATOR)
    members[AUDITOR] = _staff_with_authenticator("auditor", Role.AUDITOR)
    recused = _staff_with_authenticator("recused_investigator", Role.INVESTIGATOR)
    # Added to Lima the way a supervisor adds someone: every Lima key their session unlocked is sealed to them.
    supervisor = cast[LIMA_SUPERVISOR]
    unit_member_add(
        unit=units["lima"],
        member=recused,
        actor=supervisor,
        vault=staff_unlock_keys(member=supervisor, password=PASSWORD),
    )
    assert can_work(recused, case), "the recused investigator must be a reading member of Lima before the recusal"
    services.recusal_add(case=case, member=recused, actor=supervisor)
    members[RECUSED] = recused
    members[CUSTODIAN] = custodian
    assert set(members) == set(STAFF)
    return World(tip=tip, case=case, attachment=tip.attachments.get(), unit=units["lima"], members=members)


# --- the matrix ----------------------------------------------------------------------------------------

Kwargs = Callable[[World], dict[str, Any]]


def no_kwargs(world: World) -> dict[str, Any]:
    return {}


def case_kwargs(world: World) -> dict[str, Any]:
    return {"public_id": world.case.public_id}


def tip_kwargs(world: World) -> dict[str, Any]:
    return {"public_id": world.tip.public_id}


def unit_kwargs(world: World) -> dict[str, Any]:
    return {"slug": world.unit.slug}


def spike_alert_kwargs(world: World) -> dict[str, Any]:
    """An open spike alert at the Lima tip's facility."""
    alert = SpikeAlert.objects.create(
        facility=world.tip.facility,
        category=world.tip.category,
        week=world.tip.received_on,
        observed=9,
        baseline_total=3,
        expected=0.25,
        p_value=0.0001,
        method=SpikeAlert.Method.POISSON,
        created_on=world.tip.received_on,
    )
    return {"alert_id": alert.pk}


def recorded_mention(world: World) -> EntityMention:
    """An entity recorded on the Lima tip by its supervisor, whose value is the tip's secret phrase:
    the check that no one else receives TIP_SECRET covers the pseudonym page too."""
    if not IndexKey.objects.exists():
        index_key_create()
    supervisor = world.members[LIMA_SUPERVISOR]
    vault = staff_unlock_keys(member=supervisor, password=PASSWORD)
    mention, _created = mention_record(
        tip=world.tip, kind=EntityKind.COMPANY, value=TIP_SECRET, actor=supervisor, vault=vault
    )
    return mention


def task_kwargs(world: World) -> dict[str, Any]:
    """A task of the Lima case's plan, planned by its supervisor for the Lima investigator."""
    supervisor = world.members[LIMA_SUPERVISOR]
    task = task_add(
        case=world.case,
        actor=supervisor,
        what=TIP_SECRET,
        assignee=world.members[LIMA_INVESTIGATOR],
        due_on=None,
        vault=staff_unlock_keys(member=supervisor, password=PASSWORD),
    )
    return {"public_id": world.case.public_id, "task_id": task.public_id}


def pending_change_kwargs(world: World) -> dict[str, Any]:
    """A role change asked for by the administrator: the Lima investigator made supervisor."""
    investigator = world.members[LIMA_INVESTIGATOR]
    asked = StaffMember(pk=investigator.pk, user=investigator.user, role=Role.SUPERVISOR)
    change = change_request(
        actor=world.members[ADMINISTRATOR].user, instance=asked, operation="update", stored=investigator
    )
    assert change is not None
    return {"change_id": change.pk}


def reserved_identity_kwargs(world: World) -> dict[str, Any]:
    """The Lima tip's reserved identity: a contact given later at /followup/ (the world's report gave none)."""
    return {"public_id": reserved_identity_add(tip=world.tip, contact=TIP_SECRET).public_id}


def disclosure_kwargs(world: World) -> dict[str, Any]:
    """The Lima investigator's pending request for that identity."""
    identity = reserved_identity_add(tip=world.tip, contact=TIP_SECRET)
    request = disclosure_request(
        case=world.case,
        identity=identity,
        actor=world.members[LIMA_INVESTIGATOR],
        reason="The witness must be interviewed about the visits.",
    )
    return {"public_id": request.public_id}


def mention_kwargs(world: World) -> dict[str, Any]:
    return {"public_id": world.tip.public_id, "mention_id": recorded_mention(world).public_id}


def pseudonym_kwargs(world: World) -> dict[str, Any]:
    return {"pseudonym": bytes(recorded_mention(world).pseudonym)}


def exhibit_kwargs(world: World) -> dict[str, Any]:
    """A phone registered on the Lima case by its supervisor, described with the tip's secret phrase:
    the check that no one else receives TIP_SECRET covers the exhibit's pages too."""
    supervisor = world.members[LIMA_SUPERVISOR]
    exhibit = exhibit_register(
        case=world.case,
        kind=ExhibitKind.PHONE,
        description=TIP_SECRET,
        seized_on=world.tip.received_on,
        actor=supervisor,
        vault=staff_unlock_keys(member=supervisor, password=PASSWORD),
    )
    return {"public_id": exhibit.public_id}


def exhibit_action_row(action: str) -> Row:
    """A change of hands or an identifier with an EMPTY POST body: the members are sent back with a message."""
    return Row(
        "evidence:exhibit_action",
        "POST",
        lima_readers(REDIRECT),
        kwargs=lambda world: {**exhibit_kwargs(world), "action": action},
        label=f"evidence:exhibit_action:{action}",
    )


@dataclass(frozen=True)
class Row:
    """One staff URL: its name, how it is requested, and the answer for each actor."""

    name: str
    method: str
    expected: dict[str, Expect]
    kwargs: Kwargs = no_kwargs
    label: str = ""  # the test id when one URL name has several rows (the case actions)
    # Actors for whom the request legitimately changes the case (everyone else must leave it untouched).
    may_change_case: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        return self.label or self.name

    def __post_init__(self) -> None:
        assert set(self.expected) == set(ACTORS), f"{self.id}: expected answers for {set(ACTORS) ^ set(self.expected)}"
        assert self.method in ("GET", "POST")


def case_action_row(action: str) -> Row:
    """A case action with an EMPTY POST body: the members get the case page back, everyone else a 404."""
    # The acknowledgement's message and the assignee are optional fields: for them an empty form is
    # a complete, valid request (send the standard acknowledgement; assign to nobody), so it acts
    # for those allowed to do it. Every other action refuses an empty form and changes nothing.
    may_change = {
        "acknowledge": frozenset(LIMA_READERS),
        "assign": frozenset({LIMA_SUPERVISOR}),
    }.get(action, frozenset())
    return Row(
        "staff:case_action",
        "POST",
        lima_readers(REDIRECT),
        kwargs=lambda world: {"public_id": world.case.public_id, "action": action},
        label=f"staff:case_action:{action}",
        may_change_case=may_change,
    )


ROWS: list[Row] = [
    # The queue: the operator, the auditor and the administrator are sent to their own home page.
    Row(
        "staff:queue",
        "GET",
        expect(
            OK,
            **{
                OPERATOR: Expect(302, "/staff/phone/"),
                AUDITOR: Expect(302, "/staff/audit/"),
                ADMINISTRATOR: Expect(302, "/staff/admin/"),
                MANAGER: Expect(302, "/staff/trends/"),
                CUSTODIAN: Expect(302, "/staff/identity/"),
            },
        ),
    ),
    # Logged-in staff who open the login page again are sent on to the queue.
    Row("staff:login", "GET", every_staff(Expect(302, "/staff/"), anonymous=OK)),
    Row("staff:logout", "POST", every_staff(TO_LOGIN)),
    Row("staff:account", "GET", every_staff(OK)),
    Row("staff:account_logout_everywhere", "POST", every_staff(TO_LOGIN)),
    Row("staff:account_password", "GET", every_staff(OK)),
    # Only a member whose password an administrator reset chooses their own here; everyone else goes to their account.
    Row("staff:account_own_password", "GET", every_staff(Expect(302, "/staff/account/"))),
    Row("staff:account_totp", "GET", expect(NOT_FOUND, **{ADMINISTRATOR: OK})),
    Row("staff:case", "GET", lima_readers(OK), kwargs=case_kwargs),
    *(case_action_row(action) for action in CASE_ACTIONS),
    Row("staff:phone_intake", "GET", expect(NOT_FOUND, **{OPERATOR: OK})),
    Row("staff:tip", "GET", lima_readers(OK), kwargs=tip_kwargs),
    Row(
        "staff:tip_attachment",
        "GET",
        lima_readers(OK),
        kwargs=lambda world: {"public_id": world.tip.public_id, "attachment_id": world.attachment.public_id},
    ),
    # The world's file is text, which has no safe copy: its readers are sent back to the tip with a message.
    Row(
        "staff:tip_attachment_safe_copy",
        "GET",
        lima_readers(REDIRECT),
        kwargs=lambda world: {"public_id": world.tip.public_id, "attachment_id": world.attachment.public_id},
    ),
    # A unit's members page and its forms: the unit's supervisors only (empty POSTs: an error message).
    Row("staff:unit_members", "GET", expect(NOT_FOUND, **{LIMA_SUPERVISOR: OK}), kwargs=unit_kwargs),
    Row("staff:unit_member_add", "POST", expect(NOT_FOUND, **{LIMA_SUPERVISOR: REDIRECT}), kwargs=unit_kwargs),
    # Removing a member and rotating the key first show a confirmation page (GET, or the list's POST
    # without confirm=yes); an empty POST acts on nothing.
    Row(
        "staff:unit_member_remove",
        "POST",
        expect(NOT_FOUND, **{LIMA_SUPERVISOR: OK}),
        kwargs=lambda world: {"slug": world.unit.slug, "member_id": world.members[LIMA_INVESTIGATOR].pk},
    ),
    Row(
        "staff:unit_member_remove",
        "GET",
        expect(NOT_FOUND, **{LIMA_SUPERVISOR: OK}),
        kwargs=lambda world: {"slug": world.unit.slug, "member_id": world.members[LIMA_INVESTIGATOR].pk},
        label="staff:unit_member_remove:confirm",
    ),
    Row("staff:unit_key_rotate", "POST", expect(NOT_FOUND, **{LIMA_SUPERVISOR: OK}), kwargs=unit_kwargs),
    Row(
        "staff:unit_key_rotate",
        "GET",
        expect(NOT_FOUND, **{LIMA_SUPERVISOR: OK}),
        kwargs=unit_kwargs,
        label="staff:unit_key_rotate:confirm",
    ),
    Row(
        "staff:staff_password_reset",
        "GET",
        expect(NOT_FOUND, **{ADMINISTRATOR: OK}),
        kwargs=lambda world: {"member_id": world.members[LIMA_INVESTIGATOR].pk},
    ),
    # The trends dashboard, its exports and its alerts: managers (the country) and supervisors (their units).
    Row("trends:dashboard", "GET", expect(NOT_FOUND, **{MANAGER: OK, LIMA_SUPERVISOR: OK})),
    Row(
        "trends:export",
        "GET",
        expect(NOT_FOUND, **{MANAGER: OK, LIMA_SUPERVISOR: OK}),
        kwargs=lambda world: {"name": "facilities"},
    ),
    # A spike alert at the Lima facility: the manager and Lima's supervisor may dismiss it (an empty form suffices).
    Row(
        "trends:alert_dismiss",
        "POST",
        expect(NOT_FOUND, **{MANAGER: Expect(302, "/staff/trends/"), LIMA_SUPERVISOR: Expect(302, "/staff/trends/")}),
        kwargs=spike_alert_kwargs,
    ),
    # Routing and role changes awaiting approval: supervisors, administrators, auditors and the national
    # unit's members see them; deciding (empty POSTs) is for the person's unit's supervisors, and the
    # others who see the page get a redirect back to it with an error message, the change untouched.
    Row("approvals:changes", "GET", expect(NOT_FOUND, **{actor: OK for actor in CHANGE_WATCHERS})),
    *(
        Row(
            f"approvals:{decision}",
            "POST",
            expect(NOT_FOUND, **{actor: Expect(302, "/staff/changes/") for actor in CHANGE_WATCHERS}),
            kwargs=pending_change_kwargs,
        )
        for decision in ("approve", "refuse")
    ),
    # Reserved identities: the custodian's pages exist for the custodian only; deciding is an empty POST (the
    # button), which sends the custodian back to the request. Asking is for the case's workers (an empty
    # POST: an error message back on the case page).
    Row("identity:requests", "GET", expect(NOT_FOUND, **{CUSTODIAN: OK})),
    Row("identity:request", "GET", expect(NOT_FOUND, **{CUSTODIAN: OK}), kwargs=disclosure_kwargs),
    *(
        Row(
            f"identity:{decision}",
            "POST",
            expect(NOT_FOUND, **{CUSTODIAN: Expect(302, "/staff/identity/requests/")}),
            kwargs=disclosure_kwargs,
        )
        for decision in ("approve", "refuse")
    ),
    Row("identity:ask", "POST", lima_readers(Expect(302, "/staff/cases/")), kwargs=reserved_identity_kwargs),
    # The audit log: auditors only; for anyone else it does not exist.
    Row("audit:events", "GET", expect(NOT_FOUND, **{AUDITOR: OK})),
    Row("audit:verify", "POST", expect(NOT_FOUND, **{AUDITOR: Expect(302, "/staff/audit/")})),
    # Linking: recording and removing a tip's entities and merging a suggested case, as the case page's
    # forms do (empty POSTs: an error message; the removal needs no form). A pseudonym's page is for every
    # role that reads tips, each seeing only what their units may (the recused investigator: nothing of
    # the Lima case); for the roles that never read a tip it does not exist.
    Row("linking:mention_record", "POST", lima_readers(REDIRECT), kwargs=tip_kwargs),
    Row("linking:mention_delete", "POST", lima_readers(REDIRECT), kwargs=mention_kwargs),
    Row("linking:mention_confirm", "POST", lima_readers(REDIRECT), kwargs=mention_kwargs),
    Row("linking:mention_correct", "POST", lima_readers(REDIRECT), kwargs=mention_kwargs),
    Row("linking:case_merge", "POST", lima_readers(REDIRECT), kwargs=case_kwargs),
    Row("linking:link_verdict", "POST", lima_readers(REDIRECT), kwargs=case_kwargs),
    # The investigation plan and interviews, as the case page's forms post them (empty POSTs: an error
    # message, but marking a task done needs no field: its assignee and the supervisor do mark it).
    Row("investigation:task_add", "POST", lima_readers(REDIRECT), kwargs=case_kwargs),
    Row(
        "investigation:task_done",
        "POST",
        lima_readers(REDIRECT),
        kwargs=task_kwargs,
        may_change_case=frozenset(LIMA_READERS),
    ),
    Row("investigation:task_change", "POST", lima_readers(REDIRECT), kwargs=task_kwargs),
    Row("investigation:interview_record", "POST", lima_readers(REDIRECT), kwargs=case_kwargs),
    Row(
        "linking:pseudonym",
        "GET",
        expect(
            NOT_FOUND,
            **{actor: OK for actor in (*LIMA_READERS, RECUSED, NORTE_INVESTIGATOR, NATIONAL_INVESTIGATOR)},
        ),
        kwargs=pseudonym_kwargs,
    ),
    # Evidence: a unit's searches are for its investigators and supervisors (each sees their own units'); a
    # case's exhibits for the case's readers. Empty POSTs register nothing and change no hands: the members
    # are sent back with a message. The exhibit has no file: its readers are sent back to it.
    Row(
        "evidence:searches",
        "GET",
        expect(
            NOT_FOUND,
            **{actor: OK for actor in (*LIMA_READERS, RECUSED, NORTE_INVESTIGATOR, NATIONAL_INVESTIGATOR)},
        ),
    ),
    Row("evidence:exhibit_register", "POST", lima_readers(REDIRECT), kwargs=case_kwargs),
    Row("evidence:exhibit", "GET", lima_readers(OK), kwargs=exhibit_kwargs),
    Row("evidence:exhibit_file", "GET", lima_readers(REDIRECT), kwargs=exhibit_kwargs),
    *(exhibit_action_row(action) for action in EXHIBIT_ACTIONS),
    # Outcomes: the case page's outcome forms (empty POSTs: an error message back on the case page), the
    # referral file (its supervisor, or its assignee: the Lima investigator is not assigned, so is sent back
    # to the case with a message), and the check of a referral file, for every role that reads tips.
    *(
        Row(
            "outcomes:outcome_action",
            "POST",
            lima_readers(REDIRECT),
            kwargs=lambda world, action=action: {"public_id": world.case.public_id, "action": action},
            label=f"outcomes:outcome_action:{action}",
        )
        for action in OUTCOME_ACTIONS
    ),
    # Protection: the case page's protection forms (empty POSTs: an error message back on the case page; a
    # supervisor's empty decision is refused as incomplete, so nobody changes the case).
    *(
        Row(
            "protection:protection_action",
            "POST",
            lima_readers(REDIRECT),
            kwargs=lambda world, action=action: {"public_id": world.case.public_id, "action": action},
            label=f"protection:protection_action:{action}",
        )
        for action in PROTECTION_ACTIONS
    ),
    # Retention: a legal hold's forms on the case page (empty POSTs: an error message back on the case page;
    # the services refuse anyone but the supervisor).
    *(
        Row(
            "retention:retention_action",
            "POST",
            lima_readers(REDIRECT),
            kwargs=lambda world, action=action: {"public_id": world.case.public_id, "action": action},
            label=f"retention:retention_action:{action}",
        )
        for action in RETENTION_ACTIONS
    ),
    Row(
        "outcomes:referral_file",
        "GET",
        expect(NOT_FOUND, **{LIMA_SUPERVISOR: OK, LIMA_INVESTIGATOR: Expect(302, "/staff/cases/")}),
        kwargs=case_kwargs,
    ),
    Row(
        "outcomes:referral_file_verify",
        "GET",
        expect(
            NOT_FOUND,
            **{actor: OK for actor in (*LIMA_READERS, RECUSED, NORTE_INVESTIGATOR, NATIONAL_INVESTIGATOR)},
        ),
    ),
]

# Representative URLs of the admin site (see ADMIN_NAMESPACE): administrators only; the site sends
# everyone else, logged in or not, to its login view.
ADMIN_ONLY = expect(TO_ADMIN_LOGIN, anonymous=TO_ADMIN_LOGIN, **{ADMINISTRATOR: OK})
ADMIN_ROWS: list[Row] = [
    Row(f"{ADMIN_NAMESPACE}:index", "GET", ADMIN_ONLY),
    Row(f"{ADMIN_NAMESPACE}:org_routingrule_changelist", "GET", ADMIN_ONLY),
    Row(f"{ADMIN_NAMESPACE}:org_routingrule_add", "GET", ADMIN_ONLY),
    Row(f"{ADMIN_NAMESPACE}:org_unit_change", "GET", ADMIN_ONLY, kwargs=lambda world: {"object_id": world.unit.pk}),
    Row(f"{ADMIN_NAMESPACE}:accounts_staffmember_changelist", "GET", ADMIN_ONLY),
]

MATRIX: list[Row] = ROWS + ADMIN_ROWS

# Cells where the application lets someone reach what they must not: (row id, actor) -> reason.
# Each is marked xfail(strict=True), so the suite documents the bug and notices its fix.
BUGS: dict[tuple[str, str], str] = {}


def _cells() -> Iterator[Any]:
    for row in MATRIX:
        for actor in ACTORS:
            reason = BUGS.get((row.id, actor))
            marks = [pytest.mark.xfail(strict=True, reason=f"BUG: {reason}")] if reason else []
            yield pytest.param(row, actor, id=f"{row.id}[{actor}]", marks=marks)


# --- the cells -----------------------------------------------------------------------------------------


def case_state(case: Case) -> dict[str, Any]:
    """Everything a case action could change: the case's own fields and what hangs off it."""
    return {
        "case": Case.objects.filter(pk=case.pk).values().get(),
        "events": list(case.events.values_list("pk", flat=True)),
        "notes": list(case.notes.values_list("pk", flat=True)),
        "recusals": list(case.recusals.values_list("pk", flat=True)),
        "tips": list(Tip.objects.filter(case_link__case=case).values("pk", "status", "unit_id")),
        "messages": list(Message.objects.filter(tip__case_link__case=case).values_list("pk", flat=True)),
        "tasks": list(Task.objects.filter(case=case).values("pk", "done_on", "result_ct")),
        "interviews": list(Interview.objects.filter(case=case).values_list("pk", flat=True)),
    }


@pytest.mark.parametrize(("row", "actor"), list(_cells()))
def test_access(world: World, row: Row, actor: str) -> None:
    client = Client() if actor == ANONYMOUS else staff_client(world.members[actor].user.get_username())
    url = reverse(row.name, kwargs=row.kwargs(world))
    expected = row.expected[actor]
    before = case_state(world.case)

    response = client.get(url) if row.method == "GET" else client.post(url, {})

    where = f"{row.method} {url} as {actor}"
    assert response.status_code == expected.status, f"{where}: {response.status_code}, expected {expected}"
    if expected.location is not None:
        assert response["Location"].startswith(expected.location), f"{where}: sent to {response['Location']}"
    if actor not in LIMA_READERS:
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        assert TIP_SECRET.encode() not in body and ATTACHMENT_SECRET not in body, f"{where}: the tip's content leaked"
    if row.name.startswith(("staff:case_action", "investigation:", "protection:")) and actor not in row.may_change_case:
        assert case_state(world.case) == before, f"{where}: the case changed"


# --- the guard -----------------------------------------------------------------------------------------


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, str]]:
    """Yield (route, namespaced name, namespace) of every URL pattern, recursively."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _walk(pattern.url_patterns, route, inner)
        else:
            assert isinstance(pattern, URLPattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name or f"<unnamed: {route}>", namespace


def staff_urls() -> list[tuple[str, str, str]]:
    return [found for found in _walk(get_resolver().url_patterns) if found[0].startswith("staff/")]


def test_every_staff_url_has_a_row_in_the_matrix() -> None:
    collected = {name for _route, name, namespace in staff_urls() if namespace.split(":")[0] != ADMIN_NAMESPACE}
    in_matrix = {row.name for row in ROWS}
    assert collected >= {"staff:queue", "staff:case", "audit:events"}, "the resolver walk found no staff URL"
    missing = sorted(collected - in_matrix)
    stale = sorted(in_matrix - collected)
    assert not missing, f"staff URLs without a row in the access matrix (add them to ROWS): {missing}"
    assert not stale, f"rows in the access matrix for URLs that no longer exist: {stale}"


def test_every_case_action_has_a_row() -> None:
    covered = {row.label.removeprefix("staff:case_action:") for row in ROWS if row.name == "staff:case_action"}
    assert covered == set(CASE_ACTIONS)


def test_every_outcome_action_has_a_row() -> None:
    covered = {
        row.label.removeprefix("outcomes:outcome_action:") for row in ROWS if row.name == "outcomes:outcome_action"
    }
    assert covered == set(OUTCOME_ACTIONS)


def test_every_retention_action_has_a_row() -> None:
    covered = {
        row.label.removeprefix("retention:retention_action:")
        for row in ROWS
        if row.name == "retention:retention_action"
    }
    assert covered == set(RETENTION_ACTIONS)


def test_the_admin_rows_name_admin_site_urls() -> None:
    admin_names = {name for _route, name, namespace in staff_urls() if namespace == ADMIN_NAMESPACE}
    assert {row.name for row in ADMIN_ROWS} <= admin_names


def test_every_cell_has_its_own_id() -> None:
    ids = [f"{row.id}[{actor}]" for row in MATRIX for actor in ACTORS]
    assert len(ids) == len(set(ids))
    assert not set(BUGS) - {(row.id, actor) for row in MATRIX for actor in ACTORS}, "a BUGS entry names no cell"
