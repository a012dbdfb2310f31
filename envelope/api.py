"""The envelope's high-level API: what callers do, never how (SecureDrop's `encrypt_source_message` model).

Keys and recipients are decided here, from the record schema (`envelope.schema`);
callers pass ids, rows and plaintext, and get back column values to store or
plaintext to show. Sealing functions return the ciphertext columns of a row that is
being built (`Tip(**sealed.columns)`); opening functions read a row's columns.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from envelope import primitives
from envelope.primitives import Argon2Cost, CryptoError, KeyPair, ReceiptKeys
from envelope.schema import (
    ANYWHERE,
    CASE,
    ESCROW,
    INDEX_REGIONAL,
    NAME_KEY_KIND,
    RECEIPT,
    RECEIPT_AGAIN_AAD,
    RECEIPT_AGAIN_KEY_LABEL,
    RECEIPT_AGAIN_NAME_LABEL,
    RESERVED_IDENTITY,
    TIP,
    EncryptedField,
    Record,
    custodian_key_escrow_info,
    custodian_key_grant_info,
    custodian_recipient,
    disclosure_reason_info,
    disclosure_recipient,
    file_stream_aad,
    index_key_info,
    pseudonym_input,
    staff_private_key_aad,
    unit_key_escrow_info,
    unit_key_grant_info,
    unit_recipient,
)


class EscrowKeyMissing(Exception):
    """Raised when no escrow public key is configured: nothing can be sealed without it."""


class UnitKeyRow(Protocol):
    """A unit key pair as stored: its id and its public half (org.UnitKeyPair)."""

    @property
    def pk(self) -> Any: ...

    @property
    def public_key(self) -> Any: ...


def _bytes(value: Any) -> bytes:
    return bytes(value) if value is not None else b""


# --- configuration ------------------------------------------------------------------------------------


def escrow_public_key() -> bytes:
    """Return the organisation's escrow public key (its private half is kept offline)."""
    try:
        return settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE.read_bytes()
    except FileNotFoundError as exc:
        raise EscrowKeyMissing("no escrow public key is configured") from exc


def check_escrow_public_key() -> None:
    """Raise EscrowKeyMissing if the escrow public key cannot be read, CryptoError if it is not a public key."""
    try:
        primitives.check_public_key(escrow_public_key())
    except OSError as exc:
        raise EscrowKeyMissing(f"the escrow public key cannot be read ({exc.strerror})") from exc


def argon2_cost() -> Argon2Cost:
    """Return the configured Argon2id cost for receipts and staff passwords."""
    return Argon2Cost(memory_kib=settings.TIPLINE_ARGON2_MEMORY_KIB, iterations=settings.TIPLINE_ARGON2_ITERATIONS)


def receipt_keys(receipt: str) -> ReceiptKeys:
    """Derive a receipt's lookup id and wrap key (Argon2id with the site salt and the pepper)."""
    return primitives.derive_receipt_keys(
        receipt,
        salt=settings.TIPLINE_RECEIPT_SALT.encode(),
        pepper=settings.TIPLINE_RECEIPT_PEPPER.encode(),
        cost=argon2_cost(),
    )


# --- fields of any record -------------------------------------------------------------------------------


def seal_fields(record: Record, *ids: uuid.UUID, key: bytes, **values: str | bytes) -> dict[str, bytes]:
    """Encrypt the given fields of a record under its key; return them by column name.

    A field not given is left out: its column keeps no ciphertext and reads as
    absent (the closing reason of a case that is still open, say).
    """
    columns = {}
    for name, value in values.items():
        field = record.field(name)
        plaintext = value.encode("utf-8") if isinstance(value, str) else value
        columns[field.column] = primitives.encrypt(plaintext, key=key, aad=record.aad(field, *ids))
    return columns


def seal_field(record: Record, field_name: str, *ids: uuid.UUID, key: bytes, value: str | bytes) -> bytes:
    """Encrypt one field of a record (a closing reason written later, say)."""
    return seal_fields(record, *ids, key=key, **{field_name: value})[record.field(field_name).column]


def _open(record: Record, field: EncryptedField, row: object, ids: tuple[uuid.UUID, ...], key: bytes) -> str | bytes:
    ciphertext = _bytes(getattr(row, field.column, None))
    if not ciphertext:
        return field.absent
    plaintext = primitives.decrypt(ciphertext, key=key, aad=record.aad(field, *ids))
    return plaintext.decode("utf-8") if field.text else plaintext


