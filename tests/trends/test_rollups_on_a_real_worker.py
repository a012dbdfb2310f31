"""The roll-up rebuild on a real Celery worker on Redis (CI sets REDIS_URL).

The worker process gets no key at all: it reads clear metadata only.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db.models import Sum

from accounts.models import StaffMember
from org.models import Facility
from tests.cases.test_celery_worker import Worker, through_the_broker, worker  # noqa: F401 - fixtures
from tests.factories import submit_tip
from tipline.models import Category, SmugglingChannel
from trends.models import TipRollup
from trends.tasks import rebuild_rollups

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis for a real worker: set REDIS_URL"),
]


def test_a_real_worker_rebuilds_the_rollups_from_clear_metadata(
    worker: Worker,  # noqa: F811 - the fixture imported above
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
) -> None:
    for channel in (SmugglingChannel.VISITORS, SmugglingChannel.VISITORS, SmugglingChannel.STAFF):
        submit_tip(facility=facilities["lurigancho"], category=Category.PHONES, smuggling_channel=channel)
    submit_tip(facility=facilities["trujillo"], category=Category.BRIBERY, smuggling_channel=SmugglingChannel.STAFF)
    TipRollup.objects.all().delete()  # whatever the submits refreshed: the worker must rebuild it all

    rebuild_rollups.apply_async(queue=worker.queue)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (TipRollup.objects.aggregate(total=Sum("tips"))["total"] or 0) == 4:
            break
        time.sleep(0.3)
    cells = {(row.facility_id, row.category, row.smuggling_channel): row.tips for row in TipRollup.objects.all()}
    assert cells == {
        (facilities["lurigancho"].pk, "phones", "visitors"): 2,
        (facilities["lurigancho"].pk, "phones", "staff"): 1,
        (facilities["trujillo"].pk, "bribery", "staff"): 1,
    }, worker.log.read_text()[-2000:]
