"""The record schema keeps the stored formats, and "absent" is never a crypto error.

The associated data and sealing info are bound into every ciphertext already stored,
so they are pinned here byte for byte: records sealed the way the code sealed them
before the envelope had a schema must still open through the API.
"""

from __future__ import annotations

import ast
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

import envelope
from envelope import primitives
from envelope.schema import (
    ESCROW,
    EncryptedField,
    Record,
    file_stream_aad,
    index_key_info,
    pseudonym_input,
    staff_private_key_aad,
    unit_key_escrow_info,
    unit_key_grant_info,
    unit_recipient,
)

TIP_ID = uuid.UUID("11111111-2222-3333-4444-555555555555")
CHILD_ID = uuid.UUID("66666666-7777-8888-9999-000000000000")
ROOT = Path(__file__).resolve().parents[2]


def test_the_associated_data_of_every_field_is_the_stored_format() -> None:
    expected = {
        (envelope.TIP, "description"): f"tipline v1|tip:{TIP_ID}|description",
        (envelope.TIP, "contact"): f"tipline v1|tip:{TIP_ID}|contact",
        (envelope.TIP, "occurred_on"): f"tipline v1|tip:{TIP_ID}|occurred on",
        (envelope.MESSAGE, "body"): f"tipline v1|tip:{TIP_ID}|message:{CHILD_ID}|body",
        (envelope.ATTACHMENT, "file_key"): f"tipline v1|tip:{TIP_ID}|attachment:{CHILD_ID}|file key",
        (envelope.ATTACHMENT, "name"): f"tipline v1|tip:{TIP_ID}|attachment:{CHILD_ID}|name",
        (envelope.ATTACHMENT, "content_type"): f"tipline v1|tip:{TIP_ID}|attachment:{CHILD_ID}|content type",
        (envelope.MENTION, "value"): f"tipline v1|tip:{TIP_ID}|entity mention:{CHILD_ID}|value",
        (envelope.CASE, "title"): f"tipline v1|case:{TIP_ID}|title",
        (envelope.CASE, "closing_reason"): f"tipline v1|case:{TIP_ID}|closing reason",
        (envelope.NOTE, "body"): f"tipline v1|case:{TIP_ID}|note:{CHILD_ID}",
    }
    for (record, name), aad in expected.items():
        ids = (TIP_ID,) if record.parent is None else (TIP_ID, CHILD_ID)
        assert record.aad(record.field(name), *ids) == aad.encode(), (record.kind, name)


def test_the_sealing_info_of_every_key_is_the_stored_format() -> None:
    assert (
        envelope.TIP.key_info(TIP_ID, unit_recipient(7)) == f"tipline v1|tip:{TIP_ID}|data key|unit-keypair:7".encode()
    )
    assert envelope.TIP.key_info(TIP_ID, ESCROW) == f"tipline v1|tip:{TIP_ID}|data key|escrow".encode()
    assert envelope.TIP.key_info(TIP_ID, "receipt") == f"tipline v1|tip:{TIP_ID}|data key|receipt".encode()
    assert envelope.CASE.key_info(TIP_ID, ESCROW) == f"tipline v1|case:{TIP_ID}|case key|escrow".encode()
    assert staff_private_key_aad(3) == b"tipline v1|staff private key|user:3"
    assert unit_key_grant_info(7, 3) == b"tipline v1|unit key grant|unit-keypair:7|member:3"
    assert unit_key_escrow_info(7) == b"tipline v1|unit key escrow|unit-keypair:7"
    assert index_key_info(2, unit_recipient(7)) == b"tipline v1|index key:2|unit-keypair:7"
    assert index_key_info(2, unit_recipient(7), envelope.INDEX_REGIONAL) == b"tipline v1|index key:2|unit-keypair:7"
    assert index_key_info(2, ESCROW, envelope.INDEX_REGIONAL) == b"tipline v1|index key:2|escrow"
    assert (
        index_key_info(1, unit_recipient(9), envelope.INDEX_NATIONAL)
        == b"tipline v1|national index key:1|unit-keypair:9"
    )
    assert index_key_info(1, ESCROW, envelope.INDEX_NATIONAL) == b"tipline v1|national index key:1|escrow"
    assert file_stream_aad("ab" * 16) == b"tipline attachment stream|" + b"ab" * 16
    assert pseudonym_input(kind="place", scope=envelope.facility_scope(4), normalised="pabellon 4") == (
        b"tipline v1|entity|place|facility:4|pabellon 4"
    )
    assert pseudonym_input(kind="person", scope=envelope.ANYWHERE, normalised="flaco") == (
        b"tipline v1|entity|person|anywhere|flaco"
    )


