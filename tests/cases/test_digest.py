"""The morning summary to each unit and the deadline reminders to assignees: counts, in Spanish, once a day."""

from __future__ import annotations

import datetime
import smtplib
from dataclasses import dataclass

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError
from django.utils import timezone
from django.utils.translation import gettext, override

from accounts.models import StaffMember
from cases.digest import UnitDigest, unit_digest, unit_digest_send
from cases.models import Case, DailyMailSent
from cases.statuses import CaseStatus
from cases.tasks import send_assignee_reminder, send_daily_digests, send_deadline_reminders, send_unit_digest
from config.celery import app as celery_app
from envelope.primitives import format_receipt
from org.models import Facility, Unit
from tests.factories import submit_tip

pytestmark = pytest.mark.django_db

DAYS = datetime.timedelta(days=1)
SPANISH_MONTHS = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _own_cache_and_eager_tasks(fresh_cache: None, eager_celery: None) -> None:
    """Each test gets its own cache and runs tasks inline (fixtures in tests/conftest.py)."""


def give_addresses(cast: dict[str, StaffMember]) -> dict[str, StaffMember]:
    """Give every actor of the cast an address, `<name>@example.org`."""
    for name, member in cast.items():
        get_user_model().objects.filter(pk=member.user_id).update(email=f"{name}@example.org")
    return cast


@pytest.fixture
def with_emails(cast: dict[str, StaffMember]) -> dict[str, StaffMember]:
    return give_addresses(cast)


@dataclass(frozen=True)
class Crafted:
    """The cases of `craft_cases`, and every secret their tips carried."""

    day: datetime.date
    cases: dict[str, Case]
    secrets: list[str]


def craft_cases(*, cast: dict[str, StaffMember], facilities: dict[str, Facility], day: datetime.date) -> Crafted:
    """Submit six tips through the real intake, then age their cases into a known mix.

    Lima, on `day`: 1 new yesterday (acknowledgement due tomorrow, unassigned), 1
    received today (acknowledgement due in 2 days, assigned to the supervisor), 1 in
    triage with feedback 3 days late, 1 under investigation with acknowledgement and
    protection decision late, 1 closed (late, but closed). Norte: 1 new yesterday.
    """
    secrets: list[str] = []
    cases: dict[str, Case] = {}

    def submit(name: str, facility: Facility, protection: bool = False) -> Case:
        description = f"DESCRIPTION-CANARY-{name}: el técnico Quispe entra celulares en el pabellón B"
        contact = f"CONTACT-CANARY-{name} +51 987 654 321"
        tip, receipt = submit_tip(
            facility=facility, description=description, contact=contact, protection_requested=protection
        )
        secrets.extend([description, contact, receipt, format_receipt(receipt)])
        cases[name] = tip.case_link.case
        return cases[name]

    lima, norte = facilities["lurigancho"], facilities["trujillo"]
    investigator, supervisor = cast["lima_investigator"], cast["lima_supervisor"]
    received = CaseStatus.RECEIVED

    new = submit("new", lima, protection=True)
    Case.objects.filter(pk=new.pk).update(
        received_on=day - DAYS, acknowledge_due=day + DAYS, protection_due=day + 10 * DAYS, status=received
    )
    today = submit("today", lima)
    Case.objects.filter(pk=today.pk).update(received_on=day, acknowledge_due=day + 2 * DAYS, assignee=supervisor)
    feedback = submit("feedback", lima)
    Case.objects.filter(pk=feedback.pk).update(
        received_on=day - 100 * DAYS,
        status=CaseStatus.TRIAGE,
        acknowledge_due=day - 93 * DAYS,
        acknowledged_on=day - 95 * DAYS,
        feedback_due=day - 3 * DAYS,
        assignee=investigator,
    )
    late = submit("late", lima, protection=True)
    Case.objects.filter(pk=late.pk).update(
        received_on=day - 20 * DAYS,
        status=CaseStatus.INVESTIGATING,
        acknowledge_due=day - 2 * DAYS,
        feedback_due=day + 70 * DAYS,
        protection_due=day - DAYS,
        assignee=investigator,
    )
    closed = submit("closed", lima)
    Case.objects.filter(pk=closed.pk).update(
        received_on=day - 30 * DAYS,
        status=CaseStatus.SUBSTANTIATED,
        acknowledge_due=day - 23 * DAYS,
        feedback_due=day - 2 * DAYS,
        closed_on=day - 5 * DAYS,
        assignee=investigator,
    )
    norte_case = submit("norte", norte)
    Case.objects.filter(pk=norte_case.pk).update(
        received_on=day - DAYS, acknowledge_due=day + 6 * DAYS, assignee=cast["norte_investigator"]
    )
    return Crafted(day=day, cases=cases, secrets=secrets)


