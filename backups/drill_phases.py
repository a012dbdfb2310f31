"""The two halves of the restore drill that run inside an instance: populate it, and prove a restore.

`populate` builds a working instance through the real services: units with keys (one
rotated half-way, so older tips stay under the retired key), investigators and
supervisors, the index key, tips with attachments encrypted by the real upload
handler, acknowledgements, whistleblower replies with files, notes, entity mentions,
assignments and closed cases, all in the audit log. It returns what each
whistleblower and staff member holds (receipts, passwords) and the SHA-256 of every
plaintext it sent, never the plaintext itself.

`verify` opens every tip of a restored instance three ways and compares what comes
out with those digests: as staff (password -> member key -> unit key -> data key),
through the escrow private key, and with the whistleblower's receipt.

Imported only once Django is set up (backups.drill does that for its phases).
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import pikepdf
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

import envelope
from accounts.keys import (
    custodian_keypair_create,
    membership_grant,
    staff_member_create,
    staff_unlock_keys,
    unit_keypair_create,
    vault_unit_key_name,
)
from accounts.models import Role, StaffMember
from backups.drill import PLAINTEXT_MARKER
from cases.models import Case
from cases.permissions import CaseActionRefused
from cases.services import (
    case_acknowledge,
    case_assign,
    case_key_open,
    case_transition,
    note_add,
    tip_data_key_open,
)
from cases.statuses import CaseStatus
from linking.models import EntityKind
from linking.services import index_keys_create_missing, mention_record
from org.models import Facility, Region, Unit
from tipline import filetypes, metadata
from tipline.models import Category, SmugglingChannel, StaffInvolved, Tip, WhenPeriod
from tipline.selectors import attachment_plaintext, tip_content
from tipline.services import (
    TipSubmission,
    message_post_by_whistleblower,
    tip_open_with_receipt,
    tip_submit,
)
from tipline.uploads import EncryptedUpload, EncryptingUploadHandler

UNITS = [
    ("national", "Asuntos Internos Nacional (simulacro)", Unit.Kind.NATIONAL),
    ("lima", "Asuntos Internos Lima (simulacro)", Unit.Kind.REGIONAL),
    ("norte", "Asuntos Internos Norte (simulacro)", Unit.Kind.REGIONAL),
]
FACILITIES = [
    ("E.P. Simulacro Lima A", "lima"),
    ("E.P. Simulacro Lima B", "lima"),
    ("E.P. Simulacro Norte", "norte"),
]
CATEGORIES = [Category.PHONES, Category.BRIBERY, Category.DRUGS_WEAPONS, Category.ABUSE, Category.NEGLIGENCE]
CHANNELS = [SmugglingChannel.VISITORS, SmugglingChannel.STAFF, SmugglingChannel.THROWN, SmugglingChannel.SUPPLIERS]
# Sizes of the generated evidence files: one, two and three 64 KiB chunks of the stream format.
ATTACHMENT_SIZES = [900, 12_000, 70_000, 3_000, 140_000]
UPLOAD_CHUNK_BYTES = 64 * 1024


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def staff_username(unit_slug: str, role: str) -> str:
    return f"drill_{unit_slug}_{role}"


@dataclass
class ContentDigest:
    """The SHA-256 of everything a tip holds: what a restore must give back unchanged.

    `fields` covers every encrypted field of the envelope's tip record, so a field
    added to the schema is checked without a change here.
    """

    fields: dict[str, str]
    messages: list[str]
    attachments: dict[str, str]


@dataclass
class TipExpectation:
    public_id: str
    unit: str
    receipt: str
    content: ContentDigest
    notes: dict[str, str] = field(default_factory=dict)


@dataclass
class Expectations:
    """What the people of the source instance hold, and digests of what they wrote."""

    staff_passwords: dict[str, str]
    tips: list[TipExpectation]

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))
        path.chmod(0o600)

    @classmethod
    def read(cls, path: Path) -> Expectations:
        data = json.loads(path.read_text())
        tips = [
            TipExpectation(
                public_id=tip["public_id"],
                unit=tip["unit"],
                receipt=tip["receipt"],
                content=ContentDigest(**tip["content"]),
                notes=tip["notes"],
            )
            for tip in data["tips"]
        ]
        return cls(staff_passwords=data["staff_passwords"], tips=tips)


# --- populating -------------------------------------------------------------------------------------------


def encrypted_upload(data: bytes, *, name: str, content_type: str = "application/octet-stream") -> EncryptedUpload:
    """Run bytes through the real encrypting upload handler, in the chunks a request would bring."""
    handler = EncryptingUploadHandler()
    handler.new_file("attachments", name, content_type, len(data))
    for start in range(0, len(data), UPLOAD_CHUNK_BYTES):
        handler.receive_data_chunk(data[start : start + UPLOAD_CHUNK_BYTES], start)
    upload = handler.file_complete(len(data))
    if upload.too_large or upload.problem is not None:
        raise ValueError(f"the intake refused the drill's file {name}: {upload.problem}")
    return upload


def _evidence(rng: random.Random, size: int, marker: str, *, as_pdf: bool) -> bytes:
    """Return a file of about `size` bytes of a type the intake accepts: a PDF, or plain text."""
    if as_pdf:
        # A real one-page PDF, as the intake stores it: every PDF is rewritten without its metadata, and
        # rewriting a rewritten one changes nothing, so the stored file's digest is this file's.
        document = pikepdf.new()
        document.add_blank_page()
        document.pages[0].Contents = document.make_stream(f"% {marker} evidencia\n".encode() + rng.randbytes(size))
        sent = io.BytesIO()
        document.save(sent)
        return metadata.clean_whole(filetypes.PDF, sent.getvalue())
    words = ["celular", "visita", "domingo", "pabellón", "cupo", "táper", "puerta", "turno", "noche"]
    text = f"{marker} evidencia\n"
    while len(text.encode()) < size:
        text += " ".join(rng.choices(words, k=12)) + "\n"
    return text.encode()


def _organisation() -> tuple[dict[str, Unit], list[Facility]]:
    units = {slug: Unit.objects.create(slug=slug, name=name, kind=kind) for slug, name, kind in UNITS}
    regions = {
        slug: Region.objects.create(name=f"Región {slug} (simulacro)", unit=units[slug]) for slug in ("lima", "norte")
    }
    facilities = [
        Facility.objects.create(name=name, region=regions[slug], capacity=1000, population=2000)
        for name, slug in FACILITIES
    ]
    return units, facilities


def _staff(passwords: dict[str, str]) -> dict[str, StaffMember]:
    members = {}
    for username, password in passwords.items():
        role = Role.SUPERVISOR if username.endswith(Role.SUPERVISOR) else Role.INVESTIGATOR
        user = get_user_model().objects.create_user(username=username, password=password)
        members[username] = staff_member_create(user=user, role=role, password=password)
    return members


def _give_unit_key(unit: Unit, members: dict[str, StaffMember]) -> None:
    """Create (or rotate) the unit's key and grant it to the unit's investigator and supervisor."""
    keypair, private_key = unit_keypair_create(unit=unit)
    for role in (Role.INVESTIGATOR, Role.SUPERVISOR):
        membership_grant(member=members[staff_username(unit.slug, role)], keypair=keypair, unit_private_key=private_key)


def _submit(index: int, rng: random.Random, facilities: Sequence[Facility]) -> TipExpectation:
    marker = f"{PLAINTEXT_MARKER} {index:04d} {secrets.token_hex(4)}"
    description = f"{marker}: visitantes pasan celulares en táperes de comida los domingos."
    contact = f"{marker} contacto por señas" if index % 7 == 0 else ""
    files = [
        _evidence(rng, ATTACHMENT_SIZES[(index + n) % len(ATTACHMENT_SIZES)], marker, as_pdf=(index + n) % 2 == 0)
        for n in range(1 + index % 2)
    ]
    uploads = [encrypted_upload(data, name=f"evidencia-{index}-{n}.bin") for n, data in enumerate(files)]
    submission = TipSubmission(
        facility=facilities[index % len(facilities)],
        category=CATEGORIES[index % len(CATEGORIES)],
        smuggling_channel=CHANNELS[index % len(CHANNELS)],
        # Every ninth names local staff: the conflict-of-interest path to the national unit.
        staff_involved=StaffInvolved.YES if index % 9 == 0 else StaffInvolved.NO,
        when_period=WhenPeriod.THIS_MONTH,
        occurred_on=None,
        description=description,
        contact=contact,
    )
    tip, receipt = tip_submit(submission=submission, uploads=uploads)
    stored = tip.attachments.order_by("id")
    return TipExpectation(
        public_id=str(tip.public_id),
        unit=tip.unit.slug,
        receipt=receipt,
        content=ContentDigest(
            # Every field of the tip record; the contact is a reserved identity now, so the tip's own reads as absent.
            fields={
                name: sha256_text(submission.encrypted_values().get(name, "")) for name in envelope.TIP.field_names
            },
            messages=[],
            attachments={
                str(a.public_id): hashlib.sha256(data).hexdigest() for a, data in zip(stored, files, strict=True)
            },
        ),
    )


def _work(
    index: int, expected: TipExpectation, members: dict[str, StaffMember], vaults: dict[str, dict[str, bytes]]
) -> None:
    """Do to one tip what staff and its whistleblower do in a working week, through the real services."""
    tip = Tip.objects.select_related("unit", "unit_keypair", "facility").get(public_id=expected.public_id)
    case = Case.objects.get(case_tips__tip=tip)
    investigator = staff_username(tip.unit.slug, Role.INVESTIGATOR)
    supervisor = staff_username(tip.unit.slug, Role.SUPERVISOR)
    marker = f"{PLAINTEXT_MARKER} {index:04d}"
    if index % 3 == 0:
        body = f"{marker} acuse: recibimos su reporte."
        case_acknowledge(case=case, actor=members[investigator], vault=vaults[investigator], message=body)
        expected.content.messages.append(sha256_text(body))
    if index % 4 == 0:
        _whistleblower_replies(index, expected, marker)
    if index % 5 == 0:
        body = f"{marker} nota interna: cruzar con el registro de visitas."
        note = note_add(case=case, actor=members[investigator], body=body, vault=vaults[investigator])
        expected.notes[str(note.public_id)] = sha256_text(body)
    if index % 6 == 0:
        mention_record(
            tip=tip,
            kind=EntityKind.PERSON,
            value=f"Sgto. Juan Pérez {index % 4}",
            actor=members[investigator],
            vault=vaults[investigator],
        )
    if index % 10 == 0:
        _close_substantiated(case, members[supervisor], members[investigator], vaults[supervisor], marker)


def _whistleblower_replies(index: int, expected: TipExpectation, marker: str) -> None:
    opened = tip_open_with_receipt(receipt_text=expected.receipt)
    assert opened is not None, "a fresh receipt must open its tip"
    tip, data_key = opened
    body = f"{marker} respuesta: fue el domingo pasado."
    data = _evidence(random.Random(index), 5_000, marker, as_pdf=False)
    message = message_post_by_whistleblower(
        tip=tip, data_key=data_key, body=body, uploads=[encrypted_upload(data, name=f"foto-{index}.bin")]
    )
    expected.content.messages.append(sha256_text(body))
    for attachment in message.attachments.order_by("id"):
        expected.content.attachments[str(attachment.public_id)] = hashlib.sha256(data).hexdigest()


def _close_substantiated(
    case: Case, supervisor: StaffMember, investigator: StaffMember, vault: dict[str, bytes], marker: str
) -> None:
    case_assign(case=case, assignee=investigator, actor=supervisor)
    case.refresh_from_db()
    if case.status == CaseStatus.RECEIVED:
        case_transition(case=case, to=CaseStatus.TRIAGE, actor=supervisor)
    case_transition(case=case, to=CaseStatus.INVESTIGATING, actor=supervisor)
    case_transition(
        case=case, to=CaseStatus.SUBSTANTIATED, actor=supervisor, reason=f"{marker} confirmado.", vault=vault
    )


def populate(*, tips: int, seed: int) -> Expectations:
    """Fill an empty, migrated instance (with its escrow public key in place) with a working organisation."""
    rng = random.Random(seed)
    passwords = {
        staff_username(slug, role): secrets.token_urlsafe(18)
        for slug, _name, _kind in UNITS
        for role in (Role.INVESTIGATOR, Role.SUPERVISOR)
    }
    with transaction.atomic():
        units, facilities = _organisation()
        members = _staff(passwords)
        for unit in units.values():
            _give_unit_key(unit, members)
        index_keys_create_missing()
        # Contacts are reserved identities sealed to the custodian key (and escrow); no custodian logs in here.
        custodian_keypair_create()
    expectations: list[TipExpectation] = []
    for index in range(tips):
        if index == tips // 2:
            # Tips before this stay sealed to Lima's retired key; its members keep both grants.
            _give_unit_key(units["lima"], members)
        expectations.append(_submit(index, rng, facilities))
    vaults = {name: staff_unlock_keys(member=members[name], password=passwords[name]) for name in members}
    for index, expected in enumerate(expectations):
        _work(index, expected, members, vaults)
    return Expectations(staff_passwords=passwords, tips=expectations)


# --- verifying --------------------------------------------------------------------------------------------


@dataclass
class VerifyResult:
    tips_expected: int = 0
    tips_restored: int = 0
    for_unit: int = 0
    via_escrow: int = 0
    via_receipt: int = 0
    lost: int = 0
    attachments_verified: int = 0
    notes_verified: int = 0
    failures: list[str] = field(default_factory=list)


def content_digest(tip: Tip, data_key: bytes) -> ContentDigest:
    """Decrypt everything a tip holds (as the pages do) and return its digests."""
    content = tip_content(tip=tip, data_key=data_key)
    fields = envelope.open_fields(envelope.TIP, tip, tip.public_id, key=data_key)
    attachments = {}
    for attachment in tip.attachments.select_related("tip"):
        _view, chunks = attachment_plaintext(attachment=attachment, data_key=data_key)
        digest = hashlib.sha256()
        for piece in chunks:
            digest.update(piece)
        attachments[str(attachment.public_id)] = digest.hexdigest()
    return ContentDigest(
        fields={name: sha256_text(value) for name, value in fields.items()},
        messages=[sha256_text(message.body) for message in content.messages],
        attachments=attachments,
    )


def _vault_for(tip: Tip, vaults: dict[str, dict[str, bytes]]) -> dict[str, bytes]:
    name = vault_unit_key_name(tip.unit_keypair_id)
    for vault in vaults.values():
        if name in vault:
            return vault
    raise LookupError(f"no staff member holds unit key {tip.unit_keypair_id}")


def _notes_match(tip: Tip, vault: dict[str, bytes], expected: dict[str, str]) -> bool:
    case = Case.objects.select_related("unit_keypair").get(case_tips__tip=tip)
    case_key = case_key_open(case=case, vault=vault)
    found = {
        str(note.public_id): sha256_text(
            envelope.open_field(envelope.NOTE, "body", note, case.public_id, note.public_id, key=case_key)
        )
        for note in case.notes.all()
    }
    return found == expected


def _open_for_unit(tip: Tip, expected: TipExpectation, vaults: dict[str, dict[str, bytes]]) -> bool:
    vault = _vault_for(tip, vaults)
    digest = content_digest(tip, tip_data_key_open(tip=tip, vault=vault))
    return digest == expected.content and _notes_match(tip, vault, expected.notes)


def _open_via_escrow(tip: Tip, expected: TipExpectation, escrow_private_key: bytes) -> bool:
    data_key = envelope.open_tip_with_escrow(tip, escrow_private_key=escrow_private_key)
    return content_digest(tip, data_key) == expected.content


def _open_with_receipt(tip: Tip, expected: TipExpectation) -> bool:
    opened = tip_open_with_receipt(receipt_text=expected.receipt)
    if opened is None:
        return False
    found, data_key = opened
    return found.public_id == tip.public_id and content_digest(found, data_key) == expected.content


VERIFY_ERRORS = (envelope.CryptoError, CaseActionRefused, ObjectDoesNotExist, LookupError, OSError, ValueError)


def _passes(label: str, check: Callable[[], bool], expected: TipExpectation, failures: list[str]) -> bool:
    """Run one way of opening a tip; note why it failed, if it did."""
    try:
        opened = check()
    except VERIFY_ERRORS as exc:
        failures.append(f"tip {expected.public_id} {label}: {type(exc).__name__}: {exc}")
        return False
    if not opened:
        failures.append(f"tip {expected.public_id} {label}: content differs from the source")
    return opened


def _staff_vaults(staff_passwords: dict[str, str]) -> dict[str, dict[str, bytes]]:
    """Log every staff member's keys in with their password, as the login page does."""
    vaults = {}
    for username, password in staff_passwords.items():
        member = StaffMember.objects.select_related("user").get(user__username=username)
        vaults[username] = staff_unlock_keys(member=member, password=password)
    return vaults