def open_fields(record: Record, row: object, *ids: uuid.UUID, key: bytes) -> dict[str, Any]:
    """Decrypt every encrypted field of a row; a column with no ciphertext reads as absent."""
    return {field.name: _open(record, field, row, ids, key) for field in record.fields}


def open_field(record: Record, field_name: str, row: object, *ids: uuid.UUID, key: bytes) -> Any:
    """Decrypt one field of a row (absent if its column holds nothing)."""
    return _open(record, record.field(field_name), row, ids, key)


# --- records with a key of their own: tips and cases -------------------------------------------------------


@dataclass(frozen=True)
class SealedKey:
    """A new record key and its sealed copies, by column name."""

    key: bytes
    columns: dict[str, bytes]


def _record_key_columns(record: Record) -> tuple[str, str]:
    if record.key_for_unit_column is None or record.key_for_escrow_column is None:
        raise ValueError(f"{record.kind} records have no key of their own")
    return record.key_for_unit_column, record.key_for_escrow_column


def seal_record_key(record: Record, record_id: uuid.UUID, *, key: bytes, unit_keypair: UnitKeyRow) -> dict[str, bytes]:
    """Seal a record's key to a unit key and to the escrow key; return the two columns."""
    unit_column, escrow_column = _record_key_columns(record)
    return {
        unit_column: seal_record_key_for_unit(record, record_id, key=key, unit_keypair=unit_keypair),
        escrow_column: primitives.seal(key, public_key=escrow_public_key(), info=record.key_info(record_id, ESCROW)),
    }


def new_record_key(record: Record, record_id: uuid.UUID, *, unit_keypair: UnitKeyRow) -> SealedKey:
    """Draw a new key for a tip or a case and seal it to the unit and to escrow."""
    key = primitives.new_key()
    return SealedKey(key=key, columns=seal_record_key(record, record_id, key=key, unit_keypair=unit_keypair))


def seal_record_key_for_unit(record: Record, record_id: uuid.UUID, *, key: bytes, unit_keypair: UnitKeyRow) -> bytes:
    """Seal a record's key to one unit key (on a transfer or a key rotation)."""
    return primitives.seal(
        key, public_key=bytes(unit_keypair.public_key), info=record.key_info(record_id, unit_recipient(unit_keypair.pk))
    )


def open_record_key_for_unit(record: Record, row: Any, *, unit_private_key: bytes) -> bytes:
    """Open a tip's or a case's key with the private key of the unit key it is sealed to."""
    unit_column, _escrow = _record_key_columns(record)
    return primitives.unseal(
        _bytes(getattr(row, unit_column)),
        private_key=unit_private_key,
        info=record.key_info(row.public_id, unit_recipient(row.unit_keypair_id)),
    )


def open_record_key_with_escrow(record: Record, row: Any, *, escrow_private_key: bytes) -> bytes:
    """Open a tip's or a case's key with the offline escrow private key (recovery, restore drills)."""
    _unit, escrow_column = _record_key_columns(record)
    return primitives.unseal(
        _bytes(getattr(row, escrow_column)),
        private_key=escrow_private_key,
        info=record.key_info(row.public_id, ESCROW),
    )


def open_tip_for_unit(tip: Any, *, unit_private_key: bytes) -> bytes:
    """Open a tip's data key for a member of its unit (the unit's private key from their session)."""
    return open_record_key_for_unit(TIP, tip, unit_private_key=unit_private_key)


def open_tip_with_escrow(tip: Any, *, escrow_private_key: bytes) -> bytes:
    """Open a tip's data key through the offline escrow key."""
    return open_record_key_with_escrow(TIP, tip, escrow_private_key=escrow_private_key)


def open_case_for_unit(case: Any, *, unit_private_key: bytes) -> bytes:
    """Open a case's key for a member of its unit."""
    return open_record_key_for_unit(CASE, case, unit_private_key=unit_private_key)


# --- tips: the whistleblower's receipt -------------------------------------------------------------------


def new_receipt() -> str:
    """Return a new receipt code: 16 random digits, never stored."""
    return primitives.generate_receipt()


def no_receipt() -> ReceiptKeys:
    """Return receipt keys for a tip that has no receipt (a synthetic tip): random, and kept by nobody."""
    return ReceiptKeys(lookup_id=primitives.new_key(), wrap_key=primitives.new_key())


def new_receipt_again_key() -> bytes:
    """Return a random key for showing a receipt page again; only the whistleblower's browser keeps it."""
    return primitives.new_key()


