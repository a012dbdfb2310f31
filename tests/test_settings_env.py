"""The settings fail closed: a misspelt flag or a clash of NAME and NAME_FILE stops start-up.

The parsing rules are checked on the helpers of config/settings.py directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import envbool, envint, envstr

# --- the helpers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("Yes", True), (" on ", True)]
    + [("false", False), ("False", False), ("0", False), ("NO", False), ("off", False)],
)
def test_a_flag_accepts_the_usual_words_in_any_case(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("TIPLINE_TEST_FLAG", raw)
    assert envbool("TIPLINE_TEST_FLAG", not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_an_unset_or_empty_flag_is_its_default(monkeypatch: pytest.MonkeyPatch, default: bool) -> None:
    monkeypatch.delenv("TIPLINE_TEST_FLAG", raising=False)
    assert envbool("TIPLINE_TEST_FLAG", default) is default
    monkeypatch.setenv("TIPLINE_TEST_FLAG", "")
    assert envbool("TIPLINE_TEST_FLAG", default) is default


@pytest.mark.parametrize("raw", ["ture", "y", "enabled", "2"])
def test_any_other_flag_value_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("TIPLINE_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match=r"TIPLINE_TEST_FLAG must be one of true/false, 1/0, yes/no, on/off"):
        envbool("TIPLINE_TEST_FLAG", False)


def test_a_number_that_is_not_a_whole_number_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_TEST_NUMBER", "")
    assert envint("TIPLINE_TEST_NUMBER", 7) == 7
    monkeypatch.setenv("TIPLINE_TEST_NUMBER", "15m")
    with pytest.raises(ImproperlyConfigured, match="TIPLINE_TEST_NUMBER must be a whole number"):
        envint("TIPLINE_TEST_NUMBER", 7)


def test_every_helper_reads_name_file_without_its_trailing_newline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, content in [("FLAG", "off\n"), ("NUMBER", "42\n"), ("WORD", "a b \n")]:
        (tmp_path / name).write_text(content)
        monkeypatch.setenv(f"TIPLINE_TEST_{name}_FILE", str(tmp_path / name))
    assert envbool("TIPLINE_TEST_FLAG", True) is False
    assert envint("TIPLINE_TEST_NUMBER", 0) == 42
    assert envstr("TIPLINE_TEST_WORD", "") == "a b "


def test_name_and_name_file_together_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "word").write_text("from the file")
    monkeypatch.setenv("TIPLINE_TEST_WORD", "from the environment")
    monkeypatch.setenv("TIPLINE_TEST_WORD_FILE", str(tmp_path / "word"))
    with pytest.raises(ImproperlyConfigured, match="TIPLINE_TEST_WORD and TIPLINE_TEST_WORD_FILE are both set"):
        envstr("TIPLINE_TEST_WORD", "")


def test_a_name_file_that_cannot_be_read_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TIPLINE_TEST_WORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="TIPLINE_TEST_WORD_FILE names .*, which cannot be read"):
        envstr("TIPLINE_TEST_WORD", "")
