"""Writes of the public side: submitting a tip, opening it with a receipt, posting messages.

The associated data and HPKE `info` of every record name the tip and the field, so
a ciphertext copied onto another row fails to decrypt.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from org.models import Facility, UnitKeyPair
from org.routing import route_tip
from tipline import crypto
from tipline.models import Attachment, IntakeChannel, Message, Tip, WhenPeriod
from tipline.signals import tip_submitted, whistleblower_replied
from tipline.uploads import EncryptedUpload


class IntakeUnavailable(Exception):
    """Raised when a tip cannot be sealed (no unit key or no escrow key configured)."""


# --- associated data and HPKE info ---------------------------------------------------------


def field_aad(tip_public_id: uuid.UUID, field: str) -> bytes:
    """Return the associated data for one encrypted field of a tip."""
    return f"tipline v1|tip:{tip_public_id}|{field}".encode()


def message_aad(tip_public_id: uuid.UUID, message_public_id: uuid.UUID) -> bytes:
    return f"tipline v1|tip:{tip_public_id}|message:{message_public_id}|body".encode()


def attachment_aad(tip_public_id: uuid.UUID, attachment_public_id: uuid.UUID, field: str) -> bytes:
    return f"tipline v1|tip:{tip_public_id}|attachment:{attachment_public_id}|{field}".encode()


def data_key_info(tip_public_id: uuid.UUID, recipient: str) -> bytes:
    """Return the HPKE info that binds a sealed data key to its tip and recipient."""
    return f"tipline v1|tip:{tip_public_id}|data key|{recipient}".encode()


def unit_recipient(keypair: UnitKeyPair) -> str:
    return f"unit-keypair:{keypair.pk}"


ESCROW_RECIPIENT = "escrow"


# --- keys -------------------------------------------------------------------------------------


def escrow_public_key() -> bytes:
    """Return the organisation's escrow public key (its private half is kept offline)."""
    try:
        return settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE.read_bytes()
    except FileNotFoundError as exc:
        raise IntakeUnavailable("no escrow public key is configured") from exc


def argon2_cost() -> crypto.Argon2Cost:
    return crypto.Argon2Cost(
        memory_kib=settings.TIPLINE_ARGON2_MEMORY_KIB, iterations=settings.TIPLINE_ARGON2_ITERATIONS
    )


def receipt_keys(receipt: str) -> crypto.ReceiptKeys:
    """Derive the receipt's lookup id and wrap key (Argon2id with the site salt and pepper)."""
    return crypto.derive_receipt_keys(
        receipt,
        salt=settings.TIPLINE_RECEIPT_SALT.encode(),
        pepper=settings.TIPLINE_RECEIPT_PEPPER.encode(),
        cost=argon2_cost(),
    )


def _receipt_wrap_aad(tip_public_id: uuid.UUID) -> bytes:
    return data_key_info(tip_public_id, "receipt")


def today() -> datetime.date:
    return timezone.localdate()


# --- submitting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TipSubmission:
    """What the intake form collected, before it is sealed."""

    facility: Facility
    category: str
    smuggling_channel: str
    staff_involved: str
    when_period: str
    occurred_on: datetime.date | None
    description: str
    contact: str
    intake_channel: str = IntakeChannel.WEB
    protection_requested: bool = False


def _store_attachments(
    *, tip: Tip, data_key: bytes, uploads: Sequence[EncryptedUpload], message: Message | None = None
) -> None:
    for upload in uploads:
        attachment = Attachment(tip=tip, message=message, storage_name=upload.storage_name)
        attachment_id = attachment.public_id
        attachment.file_key_ct = crypto.encrypt(
            upload.file_key, key=data_key, aad=attachment_aad(tip.public_id, attachment_id, "file key")
        )
        attachment.name_ct = crypto.encrypt_text(
            upload.name or "", key=data_key, aad=attachment_aad(tip.public_id, attachment_id, "name")
        )
        attachment.content_type_ct = crypto.encrypt_text(
            upload.content_type or "", key=data_key, aad=attachment_aad(tip.public_id, attachment_id, "content type")
        )
        attachment.save()
        upload.kept = True