def receipt_again_name(key: bytes) -> str:
    """Return the name the server keeps a sealed receipt page under: derived from the key, opening nothing."""
    return primitives.keyed_digest(key, RECEIPT_AGAIN_NAME_LABEL).hex()


def seal_receipt_again(payload: bytes, *, key: bytes) -> bytes:
    """Encrypt what a receipt page shows under the browser's key, for the server to keep a short while."""
    return primitives.encrypt(payload, key=primitives.keyed_digest(key, RECEIPT_AGAIN_KEY_LABEL), aad=RECEIPT_AGAIN_AAD)


def open_receipt_again(sealed: bytes, *, key: bytes) -> bytes:
    """Decrypt a receipt page sealed by `seal_receipt_again` (raises CryptoError with another key)."""
    return primitives.decrypt(sealed, key=primitives.keyed_digest(key, RECEIPT_AGAIN_KEY_LABEL), aad=RECEIPT_AGAIN_AAD)


def wrap_tip_key_for_receipt(tip_id: uuid.UUID, *, data_key: bytes, receipt: ReceiptKeys) -> bytes:
    """Wrap a tip's data key under the key derived from its receipt (the whistleblower's copy)."""
    return primitives.encrypt(data_key, key=receipt.wrap_key, aad=TIP.key_info(tip_id, RECEIPT))


def open_tip_with_receipt(tip: Any, *, receipt: ReceiptKeys) -> bytes:
    """Open a tip's data key with the keys its receipt derives (raises CryptoError if they are wrong)."""
    return primitives.decrypt(
        _bytes(tip.data_key_for_receipt), key=receipt.wrap_key, aad=TIP.key_info(tip.public_id, RECEIPT)
    )


# --- attachments: the file streams ---------------------------------------------------------------------------


def new_file_encryptor(storage_name: str) -> tuple[bytes, primitives.StreamEncryptor]:
    """Return a new file key and a stream encryptor bound to the name the ciphertext is stored under."""
    file_key = primitives.new_key()
    return file_key, primitives.StreamEncryptor(key=file_key, aad=file_stream_aad(storage_name))


def decrypt_file(chunks: Iterable[bytes], *, file_key: bytes, storage_name: str) -> Iterator[bytes]:
    """Yield the plaintext of a stored attachment, raising CryptoError on any tampering."""
    return primitives.decrypt_stream(chunks, key=file_key, aad=file_stream_aad(storage_name))


# --- staff and unit keys ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffKeys:
    """A staff member's new key pair as stored: the public half and the password-wrapped private half."""

    public_key: bytes
    private_key_ct: bytes
    key_salt: bytes


def new_staff_keys(*, user_id: int, password: str) -> StaffKeys:
    """Create a staff member's key pair, its private half wrapped under Argon2id(password)."""
    pair = primitives.generate_keypair()
    private_key_ct, salt = wrap_staff_private_key(user_id=user_id, private_key=pair.private, password=password)
    return StaffKeys(public_key=pair.public, private_key_ct=private_key_ct, key_salt=salt)


def wrap_staff_private_key(*, user_id: int, private_key: bytes, password: str) -> tuple[bytes, bytes]:
    """Wrap a staff private key under a (new) password; return the ciphertext and its new salt."""
    salt = primitives.new_salt()
    wrap = primitives.derive_password_key(password, salt=salt, cost=argon2_cost())
    return primitives.encrypt(private_key, key=wrap, aad=staff_private_key_aad(user_id)), salt


def open_staff_private_key(member: Any, *, password: str) -> bytes:
    """Unwrap a staff member's private key with their password (raises CryptoError if it is wrong)."""
    wrap = primitives.derive_password_key(password, salt=_bytes(member.key_salt), cost=argon2_cost())
    return primitives.decrypt(_bytes(member.private_key_ct), key=wrap, aad=staff_private_key_aad(member.user_id))


def check_private_key(private_key: bytes, *, public_key: bytes) -> None:
    """Raise CryptoError unless the private key is the other half of this public key."""
    if primitives.public_key_of(private_key) != public_key:
        raise CryptoError("that private key does not belong to this public key")


def new_keypair() -> KeyPair:
    """Return a new hybrid key pair (a unit key, the escrow key)."""
    return primitives.generate_keypair()


def seal_unit_key_to_escrow(unit_keypair_id: int, *, unit_private_key: bytes) -> bytes:
    """Seal a unit's private key to the escrow key, so a lost unit can be recovered offline."""
    return primitives.seal(unit_private_key, public_key=escrow_public_key(), info=unit_key_escrow_info(unit_keypair_id))


