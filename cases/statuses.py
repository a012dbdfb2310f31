"""The case statuses, with everything about each status beside it.

One declaration per status says what staff call it, what the whistleblower reads
about it at /followup/, whether it closes the case, which outcome it counts as in
the trends roll-ups, and where the ISO 37002 workflow may go next (receive ->
assess (triage) -> address (investigate) -> conclude). Everything else is derived
from it: the closed and open sets, the transitions, the roll-up outcome of a closed
case. Adding a status means adding one member here, its Spanish translations, and a
cases migration for the choices (tests/cases/test_status_vocabulary.py says what is
missing). A closing status counts as one of the outcomes trends.CaseRollup has a
count for; only a new kind of outcome needs a new roll-up field.

The value is what the database stores in `Case.status`, `CaseEvent.from_status` /
`to_status` and `Tip.status` (the public app keeps the value without the enum: the
dependency points from cases to tipline, never back). Stored values never change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import property as enum_property
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class About:
    """Everything about one status but its stored value."""

    label: StrOrPromise
    # What the whistleblower reads about the status, in plain words.
    explanation: StrOrPromise
    closes: bool
    # The trends roll-up count a closed case adds to (a field of trends.CaseRollup); None while open.
    outcome: str | None
    # The statuses the workflow may move to from this one (their values); none once closed.
    then: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.closes != (self.outcome is not None):
            raise ValueError("A status that closes the case counts as an outcome; an open one counts as none.")
        if self.closes == bool(self.then):
            raise ValueError("An open status leads somewhere; a closing one leads nowhere.")


class CaseStatus(models.TextChoices):
    """A case's place in the workflow: each member is its stored value and everything about it."""

    RECEIVED = (
        "received",
        About(
            label=_("Received"),
            explanation=_("Your report has arrived and is waiting to be read by internal affairs."),
            closes=False,
            outcome=None,
            then=("triage", "not_actionable", "referred"),
        ),
    )
    TRIAGE = (
        "triage",
        About(
            label=_("In triage"),
            explanation=_("Internal affairs is reading your report and deciding what to do."),
            closes=False,
            outcome=None,
            then=("investigating", "referred", "not_actionable"),
        ),
    )
    INVESTIGATING = (
        "investigating",
        About(
            label=_("Under investigation"),
            explanation=_("Internal affairs is investigating what you reported."),
            closes=False,
            outcome=None,
            then=("referred", "substantiated", "unsubstantiated", "not_actionable"),
        ),
    )
    REFERRED = (
        "referred",
        About(
            label=_("Referred to another authority"),
            explanation=_("Your report was sent to another authority that can act on it."),
            closes=True,
            outcome="referred",
        ),
    )
    SUBSTANTIATED = (
        "substantiated",
        About(
            label=_("Substantiated"),
            explanation=_("The investigation confirmed what you reported."),
            closes=True,
            outcome="substantiated",
        ),
    )
    UNSUBSTANTIATED = (
        "unsubstantiated",
        About(
            label=_("Unsubstantiated"),
            explanation=_("The investigation could not confirm what you reported."),
            closes=True,
            outcome="unsubstantiated",
        ),
    )
    NOT_ACTIONABLE = (
        "not_actionable",
        About(
            label=_("Closed as not actionable"),
            explanation=_("Your report was closed because it could not be acted on."),
            closes=True,
            outcome="not_actionable",
        ),
    )

    about: About

    def __new__(cls, value: str, about: About) -> CaseStatus:
        member = str.__new__(cls, value)
        member._value_ = value
        member.about = about
        return member

    # Django takes a label from the last item of a member's tuple; here it is in About.
    @enum_property
    def label(self) -> StrOrPromise:
        return self.about.label


# Derived from the declaration, in its order (the order staff see them in).
CLOSED_STATUSES: tuple[CaseStatus, ...] = tuple(status for status in CaseStatus if status.about.closes)
OPEN_STATUSES: tuple[CaseStatus, ...] = tuple(status for status in CaseStatus if not status.about.closes)

# Shown if a tip ever holds a value this file does not declare: a neutral sentence, never an error page.
UNKNOWN_STATUS_EXPLANATION = _("Internal affairs is handling your report.")


_BY_VALUE: dict[str, CaseStatus] = {status.value: status for status in CaseStatus}


def status_of(value: str) -> CaseStatus | None:
    """Return the status stored as `value`, or None if no status is stored that way."""
    return _BY_VALUE.get(value)


def status_label(value: str) -> StrOrPromise:
    """Return what staff and whistleblowers call the status stored as `value` (the value itself if unknown)."""
    status = status_of(value)
    return status.label if status is not None else value


def whistleblower_explanation(value: str) -> StrOrPromise:
    """Return what the whistleblower reads about the status stored as `value`, in plain words."""
    status = status_of(value)
    return status.about.explanation if status is not None else UNKNOWN_STATUS_EXPLANATION


def is_closed(value: str) -> bool:
    """Return whether the status stored as `value` closes the case (an unknown value does not)."""
    status = status_of(value)
    return status is not None and status.about.closes


def outcome_of(value: str) -> str | None:
    """Return the roll-up outcome a case in this status counts as: a count field of trends.CaseRollup.

    None for an open status (and for an unknown value, which counts as open everywhere).
    """
    status = status_of(value)
    return status.about.outcome if status is not None else None


def allowed_transitions(value: str) -> frozenset[CaseStatus]:
    """Return the statuses ISO 37002's workflow allows moving to from `value` (none from a closed or unknown one)."""
    status = status_of(value)
    return frozenset(_BY_VALUE[then] for then in status.about.then) if status is not None else frozenset()
