"""The case-status vocabulary (cases/statuses.py) is complete, and every page reads it.

A status missing a label, a translated explanation for the whistleblower, an outcome
for the trends roll-ups, or a way in or out of the workflow fails here, not in a
Celery task or on the whistleblower's page.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from accounts.models import StaffMember
from cases.models import Case, CaseEvent
from cases.statuses import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    UNKNOWN_STATUS_EXPLANATION,
    About,
    CaseStatus,
    allowed_transitions,
    outcome_of,
    whistleblower_explanation,
)
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import public_client, submit_tip
from tipline.models import Tip
from trends.models import CaseRollup
from trends.services import CASE_MEASURES

ROOT = Path(__file__).resolve().parent.parent.parent


def in_language(language: str, text: object) -> str:
    with translation.override(language):
        return str(text)


def paths_from_received() -> dict[CaseStatus, list[CaseStatus]]:
    """Return the shortest workflow path from RECEIVED to each status it reaches."""
    paths = {CaseStatus.RECEIVED: [CaseStatus.RECEIVED]}
    waiting = deque([CaseStatus.RECEIVED])
    while waiting:
        status = waiting.popleft()
        for then in sorted(allowed_transitions(status)):
            if then not in paths:
                paths[then] = [*paths[status], then]
                waiting.append(then)
    return paths


@pytest.mark.parametrize("status", list(CaseStatus), ids=str)
def test_every_status_has_a_translated_label_and_explanation(status: CaseStatus) -> None:
    assert in_language("en", status.label).strip()
    assert in_language("es", status.label) != in_language("en", status.label), "label has no Spanish translation"
    explanation = whistleblower_explanation(status)
    assert explanation == status.about.explanation
    assert in_language("en", explanation).strip()
    assert in_language("es", explanation) != in_language("en", explanation), "explanation has no Spanish translation"


@pytest.mark.parametrize("status", list(CaseStatus), ids=str)
def test_every_status_says_whether_it_closes_and_what_it_counts_as(status: CaseStatus) -> None:
    assert isinstance(status.about.closes, bool)
    assert (status in CLOSED_STATUSES) == status.about.closes != (status in OPEN_STATUSES)
    if status.about.closes:
        outcome = outcome_of(status)
        assert outcome, "a closing status counts as an outcome in the roll-ups"
        rollup_fields = {field.name for field in CaseRollup._meta.get_fields()}
        assert outcome in rollup_fields, f"trends.CaseRollup has no count field {outcome!r}"
        assert outcome in CASE_MEASURES, f"trends.services._CaseCounts has no count {outcome!r}"
        assert allowed_transitions(status) == frozenset(), "a closed case goes nowhere"
    else:
        assert outcome_of(status) is None
        assert allowed_transitions(status), "an open status must lead somewhere"


def test_transitions_name_statuses_and_reach_every_status_from_received() -> None:
    for status in CaseStatus:
        assert set(status.about.then) <= set(CaseStatus.values), f"{status} leads to an unknown status"
        assert status not in allowed_transitions(status)
    assert set(paths_from_received()) == set(CaseStatus)


def test_the_sets_are_derived_in_declaration_order() -> None:
    assert CLOSED_STATUSES + OPEN_STATUSES != ()
    assert [s for s in CaseStatus if s in OPEN_STATUSES] == list(OPEN_STATUSES)
    assert [s for s in CaseStatus if s in CLOSED_STATUSES] == list(CLOSED_STATUSES)
    assert set(OPEN_STATUSES) | set(CLOSED_STATUSES) == set(CaseStatus)


def test_a_declaration_cannot_close_without_an_outcome_or_stay_open_without_a_way_on() -> None:
    with pytest.raises(ValueError):
        About(label="x", explanation="y", closes=True, outcome=None)
    with pytest.raises(ValueError):
        About(label="x", explanation="y", closes=False, outcome="referred", then=("received",))
    with pytest.raises(ValueError):
        About(label="x", explanation="y", closes=False, outcome=None)
    with pytest.raises(ValueError):
        About(label="x", explanation="y", closes=True, outcome="referred", then=("received",))


def test_stored_values_fit_every_status_column() -> None:
    longest = max(len(value) for value in CaseStatus.values)
    tip_status = Tip._meta.get_field("status")
    assert tip_status.get_default() in CaseStatus.values
    assert tip_status.get_default() == Case._meta.get_field("status").get_default() == CaseStatus.RECEIVED
    for model, name in ((Tip, "status"), (Case, "status"), (CaseEvent, "from_status"), (CaseEvent, "to_status")):
        field = model._meta.get_field(name)
        assert field.max_length is not None and field.max_length >= longest, f"{model.__name__}.{name}"


def test_unknown_values_are_neutral_not_errors() -> None:
    assert whistleblower_explanation("retired_status") == UNKNOWN_STATUS_EXPLANATION
    assert outcome_of("retired_status") is None
    assert allowed_transitions("retired_status") == frozenset()
    page = Template("{% load case_status %}{{ v|status_label }} / {{ v|whistleblower_explanation }}")
    with translation.override("en"):
        assert page.render(Context({"v": "retired_status"})) == f"retired_status / {UNKNOWN_STATUS_EXPLANATION}"
        assert page.render(Context({"v": "<b>"})) == f"&lt;b&gt; / {UNKNOWN_STATUS_EXPLANATION}"


def test_tipline_code_never_imports_cases() -> None:
    """The dependency points from cases to tipline; tipline's pages read statuses through a template library."""
    for path in (ROOT / "tipline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(n == "cases" or n.startswith("cases.") for n in names), f"{path} imports cases"


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(CaseStatus), ids=str)
def test_the_tip_follows_its_case_to_every_status_and_the_whistleblower_reads_it(
    status: CaseStatus, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"])
    supervisor = staff_client("lima_supervisor")
    case = tip.case_link.case
    path = paths_from_received().get(status)
    assert path, f"{status} cannot be reached from {CaseStatus.RECEIVED}"
    for step in path[1:]:
        data = {"to": step.value, "reason": "Motivo de cierre." if step in CLOSED_STATUSES else ""}
        response = supervisor.post(f"/staff/cases/{case.public_id}/transition/", data)
        assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == status
    assert set(Tip.objects.values_list("status", flat=True)) == {status.value}
    assert set(Tip.objects.values_list("status", flat=True)) <= set(CaseStatus.values)

    public = public_client("en")
    assert public.post("/followup/", {"receipt": receipt}).status_code == 302
    page = public.get("/followup/").content.decode()
    with translation.override("en"):
        assert f'<span id="status">{status.label}</span>' in page
        assert str(status.about.explanation) in page


@pytest.mark.django_db
def test_the_followup_page_survives_a_status_it_does_not_know(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"])
    Tip.objects.filter(pk=tip.pk).update(status="retired_status")
    public = public_client("en")
    assert public.post("/followup/", {"receipt": receipt}).status_code == 302
    response = public.get("/followup/")
    assert response.status_code == 200
    with translation.override("en"):
        assert str(UNKNOWN_STATUS_EXPLANATION) in response.content.decode()
