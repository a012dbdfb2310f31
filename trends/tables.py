"""Tables of published aggregates: what is behind each chart, and what each CSV export holds.

The page and the export render the same `Table`, so they cannot disagree, and both
only ever see published counts (trends/suppression.py).
"""

from __future__ import annotations

import csv
import datetime
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.formats import date_format, number_format
from django.utils.functional import Promise

from trends.suppression import Published

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TableCell = str | Promise | int | Decimal | Published | datetime.date | None
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
MISSING = "—"


@dataclass(frozen=True)
class Table:
    """A titled table: one header row, then rows of cells."""

    name: str
    title: StrOrPromise
    columns: Sequence[StrOrPromise | datetime.date]
    rows: Sequence[Sequence[TableCell]]


def cell_text(value: TableCell, *, localize: bool) -> str:
    """Return a cell as text: localized numbers and dates for the page, plain ones for CSV."""
    if value is None:
        return MISSING
    if isinstance(value, Published):
        return str(value)
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT") if localize else value.isoformat()
    if isinstance(value, Decimal | int):
        return number_format(value, use_l10n=True) if localize else str(value)
    return str(value)


def column_text(column: StrOrPromise | datetime.date, *, localize: bool) -> str:
    """Return a header as text (the heat map's headers are weeks)."""
    if isinstance(column, datetime.date):
        return cell_text(column, localize=localize)
    return str(column)


def html_escape(text: object) -> str:
    """Escape for HTML as django.utils.html.escape does, without its lazy-string wrapper (thousands of calls a page)."""
    return html.escape(str(text), quote=True)


def csv_safe(text: str) -> str:
    """Return text that a spreadsheet shows as text: a quote before a leading formula character."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def table_csv(table: Table) -> str:
    """Return the table as CSV (RFC 4180), every cell injection-safe."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow([csv_safe(column_text(column, localize=False)) for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_safe(cell_text(value, localize=False)) for value in row])
    return output.getvalue()