def verify(*, expectations: Expectations, escrow_private_key: bytes) -> VerifyResult:
    """Open every expected tip for its unit, via escrow and with its receipt; count the ones lost.

    A tip is lost unless all three give back exactly what was sent.
    """
    result = VerifyResult(tips_expected=len(expectations.tips))
    vaults = _staff_vaults(expectations.staff_passwords)
    for expected in expectations.tips:
        tip = Tip.objects.select_related("unit_keypair", "facility").filter(public_id=expected.public_id).first()
        if tip is None:
            result.lost += 1
            result.failures.append(f"tip {expected.public_id}: not in the restored database")
            continue
        result.tips_restored += 1
        for_unit = _passes("for its unit", partial(_open_for_unit, tip, expected, vaults), expected, result.failures)
        via_escrow = _passes(
            "via escrow", partial(_open_via_escrow, tip, expected, escrow_private_key), expected, result.failures
        )
        via_receipt = _passes("with its receipt", partial(_open_with_receipt, tip, expected), expected, result.failures)
        result.for_unit += for_unit
        result.via_escrow += via_escrow
        result.via_receipt += via_receipt
        if for_unit and via_escrow and via_receipt:
            result.attachments_verified += len(expected.content.attachments)
            result.notes_verified += len(expected.notes)
        else:
            result.lost += 1
    return result
