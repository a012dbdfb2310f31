"""Logging filters that keep client identity out of every log line."""

from __future__ import annotations

import logging


class DropRequestFilter(logging.Filter):
    """Remove request objects from log records so no handler can format their headers.

    django.request and django.server attach the request (or the socket handler)
    to the record; a formatter or an error-mail handler could print its META.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        return True
