"""Reads of outcomes: a case's outcome section, the content of its referral file, and the ISO 37002 indicators.

The referral file reads the rows of the investigation and the evidence directly and
opens them with the case key (envelope TASK, INTERVIEW, EXHIBIT, CUSTODY_ENTRY): the
file needs their content, and those apps' own pages are not the place to get it.

The indicators are plain functions over a set of unit ids and a date range, computed
with aggregate queries (a histogram of day counts is the most any of them reads), so
they cost the same at a million cases. Counts come back exact: the small-count rule
is applied where they are shown.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

import envelope
from cases.models import Case, Note
from cases.services import case_key_open, tip_data_key_open
from evidence.models import CustodyEntry, Exhibit
from evidence.selectors import custody_entry_open
from investigation.models import Interview, Task
from outcomes.models import (
    PersonConcerned,
    PlatformFiling,
    Proceeding,
    Referral,
    ReferralExport,
)
from tipline import storage
from tipline.models import Attachment, Message, Tip

# --- the case page's section ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonView:
    person: PersonConcerned
    name: str
    details: str


@dataclass
class CaseOutcomes:
    persons: list[PersonView]
    proceedings: list[Proceeding]
    referrals: list[Referral]
    platform_filings: list[PlatformFiling]
    exports: list[ReferralExport]


def case_outcomes(*, case: Case, vault: dict[str, bytes]) -> CaseOutcomes:
    """Return what the case led to, with the persons' names opened under the case key."""
    key = case_key_open(case=case, vault=vault)
    persons = [
        PersonView(person=person, **_open_person(case, person, key))
        for person in PersonConcerned.objects.filter(case=case)
    ]
    return CaseOutcomes(
        persons=persons,
        proceedings=list(Proceeding.objects.filter(case=case).select_related("person")),
        referrals=list(Referral.objects.filter(case=case)),
        platform_filings=list(PlatformFiling.objects.filter(case=case).order_by("recorded_on", "id")),
        exports=referral_exports(case=case),
    )


def referral_exports(*, case: Case) -> list[ReferralExport]:
    """Return the referral files made of the case, newest first: who, when, SHA-256 (their content is nowhere)."""
    return list(ReferralExport.objects.filter(case=case).select_related("made_by__user"))


def _open_person(case: Case, person: PersonConcerned, key: bytes) -> dict[str, str]:
    fields = envelope.open_fields(envelope.PERSON_CONCERNED, person, case.public_id, person.public_id, key=key)
    return {"name": str(fields["name"]), "details": str(fields["details"])}


# --- the referral file's content -------------------------------------------------------------------------

# The keys of the items a referral file may leave out: ids only, so the export's record holds no content.
PERSONS_NAMES = "persons:names"
TASKS = "section:tasks"
INTERVIEWS = "section:interviews"


def tip_description_key(tip: Tip) -> str:
    return f"tip:{tip.public_id}:description"


def message_key(message_id: uuid.UUID) -> str:
    return f"message:{message_id}"


def note_key(note_id: uuid.UUID) -> str:
    return f"note:{note_id}"


@dataclass(frozen=True)
class MessageFile:
    key: str
    from_whistleblower: bool
    created_on: datetime.date
    body: str


@dataclass(frozen=True)
class AttachmentFile:
    number: int
    stored_bytes: int | None


@dataclass
class TipFile:
    tip: Tip
    description_key: str
    description: str
    attachments: list[AttachmentFile]
    messages: list[MessageFile]


@dataclass(frozen=True)
class NoteFile:
    key: str
    author: str
    created_on: datetime.date
    body: str


@dataclass(frozen=True)
class TaskFile:
    what: str
    result: str
    assignee: str
    due_on: datetime.date | None
    done_on: datetime.date | None


@dataclass(frozen=True)
class InterviewFile:
    held_on: datetime.date
    conducted_by: str
    interviewee: str
    summary: str


@dataclass(frozen=True)
class CustodyFile:
    seq: int
    kind: str
    on: datetime.date
    from_member: str
    to: str
    signed_by: str
    remarks: str
    digest: str


@dataclass(frozen=True)
class ExhibitFile:
    public_id: uuid.UUID
    kind: str
    description: str
    seized_on: datetime.date
    status: str
    file_name: str
    sha256: str
    custody: list[CustodyFile]


@dataclass
class CaseFile:
    """Everything a referral file may show of a case, decrypted; what it does show is chosen per item."""

    case: Case
    tips: list[TipFile] = field(default_factory=list)
    notes: list[NoteFile] = field(default_factory=list)
    tasks: list[TaskFile] = field(default_factory=list)
    interviews: list[InterviewFile] = field(default_factory=list)
    exhibits: list[ExhibitFile] = field(default_factory=list)
    persons: list[PersonView] = field(default_factory=list)
    proceedings: list[Proceeding] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    platform_codes: list[str] = field(default_factory=list)

    def redactable_keys(self) -> list[str]:
        """Every item the member chooses to include or leave out, in the order the page lists them."""
        keys: list[str] = []
        for tip in self.tips:
            keys.append(tip.description_key)
            keys.extend(message.key for message in tip.messages)
        keys.extend(note.key for note in self.notes)
        keys.extend([PERSONS_NAMES, TASKS, INTERVIEWS])
        return keys


