"""After `make run`, the demo's two reports about "el Flaco" are linked without anyone clicking (issue 11)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command

from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from linking.automatic import pending_link
from linking.models import TipLink
from tipline.models import Tip, WhenPeriod
from tipline.services import TipSubmission, tip_submit

pytestmark = pytest.mark.django_db


def _links_between(a: Tip, b: Tip) -> bool:
    low, high = sorted((a.pk, b.pk))
    return TipLink.objects.filter(tip_low_id=low, tip_high_id=high).exists()


def test_the_demo_reports_about_one_guard_are_linked_and_a_new_spelling_joins_them(
    settings: LazySettings, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    # As `make run` leaves it: the demo's escrow private key beside the public one.
    (tmp_path / "escrow").mkdir(exist_ok=True)
    (tmp_path / "escrow" / "DEMO-escrow-private.key").write_bytes(settings.TEST_ESCROW_PRIVATE_KEY)
    out = StringIO()
    call_command("load_demo", synthetic=0, stdout=out)

    samples = list(Tip.objects.order_by("pk")[:7])
    flaco_1, flaco_2 = samples[1], samples[2]
    assert "demo report(s) automatically" in out.getvalue()
    assert _links_between(flaco_1, flaco_2), "linked at load, nobody clicked"

    new, _receipt = tip_submit(
        submission=TipSubmission(
            facility=flaco_1.facility,
            category=flaco_1.category,
            smuggling_channel=flaco_1.smuggling_channel,
            staff_involved="no",
            when_period=WhenPeriod.THIS_WEEK,
            occurred_on=None,
            description="DEMO (inventado): el tecnico RAMIRO KORI WAMAN sigue cobrando el cupo en el pabellón 2.",
            contact="",
        )
    )
    investigator = StaffMember.objects.get(user__username="investigator")
    vault = staff_unlock_keys(member=investigator, password=settings.TIPLINE_DEMO_PASSWORD)
    assert pending_link(vault=vault) >= 1

    assert _links_between(new, flaco_1) and _links_between(new, flaco_2)
