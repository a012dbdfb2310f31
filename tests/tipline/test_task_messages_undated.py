"""What a new tip puts on the Celery broker: the facility and the week, never a time.

Celery writes `eta`, `expires` and a countdown as timestamps to the microsecond; beside
the facility and the week of a refresh queued by a tip, they would date the submission
for anyone reading Redis. The test catches the real message at the producer, as a
worker's broker would receive it (tasks not eager, nothing sent anywhere).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from kombu.messaging import Producer

from config.celery import app as celery_app
from org.models import Facility
from tests.factories import hidden_inputs, public_client, receipt_from, report_data, submit_tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def published() -> Iterator[list[dict[str, Any]]]:
    """Queue tasks for a broker (not eager) and return what each publish would have sent."""
    messages: list[dict[str, Any]] = []

    def publish(self: Producer, body: Any, **kwargs: Any) -> None:
        messages.append({"body": body, **kwargs})

    before = celery_app.conf.task_always_eager
    celery_app.conf.update(task_always_eager=False)
    with mock.patch.object(Producer, "publish", publish):
        yield messages
    celery_app.conf.update(task_always_eager=before)


def test_the_refresh_a_new_tip_queues_carries_the_cell_and_no_time(
    cast: object,
    facilities: dict[str, Facility],
    published: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        tip, _receipt = submit_tip(facility=facilities["lurigancho"])

    refreshes = [m for m in published if m["headers"]["task"] == "trends.refresh_tip_cells"]
    assert len(refreshes) == 1
    message = refreshes[0]
    monday = tip.received_on - datetime.timedelta(days=tip.received_on.weekday())
    args, kwargs, _embed = json.loads(json.dumps(message["body"]))  # as the JSON serializer will send it
    assert args == [[[facilities["lurigancho"].pk, monday.isoformat()]]]
    assert kwargs == {}
    assert message["headers"]["eta"] is None
    assert message["headers"]["expires"] is None
    assert "countdown" not in message and "expiration" not in message
    # No field of the message, headers or properties, holds today's date with a time.
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    assert f"{today}T" not in json.dumps(message, default=str)


def test_nothing_a_whistleblower_does_queues_a_message_with_a_time(
    cast: object,
    facilities: dict[str, Facility],
    published: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = public_client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/report/", report_data(facilities["lurigancho"]))
        receipt = receipt_from(response.content.decode())
        page = client.get("/followup/").content.decode()
        client.post("/followup/", {**hidden_inputs(page), "receipt": receipt})
        thread = client.get("/followup/").content.decode()
        reply = {**hidden_inputs(thread), "action": "reply", "body": "Sigo aquí, hay más."}
        assert client.post("/followup/", reply).status_code == 302

    assert published, "nothing was queued: this test would prove nothing"
    for message in published:
        assert message["headers"]["eta"] is None, message["headers"]["task"]
        assert message["headers"]["expires"] is None, message["headers"]["task"]
