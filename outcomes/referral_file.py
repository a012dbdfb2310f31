"""The referral file: a PDF of a case for an outside authority, with the items the member chose to leave out shown as reserved.

Drawn with ReportLab (pure Python, no system library, no fetcher: WeasyPrint would
need pango and cairo and an HTML fetcher locked down against outside resources). The
text uses the standard PDF fonts (Helvetica), so nothing is fetched or embedded from
the machine. The file is deterministic: the same case, choices, member and day give
the same bytes (ReportLab's invariant mode, the creation and modification dates set
to the export's day, a fixed producer), so its SHA-256, stored with the export, lets
anyone check a copy later. It never holds the whistleblower's contact field.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import io
from collections.abc import Collection
from dataclasses import dataclass

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from accounts.models import StaffMember
from cases.models import Case
from outcomes.selectors import INTERVIEWS, PERSONS_NAMES, TASKS, CaseFile

PRODUCER = "tipline referral file"


def _reserved() -> str:
    """The block that stands where an item was left out: never a silent gap."""
    return _("[Reserved]")


def disclosed_identity(case: Case) -> None:
    """Return the whistleblower's identity as a disclosure approved it, for the file; nothing for now.

    Issue 14 (the lifecycle) plugs the approved disclosure in here. Until then no
    referral file carries anything about who the whistleblower is or how to reach them.
    """
    return None


@dataclass(frozen=True)
class RenderedFile:
    """A referral file's bytes, their SHA-256, and what it left out and vouches for (ids and digests only)."""

    pdf: bytes
    sha256: str
    redactions: list[str]
    manifest: list[dict[str, str]]


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "title": sheet["Title"],
        "h2": sheet["Heading2"],
        "h3": sheet["Heading3"],
        "body": sheet["BodyText"],
        "small": ParagraphStyle("small", parent=sheet["BodyText"], fontSize=8, leading=10),
        "reserved": ParagraphStyle(
            "reserved", parent=sheet["BodyText"], backColor="#dddddd", borderPadding=3, fontName="Helvetica-Bold"
        ),
    }


def _text(value: str) -> str:
    """Escape text for ReportLab's paragraph markup and keep its line breaks."""
    return html.escape(value, quote=False).replace("\n", "<br/>")


