"""Tell the custodians of a new disclosure request, and the member who asked of the decision, by mail.

Thin entry points (STYLE.md): they take the request's id, are queued after commit by
identity/services.py, have stable names, and mail no content: not the reason, not
the code, not the contact; only that there is something to look at and where.
"""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.core import mail
from django.db import OperationalError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role, StaffMember
from identity.models import DisclosureRequest

# The staff mails are written in Spanish, as the daily summaries are (cases/digest.py).
MAIL_LANGUAGE = "es"
RETRY = {
    "time_limit": 60,
    "soft_time_limit": 45,
    "autoretry_for": (smtplib.SMTPException, ConnectionError, TimeoutError, OperationalError),
    "retry_backoff": 60,
    "max_retries": 3,
}


def _send(*, recipients: list[str], subject: str, body: str) -> int:
    # One message per person: nobody sees another's address.
    if not recipients:
        return 0
    messages = [mail.EmailMessage(subject=subject, body=body, to=[address]) for address in recipients]
    return mail.get_connection().send_messages(messages) or 0


def custodian_recipients() -> list[str]:
    """Return the addresses of the active identity custodians who hold a custodian key."""
    addresses = (
        StaffMember.objects.filter(role=Role.CUSTODIAN, user__is_active=True, custodian_grants__isnull=False)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    return sorted(addresses)


@shared_task(name="identity.announce_disclosure_request", **RETRY)
def announce_disclosure_request(request_id: int) -> int:
    """Mail the custodians that disclosure request `request_id` awaits a decision; return how many mails were sent."""
    request = DisclosureRequest.objects.filter(pk=request_id).first()
    if request is None:
        return 0
    with translation.override(MAIL_LANGUAGE):
        subject = _("[Tipline] A disclosure of a reserved identity awaits your decision")
        body = render_to_string(
            "identity/email/request_announced.txt",
            {"path": reverse("identity:request", kwargs={"public_id": request.public_id})},
        )
    return _send(recipients=custodian_recipients(), subject=subject, body=body)


@shared_task(name="identity.announce_disclosure_decision", **RETRY)
def announce_disclosure_decision(request_id: int) -> int:
    """Mail the member who asked that disclosure request `request_id` was decided; return how many mails were sent."""
    request = DisclosureRequest.objects.select_related("requested_by__user", "case").filter(pk=request_id).first()
    if request is None or not request.requested_by.user.email:
        return 0
    with translation.override(MAIL_LANGUAGE):
        subject = _("[Tipline] The custodian decided your disclosure request")
        body = render_to_string(
            "identity/email/decision_announced.txt",
            {
                "status_label": request.get_status_display(),
                "path": reverse("staff:case", kwargs={"public_id": request.case.public_id}),
            },
        )
    return _send(recipients=[request.requested_by.user.email], subject=subject, body=body)
