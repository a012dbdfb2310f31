"""Public forms: the report, the receipt entry and the whistleblower's reply."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from org.models import Facility
from tipline.models import Category, IntakeChannel, SmugglingChannel, StaffInvolved, WhenPeriod
from tipline.services import TipSubmission
from tipline.uploads import EncryptedUpload

DESCRIPTION_MAX = 20_000
CONTACT_MAX = 2_000
REPLY_MAX = 20_000
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


class BrowserDateInput(forms.DateInput):
    """The browser's own date picker (no JavaScript of ours), its value written as YYYY-MM-DD.

    A date input reads and shows only that format: a value written another way (the
    locale's dd/mm/yyyy) shows as empty, and a required field then refuses to submit.
    """

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def inline_form_helper() -> FormHelper:
    """Return a crispy helper for fields rendered inside a template's own <form> (which has the CSRF token)."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


def attachment_limit_mib() -> str:
    """Return the per-file size limit in MiB as people write it: "20", "1.5", "0.25"."""
    return f"{settings.TIPLINE_MAX_ATTACHMENT_BYTES / 2**20:.2f}".rstrip("0").rstrip(".")


# What happens to a file's name and metadata (filetypes.neutral_name, tipline/metadata.py): every accepted
# type is cleaned before it is encrypted; what cannot be cleaned (WebM, active PDF, markup or scripts) is refused.
FILE_PRIVACY_NOTICE = _(
    "Every file is stored under a new name such as “evidencia-1.jpg”, never the name it has on "
    "your device. Before a file is stored we remove the data hidden in it: from photos (JPEG, "
    "PNG) the location, camera, date taken, colour profile and thumbnails; from PDF documents the "
    "author, software, dates and document identifiers; from audio and video (MP4, MOV, 3GP, M4A, "
    "MP3, OGG, WAV) the location, device, recording date and tags. What you can see or hear in a "
    "file is kept: if it shows who you are, send a photo of only the part that matters. PDF "
    "documents with scripts or files inside them, WebM videos, and web pages or scripts saved as "
    "text are not accepted."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input, checked against the count and size limits."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[EncryptedUpload]:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [f for f in files if f]
        limit = settings.TIPLINE_MAX_ATTACHMENTS
        if len(files) > limit:
            raise forms.ValidationError(
                ngettext("You can attach at most %(limit)d file.", "You can attach at most %(limit)d files.", limit),
                params={"limit": limit},
                code="too_many",
            )
        errors = []
        max_mib = attachment_limit_mib()
        for upload in files:
            if not isinstance(upload, EncryptedUpload):
                raise forms.ValidationError(_("The file could not be received. Please try again."), code="invalid")
            if upload.too_large:
                errors.append(
                    forms.ValidationError(
                        _("“%(name)s” is larger than %(max)s MiB."),
                        params={"name": upload.name, "max": max_mib},
                        code="too_large",
                    )
                )
            elif upload.refusal is not None:
                # The content check of the upload handler refused it (its ciphertext is already gone).
                errors.append(upload.refusal)
        if errors:
            raise forms.ValidationError(errors)
        return files


class ReportForm(forms.Form):
    facility = forms.ModelChoiceField(
        label=_("Prison (establecimiento penitenciario)"),
        queryset=Facility.objects.filter(is_active=True),
        empty_label=_("Choose the prison"),
    )
    category = forms.ChoiceField(label=_("What is it about?"), choices=Category.choices, widget=forms.RadioSelect)
    smuggling_channel = forms.ChoiceField(
        label=_("How did the item get in?"),
        choices=SmugglingChannel.choices,
        required=False,
        help_text=_("Only if something was brought into the prison."),
    )
    when_period = forms.ChoiceField(
        label=_("When did it happen?"), choices=[("", _("Choose one")), *WhenPeriod.choices]
    )
    occurred_on = forms.DateField(
        label=_("Date, if you know it"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=BrowserDateInput(),
        help_text=_("For example 2026-11-03 or 03/11/2026."),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Who, what, where and when, as far as you know. Do not include your own name unless you want to."),
    )
    staff_involved = forms.ChoiceField(
        label=_("Are staff or internal affairs of this prison involved?"),
        choices=StaffInvolved.choices,
        widget=forms.RadioSelect,
        help_text=_("If yes, your report goes to the national internal-affairs office, not the local one."),
    )
    protection_requested = forms.BooleanField(
        label=_("I need protection because I am reporting this"),
        required=False,
        help_text=_(
            "Peruvian law (D.Leg. 1327) provides protection measures for people who report corruption. "
            "Internal affairs must decide within 15 working days. Tell us in your contact details how to reach you."
        ),
    )
    attachments = AttachmentsField(label=_("Photos or documents (optional)"))
    contact = forms.CharField(
        label=_("Contact details or your name (optional)"),
        required=False,
        max_length=CONTACT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Optional. Leave empty to stay fully anonymous. If you write something here it is encrypted like the rest."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        count = settings.TIPLINE_MAX_ATTACHMENTS
        limits = ngettext("Up to %(count)d file of %(mib)s MiB.", "Up to %(count)d files, %(mib)s MiB each.", count) % {
            "count": count,
            "mib": attachment_limit_mib(),
        }
        self.fields["attachments"].help_text = f"{limits} {FILE_PRIVACY_NOTICE}"
        self.helper = inline_form_helper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("when_period") == WhenPeriod.DATE and not cleaned.get("occurred_on"):
            self.add_error("occurred_on", _("Please give the date, or choose a period instead."))
        return cleaned

    def uploads(self) -> Sequence[EncryptedUpload]:
        return self.cleaned_data.get("attachments") or []

    def submission(self, *, intake_channel: str = IntakeChannel.WEB) -> TipSubmission:
        """Return what the valid form collected as a submission: every form field that TipSubmission names."""
        data = self.cleaned_data
        names = {f.name for f in dataclasses.fields(TipSubmission)} - {"intake_channel"}
        return TipSubmission(**{name: data[name] for name in names}, intake_channel=intake_channel)


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your tracking code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
        help_text=_("The 16 digits you were given when you sent your report."),
    )
    # A reply typed in a follow-up session that expired meanwhile: kept and sent once the code is entered.
    pending_reply = forms.CharField(required=False, max_length=REPLY_MAX, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 5}))
    attachments = AttachmentsField(label=_("Add files (optional)"), help_text=FILE_PRIVACY_NOTICE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()

    def uploads(self) -> Sequence[EncryptedUpload]:
        return self.cleaned_data.get("attachments") or []