def tip_submit(*, submission: TipSubmission, uploads: Sequence[EncryptedUpload] = ()) -> tuple[Tip, str]:
    """Route, seal and store a new tip; return it and its receipt code (shown once, never stored).

    The data key is sealed to the receiving unit, to the escrow key and wrapped
    under the receipt-derived key. Uploads were encrypted while streaming; here
    their file keys, names and types are encrypted under the tip's data key.
    """
    unit = route_tip(
        facility=submission.facility, category=submission.category, staff_involved=submission.staff_involved
    )
    keypair = unit.active_keypair()
    if keypair is None:
        raise IntakeUnavailable(f"unit {unit.pk} has no key")
    escrow = escrow_public_key()

    public_id = uuid.uuid4()
    data_key = crypto.new_key()
    occurred_month = None
    if submission.when_period == WhenPeriod.DATE and submission.occurred_on:
        occurred_month = submission.occurred_on.replace(day=1)
    occurred_on_text = submission.occurred_on.isoformat() if submission.occurred_on else ""

    for _attempt in range(3):
        receipt = crypto.generate_receipt()
        keys = receipt_keys(receipt)
        tip = Tip(
            public_id=public_id,
            lookup_id=keys.lookup_id,
            facility=submission.facility,
            unit=unit,
            category=submission.category,
            smuggling_channel=submission.smuggling_channel,
            intake_channel=submission.intake_channel,
            staff_involved=submission.staff_involved,
            protection_requested=submission.protection_requested,
            when_period=submission.when_period,
            occurred_month=occurred_month,
            received_on=today(),
            unit_keypair=keypair,
            data_key_for_unit=crypto.seal(
                data_key, public_key=bytes(keypair.public_key), info=data_key_info(public_id, unit_recipient(keypair))
            ),
            data_key_for_escrow=crypto.seal(
                data_key, public_key=escrow, info=data_key_info(public_id, ESCROW_RECIPIENT)
            ),
            data_key_for_receipt=crypto.encrypt(data_key, key=keys.wrap_key, aad=_receipt_wrap_aad(public_id)),
            description_ct=crypto.encrypt_text(
                submission.description, key=data_key, aad=field_aad(public_id, "description")
            ),
            contact_ct=crypto.encrypt_text(submission.contact, key=data_key, aad=field_aad(public_id, "contact")),
            occurred_on_ct=crypto.encrypt_text(occurred_on_text, key=data_key, aad=field_aad(public_id, "occurred on")),
        )
        try:
            with transaction.atomic():
                tip.save()
                _store_attachments(tip=tip, data_key=data_key, uploads=uploads)
                # The staff side opens a case for it in the same transaction.
                tip_submitted.send(sender=Tip, tip=tip)
        except IntegrityError:
            # A lookup id collision (about 1 in 10^16 per pair): draw another receipt.
            continue
        return tip, receipt
    raise IntakeUnavailable("could not allocate a receipt")


# --- returning with a receipt -------------------------------------------------------------------


def tip_open_with_receipt(*, receipt_text: str) -> tuple[Tip, bytes] | None:
    """Return the tip and its data key for a typed receipt, or None for any failure.

    Callers show one generic message for None: a malformed, unknown or wrong
    receipt must be indistinguishable. The Argon2id cost is paid even for malformed
    input, so timing does not tell them apart either.
    """
    receipt = crypto.normalise_receipt(receipt_text)
    keys = receipt_keys(receipt or "0" * crypto.RECEIPT_DIGITS)
    if receipt is None:
        return None
    return tip_open_with_keys(keys=keys)


def tip_open_with_keys(*, keys: crypto.ReceiptKeys) -> tuple[Tip, bytes] | None:
    """Return the tip and its data key for receipt keys already derived, or None."""
    tip = Tip.objects.filter(lookup_id=keys.lookup_id).select_related("facility").first()
    if tip is None:
        return None
    try:
        data_key = crypto.decrypt(
            bytes(tip.data_key_for_receipt), key=keys.wrap_key, aad=_receipt_wrap_aad(tip.public_id)
        )
    except crypto.CryptoError:
        return None
    return tip, data_key


# --- messages ------------------------------------------------------------------------------------


def _message_post(
    *,
    tip: Tip,
    data_key: bytes,
    body: str,
    author_kind: str,
    author: User | None,
    uploads: Sequence[EncryptedUpload] = (),
) -> Message:
    message = Message(tip=tip, author_kind=author_kind, author=author, created_on=today())
    message.body_ct = crypto.encrypt_text(body, key=data_key, aad=message_aad(tip.public_id, message.public_id))
    with transaction.atomic():
        message.save()
        _store_attachments(tip=tip, data_key=data_key, uploads=uploads, message=message)
    return message


def message_post_by_whistleblower(
    *, tip: Tip, data_key: bytes, body: str, uploads: Sequence[EncryptedUpload] = ()
) -> Message:
    """Store a reply (and any files) from the whistleblower, encrypted under the tip's key."""
    message = _message_post(
        tip=tip, data_key=data_key, body=body, author_kind=Message.Author.WHISTLEBLOWER, author=None, uploads=uploads
    )
    whistleblower_replied.send(sender=Tip, tip=tip)
    return message


def message_post_by_staff(*, tip: Tip, data_key: bytes, body: str, author: User) -> Message:
    """Store a question or message from internal affairs that the whistleblower will read."""
    return _message_post(tip=tip, data_key=data_key, body=body, author_kind=Message.Author.STAFF, author=author)