def _member_name(member: object) -> str:
    user = getattr(member, "user", None)
    return user.get_username() if user is not None else ""


def _stored_bytes(attachment: Attachment) -> int | None:
    try:
        return storage.size(attachment.storage_name)
    except (OSError, ValueError):
        return None


def _tip_file(tip: Tip, data_key: bytes) -> TipFile:
    messages = [
        MessageFile(
            key=message_key(message.public_id),
            from_whistleblower=message.author_kind == Message.Author.WHISTLEBLOWER,
            created_on=message.created_on,
            body=str(
                envelope.open_field(envelope.MESSAGE, "body", message, tip.public_id, message.public_id, key=data_key)
            ),
        )
        for message in tip.messages.all()
    ]
    # By number and size only: an original file name can identify its sender (DESIGN.md section 8).
    attachments = [
        AttachmentFile(number=number, stored_bytes=_stored_bytes(attachment))
        for number, attachment in enumerate(tip.attachments.all(), start=1)
    ]
    # The contact field is never opened here: identity disclosure is issue 14's (see disclosed_identity).
    description = envelope.open_field(envelope.TIP, "description", tip, tip.public_id, key=data_key)
    return TipFile(
        tip=tip,
        description_key=tip_description_key(tip),
        description=str(description),
        attachments=attachments,
        messages=messages,
    )


def _exhibit_file(case: Case, exhibit: Exhibit, key: bytes) -> ExhibitFile:
    fields = envelope.open_fields(envelope.EXHIBIT, exhibit, case.public_id, exhibit.public_id, key=key)
    custody = []
    for entry in CustodyEntry.objects.filter(exhibit=exhibit).select_related(
        "from_member__user", "to_member__user", "signed_by__user"
    ):
        sealed = custody_entry_open(entry, case=case, exhibit=exhibit, key=key)
        custody.append(
            CustodyFile(
                seq=entry.seq,
                kind=str(entry.get_kind_display()),
                on=timezone.localdate(entry.at),
                from_member=_member_name(entry.from_member),
                to=_member_name(entry.to_member) or str(sealed["to_outside"]),
                signed_by=_member_name(entry.signed_by),
                remarks=str(sealed["remarks"]),
                digest=entry.digest,
            )
        )
    return ExhibitFile(
        public_id=exhibit.public_id,
        kind=str(exhibit.get_kind_display()),
        description=str(fields["description"]),
        seized_on=exhibit.seized_on,
        status=str(exhibit.get_status_display()),
        file_name=str(fields["file_name"]),
        sha256=exhibit.sha256,
        custody=custody,
    )


def case_file(*, case: Case, vault: dict[str, bytes]) -> CaseFile:
    """Decrypt everything a referral file of the case may show (never the whistleblower's contact field)."""
    key = case_key_open(case=case, vault=vault)
    tips = [
        _tip_file(tip, tip_data_key_open(tip=tip, vault=vault))
        for tip in Tip.objects.filter(case_link__case=case).select_related("facility", "unit_keypair").order_by("id")
    ]
    notes = [
        NoteFile(
            key=note_key(note.public_id),
            author=note.author.user.get_username(),
            created_on=timezone.localdate(note.created_at),
            body=str(envelope.open_field(envelope.NOTE, "body", note, case.public_id, note.public_id, key=key)),
        )
        for note in Note.objects.filter(case=case).select_related("author__user")
    ]
    tasks = []
    for task in Task.objects.filter(case=case).select_related("assignee__user"):
        opened = envelope.open_fields(envelope.TASK, task, case.public_id, task.public_id, key=key)
        tasks.append(
            TaskFile(
                what=str(opened["what"]),
                result=str(opened["result"]),
                assignee=_member_name(task.assignee),
                due_on=task.due_on,
                done_on=task.done_on,
            )
        )
    interviews = []
    for interview in Interview.objects.filter(case=case).select_related("conducted_by__user"):
        opened = envelope.open_fields(envelope.INTERVIEW, interview, case.public_id, interview.public_id, key=key)
        interviews.append(
            InterviewFile(
                held_on=interview.held_on,
                conducted_by=_member_name(interview.conducted_by),
                interviewee=str(opened["interviewee"]),
                summary=str(opened["summary"]),
            )
        )
    outcomes = case_outcomes(case=case, vault=vault)
    return CaseFile(
        case=case,
        tips=tips,
        notes=notes,
        tasks=tasks,
        interviews=interviews,
        exhibits=[_exhibit_file(case, exhibit, key) for exhibit in Exhibit.objects.filter(case=case)],
        persons=outcomes.persons,
        proceedings=outcomes.proceedings,
        referrals=outcomes.referrals,
        platform_codes=[filing.code for filing in outcomes.platform_filings],
    )


def referral_export_by_hash(*, sha256: str, cases: QuerySet[Case]) -> ReferralExport | None:
    """Return the referral file with this SHA-256 among the given cases (those the member reads), if any."""
    return (
        ReferralExport.objects.filter(sha256=sha256.lower(), case__in=cases)
        .select_related("case__facility", "made_by__user")
        .first()
    )
