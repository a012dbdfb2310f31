"""Helpers of the public-side fuzz tests: form tokens as a browser gets them, and reading a stored tip back."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpResponse
from django.test import Client
from hypothesis import strategies as st

from fuzz.figures import FuzzLog
from fuzz.harness import form_tokens, fresh_hidden_inputs, merge_fields, page_forms, send
from fuzz.mutations import Recipe, recipes
from fuzz.strategies import IMAGE_METADATA_MARKERS, FormPost, UploadSpec, sample_images
from tests.factories import receipt_from
from tipline import services
from tipline.metadata import stripper_for
from tipline.models import Tip
from tipline.selectors import TipContent, attachment_plaintext, tip_content


class TokenMode(enum.Enum):
    """What a fuzzed request does with the form's hidden inputs (its single-use token)."""

    FRESH = "fresh"
    MISSING = "missing"
    MUTATED = "mutated"
    REPLAYED = "replayed"


@dataclass(frozen=True)
class TokenUse:
    """What a fuzzed request does with the form's hidden inputs, and how it mutates them if it does."""

    mode: TokenMode
    recipe: Recipe


# Mostly fresh, so most requests reach the validation behind the token.
TOKEN_MODES = st.builds(
    TokenUse,
    st.sampled_from([TokenMode.FRESH] * 5 + [TokenMode.MISSING, TokenMode.MUTATED, TokenMode.REPLAYED]),
    recipes(),
)


def mutate_text(recipe: Recipe, value: str) -> str:
    """Return `value` changed by the recipe; never equal to it and never empty."""
    changed = recipe.apply(value.encode("utf-8")).decode("utf-8", "replace")
    return changed if changed.strip() and changed != value else value + "x"


@dataclass
class PublicForm:
    """A public form as one browser uses it: its page, the hidden inputs it hands out, those already spent.

    `token_required`: whether the server refuses a post without a token (the report form)
    or accepts it (the follow-up forms, which the throttles protect instead).
    """

    client: Client
    log: FuzzLog
    path: str
    field_name: str
    token_required: bool
    except_fields: Sequence[str] = ()
    spent: list[list[tuple[str, str]]] = field(default_factory=list)
    # Hidden inputs of the form as the last answer showed it again (with a new token), not used yet.
    ready: list[tuple[str, str]] | None = None

    def _fresh(self) -> list[tuple[str, str]]:
        if self.ready is not None:
            fresh, self.ready = self.ready, None
            return fresh
        return fresh_hidden_inputs(self.client, self.log, self.path, self.field_name, except_fields=self.except_fields)

    def hidden_inputs(self, use: TokenUse) -> tuple[list[tuple[str, str]], bool]:
        """Return the hidden inputs to send, and whether the server must refuse them."""
        mode = use.mode
        if mode is TokenMode.MISSING:
            return [], self.token_required
        if mode is TokenMode.REPLAYED and self.spent:
            return self.spent[-1], True
        fresh = self._fresh()
        if mode is TokenMode.MUTATED and fresh:
            return [(name, mutate_text(use.recipe, value)) for name, value in fresh], True
        return fresh, False

    def answered(self, response: HttpResponse, hidden: list[tuple[str, str]], *, checked: bool = True) -> None:
        """Take note of an answer: the token it used up, and the form it shows again.

        A refused form comes back with a new token, as a browser would see it, so the
        next request can use that one instead of loading the page again. The token sent
        was used up only if the view ran its check (`checked`: the view does not skip it
        for this post) and got that far: it accepted the post, or showed the form again.
        A body Django refused before the view ran (too big, too many fields, malformed)
        leaves the token unused, so it is not one to replay.
        """
        self.ready = None
        shown_again = False
        if response.status_code != 200 and "text/html" in response.get("Content-Type", ""):
            for form in page_forms(response.content.decode()):
                if self.field_name in form.fields:
                    self.ready = form_tokens(form, except_fields=self.except_fields)
                    shown_again = True
        accepted = response.status_code in (200, 302) and not shown_again
        if checked and hidden and (accepted or shown_again):
            self.spent[-3:] = [*self.spent[-2:], hidden]


def post_form(
    client: Client, log: FuzzLog, target: str, path: str, post: FormPost, hidden: Sequence[tuple[str, str]]
) -> HttpResponse:
    """Send a drawn post with the page's hidden inputs first, urlencoded or multipart as drawn."""
    if post.urlencoded:
        body = urlencode([*hidden, *post.fields]).encode()
        return send(client, log, target, "POST", path, body=body, content_type="application/x-www-form-urlencoded")
    data: dict[str, object] = dict(merge_fields(hidden, post.fields))
    if post.files:
        data["attachments"] = [upload.as_upload() for upload in post.files]
    return send(client, log, target, "POST", path, data=data)


# --- reading a stored tip back --------------------------------------------------------------------


def stripped(content: bytes) -> bytes:
    """Return a file as the upload handler stores it: JPEG and PNG without their metadata."""
    stripper = stripper_for(content[:16])
    return content if stripper is None else stripper.feed(content) + stripper.close()


def assert_files_stored_as_sent(
    tip: Tip, data_key: bytes, sent: Sequence[UploadSpec], *, message_id: int | None
) -> None:
    """Every stored file is one that was sent (images without metadata); pristine photos lose their metadata."""
    pristine = set(sample_images().values())
    stored = [a for a in tip.attachments.select_related("tip").all() if a.message_id == message_id]
    assert len(stored) <= len(sent), f"{len(stored)} files stored, {len(sent)} sent"
    for attachment in stored:
        _view, chunks = attachment_plaintext(attachment=attachment, data_key=data_key)
        plaintext = b"".join(chunks)
        origin = [upload.content for upload in sent if plaintext in (upload.content, stripped(upload.content))]
        assert origin, "a stored file matches none of the files sent"
        if any(content in pristine for content in origin):
            assert not any(marker in plaintext for marker in IMAGE_METADATA_MARKERS), "photo metadata was stored"


def open_receipt_page(html: str) -> tuple[Tip, bytes, TipContent]:
    """Open the tip whose tracking code a receipt page shows; return it, its data key and its content."""
    opened = services.tip_open_with_receipt(receipt_text=receipt_from(html))
    assert opened is not None, "the tracking code shown does not open the report"
    tip, data_key = opened
    return tip, data_key, tip_content(tip=tip, data_key=data_key)


def assert_report_reads_back(post: FormPost, html: str) -> None:
    """The stored report is exactly what was sent, and opens with the tracking code shown once."""
    tip, data_key, content = open_receipt_page(html)
    assert content.description == post.value("description").strip()
    # A contact is a reserved identity (sealed to the custodian), never a field the unit's key opens.
    assert content.contact == ""
    assert tip.reserved_identities.exists() == bool(post.value("contact").strip())
    assert tip.facility_id == int(post.value("facility"))
    assert tip.category == post.value("category")
    assert tip.staff_involved == post.value("staff_involved")
    assert tip.when_period == post.value("when_period")
    assert tip.smuggling_channel == post.value("smuggling_channel")
    assert_files_stored_as_sent(tip, data_key, post.files, message_id=None)
