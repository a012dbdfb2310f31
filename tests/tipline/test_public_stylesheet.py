"""The public pages' trimmed Bootstrap is up to date and holds every Bootstrap class those pages use.

A reviewer's questions: is the committed static/tipline/bootstrap-public.css exactly what
`make public-css` makes now (nobody edited it by hand; no template started using a class it lacks);
and does every Bootstrap class on the public pages, as they render in each state a whistleblower
sees (the form, its errors, the receipt, the follow-up thread with a reply refused, the error
pages), still have its rules there?
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import public_client, receipt_from, report_data
from tipline import public_css

CLASS_ATTRIBUTE_RE = re.compile(r'class="([^"]*)"')


def bootstrap_classes() -> set[str]:
    """Return every class name full Bootstrap has a rule for."""
    return set(re.findall(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)", public_css.SOURCE.read_text(encoding="utf-8")))


def classes_on(html: str) -> set[str]:
    return {name for attribute in CLASS_ATTRIBUTE_RE.findall(html) for name in attribute.split()}


def test_the_committed_stylesheet_is_what_make_public_css_writes() -> None:
    assert public_css.OUTPUT.read_text(encoding="utf-8") == public_css.build(), (
        "static/tipline/bootstrap-public.css is out of date: run `make public-css` and commit it"
    )


def test_it_is_a_fraction_of_bootstrap_and_keeps_its_licence() -> None:
    trimmed = public_css.OUTPUT.read_text(encoding="utf-8")
    assert len(trimmed) < public_css.SOURCE.stat().st_size / 4
    assert trimmed.startswith('@charset "UTF-8";/*!\n * Bootstrap')
    assert "Licensed under MIT" in trimmed
    assert "data-bs-theme=dark" not in trimmed  # nothing on the public side switches to the dark theme


@pytest.mark.django_db
def test_every_bootstrap_class_the_public_pages_render_is_kept(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    public = public_client("es")
    pages = [
        public.get(path).content.decode() for path in ("/", "/report/", "/followup/", "/results/", "/no-such-page/")
    ]
    pages.append(Client().post("/report/", report_data(facilities["lurigancho"], description="")).content.decode())
    receipt_page = public.post("/report/", report_data(facilities["lurigancho"])).content.decode()
    pages.append(receipt_page)
    pages.append(public.post("/followup/", {"receipt": receipt_from(receipt_page)}).content.decode())
    pages.append(public.post("/followup/", {"action": "reply", "body": ""}).content.decode())
    pages.append(Client().post("/followup/", {"receipt": "1234"}).content.decode())
    used = set().union(*(classes_on(page) for page in pages)) & bootstrap_classes()
    assert {"form-control", "form-select", "form-check-input", "is-invalid", "invalid-feedback", "alert-danger"} <= used
    trimmed = public_css.OUTPUT.read_text(encoding="utf-8")
    kept = set(re.findall(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)", trimmed))
    assert used <= kept, f"Bootstrap classes on public pages without their rules: {sorted(used - kept)}"
