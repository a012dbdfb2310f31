"""Staff forms of evidence: a search, an exhibit, a change of hands, a seized identifier."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffMember
from cases.forms import MemberChoiceField
from evidence.models import CellSearch, ExhibitKind
from evidence.services import IDENTIFIER_KINDS, Found
from linking.models import EntityKind
from org.models import Facility, Unit
from tipline.forms import REPLY_MAX, BrowserDateInput, inline_form_helper

DESCRIPTION_MAX = 2000
OUTSIDE_MAX = 200


class _CrispyForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


def _not_future(day: Any) -> Any:
    if day and day > timezone.localdate():
        raise forms.ValidationError(_("That day has not come yet."))
    return day


class SearchForm(_CrispyForm):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label=None, required=False)
    facility = forms.ModelChoiceField(label=_("Prison"), queryset=Facility.objects.none())
    area = forms.CharField(
        label=_("Area searched"), max_length=100, required=False, help_text=_("A pavilion, a block, a cell.")
    )
    held_on = forms.DateField(label=_("Day of the search"), widget=BrowserDateInput())
    phones = forms.IntegerField(label=_("Phones found"), min_value=0, initial=0)
    sim_cards = forms.IntegerField(label=_("SIM cards found"), min_value=0, initial=0)
    chargers = forms.IntegerField(label=_("Chargers found"), min_value=0, initial=0)
    drugs = forms.IntegerField(label=_("Drug seizures"), min_value=0, initial=0)
    weapons = forms.IntegerField(label=_("Weapons found"), min_value=0, initial=0)
    other = forms.IntegerField(label=_("Other items found"), min_value=0, initial=0)

    def __init__(self, *args: Any, units: QuerySet[Unit], facilities: QuerySet[Facility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        facility_field = self.fields["facility"]
        assert isinstance(unit_field, forms.ModelChoiceField) and isinstance(facility_field, forms.ModelChoiceField)
        unit_field.queryset = units
        facility_field.queryset = facilities
        # A member of one unit records its searches: the field is not shown.
        self.only_unit = units.first() if units.count() == 1 else None
        if self.only_unit is not None:
            unit_field.widget = forms.HiddenInput()

    def clean_unit(self) -> Any:
        unit = self.cleaned_data.get("unit") or self.only_unit
        if unit is None:
            raise forms.ValidationError(_("Choose the unit."))
        return unit

    def clean_held_on(self) -> Any:
        return _not_future(self.cleaned_data.get("held_on"))

    def found(self) -> Found:
        data = self.cleaned_data
        return Found(
            phones=data["phones"],
            sim_cards=data["sim_cards"],
            chargers=data["chargers"],
            drugs=data["drugs"],
            weapons=data["weapons"],
            other=data["other"],
        )


class SearchChoiceField(forms.ModelChoiceField):
    """A picker of a prison's searches whose option values are their public UUIDs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, to_field_name="public_id", **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        search: CellSearch = obj
        area = f" · {search.area}" if search.area else ""
        return f"{search.held_on:%d/%m/%Y}{area}"


class ExhibitForm(_CrispyForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExhibitKind.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Brand, colour, marks, where it was found. Encrypted; only your unit reads it."),
    )
    seized_on = forms.DateField(label=_("Seized on"), widget=BrowserDateInput())
    search = SearchChoiceField(label=_("Found in the search of"), queryset=CellSearch.objects.none(), required=False)
    file = forms.FileField(
        label=_("Digital file"),
        required=False,
        help_text=_("Kept exactly as it is, encrypted; its SHA-256 is computed as it arrives."),
    )
    sha256 = forms.CharField(
        label=_("SHA-256"),
        max_length=64,
        required=False,
        help_text=_("Of a device image made elsewhere; or, with a file, the digest it must have."),
    )

    def __init__(self, *args: Any, searches: QuerySet[CellSearch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["search"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = searches

    def clean_seized_on(self) -> Any:
        return _not_future(self.cleaned_data.get("seized_on"))


class _SignedForm(_CrispyForm):
    """A change of hands: the holder confirms it with their own password, their signature."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("You sign this change of hands with your password."),
    )
    remarks = forms.CharField(
        label=_("Remarks"), max_length=REPLY_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TransferForm(_SignedForm):
    to_member = MemberChoiceField(label=_("Hand it to"), queryset=StaffMember.objects.none())

    field_order = ["to_member", "password", "remarks"]

    def __init__(self, *args: Any, workers: QuerySet[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_member"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers


class HandOverForm(_SignedForm):
    to_outside = forms.CharField(
        label=_("Authority that receives it"),
        max_length=OUTSIDE_MAX,
        help_text=_("As on the receipt it signed: the prosecutor's office, the police unit."),
    )

    field_order = ["to_outside", "password", "remarks"]


class ReturnForm(_SignedForm):
    to_outside = forms.CharField(label=_("Returned to"), max_length=OUTSIDE_MAX, required=False)

    field_order = ["to_outside", "password", "remarks"]


class DestroyForm(_SignedForm):
    pass


class IdentifierForm(_CrispyForm):
    kind = forms.ChoiceField(
        label=_("Identifier"), choices=[(kind.value, kind.label) for kind in EntityKind if kind in IDENTIFIER_KINDS]
    )
    value = forms.CharField(label=_("Number"), max_length=40)
