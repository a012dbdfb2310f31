"""A first visit to the landing page and the report form weighs under 30 KB, in Spanish and in English.

Measured with bench.page_weight, as an operator would run it, against a live server that serves the
static files as production does (collected with the compressed manifest storage, answered by
WhiteNoise). No proxy here compresses the HTML, so the pages are counted uncompressed: through the
proxy (deploy/) they only get lighter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.db import connections
from django.test.testcases import LiveServerThread

from bench import page_weight
from org.models import Facility, Region, Unit
from tests.test_static_files import collect_static_as_in_production

# As many prisons as Peru has (INPE lists 69), so the report form's list is as long as a real one.
FACILITY_COUNT = 69
BUDGET_BYTES = 30_000


@pytest.fixture
def production_server(settings: LazySettings, tmp_path: Path, transactional_db: None) -> Iterator[str]:
    """Serve the site as gunicorn would, static files by WhiteNoise from a fresh `collectstatic`; return its URL.

    pytest-django's live_server puts Django's development static handler in front, which finds files by
    their plain names; this one has nothing in front of the application.
    """
    collect_static_as_in_production(settings, tmp_path / "static")
    unit = Unit.objects.create(slug="lima", name="Oficina de Asuntos Internos de Lima", kind=Unit.Kind.REGIONAL)
    region = Region.objects.create(name="Lima", unit=unit)
    Facility.objects.bulk_create(
        Facility(name=f"Establecimiento Penitenciario de Prueba {n:02d}", region=region, population=1000)
        for n in range(1, FACILITY_COUNT + 1)
    )
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}  # type: ignore[attr-defined]
    for connection in shared.values():  # SQLite's in-memory test database exists in this connection only
        connection.inc_thread_sharing()
    # Django wraps the application in static_handler; this one gives it back as it is.
    thread = LiveServerThread(
        "127.0.0.1",
        static_handler=lambda application: application,  # type: ignore[arg-type]
        connections_override=shared,
    )
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("path", ["/", "/report/"])
def test_a_first_visit_is_under_the_budget(production_server: str, path: str, language: str) -> None:
    weight = page_weight.measure(production_server + path, language=language if language != "es" else "")
    print(page_weight.render(weight))
    assert weight.language == language
    assert not weight.missing
    assert weight.total_bytes < BUDGET_BYTES
    kinds = [r.kind for r in weight.resources]
    assert kinds.count("stylesheet") == 3
    assert "icon (implicit)" not in kinds  # the page declares an empty icon: no /favicon.ico request
    assert all(r.encoding == "gzip" for r in weight.resources if r.kind != "document")


def test_the_report_form_lists_every_prison(production_server: str) -> None:
    weight = page_weight.measure(production_server + "/report/")
    assert weight.resources[0].wire_bytes > FACILITY_COUNT * len("<option>Establecimiento Penitenciario</option>")


def test_over_the_budget_the_command_fails(production_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert page_weight.main([production_server, "/", "--budget-kb", "30"]) == 0
    assert page_weight.main([production_server, "/", "--budget-kb", "5"]) == 1
    out = capsys.readouterr().out
    assert "bootstrap-public" in out
    assert "OVER BUDGET" in out
