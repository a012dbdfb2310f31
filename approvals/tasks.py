"""Tell the national unit of each routing or role change asked for and decided, by mail.

A thin entry point (DESIGN.md, STYLE.md): it takes the change's id and the status it
announces, is queued after commit by approvals/services.py, and has a stable name.
"""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.core import mail
from django.db import OperationalError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import StaffMember
from approvals.models import PendingChange
from approvals.selectors import change_lines, change_subject
from org.models import Unit

# The staff mails are written in Spanish, as the daily summaries are (cases/digest.py).
MAIL_LANGUAGE = "es"


def national_unit_recipients() -> list[str]:
    """Return the addresses of the active members of the national unit (its supervisors included)."""
    addresses = (
        StaffMember.objects.filter(memberships__unit__kind=Unit.Kind.NATIONAL, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    return sorted(addresses)


def change_announcement_send(*, change: PendingChange, status: str) -> int:
    """Mail the national unit's members that the change was asked for or decided; return how many mails were sent."""
    recipients = national_unit_recipients()
    if not recipients:
        return 0
    with translation.override(MAIL_LANGUAGE):
        label = PendingChange.Status(status).label
        subject = _("[Tipline] %(kind)s change: %(status)s") % {"kind": change.get_kind_display(), "status": label}
        body = render_to_string(
            "approvals/email/change_announced.txt",
            {
                "change": change,
                "status_label": label,
                "subject": change_subject(change),
                "lines": change_lines(change),
            },
        )
    # One message per person: members do not see each other's addresses.
    messages = [mail.EmailMessage(subject=subject, body=body, to=[address]) for address in recipients]
    return mail.get_connection().send_messages(messages) or 0


@shared_task(
    name="approvals.announce_change",
    time_limit=60,
    soft_time_limit=45,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError, OperationalError),
    retry_backoff=60,
    max_retries=3,
)
def announce_change(change_id: int, status: str) -> int:
    """Mail the national unit that change `change_id` reached `status`; return how many mails were sent."""
    change = PendingChange.objects.select_related("requested_by", "decided_by").filter(pk=change_id).first()
    if change is None:
        return 0
    return change_announcement_send(change=change, status=status)
