"""What a whistleblower typed is shown to staff as text, never as markup, code or reordered text.

A reviewer's questions: does HTML, script, template syntax or a javascript: link in
a report, its contact details, a reply or a file name stay inert on the tip page,
the case page and the whistleblower's thread; and are the invisible Unicode controls
that reorder text (a right-to-left override turning "invoice‮fdp.exe" into what
reads as a PDF) shown as visible markers instead?
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client

import envelope
from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from identity.services import disclosure_approve, disclosure_request
from org.models import Facility
from tests.conftest import PASSWORD, staff_client
from tests.factories import form_token, pdf_bytes, public_client, receipt_from, report_data
from tipline import abuse
from tipline.models import Attachment, Tip
from tipline.services import TipSubmission, tip_open_with_receipt, tip_submit
from tipline.uploads import EncryptingUploadHandler

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
TEMPLATE_SYNTAX = "{{ settings.SECRET_KEY }} {% debug %} {{ request.META }}"
JS_LINK = '<a href="javascript:alert(3)">pruebas</a>'
# Right-to-left override, pop, the four isolates, right-to-left mark.
BIDI = "pagó a \u202eodraug le\u202c y al \u2066\u2067jefe\u2069\u2068\u2069 \u200f"
HOSTILE = f"{SCRIPT} {IMG} {TEMPLATE_SYNTAX} {JS_LINK} {BIDI}"
BIDI_MARKERS = ["⟨U+202E⟩", "⟨U+202C⟩", "⟨U+2066⟩", "⟨U+2067⟩", "⟨U+2068⟩", "⟨U+2069⟩", "⟨U+200F⟩"]
BIDI_CHARACTERS = "\u202e\u202c\u2066\u2067\u2068\u2069\u200f"


def assert_inert(html: str) -> None:
    """Assert that the hostile text shows as text: escaped, no live tag, no secret, no invisible control."""
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    assert 'href="javascript:' not in html
    assert "&lt;a href=&quot;javascript:alert(3)&quot;&gt;" in html
    # Template syntax in data is never evaluated: it shows as typed, and nothing it names leaks.
    assert "{{ settings.SECRET_KEY }} {% debug %} {{ request.META }}" in html
    assert settings.SECRET_KEY not in html
    assert "sys.path" not in html and "SERVER_NAME" not in html
    assert not any(c in html for c in BIDI_CHARACTERS)
    for marker in BIDI_MARKERS:
        assert marker in html


def encrypted_upload(name: str, content: bytes) -> object:
    """An upload as the handler makes it, for a file name that the web form would have cleaned."""
    handler = EncryptingUploadHandler()
    handler.new_file("attachments", name, "application/octet-stream", len(content))
    handler.receive_data_chunk(content, 0)
    return handler.file_complete(len(content))


@pytest.fixture
def hostile_tip(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], custodian: StaffMember
) -> tuple[Tip, str]:
    """A report sent through the public form with hostile text everywhere, and a hostile reply.

    Its contact, a reserved identity, is disclosed to the Lima investigator, so their pages show it.
    """
    client = Client()
    response = client.post(
        "/report/",
        {
            **report_data(facilities["lurigancho"], description=HOSTILE, contact=f"{SCRIPT} tel \u202e777 888 999"),
            "attachments": [SimpleUploadedFile("<img src=x onerror=alert(5)>factura.pdf", pdf_bytes(900))],
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    receipt = receipt_from(response.content.decode())
    whistleblower = public_client("en")
    opened = whistleblower.post(
        "/followup/", {"receipt": receipt, abuse.TOKEN_FIELD: form_token(abuse.FORM_RECEIPT, age_seconds=1)}
    )
    assert opened.status_code == 302
    reply = whistleblower.post(
        "/followup/", {"body": f"Respuesta: {HOSTILE}", abuse.TOKEN_FIELD: form_token(abuse.FORM_REPLY)}
    )
    assert reply.status_code == 302, reply.content.decode()[:2000]
    tip = Tip.objects.get()
    request = disclosure_request(
        case=tip.case_link.case,
        identity=tip.reserved_identities.get(),
        actor=cast["lima_investigator"],
        reason="Interview the witness about the hostile report.",
    )
    disclosure_approve(request=request, actor=custodian, vault=staff_unlock_keys(member=custodian, password=PASSWORD))
    return tip, receipt


def test_the_staff_tip_page_shows_hostile_text_inert(hostile_tip: tuple[Tip, str]) -> None:
    tip, _receipt = hostile_tip
    html = staff_client("lima_investigator").get(f"/staff/tips/{tip.public_id}/").content.decode()
    assert_inert(html)
    assert 'id="description" dir="auto">&lt;script&gt;' in html
    assert "tel ⟨U+202E⟩777 888 999" in html
    assert "Respuesta: &lt;script&gt;" in html
    # The sender's file name is not kept at all (tests/tipline/test_neutral_file_names.py).
    assert "<bdi>evidencia-1.pdf</bdi>" in html
    assert "factura.pdf" not in html


def test_the_case_page_shows_hostile_text_inert(hostile_tip: tuple[Tip, str]) -> None:
    tip, _receipt = hostile_tip
    html = staff_client("lima_investigator").get(f"/staff/cases/{tip.case_link.case.public_id}/").content.decode()
    assert_inert(html)
    assert 'class="tip-text border rounded p-2 mb-2 description" dir="auto">&lt;script&gt;' in html
    assert '<bdi class="tip-text disclosed-contact">&lt;script&gt;alert(1)&lt;/script&gt; tel ⟨U+202E⟩777' in html


def test_the_whistleblowers_thread_shows_hostile_text_escaped(hostile_tip: tuple[Tip, str]) -> None:
    _tip, receipt = hostile_tip
    client = public_client("en")
    client.post("/followup/", {"receipt": receipt, abuse.TOKEN_FIELD: form_token(abuse.FORM_RECEIPT, age_seconds=1)})
    html = client.get("/followup/").content.decode()
    assert_inert(html)


def test_a_file_name_with_a_right_to_left_override_shows_the_override(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    """A name stored before names were replaced (any name, from any path) is still shown safely."""
    upload = encrypted_upload("invoice\u202efdp.exe", pdf_bytes(900))
    tip, receipt = tip_submit(
        submission=TipSubmission(
            facility=facilities["lurigancho"],
            category="phones",
            smuggling_channel="visitors",
            staff_involved="no",
            when_period="this_week",
            occurred_on=None,
            description="Adjunto la factura.",
            contact="",
        ),
        uploads=[upload],  # type: ignore[list-item]
    )
    opened = tip_open_with_receipt(receipt_text=receipt)
    assert opened is not None
    attachment = tip.attachments.get()
    fields = envelope.open_fields(envelope.ATTACHMENT, attachment, tip.public_id, attachment.public_id, key=opened[1])
    fields["name"] = "invoice\u202efdp.exe"
    Attachment.objects.filter(pk=attachment.pk).update(
        **envelope.seal_fields(envelope.ATTACHMENT, tip.public_id, attachment.public_id, key=opened[1], **fields)
    )
    investigator = staff_client("lima_investigator")
    for path in (f"/staff/tips/{tip.public_id}/", f"/staff/cases/{tip.case_link.case.public_id}/"):
        html = investigator.get(path).content.decode()
        assert "<bdi>invoice⟨U+202E⟩fdp.exe</bdi>" in html, path
        assert "\u202e" not in html


def test_a_web_uploads_name_with_bidi_controls_is_replaced(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    response = Client().post(
        "/report/",
        {
            **report_data(facilities["lurigancho"]),
            "attachments": [SimpleUploadedFile("invoice\u202efdp.exe", pdf_bytes(1000))],
        },
    )
    assert response.status_code == 200
    html = staff_client("lima_investigator").get(f"/staff/tips/{Tip.objects.get().public_id}/").content.decode()
    assert "<bdi>evidencia-1.pdf</bdi>" in html
    assert "invoice" not in html


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("<b>x</b> & 'y'", "&lt;b&gt;x&lt;/b&gt; &amp; &#x27;y&#x27;"),
        ("a\u202eb\u061cc\u200ed", "a⟨U+202E⟩b⟨U+061C⟩c⟨U+200E⟩d"),
        ("العربية עברית", "العربية עברית"),  # right-to-left scripts themselves are left alone
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # the zero-width joiner of emoji is not a bidi control
        (None, ""),
    ],
)
def test_the_inert_filter(value: object, shown: str) -> None:
    rendered = Template("{% load inert %}{{ value|inert }}").render(Context({"value": value}))
    assert rendered == shown


def test_the_inert_filter_escapes_text_even_if_marked_safe() -> None:
    from django.utils.safestring import mark_safe

    rendered = Template("{% load inert %}{{ value|inert }}").render(Context({"value": mark_safe(SCRIPT)}))
    assert rendered == "&lt;script&gt;alert(1)&lt;/script&gt;"
