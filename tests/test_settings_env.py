"""The settings fail closed: a misspelt flag, a clash of NAME and NAME_FILE or a missing secret stops start-up.

The parsing rules are checked on the helpers of config/settings.py directly; what a
server does at start-up (django.setup() with a crafted environment, as a real process)
is checked in a few subprocesses, each with a var/ directory of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import envbool, envint, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
SECRETS = ("SECRET_KEY", "TIPLINE_RECEIPT_PEPPER")

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


# --- start-up -----------------------------------------------------------------------------------------------

SHOW_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({n: getattr(s, n) "
    "for n in ['DEBUG', 'SECURE_SSL_REDIRECT', 'STAFF_LOGIN_MAX_FAILURES', 'SECRET_KEY', 'TIPLINE_RECEIPT_PEPPER']}))"
)


def start(var_dir: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Load the settings and set Django up in a new process, with the caller's environment less the variables
    under test, plus `variables`."""
    under_test = ("DEBUG", "SECURE_SSL_REDIRECT", "STAFF_LOGIN_MAX_FAILURES", "TIPLINE_VAR_DIR", *SECRETS)
    env = {k: v for k, v in os.environ.items() if k.removesuffix("_FILE") not in under_test}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", TIPLINE_VAR_DIR=str(var_dir), **variables)
    return subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_misspelt_debug_stops_start_up_naming_it(tmp_path: Path) -> None:
    result = start(tmp_path / "var", DEBUG="ture", SECRET_KEY="k" * 50, TIPLINE_RECEIPT_PEPPER="p" * 50)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must be one of true/false, 1/0, yes/no, on/off" in result.stderr


def test_a_server_reads_its_flags_numbers_and_secrets_from_name_file(tmp_path: Path) -> None:
    files = {"SECURE_SSL_REDIRECT": "Yes\n", "STAFF_LOGIN_MAX_FAILURES": "9\n"}
    files |= {"SECRET_KEY": "s3cret-key-from-a-file\n", "TIPLINE_RECEIPT_PEPPER": "pepper-from-a-file\n"}
    for name, content in files.items():
        (tmp_path / name).write_text(content)

    result = start(tmp_path / "var", DEBUG="off", **{f"{name}_FILE": str(tmp_path / name) for name in files})

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "STAFF_LOGIN_MAX_FAILURES": 9,
        "SECRET_KEY": "s3cret-key-from-a-file",
        "TIPLINE_RECEIPT_PEPPER": "pepper-from-a-file",
    }
    assert not (tmp_path / "var" / "secrets").exists()


def test_without_debug_a_missing_secret_key_stops_start_up_and_nothing_is_generated(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"

    result = start(var_dir, TIPLINE_RECEIPT_PEPPER="p" * 50)

    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("django.core.exceptions.ImproperlyConfigured: SECRET_KEY is empty or not set")
    assert "SECRET_KEY_FILE" in message
    assert 'python -c "import secrets; print(secrets.token_urlsafe(50))"' in message
    assert list(var_dir.rglob("*")) == []


def test_without_debug_a_missing_pepper_stops_start_up_and_points_at_an_earlier_generated_one(
    tmp_path: Path,
) -> None:
    """A server that used to generate its pepper into var/ is told where it is, not given a new one."""
    earlier = tmp_path / "var" / "secrets" / "tipline_receipt_pepper"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("the pepper every receipt so far was made with")

    result = start(tmp_path / "var", DEBUG="0", SECRET_KEY="k" * 50)

    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured: TIPLINE_RECEIPT_PEPPER is empty or not set" in message
    assert f"set TIPLINE_RECEIPT_PEPPER_FILE={earlier} to keep using it" in message
    assert earlier.read_text() == "the pepper every receipt so far was made with"


def test_with_debug_the_demo_secrets_are_generated_into_var(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"

    result = start(var_dir, DEBUG="1")

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["SECRET_KEY"] == (var_dir / "secrets" / "secret_key").read_text()
    assert shown["TIPLINE_RECEIPT_PEPPER"] == (var_dir / "secrets" / "tipline_receipt_pepper").read_text()
    assert len(shown["TIPLINE_RECEIPT_PEPPER"]) == 64