def open_unit_key_with_escrow(unit_keypair: Any, *, escrow_private_key: bytes) -> bytes:
    """Recover a unit's private key with the offline escrow private key."""
    return primitives.unseal(
        _bytes(unit_keypair.sealed_to_escrow),
        private_key=escrow_private_key,
        info=unit_key_escrow_info(unit_keypair.pk),
    )


def grant_unit_key(
    *, unit_keypair: UnitKeyRow, unit_private_key: bytes, member_id: int, member_public_key: bytes
) -> bytes:
    """Seal a unit's private key to a member's public key (checked to be the unit's own key first)."""
    check_private_key(unit_private_key, public_key=bytes(unit_keypair.public_key))
    return primitives.seal(
        unit_private_key, public_key=member_public_key, info=unit_key_grant_info(unit_keypair.pk, member_id)
    )


def open_unit_key_grant(membership: Any, *, member_id: int, staff_private_key: bytes) -> bytes:
    """Open the unit key sealed to a member with the member's private key."""
    return primitives.unseal(
        _bytes(membership.sealed_unit_key),
        private_key=staff_private_key,
        info=unit_key_grant_info(membership.keypair_id, member_id),
    )


# --- the index key (keyed pseudonyms) ------------------------------------------------------------------------------


def new_index_key() -> bytes:
    """Return a new random index key."""
    return primitives.new_key()


def seal_index_key_to_escrow(version: int, *, index_key: bytes, scope: str = INDEX_REGIONAL) -> bytes:
    """Seal one version of an index key (regional or national) to the escrow key."""
    return primitives.seal(index_key, public_key=escrow_public_key(), info=index_key_info(version, ESCROW, scope))


def seal_index_key_for_unit(
    version: int, *, index_key: bytes, unit_keypair: UnitKeyRow, scope: str = INDEX_REGIONAL
) -> bytes:
    """Seal an index key (regional or national) to a unit key, so that unit's members can compute pseudonyms."""
    return primitives.seal(
        index_key,
        public_key=bytes(unit_keypair.public_key),
        info=index_key_info(version, unit_recipient(unit_keypair.pk), scope),
    )


def open_index_key_for_unit(
    sealed: bytes, *, version: int, unit_keypair_id: int, unit_private_key: bytes, scope: str = INDEX_REGIONAL
) -> bytes:
    """Open an index key sealed to a unit key (raises CryptoError if it was sealed as another scope)."""
    return primitives.unseal(
        sealed, private_key=unit_private_key, info=index_key_info(version, unit_recipient(unit_keypair_id), scope)
    )


def open_index_key_with_escrow(
    sealed: bytes, *, version: int, escrow_private_key: bytes, scope: str = INDEX_REGIONAL
) -> bytes:
    """Open an index key with the offline escrow private key."""
    return primitives.unseal(sealed, private_key=escrow_private_key, info=index_key_info(version, ESCROW, scope))


def entity_pseudonym(index_key: bytes, *, kind: str, scope: str, normalised: str) -> bytes:
    """Return the keyed pseudonym of a normalised entity: HMAC-SHA256 under the index key, linking equal values blind."""
    return primitives.keyed_digest(index_key, pseudonym_input(kind=kind, scope=scope, normalised=normalised))


def name_key_pseudonym(index_key: bytes, *, text: str) -> bytes:
    """Return the keyed pseudonym of one part of a person's name (linking.names), so spellings of a name meet blind.

    Its input names a kind no entity has, so a name part never equals a whole entity's pseudonym.
    """
    return primitives.keyed_digest(index_key, pseudonym_input(kind=NAME_KEY_KIND, scope=ANYWHERE, normalised=text))


def fingerprint(public_key: bytes) -> str:
    """Return a short, human-comparable fingerprint of a public key."""
    return primitives.fingerprint(public_key)


# --- reserved identities (D.Leg. 1327): sealed to the identity custodian, never to the unit ----------------------


def new_identity_key(identity_id: uuid.UUID, *, custodian_keypair: UnitKeyRow) -> SealedKey:
    """Draw a key for a reserved identity and seal it to the custodian key and to escrow (not to any unit)."""
    key = primitives.new_key()
    unit_column, escrow_column = _record_key_columns(RESERVED_IDENTITY)
    columns = {
        unit_column: primitives.seal(
            key,
            public_key=bytes(custodian_keypair.public_key),
            info=RESERVED_IDENTITY.key_info(identity_id, custodian_recipient(custodian_keypair.pk)),
        ),
        escrow_column: primitives.seal(
            key, public_key=escrow_public_key(), info=RESERVED_IDENTITY.key_info(identity_id, ESCROW)
        ),
    }
    return SealedKey(key=key, columns=columns)


