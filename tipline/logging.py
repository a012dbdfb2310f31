"""Logging filters and the JSON formatter that keep client identity (and the time) out of every log line."""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter


class DropRequestFilter(logging.Filter):
    """Remove request objects from log records so no handler can format their headers.

    django.request and django.server attach the request (or the socket handler)
    to the record; a formatter or an error-mail handler could print its META.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        return True


class DropPublicResponseFilter(logging.Filter):
    """Drop Django's line about a refused public request ("Bad Request: /followup/", "Forbidden (CSRF ...)").

    django.request and django.security log every 4xx and 5xx answer with its path, and the log stamps
    it: a mistyped tracking code or a report refused in a flood would be dated to the
    second (DESIGN.md section 8). Those answers are expected and counted for the day
    (tipline/abuse.py). Staff paths, and unhandled errors (with their traceback)
    anywhere, are still logged. Runs before DropRequestFilter, which removes the request.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "django.request" and not record.name.startswith("django.security."):
            return True
        if record.exc_info and getattr(record, "status_code", 500) >= 500:
            return True  # an unhandled error: the operator must see it
        request = getattr(record, "request", None)
        return request is None or str(getattr(request, "path", "")).startswith("/staff/")


class JsonLineFormatter(JsonFormatter):
    """Format a record as one JSON object holding only its level, logger name and message (LOG_FORMAT=json).

    No time, process or thread id, and none of the record's extra attributes (django.request adds
    the request and the status code; another library might add anything): a log collector stamps
    lines anyway, and a field added later by a library must not carry a client's identity into
    the logs (DESIGN.md section 8). An exception keeps its traceback text, under "exc_info".
    """

    KEPT = frozenset({"level", "logger", "message", "exc_info", "stack_info"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in log_data.items() if key in self.KEPT}
