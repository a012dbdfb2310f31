"""The record schema: which fields of which record are encrypted, under which key, with which associated data.

Declared once; `envelope.records` seals and opens any record from it, so no caller
ever composes an associated-data label or a recipient string. The strings built here
are stored formats: every byte of them is bound into existing ciphertexts, so they
never change (a new format gets a new version label instead).

A record is identified by its path: a tip is `tip:<id>`, a message of that tip is
`tip:<id>|message:<id>`. The associated data of a field is
`tipline v1|<path>|<field label>`, so a ciphertext copied onto another row, another
record or another field fails to decrypt.

"Absent": a column holding no bytes (a field added after the record was written, or
a field that is empty by design, such as the closing reason of an open case) reads as
the field's `absent` value, never as a decryption error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

FORMAT = "tipline v1"


@dataclass(frozen=True)
class EncryptedField:
    """One encrypted column of a record."""

    name: str
    column: str
    # The field's name inside the associated data; None for records whose single field is the record itself.
    label: str | None
    text: bool = True

    @property
    def absent(self) -> str | bytes:
        """What the field reads as when its column holds no ciphertext."""
        return "" if self.text else b""


@dataclass(frozen=True)
class Record:
    """A kind of record with encrypted fields, the record (if any) it belongs to, and the key it is sealed with."""

    kind: str
    fields: tuple[EncryptedField, ...]
    parent: Record | None = None
    # Records with their own key (tips, cases): how the key is named in its sealing info, and its columns.
    key_label: str | None = None
    key_for_unit_column: str | None = None
    key_for_escrow_column: str | None = None

    def field(self, name: str) -> EncryptedField:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.kind} has no encrypted field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields)

    def path(self, *ids: uuid.UUID) -> str:
        """Return the record's path from its ids, outermost first (`tip:<id>|message:<id>`)."""
        chain: list[Record] = []
        record: Record | None = self
        while record is not None:
            chain.insert(0, record)
            record = record.parent
        if len(ids) != len(chain):
            raise ValueError(f"{self.kind} is identified by {len(chain)} ids, got {len(ids)}")
        return "|".join(f"{r.kind}:{record_id}" for r, record_id in zip(chain, ids, strict=True))

    def aad(self, field: EncryptedField, *ids: uuid.UUID) -> bytes:
        """Return the associated data of one field of the record with these ids."""
        parts = [FORMAT, self.path(*ids)]
        if field.label is not None:
            parts.append(field.label)
        return "|".join(parts).encode()

    def key_info(self, record_id: uuid.UUID, recipient: str) -> bytes:
        """Return the HPKE info (or associated data) binding the record's own key to one recipient."""
        if self.key_label is None:
            raise ValueError(f"{self.kind} records have no key of their own")
        return f"{FORMAT}|{self.path(record_id)}|{self.key_label}|{recipient}".encode()


TIP = Record(
    kind="tip",
    fields=(
        EncryptedField("description", "description_ct", "description"),
        EncryptedField("contact", "contact_ct", "contact"),
        EncryptedField("occurred_on", "occurred_on_ct", "occurred on"),
    ),
    key_label="data key",
    key_for_unit_column="data_key_for_unit",
    key_for_escrow_column="data_key_for_escrow",
)
MESSAGE = Record(kind="message", parent=TIP, fields=(EncryptedField("body", "body_ct", "body"),))
ATTACHMENT = Record(
    kind="attachment",
    parent=TIP,
    fields=(
        EncryptedField("file_key", "file_key_ct", "file key", text=False),
        EncryptedField("name", "name_ct", "name"),
        EncryptedField("content_type", "content_type_ct", "content type"),
    ),
)
MENTION = Record(kind="entity mention", parent=TIP, fields=(EncryptedField("value", "value_ct", "value"),))
CASE = Record(
    kind="case",
    fields=(
        EncryptedField("title", "title_ct", "title"),
        EncryptedField("closing_reason", "closing_reason_ct", "closing reason"),
    ),
    key_label="case key",
    key_for_unit_column="case_key_for_unit",
    key_for_escrow_column="case_key_for_escrow",
)
NOTE = Record(kind="note", parent=CASE, fields=(EncryptedField("body", "body_ct", None),))
# The investigation inside a case (investigation/): a task of its plan, and an interview record.
TASK = Record(
    kind="task",
    parent=CASE,
    fields=(EncryptedField("what", "what_ct", "what"), EncryptedField("result", "result_ct", "result")),
)
INTERVIEW = Record(
    kind="interview",
    parent=CASE,
    fields=(
        EncryptedField("interviewee", "interviewee_ct", "interviewee"),
        EncryptedField("summary", "summary_ct", "summary"),
    ),
)
# Evidence (evidence/): an exhibit of a case, its identifier (an IMEI or a phone number), its digital file's
# key and name; one entry of its custody history; an identifier of a seized device as linking sees it.
EXHIBIT = Record(
    kind="exhibit",
    parent=CASE,
    fields=(
        EncryptedField("description", "description_ct", "description"),
        EncryptedField("file_key", "file_key_ct", "file key", text=False),
        EncryptedField("file_name", "file_name_ct", "file name"),
    ),
)
CUSTODY_ENTRY = Record(
    kind="custody entry",
    parent=EXHIBIT,
    fields=(
        EncryptedField("remarks", "remarks_ct", "remarks"),
        EncryptedField("to_outside", "to_outside_ct", "to outside"),
    ),
)
EXHIBIT_IDENTIFIER = Record(
    kind="exhibit identifier", parent=EXHIBIT, fields=(EncryptedField("value", "value_ct", "value"),)
)
# Outcomes (outcomes/): a person concerned by a case, pseudonymised by a code; their name is sealed here.
PERSON_CONCERNED = Record(
    kind="person concerned",
    parent=CASE,
    fields=(EncryptedField("name", "name_ct", "name"), EncryptedField("details", "details_ct", "details")),
)

