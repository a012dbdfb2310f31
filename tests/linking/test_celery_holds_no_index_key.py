"""Celery workers never hold keys (DESIGN.md section 4): no task opens or uses the index key."""

from __future__ import annotations

import inspect
import sys

from config.celery import app


def test_no_celery_task_touches_the_index_key() -> None:
    app.loader.import_default_modules()
    modules = {task.__module__ for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert modules, "no task module found: the check would prove nothing"
    assert not any(module.startswith("linking") for module in modules)
    for module in modules:
        source = inspect.getsource(sys.modules[module])
        for name in ("index_key", "linking.services", "IndexKey"):
            assert name not in source, f"{module} refers to {name}"
