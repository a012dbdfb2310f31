"""/metrics: hidden without its token, staff latency by view name, tips of complete days, nothing public."""

from __future__ import annotations

import datetime

import pytest
from django.conf import LazySettings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import public_client, submit_tip
from tipline.models import Tip

TOKEN = "operators-scrape-token-for-this-test"
pytestmark = pytest.mark.django_db


@pytest.fixture
def metrics_on(settings: LazySettings) -> LazySettings:
    settings.TIPLINE_METRICS_TOKEN = TOKEN
    cache.delete("metrics:tips-received-by-day")
    return settings


def scrape(token: str = TOKEN) -> str:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def test_metrics_is_not_found_without_a_configured_token(settings: LazySettings) -> None:
    settings.TIPLINE_METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@pytest.mark.parametrize("header", [None, "", "Bearer wrong-token", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x"])
def test_metrics_is_not_found_without_the_right_token(metrics_on: LazySettings, header: str | None) -> None:
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = Client().get("/metrics", **extra)
    assert response.status_code == 404
    # The site's ordinary 404, like any unknown address.
    unknown = Client().get("/no-such-page")
    assert [t.name for t in response.templates] == [t.name for t in unknown.templates]


def test_metrics_answers_with_the_token(metrics_on: LazySettings) -> None:
    text = scrape()
    assert "tipline_staff_request_duration_seconds" in text
    assert "tipline_tips_received" in text
    if metrics_on.REDIS_URL and not metrics_on.CELERY_TASK_ALWAYS_EAGER:
        assert "tipline_celery_queue_length" in text


def test_a_staff_request_is_timed_by_its_view_name(metrics_on: LazySettings, cast: dict[str, StaffMember]) -> None:
    def queue_views() -> float:
        return sum(
            value
            for labels, value in samples(scrape(), "tipline_staff_request_duration_seconds_count")
            if labels == {"view": "staff:queue", "method": "GET", "status": "2xx"}
        )

    before = queue_views()
    client = staff_client("lima_investigator")
    assert client.get("/staff/").status_code == 200
    assert queue_views() == before + 1


def test_no_label_comes_from_the_public_side(
    metrics_on: LazySettings, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    visitor = public_client()
    for path in ("/", "/report/", "/followup/", "/no-such-page", "/report/?q=203.0.113.9"):
        visitor.get(path, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox/128.0", HTTP_REFERER="https://x.example/")
    staff_client("lima_investigator").get("/staff/")
    text = scrape()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for key, value in sample.labels.items():
                assert "/" not in value and "203.0.113.9" not in value and "Firefox" not in value
                if key == "view":
                    assert value.split(":")[0] != "tipline", sample
    assert "tipline:" not in text


def test_tips_per_day_covers_the_last_complete_days_and_never_today(
    metrics_on: LazySettings, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    facility = next(iter(facilities.values()))
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    for _ in range(3):
        submit_tip(facility=facility)
    Tip.objects.update(received_on=yesterday)
    submit_tip(facility=facility)  # today's: not shown
    days = dict((labels["day"], value) for labels, value in samples(scrape(), "tipline_tips_received"))
    assert len(days) == 7
    assert days[yesterday.isoformat()] == 3
    assert today.isoformat() not in days
    assert sum(days.values()) == 3


@pytest.mark.parametrize(("waiting", "shown"), [(0, 0), (1, 0), (99, 0), (100, 100), (257, 200)])
def test_the_queue_length_is_shown_in_hundreds_so_it_never_counts_tips(
    settings: LazySettings, monkeypatch: pytest.MonkeyPatch, waiting: int, shown: int
) -> None:
    """Each new tip queues a task: an exact length scraped every 15 s would count the tips of each 15 s."""
    import redis

    from config import metrics

    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    lengths = iter([waiting] + [0] * 10)
    monkeypatch.setattr(redis.Redis, "llen", lambda self, name: next(lengths))
    assert metrics.celery_queue_length() == shown
