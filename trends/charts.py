"""Charts drawn on the server as inline SVG: no JavaScript, nothing from another host.

The CSP (style-src 'self') forbids style attributes and <style> elements, so every
look is an SVG presentation attribute (fill, stroke, stroke-dasharray, font-size).
Nothing depends on colour alone: lines differ by dash pattern and marker and carry
their label at their end; bars and heat-map cells carry their number; the deadline
bars use hatching patterns and a legend. Every chart has a data table beside it
(the template's <details>), the same table the CSV export writes.

Charts take published counts only (trends/suppression.py). A suppressed count is
drawn as an open circle on the axis, never as a height.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

from trends.suppression import Published
from trends.tables import html_escape as escape

INK = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
# One hue, dark to light; lines also differ by dash and marker.
LINE_COLOURS = ("#084298", "#6f42c1", "#0f5132", "#842029", "#664d03", "#495057", "#055160")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "plus", "circle-open")
HEAT_FILLS = ("#f8f9fa", "#cfe2ff", "#9ec5fe", "#6ea8fe", "#3d8bfd", "#0a58ca")
FONT = "system-ui, sans-serif"
# Readable on a laptop screen at 100 %: no text in a chart is smaller than this (tests/trends check it).
MIN_FONT_PX = 12


def _text(x: float, y: float, content: str, *, anchor: str = "start", fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{MIN_FONT_PX}" font-family="{FONT}" '
        f'text-anchor="{anchor}" fill="{fill}">{escape(content)}</text>'
    )


def _svg(
    chart_id: str, width: int, height: int, title: str, description: str, body: list[str], *, fluid: bool = True
) -> SafeString:
    # Bootstrap's img-fluid shrinks a chart to its column; the heat map keeps its size and scrolls instead.
    css_class = "img-fluid" if fluid else "trends-heatmap"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="{css_class}">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    # nosemgrep: tipline-mark-safe-non-literal
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every text above went through escape()  # nosec B308


def nice_step(maximum: float, ticks: int = 5) -> int:
    """Return a round step (1, 2 or 5 times a power of ten) that divides 0..maximum into at most `ticks` steps."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1, int(factor * power))
    return max(1, int(10 * power))


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    r = 3.5
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - r - 1:.1f}L{x + r + 0.5:.1f} {y + r:.1f}L{x - r - 0.5:.1f} {y + r:.1f}Z" fill="{colour}"/>'
    if kind == "diamond":
        return f'<path d="M{x:.1f} {y - r - 1:.1f}L{x + r + 1:.1f} {y:.1f}L{x:.1f} {y + r + 1:.1f}L{x - r - 1:.1f} {y:.1f}Z" fill="{colour}"/>'
    if kind == "cross":
        return (
            f'<path d="M{x - r:.1f} {y - r:.1f}L{x + r:.1f} {y + r:.1f}M{x - r:.1f} {y + r:.1f}L{x + r:.1f} {y - r:.1f}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
    if kind == "plus":
        return f'<path d="M{x - r - 1:.1f} {y:.1f}H{x + r + 1:.1f}M{x:.1f} {y - r - 1:.1f}V{y + r + 1:.1f}" stroke="{colour}" stroke-width="2"/>'
    if kind == "circle-open":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="#fff" stroke="{colour}" stroke-width="1.5"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'


def _short_week(week: datetime.date) -> str:
    return date_format(week, "j M")


@dataclass(frozen=True)
class Line:
    label: str
    values: Sequence[Published]


def line_chart(
    chart_id: str,
    *,
    title: str,
    weeks: Sequence[datetime.date],
    lines: Sequence[Line],
    suppressed_label: str,
    y_label: str = "",
    x_label: str = "",
) -> SafeString:
    """Draw weekly counts as lines, each with its own dash and marker and its label at its end; axes named in words."""
    left, right, top, bottom = 52, 250, 24, 62
    plot_w = max(520, min(900, 18 * len(weeks)))
    plot_h = 220
    width, height = left + plot_w + right, top + plot_h + bottom
    peak = max((value.value or 0 for line in lines for value in line.values), default=0)
    step = nice_step(peak)
    y_max = max(step, math.ceil(peak / step) * step)

    def x_at(i: int) -> float:
        return left + (plot_w * (i + 0.5) / max(1, len(weeks)))

    def y_at(value: int) -> float:
        return top + plot_h - plot_h * value / y_max

    body: list[str] = []
    for tick in range(0, y_max + 1, step):
        y = y_at(tick)
        body.append(f'<path d="M{left} {y:.1f}H{left + plot_w}" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(left - 6, y + 4, f"{tick}", anchor="end", fill=MUTED))
    label_every = max(1, math.ceil(len(weeks) / 10))
    for i, week in enumerate(weeks):
        if i % label_every == 0:
            body.append(_text(x_at(i), top + plot_h + 16, _short_week(week), anchor="middle", fill=MUTED))
    body.append(f'<path d="M{left} {top + plot_h}H{left + plot_w}" stroke="{INK}" stroke-width="1"/>')
    if y_label:
        body.append(_text(left - 40, top - 10, y_label, fill=MUTED))
    if x_label:
        body.append(_text(left + plot_w / 2, top + plot_h + 34, x_label, anchor="middle", fill=MUTED))

    end_labels: list[tuple[float, str, str]] = []
    for n, line in enumerate(lines):
        colour, dash, marker = LINE_COLOURS[n % 7], DASHES[n % 7], MARKERS[n % 7]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, value in enumerate(line.values):
            if value.value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x_at(i):.1f},{y_at(value.value):.1f}")
        if segment:
            segments.append(segment)
        for points in segments:
            if len(points) > 1:
                body.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
                )
        for i, value in enumerate(line.values):
            if value.value is None:
                body.append(
                    f'<circle cx="{x_at(i):.1f}" cy="{top + plot_h:.1f}" r="2.5" fill="#fff" stroke="{MUTED}" stroke-width="1"/>'
                )
            else:
                body.append(_marker(marker, x_at(i), y_at(value.value), colour))
        last = next((value for value in reversed(line.values) if value.value is not None), None)
        y_end = y_at(last.value) if last is not None and last.value is not None else top + plot_h
        name = line.label if len(line.label) <= 30 else line.label[:29] + "…"
        end_text = f"{name}: {line.values[-1]}" if line.values else name
        end_labels.append((y_end, end_text, colour))
    # Keep the end labels apart (12 px), in the order of their lines' heights.
    placed: list[float] = []
    for y_end, label, colour in sorted(end_labels):
        y = max(y_end + 4, placed[-1] + 13 if placed else top + 8)
        placed.append(y)
        body.append(_text(left + plot_w + 8, y, label, fill=colour))
    body.append(
        f'<circle cx="{left + 6}" cy="{height - 10}" r="2.5" fill="#fff" stroke="{MUTED}" stroke-width="1"/>'
        + _text(left + 14, height - 6, suppressed_label, fill=MUTED)
    )
    description = "; ".join(f"{line.label}: " + ", ".join(str(v) for v in line.values) for line in lines)
    return _svg(chart_id, width, height, title, description, body)


