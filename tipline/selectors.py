"""Reads of tip content: decrypt what a page shows, given the tip's data key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from tipline import crypto, storage
from tipline.models import Attachment, Tip
from tipline.services import attachment_aad, field_aad, message_aad
from tipline.uploads import stream_aad


@dataclass(frozen=True)
class AttachmentView:
    public_id: uuid.UUID
    name: str
    content_type: str


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


def _attachment_view(attachment: Attachment, data_key: bytes, tip_public_id: uuid.UUID) -> AttachmentView:
    def aad(field: str) -> bytes:
        return attachment_aad(tip_public_id, attachment.public_id, field)

    return AttachmentView(
        public_id=attachment.public_id,
        name=crypto.decrypt_text(bytes(attachment.name_ct), key=data_key, aad=aad("name")),
        content_type=crypto.decrypt_text(bytes(attachment.content_type_ct), key=data_key, aad=aad("content type")),
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
            body=crypto.decrypt_text(
                bytes(message.body_ct), key=data_key, aad=message_aad(tip.public_id, message.public_id)
            ),
            created_on=message.created_on,
            attachments=by_message.get(message.pk, []),
        )
        for message in tip.messages.all()
    ]
    return TipContent(
        description=crypto.decrypt_text(
            bytes(tip.description_ct), key=data_key, aad=field_aad(tip.public_id, "description")
        ),
        contact=crypto.decrypt_text(bytes(tip.contact_ct), key=data_key, aad=field_aad(tip.public_id, "contact")),
        occurred_on=crypto.decrypt_text(
            bytes(tip.occurred_on_ct), key=data_key, aad=field_aad(tip.public_id, "occurred on")
        ),
        attachments=by_message.get(None, []),
        messages=messages,
    )


def attachment_plaintext(*, attachment: Attachment, data_key: bytes) -> tuple[AttachmentView, Iterator[bytes]]:
    """Return an attachment's name and type and an iterator over its decrypted bytes."""
    tip_public_id = attachment.tip.public_id
    file_key = crypto.decrypt(
        bytes(attachment.file_key_ct), key=data_key, aad=attachment_aad(tip_public_id, attachment.public_id, "file key")
    )
    chunks = crypto.decrypt_stream(
        storage.read_chunks(attachment.storage_name), key=file_key, aad=stream_aad(attachment.storage_name)
    )
    return _attachment_view(attachment, data_key, tip_public_id), chunks
