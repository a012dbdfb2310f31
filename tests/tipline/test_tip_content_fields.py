"""An encrypted field added to the tip schema and the report form shows on the staff pages by itself."""

from __future__ import annotations

import pytest
from django import forms

import envelope
from envelope.schema import EncryptedField, Record
from tipline import selectors
from tipline.forms import ReportForm


def test_a_new_encrypted_field_is_listed_with_the_form_label(monkeypatch: pytest.MonkeyPatch) -> None:
    grown = Record(
        kind="tip",
        fields=(*envelope.TIP.fields, EncryptedField("pavilion", "pavilion_ct", "pavilion")),
        key_label="data key",
        key_for_unit_column="data_key_for_unit",
        key_for_escrow_column="data_key_for_escrow",
    )
    monkeypatch.setattr(envelope, "TIP", grown)
    monkeypatch.setitem(ReportForm.base_fields, "pavilion", forms.CharField(label="Pabellón", required=False))

    fields = {"description": "d", "contact": "", "occurred_on": "", "pavilion": "4-B"}

    assert selectors._more_fields(fields) == [("Pabellón", "4-B")]
    assert selectors._more_fields({**fields, "pavilion": ""}) == [], "an empty or absent field is not listed"