# A whistleblower's reserved identity (D.Leg. 1327; tipline.ReservedIdentity): the contact details or name
# they chose to give, under a key of its own sealed to the identity custodian and to escrow, never to the
# unit that works the tip. A custodian's approved disclosure seals that key to the requesting members.
RESERVED_IDENTITY = Record(
    kind="reserved identity",
    fields=(EncryptedField("contact", "contact_ct", "contact"),),
    key_label="identity key",
    key_for_unit_column="identity_key_for_custodian",
    key_for_escrow_column="identity_key_for_escrow",
)
# A legal hold on a case (retention/): why the case must not be deleted on schedule, under the case key.
LEGAL_HOLD = Record(kind="legal hold", parent=CASE, fields=(EncryptedField("reason", "reason_ct", "reason"),))

# Every record with encrypted fields, for the checks that must cover all of them (canary, fuzz, restore).
RECORDS: tuple[Record, ...] = (
    TIP,
    MESSAGE,
    ATTACHMENT,
    MENTION,
    CASE,
    NOTE,
    TASK,
    INTERVIEW,
    EXHIBIT,
    CUSTODY_ENTRY,
    EXHIBIT_IDENTIFIER,
    PERSON_CONCERNED,
    RESERVED_IDENTITY,
    LEGAL_HOLD,
)

# --- recipients and the other sealed things -------------------------------------------------------

ESCROW = "escrow"
RECEIPT = "receipt"


def unit_recipient(unit_keypair_id: int) -> str:
    """Name a unit key as a recipient of a sealed record key."""
    return f"unit-keypair:{unit_keypair_id}"


def custodian_recipient(custodian_keypair_id: int) -> str:
    """Name an identity custodian key as a recipient of a sealed identity key."""
    return f"custodian-keypair:{custodian_keypair_id}"


def disclosure_recipient(disclosure_id: int, member_id: int) -> str:
    """Name a staff member an approved disclosure seals an identity key to."""
    return f"disclosure:{disclosure_id}|member:{member_id}"


def custodian_key_grant_info(custodian_keypair_id: int, member_id: int) -> bytes:
    return f"{FORMAT}|custodian key grant|custodian-keypair:{custodian_keypair_id}|member:{member_id}".encode()


def custodian_key_escrow_info(custodian_keypair_id: int) -> bytes:
    return f"{FORMAT}|custodian key escrow|custodian-keypair:{custodian_keypair_id}".encode()


def disclosure_reason_info(disclosure_public_id: uuid.UUID, custodian_keypair_id: int) -> bytes:
    """Bind a disclosure request's reason, sealed to the custodian key, to that request and that key."""
    return f"{FORMAT}|disclosure reason|disclosure:{disclosure_public_id}|custodian-keypair:{custodian_keypair_id}".encode()


def staff_private_key_aad(user_id: int) -> bytes:
    return f"{FORMAT}|staff private key|user:{user_id}".encode()


def unit_key_grant_info(unit_keypair_id: int, member_id: int) -> bytes:
    return f"{FORMAT}|unit key grant|unit-keypair:{unit_keypair_id}|member:{member_id}".encode()


def unit_key_escrow_info(unit_keypair_id: int) -> bytes:
    return f"{FORMAT}|unit key escrow|unit-keypair:{unit_keypair_id}".encode()


# The index keys (DESIGN.md section 4): the regional units share one, the national (conflict-of-interest)
# unit has its own, so a regional unit never learns what the national unit holds about anyone.
INDEX_REGIONAL = "regional"
INDEX_NATIONAL = "national"
INDEX_SCOPES = (INDEX_REGIONAL, INDEX_NATIONAL)


def index_key_info(version: int, recipient: str, scope: str = INDEX_REGIONAL) -> bytes:
    """Return the sealing info of one version of an index key to one recipient.

    The regional key keeps the format it had when it was the only index key; the
    national key names itself, so a seal of one can never be opened as the other
    (a row whose scope column was changed fails to open).
    """
    if scope == INDEX_REGIONAL:
        return f"{FORMAT}|index key:{version}|{recipient}".encode()
    if scope == INDEX_NATIONAL:
        return f"{FORMAT}|national index key:{version}|{recipient}".encode()
    raise ValueError(f"unknown index key scope {scope!r}")


ANYWHERE = "anywhere"


def facility_scope(facility_id: int) -> str:
    """Name the facility a pseudonym is confined to (places: a pavilion of one prison is not another's)."""
    return f"facility:{facility_id}"


def pseudonym_input(*, kind: str, scope: str, normalised: str) -> bytes:
    """Return what the index key's HMAC covers for an entity: its kind, its scope and its normalised value."""
    return f"{FORMAT}|entity|{kind}|{scope}|{normalised}".encode()


# The kind in the pseudonym input of a part of a person's name (a surname, its phonetic key...).
NAME_KEY_KIND = "person name key"


def file_stream_aad(storage_name: str) -> bytes:
    """Bind an attachment's ciphertext stream to the name it is stored under."""
    return b"tipline attachment stream|" + storage_name.encode("ascii")


VAULT_AAD = b"tipline session vault v1"
# The receipt page shown again after a reload (tipline/receipt_again.py): the browser's key is split
# into a lookup name and an encryption key, so the name under which the server keeps it opens nothing.
RECEIPT_AGAIN_AAD = b"tipline receipt shown again v1"
RECEIPT_AGAIN_NAME_LABEL = b"tipline receipt shown again v1|name"
RECEIPT_AGAIN_KEY_LABEL = b"tipline receipt shown again v1|key"