@pytest.fixture
def crafted(with_emails: dict[str, StaffMember], facilities: dict[str, Facility]) -> Crafted:
    return craft_cases(cast=with_emails, facilities=facilities, day=timezone.localdate())


def es(text: str) -> str:
    """Return a message of the mails as a Spanish reader gets it (English until the catalogue has it)."""
    with override("es"):
        return gettext(text)


def es_label(status: CaseStatus) -> str:
    with override("es"):
        return str(status.label)


def counts_in(body: str) -> dict[str, int]:
    """Return the `label: number` lines of a mail, by label."""
    counts = {}
    for line in body.splitlines():
        label, sep, number = line.strip().rpartition(": ")
        if sep and number.isdigit():
            counts[label] = int(number)
    return counts


def digests_for(unit: Unit) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if unit.name in message.subject]


def test_the_digest_counts_a_units_cases(crafted: Crafted, units: dict[str, Unit]) -> None:
    digest = unit_digest(unit=units["lima"], day=crafted.day, new_since=crafted.day - DAYS)

    assert digest == UnitDigest(
        unit_name="Lima IA",
        day=crafted.day,
        new_cases=1,
        open_by_status=[
            (CaseStatus.RECEIVED.label, 2),
            (CaseStatus.TRIAGE.label, 1),
            (CaseStatus.INVESTIGATING.label, 1),
        ],
        acknowledge_due_soon=2,
        acknowledge_overdue=1,
        feedback_overdue=1,
        protection_overdue=1,
        unassigned=1,
    )
    assert digest.open_total == 4


def test_the_digest_mail_reports_the_counts(crafted: Crafted, units: dict[str, Unit]) -> None:
    send_daily_digests.delay(crafted.day.isoformat())

    lima_mails = digests_for(units["lima"])
    assert len(lima_mails) == 2
    counts = counts_in(lima_mails[0].body)
    assert counts[es_label(CaseStatus.RECEIVED)] == 2
    assert counts[es_label(CaseStatus.TRIAGE)] == 1
    assert counts[es_label(CaseStatus.INVESTIGATING)] == 1
    assert counts[es("New cases received since the last summary")] == 1
    assert counts[es("Open cases")] == 4
    with override("es"):
        due_soon_label = gettext("Acknowledgements due within %(days)s days") % {"days": 2}
    assert counts[due_soon_label] == 2
    assert counts[es("Acknowledgements overdue")] == 1
    assert counts[es("Feedback overdue")] == 1
    assert counts[es("Protection decisions overdue")] == 1
    assert counts[es("Open cases not assigned to anyone")] == 1

    norte_counts = counts_in(digests_for(units["norte"])[0].body)
    assert norte_counts[es("New cases received since the last summary")] == 1
    assert norte_counts[es("Open cases")] == 1
    assert norte_counts[es("Open cases not assigned to anyone")] == 0


def test_no_mail_carries_content_receipts_or_facilities(crafted: Crafted, facilities: dict[str, Facility]) -> None:
    send_daily_digests.delay(crafted.day.isoformat())
    send_deadline_reminders.delay(crafted.day.isoformat())

    assert len(mail.outbox) == 4 + 2  # the summaries of three units, the reminders of two assignees
    for message in mail.outbox:
        text = message.subject + "\n" + message.body
        for secret in crafted.secrets:
            assert secret not in text
        assert "CANARY" not in text
        assert not any(len(word) >= 16 and word.isdigit() for word in text.replace(" ", "").split())
        for facility in facilities.values():
            assert facility.name not in text
        assert "Lurigancho" not in text
        assert "Trujillo" not in text
        for case in crafted.cases.values():
            assert str(case.public_id) not in text


def test_only_the_units_members_receive_its_digest(crafted: Crafted, units: dict[str, Unit]) -> None:
    get_user_model().objects.filter(username="lima_supervisor").update(is_active=False)

    send_daily_digests.delay(crafted.day.isoformat())

    assert [m.to for m in digests_for(units["lima"])] == [["lima_investigator@example.org"]]
    assert [m.to for m in digests_for(units["norte"])] == [["norte_investigator@example.org"]]
    assert [m.to for m in digests_for(units["national"])] == [["national_investigator@example.org"]]
    everyone = {address for message in mail.outbox for address in message.to + message.cc + message.bcc}
    assert "manager@example.org" not in everyone
    assert "admin@example.org" not in everyone


def test_a_member_without_an_address_is_skipped(crafted: Crafted, units: dict[str, Unit]) -> None:
    get_user_model().objects.filter(username="lima_investigator").update(email="")

    send_daily_digests.delay(crafted.day.isoformat())

    assert [m.to for m in digests_for(units["lima"])] == [["lima_supervisor@example.org"]]


