"""The load generator's whistleblower, replayed through the real views, is verified as the chaos run does.

The page is read as the chaos client reads it (hidden inputs, offered choices), the
report and the reply are the bodies it would send, and the verifier then finds the
tip through its receipt, the unit key and the escrow key, with every file's bytes
as they should be kept (metadata stripped from the photos).
"""

from __future__ import annotations

import random

import pytest
from django.conf import LazySettings
from django.test import Client

from accounts.models import StaffMember
from chaos import files as chaos_files
from chaos.html import form_with, multipart, receipt_in
from chaos.ledger import SentReply, SentTip
from chaos.load import new_report, report_fields
from chaos.verify import TipVerifier
from tests.conftest import PASSWORD
from tipline.models import Tip

pytestmark = pytest.mark.django_db


def send_report(client: Client, sent: SentTip, rng: random.Random) -> str | None:
    page = client.get("/report/").content.decode()
    form = form_with(page, "description")
    assert form is not None
    body, content_type = multipart(
        form.hidden + report_fields(form, sent.description, rng), [("attachments", f) for f in sent.files]
    )
    response = client.generic("POST", "/report/", body, content_type=content_type)
    assert response.status_code == 200, response.content.decode()[:3000]
    return receipt_in(response.content.decode())


def send_reply(client: Client, receipt: str, reply: SentReply) -> int:
    entry = form_with(client.get("/followup/").content.decode(), "receipt")
    assert entry is not None
    client.post("/followup/", dict([*entry.hidden, ("receipt", receipt)]))
    thread = form_with(client.get("/followup/").content.decode(), "body")
    assert thread is not None
    body, content_type = multipart(
        [*thread.hidden, ("body", reply.body), ("action", "reply")], [("attachments", f) for f in reply.files]
    )
    return client.generic("POST", "/followup/", body, content_type=content_type).status_code


def verifier(settings: LazySettings) -> TipVerifier:
    return TipVerifier(escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY, staff_password=PASSWORD)


def test_a_report_and_a_reply_from_the_load_generator_are_found_whole(
    cast: dict[str, StaffMember], settings: LazySettings
) -> None:
    rng = random.Random(7)
    sent = new_report(rng, 0)
    sent.files = [chaos_files.jpeg(1, with_exif=True), chaos_files.png(2, with_text=True, rng=rng), chaos_files.pdf(3)]
    client = Client()
    sent.receipt = send_report(client, sent, rng)
    assert sent.receipt is not None and len(sent.receipt) == 16

    reply = SentReply(body=f"Respuesta [{sent.marker}] con una nota", files=[chaos_files.text(4)])
    sent.replies.append(reply)
    assert send_reply(Client(), sent.receipt, reply) == 302
    reply.accepted = True

    figures = verifier(settings).run([sent])

    assert figures.problems == []
    assert figures.lost == []
    assert (figures.receipts_seen, figures.opened_with_receipt, figures.description_ok) == (1, 1, 1)
    assert (figures.opened_for_unit, figures.opened_with_escrow) == (1, 1)
    assert (figures.attachments_expected, figures.attachments_verified, figures.attachments_wrong) == (4, 4, 0)
    assert (figures.replies_accepted, figures.replies_found, figures.replies_lost) == (1, 1, 0)


def test_a_receipt_that_opens_nothing_is_a_lost_tip(cast: dict[str, StaffMember], settings: LazySettings) -> None:
    rng = random.Random(8)
    sent = new_report(rng, 0)
    sent.receipt = "1234567812345678"  # as if the receipt page had shown a code no tip has

    figures = verifier(settings).run([sent])

    assert figures.lost == [sent.marker]
    assert figures.opened_with_receipt == 0


def test_a_tip_stored_without_its_receipt_shown_is_counted_apart(
    cast: dict[str, StaffMember], settings: LazySettings
) -> None:
    rng = random.Random(9)
    seen, unseen = new_report(rng, 0), new_report(rng, 10)
    seen.receipt = send_report(Client(), seen, rng)
    send_report(Client(), unseen, rng)  # the connection dropped before the client read the receipt
    send_report(Client(), seen, rng)  # a retry after that kind of drop: the same text stored twice

    figures = verifier(settings).run([seen, unseen])

    assert Tip.objects.count() == 3
    assert figures.lost == []
    assert figures.tips_stored_receipt_unseen == 1
    assert figures.tips_stored_twice == 1