@dataclass(frozen=True)
class Bar:
    """One bar: its length is `measure` if given (a rate), else the published count; the count is always printed."""

    label: str
    value: Published
    note: str = ""
    measure: float | None = None

    @property
    def length(self) -> float:
        if self.measure is not None:
            return self.measure
        return float(self.value.value or 0)


def bar_chart(chart_id: str, *, title: str, bars: Sequence[Bar], value_of: str = "") -> SafeString:
    """Draw horizontal bars, each with its label before it and its number (and note) after it."""
    label_w, bar_w, value_w = 260, 380, 150
    row_h = 22
    width, height = label_w + bar_w + value_w, max(1, len(bars)) * row_h + 8
    peak = max((bar.length for bar in bars), default=0.0) or 1.0
    body: list[str] = []
    for i, bar in enumerate(bars):
        y = 4 + i * row_h
        body.append(_text(label_w - 8, y + 15, bar.label, anchor="end"))
        length = bar_w * bar.length / peak
        if length:
            body.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row_h - 6}" fill="{LINE_COLOURS[0]}"/>'
            )
        text = f"{bar.note} · {bar.value}" if bar.note and bar.measure is not None else str(bar.value)
        if bar.note and bar.measure is None:
            text += f" · {bar.note}"
        body.append(_text(label_w + length + 6, y + 15, text))
    description = "; ".join(f"{bar.label}: {bar.value}{value_of}" for bar in bars)
    return _svg(chart_id, width, height, title, description, body)


def _heat_fill(value: Published, peak: int) -> tuple[str, str]:
    if value.value is None or peak <= 0:
        return HEAT_FILLS[0], INK
    level = 1 + min(len(HEAT_FILLS) - 2, int((len(HEAT_FILLS) - 1) * value.value / (peak + 1)))
    return HEAT_FILLS[level], "#fff" if level >= 4 else INK