def test_the_digest_is_sent_once_a_day_even_if_the_task_runs_twice(crafted: Crafted, units: dict[str, Unit]) -> None:
    day = crafted.day
    send_daily_digests.delay(day.isoformat())
    send_daily_digests.delay(day.isoformat())
    send_daily_digests.delay()  # the beat's call: today in Lima

    assert len(mail.outbox) == 4
    assert len(digests_for(units["lima"])) == 2

    # The next morning's summary is sent, and its new cases are those received since this one.
    send_daily_digests.delay((day + DAYS).isoformat())
    assert len(mail.outbox) == 8
    tomorrow = counts_in(digests_for(units["lima"])[-1].body)
    assert tomorrow[es("New cases received since the last summary")] == 1  # the one received `day`


def test_a_cache_that_forgets_everything_does_not_send_the_day_twice(crafted: Crafted, units: dict[str, Unit]) -> None:
    """Redis keeps nothing on disk by default: a restart between two runs must not mean a second mail."""
    assert unit_digest_send(unit=units["lima"], day=crafted.day) == 2

    cache.clear()  # what a Redis restart does to the cache

    assert unit_digest_send(unit=units["lima"], day=crafted.day) == 0
    assert len(digests_for(units["lima"])) == 2
    assert DailyMailSent.objects.filter(kind=DailyMailSent.Kind.UNIT_DIGEST, day=crafted.day).count() == 1


def test_a_database_outage_while_sending_releases_the_day_for_the_retry(
    crafted: Crafted, units: dict[str, Unit], monkeypatch: pytest.MonkeyPatch
) -> None:
    def connection_lost(self: EmailBackend, messages: object) -> int:
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        patch.setattr(EmailBackend, "send_messages", connection_lost)
        with pytest.raises(OperationalError):
            unit_digest_send(unit=units["lima"], day=crafted.day)

    # The tasks retry on a database error (with backoff), and the retry finds the day unclaimed.
    assert OperationalError in send_unit_digest.autoretry_for
    assert OperationalError in send_assignee_reminder.autoretry_for
    assert unit_digest_send(unit=units["lima"], day=crafted.day) == 2


def test_a_failed_send_is_sent_by_the_retry(
    crafted: Crafted, units: dict[str, Unit], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: EmailBackend, messages: object) -> int:
        raise smtplib.SMTPServerDisconnected("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailBackend, "send_messages", refuse)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            unit_digest_send(unit=units["lima"], day=crafted.day)

    assert unit_digest_send(unit=units["lima"], day=crafted.day) == 2
    assert unit_digest_send(unit=units["lima"], day=crafted.day) == 0


def test_the_digest_is_in_spanish(crafted: Crafted, units: dict[str, Unit]) -> None:
    send_daily_digests.delay(crafted.day.isoformat())

    message = digests_for(units["lima"])[0]
    assert "Recibida: 2" in message.body
    assert "En evaluación: 1" in message.body
    assert "En investigación: 1" in message.body
    assert f"{crafted.day.day} de {SPANISH_MONTHS[crafted.day.month - 1]} de {crafted.day.year}" in message.body
    assert "Received" not in message.body


def test_the_digests_own_words_are_spanish(crafted: Crafted, units: dict[str, Unit]) -> None:
    send_daily_digests.delay(crafted.day.isoformat())

    message = digests_for(units["lima"])[0]
    assert message.subject == "[Tipline] Resumen diario de Lima IA"
    assert "Casos abiertos: 4" in message.body
    assert "Open cases" not in message.body


def test_assignees_are_reminded_of_their_deadlines_once_a_day(crafted: Crafted) -> None:
    day = crafted.day.isoformat()
    send_deadline_reminders.delay(day)
    send_deadline_reminders.delay(day)

    assert len(mail.outbox) == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["lima_investigator@example.org", "lima_supervisor@example.org"]
    with override("es"):
        due_soon_label = gettext("Cases with a deadline within %(days)s days") % {"days": 2}
        passed_label = gettext("Cases with a deadline already passed")
    investigator = counts_in(by_address["lima_investigator@example.org"].body)
    assert investigator == {passed_label: 2, due_soon_label: 0}  # the closed case does not count
    supervisor = counts_in(by_address["lima_supervisor@example.org"].body)
    assert supervisor == {passed_label: 0, due_soon_label: 1}
    assert all(len(message.to) == 1 for message in mail.outbox)


def test_the_morning_beat_runs_both_tasks_at_seven_in_lima() -> None:
    celery_app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert settings.CELERY_TIMEZONE == "America/Lima"
    assert schedule["every-morning-send-unit-digests"]["task"] == "cases.send_daily_digests"
    assert schedule["every-morning-remind-assignees-of-deadlines"]["task"] == "cases.send_deadline_reminders"
    for entry in schedule.values():
        assert entry["task"] in celery_app.tasks
    for name in ("every-morning-send-unit-digests", "every-morning-remind-assignees-of-deadlines"):
        assert schedule[name]["schedule"] == crontab(hour=7, minute=0)
