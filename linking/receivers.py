"""Receivers for the public side's signals: the entities a report or a reply names are found as it arrives.

The text and the tip's data key are in memory anyway while intake seals them; what is
found is sealed under the data key, waiting for a staff session to link it
(linking.automatic). Nothing here holds or needs the index key.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from linking.automatic import candidates_store
from tipline.models import Tip
from tipline.signals import tip_submitted, whistleblower_replied


@receiver(tip_submitted, dispatch_uid="linking-find-entities-in-report")
def find_entities_in_report(sender: type[Tip], *, tip: Tip, data_key: bytes, text: str, **kwargs: Any) -> None:
    candidates_store(tip=tip, data_key=data_key, text=text)


@receiver(whistleblower_replied, dispatch_uid="linking-find-entities-in-reply")
def find_entities_in_reply(sender: type[Tip], *, tip: Tip, data_key: bytes, text: str, **kwargs: Any) -> None:
    candidates_store(tip=tip, data_key=data_key, text=text)