def test_a_tip_sealed_the_old_way_opens_through_the_api() -> None:
    escrow = primitives.generate_keypair()
    unit = primitives.generate_keypair()
    data_key = primitives.new_key()
    old_tip = SimpleNamespace(
        public_id=TIP_ID,
        unit_keypair_id=7,
        data_key_for_unit=primitives.seal(
            data_key, public_key=unit.public, info=f"tipline v1|tip:{TIP_ID}|data key|unit-keypair:7".encode()
        ),
        data_key_for_escrow=primitives.seal(
            data_key, public_key=escrow.public, info=f"tipline v1|tip:{TIP_ID}|data key|escrow".encode()
        ),
        description_ct=primitives.encrypt_text(
            "Lo vi (inventado).", key=data_key, aad=f"tipline v1|tip:{TIP_ID}|description".encode()
        ),
        contact_ct=primitives.encrypt_text("", key=data_key, aad=f"tipline v1|tip:{TIP_ID}|contact".encode()),
        occurred_on_ct=primitives.encrypt_text(
            "2026-11-01", key=data_key, aad=f"tipline v1|tip:{TIP_ID}|occurred on".encode()
        ),
    )
    assert envelope.open_tip_for_unit(old_tip, unit_private_key=unit.private) == data_key
    assert envelope.open_tip_with_escrow(old_tip, escrow_private_key=escrow.private) == data_key
    opened = envelope.open_fields(envelope.TIP, old_tip, TIP_ID, key=data_key)
    written = {"description": "Lo vi (inventado).", "contact": "", "occurred_on": "2026-11-01"}
    assert {name: opened[name] for name in written} == written
    assert all(value == "" for name, value in opened.items() if name not in written), "later fields read as absent"


def test_a_field_added_later_reads_as_absent_on_old_records() -> None:
    key = primitives.new_key()
    old_row = SimpleNamespace(**envelope.seal_fields(envelope.TIP, TIP_ID, key=key, description="antes"))
    grown = Record(
        kind="tip",
        fields=(*envelope.TIP.fields, EncryptedField("pavilion", "pavilion_ct", "pavilion")),
        key_label="data key",
        key_for_unit_column="data_key_for_unit",
        key_for_escrow_column="data_key_for_escrow",
    )
    old_row.pavilion_ct = b""  # what a new BinaryField(default=b"") holds on rows written before it existed
    opened = envelope.open_fields(grown, old_row, TIP_ID, key=key)
    assert opened["description"] == "antes"
    assert opened["pavilion"] == "" and opened["contact"] == ""
    assert envelope.open_field(envelope.ATTACHMENT, "file_key", SimpleNamespace(), TIP_ID, CHILD_ID, key=key) == b""


def test_a_ciphertext_moved_to_another_field_or_record_does_not_open() -> None:
    key = primitives.new_key()
    sealed = envelope.seal_fields(envelope.TIP, TIP_ID, key=key, description="secreto")
    swapped = SimpleNamespace(contact_ct=sealed["description_ct"])
    with pytest.raises(envelope.CryptoError):
        envelope.open_field(envelope.TIP, "contact", swapped, TIP_ID, key=key)
    moved = SimpleNamespace(description_ct=sealed["description_ct"])
    with pytest.raises(envelope.CryptoError):
        envelope.open_field(envelope.TIP, "description", moved, CHILD_ID, key=key)


def test_sealing_an_undeclared_field_is_refused() -> None:
    with pytest.raises(KeyError, match="no encrypted field"):
        envelope.seal_fields(envelope.TIP, TIP_ID, key=primitives.new_key(), pabellon="4")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_outside_the_envelope_touches_a_primitive() -> None:
    """Only envelope/ imports the cryptography package or envelope.primitives (tests may, to check formats)."""
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {"envelope", "tests", ".venv", "var"} or "migrations" in relative.parts:
            continue
        for name in _imports(path):
            if name.startswith(("cryptography", "envelope.primitives", "envelope.schema")):
                offenders.append(f"{relative}: {name}")
    assert not offenders, offenders


def test_an_index_key_sealed_as_one_scope_never_opens_as_the_other() -> None:
    """A database insider who relabels the national key's row as regional (or back) gets a key that fails to open."""
    unit = primitives.generate_keypair()
    index_key = primitives.new_key()
    keypair = SimpleNamespace(pk=9, public_key=unit.public)
    national = envelope.seal_index_key_for_unit(1, index_key=index_key, unit_keypair=keypair, scope="national")
    regional = envelope.seal_index_key_for_unit(1, index_key=index_key, unit_keypair=keypair, scope="regional")

    opened = envelope.open_index_key_for_unit(
        national, version=1, unit_keypair_id=9, unit_private_key=unit.private, scope="national"
    )
    assert opened == index_key
    with pytest.raises(envelope.CryptoError):
        envelope.open_index_key_for_unit(
            national, version=1, unit_keypair_id=9, unit_private_key=unit.private, scope="regional"
        )
    with pytest.raises(envelope.CryptoError):
        envelope.open_index_key_for_unit(
            regional, version=1, unit_keypair_id=9, unit_private_key=unit.private, scope="national"
        )
    with pytest.raises(ValueError):
        index_key_info(1, ESCROW, "everyone")


def test_an_index_key_sealed_the_old_way_opens_as_the_regional_key() -> None:
    """The single index key of before the national one existed is the regional key, byte for byte."""
    unit = primitives.generate_keypair()
    index_key = primitives.new_key()
    sealed = primitives.seal(index_key, public_key=unit.public, info=b"tipline v1|index key:3|unit-keypair:9")
    assert envelope.open_index_key_for_unit(sealed, version=3, unit_keypair_id=9, unit_private_key=unit.private) == (
        index_key
    )
