"""The benchmark runner never points at the tests' databases (bench/run.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.run import _available, _configure_environment


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@127.0.0.1:5432/test",
        "postgres://postgres@127.0.0.1:5432/test_tipline",
        "sqlite:///var/tipline.sqlite3",
    ],
)
def test_the_runner_refuses_test_and_non_postgres_databases(
    url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SystemExit):
        _configure_environment(tmp_path)


def test_a_page_this_version_does_not_have_is_reported_not_available() -> None:
    assert _available("/staff/?unread=1")
    assert not _available("/no-such-page-yet/")
