"""Fuzzing the report form (/report/): hostile and near-valid posts, multipart and urlencoded, with files.

Every post that breaks a field (or sends no, a forged or a replayed token) is refused
with a 4xx and leaves no row and no file behind, except the form of an accepted report
sent again (a reload of its receipt page), which shows that report's page once more and
stores nothing. Every post that is accepted shows a
tracking code that opens a report holding exactly what was sent.
"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given

from accounts.models import StaffMember
from fuzz.budget import Target, fuzz_settings
from fuzz.figures import FuzzLog
from fuzz.harness import Stored, assert_nothing_stored, assert_rejected
from fuzz.strategies import FormPost, report_posts
from org.models import Facility
from tests.fuzz.conftest import FUZZ_MAX_ATTACHMENT_BYTES, FUZZ_MAX_ATTACHMENTS
from tests.fuzz.public import TOKEN_MODES, PublicForm, TokenMode, TokenUse, assert_report_reads_back, post_form

pytestmark = pytest.mark.django_db

TARGET = "POST /report/"


def test_report_form_refuses_broken_posts_and_stores_accepted_ones_exactly(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], log: FuzzLog
) -> None:
    closed = Facility.objects.create(
        name="E.P. Cerrado (test)", region=facilities["lurigancho"].region, population=10, is_active=False
    )
    active_ids = [facility.pk for facility in facilities.values()]
    form = PublicForm(Client(), log, "/report/", "description", token_required=True)
    # The hidden inputs of every accepted post: sending one of them again is a reload of the receipt page.
    accepted: list[list[tuple[str, str]]] = []
    posts = report_posts(
        facility_ids=active_ids,
        refused_ids=[closed.pk],
        max_files=FUZZ_MAX_ATTACHMENTS,
        max_file_bytes=FUZZ_MAX_ATTACHMENT_BYTES,
    )

    @fuzz_settings(Target.PUBLIC)
    @given(post=posts, token=TOKEN_MODES)
    def check(post: FormPost, token: TokenUse) -> None:
        hidden, token_refused = form.hidden_inputs(token)
        before = Stored.now()
        response = post_form(form.client, log, TARGET, "/report/", post, hidden)
        form.answered(response, hidden)
        if token.mode is TokenMode.REPLAYED and hidden in accepted:
            # The same form again (tipline/receipt_again.py): its report's page once more, whatever the
            # fields now say, and nothing stored twice; or a 4xx for a body Django refuses before the view.
            if response.status_code != 200:
                assert_rejected(log, TARGET, before, response)
                return
            assert_nothing_stored(log, TARGET, before, response)
            page = response.content.decode()
            assert 'id="receipt-again"' in page or 'href="/followup/"' in page
            return
        if post.broken or token_refused:
            assert_rejected(log, TARGET, before, response)
            return
        after = Stored.now()
        if after.tips == before.tips:
            assert_nothing_stored(log, TARGET, before, response)
            assert 400 <= response.status_code < 500
            plain = not post.extras and not post.files and token.mode is TokenMode.FRESH
            assert not plain, f"a valid report was refused ({response.status_code})"
            return
        assert response.status_code == 200 and after.tips == before.tips + 1
        accepted.append(hidden)
        assert after.messages == before.messages
        assert_report_reads_back(post, response.content.decode())

    check()