def open_identity_key_for_custodian(identity: Any, *, custodian_private_key: bytes) -> bytes:
    """Open a reserved identity's key with the custodian private key it is sealed to."""
    return primitives.unseal(
        _bytes(identity.identity_key_for_custodian),
        private_key=custodian_private_key,
        info=RESERVED_IDENTITY.key_info(identity.public_id, custodian_recipient(identity.custodian_keypair_id)),
    )


def open_identity_key_with_escrow(identity: Any, *, escrow_private_key: bytes) -> bytes:
    """Open a reserved identity's key with the offline escrow private key."""
    return primitives.unseal(
        _bytes(identity.identity_key_for_escrow),
        private_key=escrow_private_key,
        info=RESERVED_IDENTITY.key_info(identity.public_id, ESCROW),
    )


def grant_identity_key(
    identity_id: uuid.UUID, *, identity_key: bytes, disclosure_id: int, member_id: int, member_public_key: bytes
) -> bytes:
    """Seal a reserved identity's key to one member, under one approved disclosure."""
    return primitives.seal(
        identity_key,
        public_key=member_public_key,
        info=RESERVED_IDENTITY.key_info(identity_id, disclosure_recipient(disclosure_id, member_id)),
    )


def open_identity_key_grant(
    sealed: bytes, *, identity_id: uuid.UUID, disclosure_id: int, member_id: int, staff_private_key: bytes
) -> bytes:
    """Open a reserved identity's key that an approved disclosure sealed to this member."""
    return primitives.unseal(
        sealed,
        private_key=staff_private_key,
        info=RESERVED_IDENTITY.key_info(identity_id, disclosure_recipient(disclosure_id, member_id)),
    )


def seal_disclosure_reason(disclosure_public_id: uuid.UUID, *, reason: str, custodian_keypair: UnitKeyRow) -> bytes:
    """Seal the written reason of a disclosure request to the custodian key: only a custodian reads it."""
    return primitives.seal(
        reason.encode("utf-8"),
        public_key=bytes(custodian_keypair.public_key),
        info=disclosure_reason_info(disclosure_public_id, custodian_keypair.pk),
    )


def open_disclosure_reason(request: Any, *, custodian_private_key: bytes) -> str:
    """Open a disclosure request's reason with the custodian private key."""
    return primitives.unseal(
        _bytes(request.reason_for_custodian),
        private_key=custodian_private_key,
        info=disclosure_reason_info(request.public_id, request.custodian_keypair_id),
    ).decode("utf-8")


def seal_custodian_key_to_escrow(custodian_keypair_id: int, *, custodian_private_key: bytes) -> bytes:
    """Seal the identity custodian's private key to the escrow key (offline recovery)."""
    return primitives.seal(
        custodian_private_key, public_key=escrow_public_key(), info=custodian_key_escrow_info(custodian_keypair_id)
    )


def open_custodian_key_with_escrow(custodian_keypair: Any, *, escrow_private_key: bytes) -> bytes:
    """Recover the identity custodian's private key with the offline escrow private key."""
    return primitives.unseal(
        _bytes(custodian_keypair.sealed_to_escrow),
        private_key=escrow_private_key,
        info=custodian_key_escrow_info(custodian_keypair.pk),
    )


def grant_custodian_key(
    *, custodian_keypair: UnitKeyRow, custodian_private_key: bytes, member_id: int, member_public_key: bytes
) -> bytes:
    """Seal the custodian private key to a custodian's public key (checked to be that key pair's first)."""
    check_private_key(custodian_private_key, public_key=bytes(custodian_keypair.public_key))
    return primitives.seal(
        custodian_private_key,
        public_key=member_public_key,
        info=custodian_key_grant_info(custodian_keypair.pk, member_id),
    )


def open_custodian_key_grant(grant: Any, *, member_id: int, staff_private_key: bytes) -> bytes:
    """Open the custodian private key sealed to a custodian with their own private key."""
    return primitives.unseal(
        _bytes(grant.sealed_key),
        private_key=staff_private_key,
        info=custodian_key_grant_info(grant.keypair_id, member_id),
    )
