"""Render a trends Table as HTML: the data behind each chart, built in Python (the heat map's has thousands of cells)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from trends.suppression import Published
from trends.tables import Table, cell_text, column_text
from trends.tables import html_escape as escape

register = template.Library()

# Shades of the heat table (static/css/tipline.css): a class per level, as the CSP forbids style attributes.
HEAT_LEVELS = 4


def _heat_class(value: object, peak: int) -> str:
    if not isinstance(value, Published) or value.value is None or peak <= 0:
        return ""
    return f" trends-heat-{1 + min(HEAT_LEVELS - 1, HEAT_LEVELS * value.value // (peak + 1))}"


@register.simple_tag
def trends_table(table: Table, heat: bool = False) -> SafeString:
    """Return the table as a Bootstrap table, numbers right-aligned, its title as the caption.

    With `heat`, every cell but the last column (the row's total) is shaded by its published count.
    """
    peak = 0
    if heat:
        peak = max(
            (v.value or 0 for row in table.rows for v in row[1:-1] if isinstance(v, Published)),
            default=0,
        )
    parts = [
        '<div class="table-responsive"><table class="table table-sm table-striped align-middle small">',
        f'<caption class="caption-top">{escape(table.title)}</caption><thead><tr>',
    ]
    for i, column in enumerate(table.columns):
        text = column_text(column, localize=True)
        align = "" if i == 0 else ' class="text-end"'
        parts.append(f'<th scope="col"{align}>{escape(text)}</th>')
    parts.append("</tr></thead><tbody>")
    for row in table.rows:
        parts.append("<tr>")
        for i, value in enumerate(row):
            text = escape(cell_text(value, localize=True))
            if i == 0:
                parts.append(f'<th scope="row" class="fw-normal">{text}</th>')
            else:
                muted = " text-body-secondary" if isinstance(value, Published) and value.suppressed else ""
                shade = _heat_class(value, peak) if heat and i < len(row) - 1 else ""
                parts.append(f'<td class="text-end{muted}{shade}">{text}</td>')
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    # nosemgrep: tipline-mark-safe-non-literal
    return mark_safe("".join(parts))  # noqa: S308 - every value above went through escape()  # nosec B308
