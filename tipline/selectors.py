"""Reads of tip content: decrypt what a page shows, given the tip's data key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import envelope
from tipline import safecopy, storage
from tipline.forms import ReportForm
from tipline.models import Attachment, ScanStatus, Tip


@dataclass(frozen=True)
class AttachmentView:
    public_id: uuid.UUID
    name: str
    content_type: str
    scan_status: str = ScanStatus.NOT_SCANNED

    @property
    def infected(self) -> bool:
        return self.scan_status == ScanStatus.INFECTED

    @property
    def not_scanned(self) -> bool:
        return self.scan_status == ScanStatus.NOT_SCANNED

    @property
    def has_safe_copy(self) -> bool:
        return not self.infected and safecopy.has_safe_copy(self.content_type)


@dataclass(frozen=True)
class MessageView:
    public_id: uuid.UUID
    author_kind: str
    author_label: str
    body: str
    created_on: object
    attachments: list[AttachmentView]


@dataclass(frozen=True)
class TipContent:
    description: str
    contact: str
    occurred_on: str
    attachments: list[AttachmentView]
    messages: list[MessageView]
    # Any other encrypted field of the tip (envelope.TIP), labelled as the report form labels it: a field
    # added to the schema and the form shows on the staff pages without a change to them.
    more: list[tuple[str, str]] = field(default_factory=list)


# The fields the pages lay out themselves; every other encrypted field goes into TipContent.more.
LAID_OUT_FIELDS = frozenset({"description", "contact", "occurred_on"})


def _more_fields(fields: dict[str, str]) -> list[tuple[str, str]]:
    more = []
    for record_field in envelope.TIP.fields:
        if record_field.name in LAID_OUT_FIELDS or not fields.get(record_field.name):
            continue
        form_field = ReportForm.base_fields.get(record_field.name)
        label = str(form_field.label) if form_field is not None and form_field.label else record_field.name
        more.append((label, fields[record_field.name]))
    return more


def _attachment_view(attachment: Attachment, data_key: bytes, tip_public_id: uuid.UUID) -> AttachmentView:
    def field(name: str) -> str:
        return str(
            envelope.open_field(
                envelope.ATTACHMENT, name, attachment, tip_public_id, attachment.public_id, key=data_key
            )
        )

    # A page lists names and types; the file key is opened only when the file itself is read.
    return AttachmentView(
        public_id=attachment.public_id,
        name=field("name"),
        content_type=field("content_type"),
        scan_status=attachment.scan_status,
    )


def tip_content(*, tip: Tip, data_key: bytes) -> TipContent:
    """Decrypt a tip's fields, its thread and its attachments' names for display."""
    attachments = list(tip.attachments.all())
    by_message: dict[int | None, list[AttachmentView]] = {}
    for attachment in attachments:
        by_message.setdefault(attachment.message_id, []).append(_attachment_view(attachment, data_key, tip.public_id))
    messages = [
        MessageView(
            public_id=message.public_id,
            author_kind=message.author_kind,
            author_label=str(message.get_author_kind_display()),
            body=envelope.open_field(envelope.MESSAGE, "body", message, tip.public_id, message.public_id, key=data_key),
            created_on=message.created_on,
            attachments=by_message.get(message.pk, []),
        )
        for message in tip.messages.all()
    ]
    fields = envelope.open_fields(envelope.TIP, tip, tip.public_id, key=data_key)
    return TipContent(
        description=fields["description"],
        contact=fields["contact"],
        occurred_on=fields["occurred_on"],
        attachments=by_message.get(None, []),
        messages=messages,
        more=_more_fields(fields),
    )


def attachment_plaintext(*, attachment: Attachment, data_key: bytes) -> tuple[AttachmentView, Iterator[bytes]]:
    """Return an attachment's name and type and an iterator over its decrypted bytes."""
    fields = envelope.open_fields(
        envelope.ATTACHMENT, attachment, attachment.tip.public_id, attachment.public_id, key=data_key
    )
    chunks = envelope.decrypt_file(
        storage.read_chunks(attachment.storage_name), file_key=fields["file_key"], storage_name=attachment.storage_name
    )
    view = AttachmentView(
        public_id=attachment.public_id,
        name=fields["name"],
        content_type=fields["content_type"],
        scan_status=attachment.scan_status,
    )
    return view, chunks
