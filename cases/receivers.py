"""Receivers for the public side's signals: every tip gets a case, every reply a timeline entry."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from cases.services import case_open_for_tip, case_reply_received
from tipline.models import Tip
from tipline.signals import tip_submitted, whistleblower_replied


@receiver(tip_submitted, dispatch_uid="cases-open-case-for-tip")
def open_case_for_tip(sender: type[Tip], *, tip: Tip, **kwargs: Any) -> None:
    case_open_for_tip(tip=tip)


@receiver(whistleblower_replied, dispatch_uid="cases-note-reply")
def note_reply(sender: type[Tip], *, tip: Tip, **kwargs: Any) -> None:
    case_reply_received(tip=tip)
