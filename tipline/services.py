"""Writes of the public side: submitting a tip, opening it with a receipt, posting messages.

Every sealing and opening goes through the envelope (`envelope`): which key, which
associated data and which recipients is its business, not this module's.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

import envelope
from org.models import CustodianKeyPair, Facility, Unit, UnitKeyPair
from org.routing import ConflictPathUnavailable, route_tip
from tipline import filetypes, scanning
from tipline.models import Attachment, IntakeChannel, Message, ReservedIdentity, ScanStatus, Tip, WhenPeriod
from tipline.signals import tip_submitted, whistleblower_replied
from tipline.uploads import EncryptedUpload


class IntakeUnavailable(Exception):
    """Raised when a tip cannot be sealed (no unit key or no escrow key configured, or no valid conflict path)."""


def today() -> datetime.date:
    return timezone.localdate()


# --- submitting ---------------------------------------------------------------------------------


# Fields of envelope.TIP that a new tip no longer fills: what they held is a reserved identity now.
RESERVED_FIELDS = frozenset({"contact"})


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

    def encrypted_values(self) -> dict[str, str]:
        """Return the values of the tip's encrypted fields (envelope.TIP), by field name; a date as ISO text.

        Not the contact: it is a reserved identity (reserved_identity_build), sealed to the custodian.
        """
        values = {}
        for field in envelope.TIP.fields:
            if field.name in RESERVED_FIELDS:
                continue
            value = getattr(self, field.name)
            values[field.name] = value.isoformat() if isinstance(value, datetime.date) else (value or "")
        return values


def attachment_build(
    *, tip: Tip, data_key: bytes, upload: EncryptedUpload, number: int, message: Message | None = None
) -> Attachment:
    """Return the unsaved row of an upload, the tip's `number`-th file: its file key, name and type sealed.

    The name is neutral ("evidencia-1.jpg", filetypes.neutral_name): the sender's own
    file name (``upload.name``) never reaches the database, not even encrypted.
    """
    public_id = uuid.uuid4()
    content_type = upload.content_type or ""
    return Attachment(
        public_id=public_id,
        tip=tip,
        message=message,
        storage_name=upload.storage_name,
        scan_status=ScanStatus.CLEAN if upload.scan.verdict is scanning.Verdict.CLEAN else ScanStatus.NOT_SCANNED,
        **envelope.seal_fields(
            envelope.ATTACHMENT,
            tip.public_id,
            public_id,
            key=data_key,
            file_key=upload.file_key,
            name=filetypes.neutral_name(content_type=content_type, number=number),
            content_type=content_type,
        ),
    )


def _store_attachments(
    *, tip: Tip, data_key: bytes, uploads: Sequence[EncryptedUpload], message: Message | None = None
) -> None:
    # Numbered after the tip's earlier files, so a reply's files do not repeat the report's names.
    earlier = tip.attachments.count() if uploads else 0
    for number, upload in enumerate(uploads, start=earlier + 1):
        attachment_build(tip=tip, data_key=data_key, upload=upload, number=number, message=message).save()
        upload.kept = True


def tip_route(*, submission: TipSubmission) -> tuple[Unit, UnitKeyPair]:
    """Return the unit a submission goes to and the unit key its data key is sealed to.

    Raise IntakeUnavailable when the unit has no key, or when a "staff involved"
    tip has no valid national unit to go to (it is never sent to the region's office).
    """
    try:
        unit = route_tip(
            facility=submission.facility, category=submission.category, staff_involved=submission.staff_involved
        )
    except ConflictPathUnavailable as exc:
        raise IntakeUnavailable(str(exc)) from exc
    keypair = unit.active_keypair()
    if keypair is None:
        raise IntakeUnavailable(f"unit {unit.pk} has no key")
    return unit, keypair


# --- reserved identities (D.Leg. 1327) ----------------------------------------------------------------

# The code that stands for a whistleblower: no 0/O, 1/I/L, so it can be read aloud and typed back.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def reserved_identity_code() -> str:
    """Return a new random code for a reserved identity, such as "R-7KQ3M-9TXH2".

    Ten characters (about 8 * 10^14 codes): even a bulk load of a million reports
    with contacts draws two equal codes with a probability under one in a thousand.
    """
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return f"R-{chars[:5]}-{chars[5:]}"


def reserved_identity_build(*, tip: Tip, contact: str, on: datetime.date) -> ReservedIdentity:
    """Return the unsaved reserved identity of a tip: `contact` sealed under a key only the custodian can open.

    The identity key is sealed to the active custodian key and to escrow, never to
    the unit. Raise IntakeUnavailable when no custodian key exists: a contact must
    never fall back to being readable by the unit.
    """
    keypair = CustodianKeyPair.active()
    if keypair is None:
        raise IntakeUnavailable("no identity custodian key is configured")
    public_id = uuid.uuid4()
    try:
        sealed_key = envelope.new_identity_key(public_id, custodian_keypair=keypair)
    except envelope.EscrowKeyMissing as exc:
        raise IntakeUnavailable(str(exc)) from exc
    return ReservedIdentity(
        public_id=public_id,
        tip=tip,
        code=reserved_identity_code(),
        custodian_keypair=keypair,
        given_on=on,
        **sealed_key.columns,
        **envelope.seal_fields(envelope.RESERVED_IDENTITY, public_id, key=sealed_key.key, contact=contact),
    )


def reserved_identity_add(*, tip: Tip, contact: str) -> ReservedIdentity:
    """Reserve contact details a whistleblower gives later (at /followup/) for their tip."""
    identity = reserved_identity_build(tip=tip, contact=contact, on=today())
    for _attempt in range(3):
        try:
            with transaction.atomic():
                identity.save()
            return identity
        except IntegrityError:
            identity.code = reserved_identity_code()
    raise IntakeUnavailable("could not allocate a reserved identity code")


@dataclass(frozen=True)
class BuiltTip:
    """An unsaved, sealed tip and its data key (kept in memory only while its other rows are built).

    `identity` is the reserved identity of a contact given on the report (None without one).
    """

    tip: Tip
    data_key: bytes
    identity: ReservedIdentity | None = None


def tip_build(
    *,
    submission: TipSubmission,
    route: tuple[Unit, UnitKeyPair],
    receipt: envelope.ReceiptKeys,
    received_on: datetime.date,
    retaliation_for: Tip | None = None,
) -> BuiltTip:
    """Return the unsaved row of a new tip: clear metadata, its fields sealed, its data key sealed three ways.

    The data key is sealed to the receiving unit and to the escrow key, and wrapped
    under the receipt-derived key. `route` comes from `tip_route`.
    """
    unit, keypair = route
    public_id = uuid.uuid4()
    try:
        sealed_key = envelope.new_record_key(envelope.TIP, public_id, unit_keypair=keypair)
    except envelope.EscrowKeyMissing as exc:
        raise IntakeUnavailable(str(exc)) from exc
    occurred_month = None
    if submission.when_period == WhenPeriod.DATE and submission.occurred_on:
        occurred_month = submission.occurred_on.replace(day=1)
    tip = Tip(
        public_id=public_id,
        lookup_id=receipt.lookup_id,
        facility=submission.facility,
        unit=unit,
        category=submission.category,
        smuggling_channel=submission.smuggling_channel,
        intake_channel=submission.intake_channel,
        staff_involved=submission.staff_involved,
        protection_requested=submission.protection_requested,
        when_period=submission.when_period,
        occurred_month=occurred_month,
        received_on=received_on,
        retaliation_for=retaliation_for,
        unit_keypair=keypair,
        data_key_for_receipt=envelope.wrap_tip_key_for_receipt(public_id, data_key=sealed_key.key, receipt=receipt),
        **sealed_key.columns,
        **envelope.seal_fields(envelope.TIP, public_id, key=sealed_key.key, **submission.encrypted_values()),
    )
    identity = None
    if submission.contact.strip():
        identity = reserved_identity_build(tip=tip, contact=submission.contact.strip(), on=received_on)
    return BuiltTip(tip=tip, data_key=sealed_key.key, identity=identity)


def tip_submit(
    *, submission: TipSubmission, uploads: Sequence[EncryptedUpload] = (), retaliation_for: Tip | None = None
) -> tuple[Tip, str]:
    """Route, seal and store a new tip; return it and its receipt code (shown once, never stored).

    Uploads were encrypted while streaming; here their file keys, names and types
    are sealed under the tip's data key; a contact given is reserved (sealed to
    the identity custodian, not the unit). The staff side opens the tip's case in
    the same transaction. `retaliation_for`: the tip whose whistleblower reports
    retaliation with this one (protection/).
    """
    route = tip_route(submission=submission)
    for _attempt in range(3):
        receipt = envelope.new_receipt()
        built = tip_build(
            submission=submission,
            route=route,
            receipt=envelope.receipt_keys(receipt),
            received_on=today(),
            retaliation_for=retaliation_for,
        )
        try:
            with transaction.atomic():
                built.tip.save()
                if built.identity is not None:
                    built.identity.save()
                _store_attachments(tip=built.tip, data_key=built.data_key, uploads=uploads)
                tip_submitted.send(sender=Tip, tip=built.tip, data_key=built.data_key, text=submission.description)
        except IntegrityError:
            # A lookup id collision (about 1 in 10^16 per pair): draw another receipt.
            continue
        return built.tip, receipt
    raise IntakeUnavailable("could not allocate a receipt")


# --- returning with a receipt -------------------------------------------------------------------


def tip_open_with_receipt(*, receipt_text: str) -> tuple[Tip, bytes] | None:
    """Return the tip and its data key for a typed receipt, or None for any failure.

    Callers show one generic message for None. A well-formed code that no report
    has pays the same Argon2id cost as one that opens a report, so timing does not
    tell an unknown code from a valid one. A malformed code (not 16 digits) returns
    None at once without the derivation: the format is public and the person sees
    what they typed, so equal timing for it would hide nothing and would only make
    junk input as costly as a real attempt.
    """
    receipt = envelope.normalise_receipt(receipt_text)
    if receipt is None:
        return None
    return tip_open_with_keys(keys=envelope.receipt_keys(receipt))


def tip_open_with_keys(*, keys: envelope.ReceiptKeys) -> tuple[Tip, bytes] | None:
    """Return the tip and its data key for receipt keys already derived, or None (a deleted tip too)."""
    tip = Tip.objects.filter(lookup_id=keys.lookup_id).select_related("facility").first()
    if tip is None or tip.erased_on is not None:
        return None
    try:
        data_key = envelope.open_tip_with_receipt(tip, receipt=keys)
    except envelope.CryptoError:
        return None
    return tip, data_key


def tip_erased_on(*, keys: envelope.ReceiptKeys) -> datetime.date | None:
    """Return the day the receipt's tip was deleted on its retention schedule, or None (open, or no such tip).

    The row keeps its lookup id and nothing else of the report: whoever holds the receipt
    learns that the report was closed and deleted, and when.
    """
    return (
        Tip.objects.filter(lookup_id=keys.lookup_id, erased_on__isnull=False)
        .values_list("erased_on", flat=True)
        .first()
    )


# --- messages ------------------------------------------------------------------------------------


def message_build(
    *, tip: Tip, data_key: bytes, body: str, author_kind: str, author: User | None, on: datetime.date
) -> Message:
    """Return the unsaved row of a message in a tip's thread, its body sealed under the tip's data key."""
    message = Message(tip=tip, author_kind=author_kind, author=author, created_on=on)
    message.body_ct = envelope.seal_field(
        envelope.MESSAGE, "body", tip.public_id, message.public_id, key=data_key, value=body
    )
    return message


def _message_post(
    *,
    tip: Tip,
    data_key: bytes,
    body: str,
    author_kind: str,
    author: User | None,
    uploads: Sequence[EncryptedUpload] = (),
) -> Message:
    message = message_build(tip=tip, data_key=data_key, body=body, author_kind=author_kind, author=author, on=today())
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
    whistleblower_replied.send(sender=Tip, tip=tip, data_key=data_key, text=body)
    return message


def message_post_by_staff(*, tip: Tip, data_key: bytes, body: str, author: User) -> Message:
    """Store a question or message from internal affairs that the whistleblower will read."""
    return _message_post(tip=tip, data_key=data_key, body=body, author_kind=Message.Author.STAFF, author=author)