def _day(value: datetime.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"


class _Builder:
    def __init__(self, included: Collection[str]) -> None:
        self.styles = _styles()
        self.story: list[Flowable] = []
        self.included = set(included)
        self.redacted: list[str] = []

    def para(self, text: str, style: str = "body") -> None:
        self.story.append(Paragraph(text, self.styles[style]))

    def heading(self, text: str, level: str = "h2") -> None:
        self.para(_text(text), level)

    def field(self, label: str, value: str) -> None:
        self.para(f"<b>{_text(label)}:</b> {_text(value)}")

    def item(self, key: str, label: str, text: str) -> None:
        """Show an item the member may leave out, or a reserved block in its place (never a silent gap)."""
        if key in self.included:
            self.para(f"<b>{_text(label)}</b><br/>{_text(text) or '—'}")
        else:
            self.redacted.append(key)
            self.para(f"{_text(label)}<br/>{_text(_reserved())}", "reserved")
        self.story.append(Spacer(1, 2 * mm))

    def table(self, rows: list[list[str]]) -> None:
        cells = [[Paragraph(_text(cell), self.styles["small"]) for cell in row] for row in rows]
        # A long cell (a custody remark, a task result) may run over a page: rows split rather than fail.
        table = Table(cells, repeatRows=1, splitInRow=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, "#888888"),
                    ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        self.story.append(table)
        self.story.append(Spacer(1, 3 * mm))


def _case_section(b: _Builder, data: CaseFile, made_by: StaffMember, made_on: datetime.date) -> None:
    case = data.case
    b.para(_text(_("Referral file")), "title")
    b.field(_("Case"), str(case.public_id))
    b.field(_("Prison"), str(case.facility))
    b.field(_("Category"), str(case.get_category_display()))
    b.field(_("How it got in"), str(case.get_smuggling_channel_display()) or "—")
    b.field(_("Received on"), _day(case.received_on))
    b.field(_("Status"), str(case.get_status_display()))
    b.field(_("Acknowledged on"), _day(case.acknowledged_on) if case.acknowledged_on else _("not yet"))
    # Where each deadline stands on the day of the export, in the words of the case page (cases.models).
    for deadline in case.deadline_states(made_on):
        met = f" {_day(deadline.met_on)}" if deadline.met_on else ""
        b.field(str(deadline.label), f"{_day(deadline.due)} · {deadline.state}{met}")
    if case.closed_on:
        b.field(_("Closed on"), _day(case.closed_on))
    b.field(_("Made on"), f"{_day(made_on)} · {made_by.user.get_username()}")
    b.para(
        _text(
            _(
                "This file holds nothing about the whistleblower's identity or contact details. "
                "Items marked [Reserved] were left out by internal affairs. "
                "The reports' attachments are handed over separately."
            )
        ),
        "small",
    )


def _tips_section(b: _Builder, data: CaseFile) -> None:
    for number, tip in enumerate(data.tips, start=1):
        b.heading(
            _("Report %(number)s · received on %(day)s · %(channel)s")
            % {"number": number, "day": _day(tip.tip.received_on), "channel": tip.tip.get_intake_channel_display()}
        )
        b.item(tip.description_key, _("Description"), tip.description)
        if tip.attachments:
            handed = _("Attachments (handed over separately)")
            b.para(f"<b>{_text(handed)}</b>")
            b.table(
                [[_("Name"), _("Stored size (bytes, encrypted)")]]
                + [
                    [
                        _("Attachment %(number)s") % {"number": a.number},
                        str(a.stored_bytes) if a.stored_bytes is not None else "—",
                    ]
                    for a in tip.attachments
                ]
            )
        b.heading(_("Messages with the whistleblower"), "h3")
        for message in tip.messages:
            author = _("Whistleblower") if message.from_whistleblower else _("Internal affairs")
            b.item(message.key, f"{author} · {_day(message.created_on)}", message.body)
        if not tip.messages:
            b.para(_text(_("No messages.")))


def _work_section(b: _Builder, data: CaseFile) -> None:
    if data.notes:
        b.heading(_("Internal notes"))
        for note in data.notes:
            b.item(note.key, f"{note.author} · {_day(note.created_on)}", note.body)
    if data.tasks:
        b.heading(_("Investigation plan"))
        if TASKS in b.included:
            b.table(
                [[_("Task"), _("Result"), _("Assigned to"), _("Due"), _("Done")]]
                + [[t.what, t.result, t.assignee, _day(t.due_on), _day(t.done_on)] for t in data.tasks]
            )
        else:
            b.item(TASKS, _("Tasks"), "")
    if data.interviews:
        b.heading(_("Interviews"))
        if INTERVIEWS in b.included:
            for interview in data.interviews:
                b.para(
                    f"<b>{_text(interview.interviewee)}</b> · {_text(_day(interview.held_on))} · "
                    f"{_text(interview.conducted_by)}<br/>{_text(interview.summary)}"
                )
        else:
            b.item(INTERVIEWS, _("Interviews"), "")


def _evidence_section(b: _Builder, data: CaseFile) -> None:
    if not data.exhibits:
        return
    b.heading(_("Exhibits"))
    for exhibit in data.exhibits:
        seized = _("seized on %(day)s") % {"day": _day(exhibit.seized_on)}
        b.heading(f"{exhibit.kind} · {seized} · {exhibit.status}", "h3")
        b.para(_text(exhibit.description))
        if exhibit.file_name:
            b.field(_("File"), exhibit.file_name)
        if exhibit.sha256:
            b.field("SHA-256", exhibit.sha256)
        if exhibit.custody:
            b.table(
                [[_("No."), _("Change"), _("Day"), _("From"), _("To"), _("Signed by"), _("Remarks")]]
                + [
                    [str(c.seq), c.kind, _day(c.on), c.from_member, c.to, c.signed_by, c.remarks]
                    for c in exhibit.custody
                ]
            )


def _outcomes_section(b: _Builder, data: CaseFile) -> None:
    if data.persons:
        b.heading(_("Persons concerned"))
        names = PERSONS_NAMES in b.included
        if not names:
            b.redacted.append(PERSONS_NAMES)
        b.table(
            [[_("Code"), _("Role"), _("Name"), _("Outcome")]]
            + [
                [
                    p.person.code,
                    str(p.person.get_role_display()),
                    p.name if names else _reserved(),
                    str(p.person.get_outcome_display()),
                ]
                for p in data.persons
            ]
        )
    if data.proceedings:
        b.heading(_("Disciplinary proceedings"))
        b.table(
            [[_("Reference"), _("Person"), _("Stage"), _("Sanction"), _("Opened"), _("Sanctioned")]]
            + [
                [
                    p.reference,
                    p.person.code if p.person else "—",
                    str(p.get_stage_display()),
                    str(p.get_sanction_display())
                    + (
                        " ("
                        + ngettext("%(days)s day", "%(days)s days", p.suspension_days) % {"days": p.suspension_days}
                        + ")"
                        if p.suspension_days
                        else ""
                    ),
                    _day(p.opened_on),
                    _day(p.sanctioned_on),
                ]
                for p in data.proceedings
            ]
        )
    if data.referrals:
        b.heading(_("Referrals"))
        b.table(
            [[_("Authority"), _("Their reference"), _("Status"), _("Sent on")]]
            + [
                [str(r.get_authority_display()), r.reference or "—", str(r.get_status_display()), _day(r.sent_on)]
                for r in data.referrals
            ]
        )
    if data.platform_codes:
        b.heading(_("National complaints platform"))
        b.para(_text(", ".join(data.platform_codes)))


def _manifest(b: _Builder, data: CaseFile) -> list[dict[str, str]]:
    manifest = [{"exhibit": str(e.public_id), "sha256": e.sha256} for e in data.exhibits if e.sha256]
    b.heading(_("Manifest"))
    if manifest:
        b.table([[_("Exhibit"), "SHA-256"]] + [[entry["exhibit"], entry["sha256"]] for entry in manifest])
    else:
        b.para(_text(_("No digital exhibit with a recorded SHA-256.")))
    reserved = _("Items reserved")
    b.para(f"<b>{_text(reserved)}:</b>")
    b.para(_text("\n".join(b.redacted) or _("None.")), "small")
    return manifest


def render_referral_file(
    *, data: CaseFile, included: Collection[str], made_by: StaffMember, made_on: datetime.date, language: str = "es"
) -> RenderedFile:
    """Draw the referral file of a case: the chosen items shown, the others reserved, a manifest at the end."""
    with translation.override(language):
        b = _Builder(included)
        _case_section(b, data, made_by, made_on)
        _tips_section(b, data)
        _work_section(b, data)
        _evidence_section(b, data)
        _outcomes_section(b, data)
        manifest = _manifest(b, data)
        title = _("Referral file")
    stamp = f"D:{made_on:%Y%m%d}000000+00'00'"

    def first_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        # The export's day, not the machine's clock; no producer naming the software's version or host.
        canvas.setDateFormatter(lambda *_parts: stamp)
        canvas.setProducer(PRODUCER)

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{title} {data.case.public_id}",
        author="",
        creator=PRODUCER,
        subject="",
        invariant=1,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    )
    document.build(b.story, onFirstPage=first_page)
    pdf = buffer.getvalue()
    return RenderedFile(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), redactions=b.redacted, manifest=manifest)
