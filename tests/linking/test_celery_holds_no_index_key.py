"""Celery workers never hold keys (DESIGN.md section 4): no task opens or uses the index key."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

import pytest
from celery.signals import task_postrun, task_prerun
from django.conf import LazySettings

import envelope
from accounts.models import StaffMember
from config.celery import app
from linking.models import IndexKey, TipLink
from linking.services import index_key_from_escrow
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip


def test_no_celery_task_touches_the_index_key() -> None:
    app.loader.import_default_modules()
    modules = {task.__module__ for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert modules, "no task module found: the check would prove nothing"
    assert not any(module.startswith("linking") for module in modules)
    for module in modules:
        source = inspect.getsource(sys.modules[module])
        for name in ("index_key", "linking.services", "IndexKey"):
            assert name not in source, f"{module} refers to {name}"


@pytest.mark.django_db
def test_intake_and_the_automatic_step_hand_celery_no_key(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    settings: LazySettings,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    eager_celery: None,
) -> None:
    """Run intake and the automatic linking with tasks inline: no task gets a key or computes a pseudonym."""
    in_task: list[str] = []
    task_arguments: list[bytes] = []

    def started(sender: Any = None, args: Any = (), kwargs: Any = None, **_: Any) -> None:
        in_task.append(sender.name)
        task_arguments.append(repr((args, kwargs)).encode())

    def finished(sender: Any = None, **_: Any) -> None:
        in_task.pop()

    def guarded(function: Callable[..., bytes]) -> Callable[..., bytes]:
        def call(*args: Any, **kwargs: Any) -> bytes:
            assert not in_task, f"{function.__name__} called inside the task {in_task[-1]}"
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(envelope, "entity_pseudonym", guarded(envelope.entity_pseudonym))
    monkeypatch.setattr(envelope, "name_key_pseudonym", guarded(envelope.name_key_pseudonym))
    task_prerun.connect(started, weak=False, dispatch_uid="test-no-key-prerun")
    task_postrun.connect(finished, weak=False, dispatch_uid="test-no-key-postrun")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            text = "DEMO: el técnico Ramiro Ccori Huamán cobra cupo, su número es 987 654 321."
            first, _ = submit_tip(facility=facilities["lurigancho"], description=text)
            submit_tip(facility=facilities["lurigancho"], description="DEMO: el agente ramiro cori huaman otra vez.")
        with django_capture_on_commit_callbacks(execute=True):
            staff_client("lima_investigator").get(f"/staff/cases/{first.case_link.case.public_id}/")
    finally:
        task_prerun.disconnect(dispatch_uid="test-no-key-prerun")
        task_postrun.disconnect(dispatch_uid="test-no-key-postrun")

    assert TipLink.objects.exists(), "the reports were linked"
    assert task_arguments, "tasks ran inline: the check would prove nothing otherwise"
    for index_key in IndexKey.objects.all():
        key = index_key_from_escrow(index_key=index_key, escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY)
        for arguments in task_arguments:
            assert key not in arguments and key.hex().encode() not in arguments