def heatmap(
    chart_id: str,
    *,
    title: str,
    columns: Sequence[str],
    rows: Sequence[tuple[str, Sequence[Published]]],
    description: str = "",
    cell_w: int = 40,
) -> SafeString:
    """Draw facilities by periods (weeks or months, in the order given); every cell is shaded and carries its number."""
    label_w, cell_h, top = 230, 22, 40
    width = label_w + max(1, len(columns)) * cell_w + 8
    height = top + max(1, len(rows)) * cell_h + 8
    peak = max((value.value or 0 for _name, values in rows for value in values), default=0)
    body: list[str] = []
    # A 12 px label needs about two cells of 40 px: label every other column when they are narrow.
    label_every = 1 if cell_w >= 56 else 2
    for j, column in enumerate(columns):
        if j % label_every == 0:
            x = label_w + j * cell_w + cell_w / 2
            body.append(_text(x, top - 10, column, anchor="middle", fill=MUTED))
    for i, (name, values) in enumerate(rows):
        y = top + i * cell_h
        body.append(_text(label_w - 6, y + 15, name, anchor="end"))
        for j, value in enumerate(values):
            x = label_w + j * cell_w
            fill, ink = _heat_fill(value, peak)
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 1}" height="{cell_h - 1}" fill="{fill}" stroke="{GRID}" stroke-width="0.5"/>'
            )
            body.append(_text(x + cell_w / 2, y + 15, str(value), anchor="middle", fill=ink))
    return _svg(chart_id, width, height, title, description or title, body, fluid=False)


@dataclass(frozen=True)
class Segment:
    label: str
    value: Published


# Solid, diagonal hatch, cross hatch, dots: the four parts of a deadline bar.
_PATTERNS = (
    ("solid", ""),
    ("hatch", '<path d="M0 6L6 0" stroke="{ink}" stroke-width="1.5"/>'),
    ("cross", '<path d="M0 6L6 0M0 0L6 6" stroke="{ink}" stroke-width="1.2"/>'),
    ("dots", '<circle cx="3" cy="3" r="1.2" fill="{ink}"/>'),
)


def stacked_bars(chart_id: str, *, title: str, rows: Sequence[tuple[str, Sequence[Segment]]]) -> SafeString:
    """Draw one bar per row split into parts, each part with its own pattern and the legend below."""
    label_w, bar_w, row_h, legend_h = 160, 520, 34, 28
    width = label_w + bar_w + 20
    height = len(rows) * row_h + legend_h + 10
    body = ["<defs>"]
    for name, shape in _PATTERNS[1:]:
        body.append(
            f'<pattern id="{chart_id}-{name}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="#fff"/>{shape.format(ink=LINE_COLOURS[0])}</pattern>'
        )
    body.append("</defs>")

    def fill(k: int) -> str:
        name = _PATTERNS[k % len(_PATTERNS)][0]
        return LINE_COLOURS[0] if name == "solid" else f"url(#{chart_id}-{name})"

    for i, (label, segments) in enumerate(rows):
        y = 6 + i * row_h
        body.append(_text(label_w - 8, y + 17, label, anchor="end"))
        total = sum(segment.value.value or 0 for segment in segments)
        x = float(label_w)
        for k, segment in enumerate(segments):
            if not total or segment.value.value is None:
                continue
            w = bar_w * segment.value.value / total
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="24" fill="{fill(k)}" stroke="{LINE_COLOURS[0]}" stroke-width="1"/>'
            )
            if w > 34:
                ink = "#fff" if k == 0 else INK
                if k:
                    body.append(f'<rect x="{x + w / 2 - 15:.1f}" y="{y + 6}" width="30" height="13" fill="#fff"/>')
                body.append(_text(x + w / 2, y + 16, str(segment.value), anchor="middle", fill=ink))
            x += w
    legend_y = len(rows) * row_h + 14
    x = float(label_w)
    first_segments = rows[0][1] if rows else []
    for k, segment in enumerate(first_segments):
        body.append(
            f'<rect x="{x:.1f}" y="{legend_y}" width="14" height="14" fill="{fill(k)}" stroke="{LINE_COLOURS[0]}"/>'
        )
        body.append(_text(x + 18, legend_y + 11, segment.label))
        x += 24 + 7 * len(segment.label)
    description = "; ".join(
        f"{label}: " + ", ".join(f"{segment.label} {segment.value}" for segment in segments) for label, segments in rows
    )
    return _svg(chart_id, width, height, title, description, body)
