"""The service definitions an operator installs: do they parse, and do they name commands that exist?

A reviewer's questions: does systemd itself (`systemd-analyze verify`, offline) accept every unit, with
each command it names present once installed at /opt/tipline; are the units hardened and fed their
secrets as credentials; does supervisord accept the file `make up` renders, with the five programs;
does gunicorn read its configuration from the environment; does the example environment file explain
every variable, name only variables something reads, and hold no secret?
"""

from __future__ import annotations

import configparser
import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

from deploy import render
from tests.deploy.conftest import BASE_DIR

SYSTEMD_DIR = BASE_DIR / "deploy" / "systemd"
UNITS = sorted(SYSTEMD_DIR.glob("*.service"))


def installed_units(tmp_path: Path) -> list[Path]:
    """Return the units as installed from this checkout (/opt/tipline is where the README installs it)."""
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/tipline", str(BASE_DIR)))
        copies.append(copy)
    return copies


def unit_sections(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read(path)
    return parser


def test_the_units_are_the_four_services() -> None:
    assert [unit.name for unit in UNITS] == [
        "tipline-beat.service", "tipline-migrate.service", "tipline-web.service", "tipline-worker.service",
    ]  # fmt: skip


def test_systemd_accepts_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing (Debian's systemd package)")
    result = subprocess.run(  # noqa: S603
        [analyze, "verify", "--man=no", *map(str, installed_units(tmp_path))], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_every_unit_runs_as_tipline_hardened_with_its_secrets_as_credentials(unit: Path) -> None:
    service = unit_sections(unit)["Service"]
    assert service["User"] == "tipline"
    assert service["EnvironmentFile"] == "/etc/tipline/tipline.env"
    for setting, value in {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes",
        "ReadWritePaths": "/var/lib/tipline", "CapabilityBoundingSet": "", "UMask": "0077",
    }.items():  # fmt: skip
        assert service[setting] == value, setting
    text = unit.read_text()
    assert "LoadCredential=secret_key:/etc/tipline/secret_key" in text
    assert "SECRET_KEY_FILE=%d/secret_key" in text
    command = service["ExecStart"].split()[0]
    assert command.startswith("/opt/tipline/.venv/bin/")
    assert os.access(command.replace("/opt/tipline", str(BASE_DIR)), os.X_OK)


def test_the_beat_is_redbeats_and_the_web_node_reads_the_onion_address() -> None:
    beat = unit_sections(SYSTEMD_DIR / "tipline-beat.service")["Service"]["ExecStart"]
    assert beat.endswith("celery -A config beat -S redbeat.RedBeatScheduler -l warning")
    web = (SYSTEMD_DIR / "tipline-web.service").read_text()
    # Not a secret, and tor runs on one host only: the address is in tipline.env on every web node.
    assert "onion" not in web.split("[Service]")[1].lower()
    assert "\nTIPLINE_ONION_ADDRESS=" in (BASE_DIR / "deploy" / "tipline.env.example").read_text()
    nginx = (SYSTEMD_DIR / "nginx.service.d" / "tipline.conf").read_text()
    assert "TemporaryFileSystem=/run/tipline-nginx:size=2560M,mode=0711" in nginx


def test_supervisord_accepts_the_rendered_file_with_the_five_programs(tmp_path: Path) -> None:
    from supervisor.options import ServerOptions

    path = tmp_path / "supervisord.conf"
    path.write_text(
        render.render_supervisord(
            run_dir=tmp_path,
            log_dir=tmp_path,
            gunicorn_bind="127.0.0.1:18001",
            nginx_prefix=tmp_path,
            nginx_conf=tmp_path / "nginx.conf",
            torrc=tmp_path / "torrc",
        )  # fmt: skip
    )
    options = ServerOptions()
    options.realize(args=["-c", str(path)])
    programs = {group.name: group.process_configs[0] for group in options.process_group_configs}
    assert sorted(programs) == ["beat", "nginx", "tor", "web", "worker"]
    for config in programs.values():
        executable = config.command.split()[0]
        assert os.access(executable, os.X_OK), executable
    assert "redbeat.RedBeatScheduler" in programs["beat"].command


def test_gunicorn_takes_workers_and_threads_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    assert (config["workers"], config["threads"], config["worker_class"]) == (5, 4, "gthread")
    assert config["accesslog"] is None
    assert config["worker_tmp_dir"] == "/dev/shm"
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    monkeypatch.delenv("GUNICORN_THREADS")
    assert runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))["worker_class"] == "sync"


def test_the_example_environment_explains_every_variable_and_holds_no_secret() -> None:
    lines = (BASE_DIR / "deploy" / "tipline.env.example").read_text().splitlines()
    readers = "\n".join(
        path.read_text()
        for path in (BASE_DIR / "config" / "settings.py", BASE_DIR / "deploy" / "gunicorn.conf.py", *UNITS)
    )
    names = []
    for number, line in enumerate(lines):
        match = re.match(r"^#? ?([A-Z][A-Z0-9_]+)=", line)
        if not match or line.startswith("#   "):
            continue
        name = match.group(1)
        names.append(name)
        assert lines[number - 1].startswith("#"), f"{name} has no comment above it"
        assert f'"{name}"' in readers or f"${{{name}}}" in readers, f"nothing reads {name}"
    assert {"DEBUG", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "GUNICORN_WORKERS"} <= set(names)
    assert not {"SECRET_KEY", "TIPLINE_RECEIPT_PEPPER", "SECRET_KEY_FILE"} & set(names)
