"""LOG_FORMAT=json: each line a JSON object with the level, the logger and the message, nothing else."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from tipline.logging import JsonLineFormatter

ADDRESS = "203.0.113.77"
USER_AGENT = "Mozilla/5.0 (Whistleblower's phone) Firefox/128.0"
REFERRER = "https://search.example/?q=denunciar+penal"


def record(**extra: object) -> logging.LogRecord:
    made = logging.LogRecord("tipline.test", logging.WARNING, __file__, 1, "the %s is full", ("queue",), None)
    made.__dict__.update(extra)
    return made


def test_a_record_has_exactly_level_logger_and_message() -> None:
    line = JsonLineFormatter().format(record(status_code=500, request=object(), client_ip=ADDRESS))
    assert json.loads(line) == {"level": "WARNING", "logger": "tipline.test", "message": "the queue is full"}


def test_an_exception_keeps_its_traceback_text_and_nothing_more() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        made = logging.LogRecord("tipline.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    data = json.loads(JsonLineFormatter().format(made))
    assert set(data) == {"level", "logger", "message", "exc_info"}
    assert "RuntimeError: boom" in data["exc_info"]


def test_log_format_json_switches_the_console_handler(tmp_path: object) -> None:
    """The settings as a process sees them: LOG_FORMAT=json, the project's LOGGING, a warning logged."""
    code = (
        "import logging, logging.config; from django.conf import settings; "
        "logging.config.dictConfig(settings.LOGGING); logging.getLogger('tipline.check').warning('hello')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", "LOG_FORMAT": "json"}
    env["TIPLINE_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(  # noqa: S603 - our own fixed command line  # nosec B603
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stderr) == {"level": "WARNING", "logger": "tipline.check", "message": "hello"}


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Configure the project's LOGGING with the JSON formatter, its console writing into the returned buffer."""
    output = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"] |= {"formatter": "json", "stream": output}
    logging.config.dictConfig(config)
    yield output
    logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
def test_a_failing_public_request_logs_no_address_user_agent_referrer_or_time(
    json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("template engine exploded")

    monkeypatch.setattr("tipline.views.render", broken)
    client = Client(raise_request_exception=False, HTTP_USER_AGENT=USER_AGENT, HTTP_REFERER=REFERRER)
    response = client.get("/", REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR=ADDRESS)
    assert response.status_code == 500

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert lines, "the unhandled error must be logged"
    error = next(line for line in lines if line["logger"] == "django.request")
    assert "template engine exploded" in error["exc_info"]
    for line in lines:
        assert set(line) <= {"level", "logger", "message", "exc_info"}
        text = json.dumps(line)
        for identity in (ADDRESS, USER_AGENT, "Firefox", "search.example"):
            assert identity not in text
