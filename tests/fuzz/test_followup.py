"""Fuzzing the follow-up: the tracking-code form, the reply form of an opened report, and its file downloads.

A wrong code never opens a report and a right one typed any usual way always does;
a reply is stored exactly as typed or refused with nothing stored; a file is served
only to the session that opened its report, byte for byte as it was sent.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import StaffMember
from fuzz.budget import Target, fuzz_settings
from fuzz.figures import FuzzLog
from fuzz.harness import Stored, assert_nothing_stored, assert_rejected, send
from fuzz.strategies import (
    FormPost,
    char_field_accepts,
    hostile_text,
    receipt_spellings,
    reply_posts,
    text_for,
    text_refused_by,
    uploads,
    wrong_receipts,
)
from org.models import Facility
from tests.factories import receipt_from, report_data
from tests.fuzz.conftest import FUZZ_MAX_ATTACHMENT_BYTES, FUZZ_MAX_ATTACHMENTS
from tests.fuzz.public import TOKEN_MODES, PublicForm, TokenMode, TokenUse, assert_files_stored_as_sent, post_form
from tipline import services
from tipline.forms import REPLY_MAX
from tipline.models import Attachment, Message, Tip
from tipline.selectors import tip_content

pytestmark = pytest.mark.django_db

EVIDENCE = b"Lista de visitas del domingo: 3 celulares en la bolsa de comida.\n"
RECEIPT_MAX = 40


def reported_with_file(facility: Facility) -> tuple[Tip, str]:
    """Send a report with one text file through the real form; return the tip and its tracking code (16 digits)."""
    evidence = SimpleUploadedFile("visitas.txt", EVIDENCE, content_type="text/plain")
    page = Client().post("/report/", {**report_data(facility), "attachments": [evidence]})
    assert page.status_code == 200, page.content.decode()[:2000]
    receipt = receipt_from(page.content.decode()).replace(" ", "")
    opened = services.tip_open_with_receipt(receipt_text=receipt)
    assert opened is not None
    return opened[0], receipt


def opened_client(log: FuzzLog, receipt: str) -> Client:
    client = Client()
    response = send(client, log, "POST /followup/ (open)", "POST", "/followup/", data={"receipt": receipt})
    assert response.status_code == 302
    return client


def digits_of(typed: str) -> str:
    """The digits a typed code stands for, as the receipt rule reads it (spaces, dashes and dots ignored)."""
    return "".join(ch for ch in typed if not ch.isspace() and ch not in "-.")


@st.composite
def receipt_posts(draw: st.DrawFn, receipt: str) -> FormPost:
    """A post to the tracking-code form: the right code in any spelling, wrong codes, a kept reply, stray files."""
    fields: list[tuple[str, str]] = []
    if draw(st.integers(0, 9)) > 0:
        right = draw(st.integers(0, 4)) == 0
        fields.append(("receipt", draw(receipt_spellings(receipt) if right else wrong_receipts(receipt))))
    pending = draw(
        st.one_of(
            st.none(),
            text_for(max_length=REPLY_MAX, required=False),
            text_refused_by(max_length=REPLY_MAX, required=False),
        )
    )
    if pending is not None:
        fields.append(("pending_reply", pending))
    if draw(st.integers(0, 5)) == 0:
        # A reply sent after the session ended: the form asks for the code and keeps the text.
        fields.append(("body", draw(hostile_text(huge=False))))
    files = draw(st.lists(uploads(FUZZ_MAX_ATTACHMENT_BYTES), max_size=2))
    return FormPost(fields=tuple(fields), files=tuple(files), urlencoded=not files and draw(st.booleans()))


def test_tracking_code_form_opens_only_with_the_right_code(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], log: FuzzLog
) -> None:
    tip, receipt = reported_with_file(facilities["lurigancho"])
    target = "POST /followup/ (code)"
    form = PublicForm(Client(), log, "/followup/", "receipt", token_required=False, except_fields=["pending_reply"])

    # This test and the reply test share the 10,000 requests of POST /followup/.
    @fuzz_settings(Target.PUBLIC, share=0.5)
    @given(post=receipt_posts(receipt), token=TOKEN_MODES)
    def check(post: FormPost, token: TokenUse) -> None:
        if settings.VAULT_COOKIE_NAME in form.client.cookies:
            # Left open by an example that failed: every example starts from a new visitor.
            form.client.cookies.clear()
            form.ready = None
        hidden, token_refused = form.hidden_inputs(token)
        before = Stored.now()
        response = post_form(form.client, log, target, "/followup/", post, hidden)
        session_ended = not post.has("receipt") and post.value("body") != ""
        form.answered(response, hidden, checked=not session_ended)
        if session_ended:
            assert response.status_code == 200
            assert_nothing_stored(log, target, before, response)
            return
        typed, pending = post.value("receipt"), post.value("pending_reply")
        opens = (
            post.has("receipt")
            and char_field_accepts(typed, max_length=RECEIPT_MAX, required=True)
            and digits_of(typed) == receipt
            and char_field_accepts(pending, max_length=REPLY_MAX, required=False)
            and not token_refused
        )
        if not opens:
            assert_rejected(log, target, before, response)
            return
        assert response.status_code == 302, f"the right code did not open the report ({response.status_code})"
        after = Stored.now()
        if (after.tips, after.attachments, after.files) != (before.tips, before.attachments, before.files):
            # Files sent along with the code are not part of any report: nothing may keep them.
            log.leak(target)
            raise AssertionError(f"opening the report kept: {'; '.join(after.changes_since(before))}")
        if pending.strip():
            assert after.messages == before.messages + 1
            assert tip_content(tip=tip, data_key=opened_key(receipt)).messages[-1].body == pending.strip()
        else:
            assert after.messages == before.messages
        form.client.cookies.clear()

    check()


def opened_key(receipt: str) -> bytes:
    opened = services.tip_open_with_receipt(receipt_text=receipt)
    assert opened is not None
    return opened[1]


# Replies pile up on the report while fuzzing; a fresh report every so often keeps the page small.
REPLIES_PER_REPORT = 100


def test_reply_form_stores_exactly_what_was_typed_or_nothing(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], log: FuzzLog
) -> None:
    target = "POST /followup/ (reply)"
    state: dict[str, object] = {}

    def open_new_report() -> None:
        tip, receipt = reported_with_file(facilities["trujillo"])
        state.update(tip=tip, receipt=receipt, key=opened_key(receipt))
        state["form"] = PublicForm(opened_client(log, receipt), log, "/followup/", "body", token_required=False)

    open_new_report()
    posts = reply_posts(max_files=FUZZ_MAX_ATTACHMENTS, max_file_bytes=FUZZ_MAX_ATTACHMENT_BYTES)

    @fuzz_settings(Target.PUBLIC, share=0.5)
    @given(post=posts, token=TOKEN_MODES, close=st.integers(0, 19))
    def check(post: FormPost, token: TokenUse, close: int) -> None:
        if Message.objects.filter(tip=state["tip"]).count() >= REPLIES_PER_REPORT:
            open_new_report()
        tip = state["tip"]
        assert isinstance(tip, Tip)
        form = state["form"]
        assert isinstance(form, PublicForm)
        if close == 0:
            leave_and_come_back(form, log, str(state["receipt"]), post)
            return
        hidden, token_refused = form.hidden_inputs(token)
        before = Stored.now()
        response = post_form(form.client, log, target, "/followup/", post, hidden)
        form.answered(response, hidden)
        if post.broken or token_refused:
            assert_rejected(log, target, before, response)
            return
        after = Stored.now()
        if after.messages == before.messages:
            assert_nothing_stored(log, target, before, response)
            assert 400 <= response.status_code < 500
            plain = not post.extras and not post.files and token.mode in (TokenMode.FRESH, TokenMode.MISSING)
            assert not plain, f"a valid reply was refused ({response.status_code})"
            return
        assert response.status_code == 302 and after.messages == before.messages + 1 and after.tips == before.tips
        key = state["key"]
        assert isinstance(key, bytes)
        assert tip_content(tip=tip, data_key=key).messages[-1].body == post.value("body").strip()
        message = Message.objects.filter(tip=tip).order_by("-pk").first()
        assert message is not None
        assert_files_stored_as_sent(tip, key, post.files, message_id=message.pk)

    check()


def leave_and_come_back(form: PublicForm, log: FuzzLog, receipt: str, post: FormPost) -> None:
    """ "Leave my report" (with whatever else was drawn): the session forgets the report; the code opens it again."""
    before = Stored.now()
    # Whatever else comes along, but small: a body over Django's limit is refused before the view runs.
    junk = {name: value for name, value in post.fields if len(value) < 1_000}
    response = send(form.client, log, "POST /followup/ (close)", "POST", "/followup/", data={**junk, "action": "close"})
    assert response.status_code == 302
    assert_nothing_stored(log, "POST /followup/ (close)", before, response)
    page = send(form.client, log, "GET /followup/ (form)", "GET", "/followup/")
    assert 'name="receipt"' in page.content.decode(), "the report is still open after leaving it"
    reopened = send(form.client, log, "POST /followup/ (open)", "POST", "/followup/", data={"receipt": receipt})
    assert reopened.status_code == 302
    form.ready = None


@st.composite
def download_paths(draw: st.DrawFn, own: list[str], foreign: list[str]) -> str:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return f"/followup/files/{draw(st.sampled_from(own))}/"
    if kind == 1:
        return f"/followup/files/{draw(st.sampled_from(foreign))}/"
    if kind == 2:
        junk = draw(st.text(st.characters(codec="utf-8", exclude_characters="?#"), max_size=50))
        return "/followup/files/" + junk
    return f"/followup/files/{draw(st.uuids())}/"


def test_files_are_served_only_to_the_session_that_opened_their_report(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], log: FuzzLog
) -> None:
    tip, receipt = reported_with_file(facilities["lurigancho"])
    other, _other_receipt = reported_with_file(facilities["trujillo"])
    own = [str(a.public_id) for a in Attachment.objects.filter(tip=tip)]
    foreign = [str(a.public_id) for a in Attachment.objects.filter(tip=other)]
    clients = {"opened": opened_client(log, receipt), "anonymous": Client(), "forged cookies": Client()}

    @fuzz_settings(Target.PUBLIC)
    @given(
        who=st.sampled_from(sorted(clients)),
        path=download_paths(own, foreign),
        method=st.sampled_from(["GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
        vault=st.binary(max_size=48),
        session=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=';,\\"'), max_size=40),
    )
    def check(who: str, path: str, method: str, vault: bytes, session: str) -> None:
        client = clients[who]
        if who == "forged cookies":
            client.cookies["tipline_vault"] = vault.hex()
            client.cookies["sessionid"] = session
        response = send(client, log, "GET /followup/files/<id>/", method, path)
        well_formed = path.count("/") == 4 and path.endswith("/") and is_uuid(path.split("/")[3])
        if not well_formed:
            assert response.status_code == 404
        elif method != "GET":
            assert response.status_code == 405
        elif who != "opened":
            assert response.status_code == 403
        elif path.split("/")[3] in own:
            assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
            if method == "GET":
                assert b"".join(response.streaming_content) == EVIDENCE  # type: ignore[attr-defined]
        else:
            assert response.status_code == 404

    check()


def is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False
