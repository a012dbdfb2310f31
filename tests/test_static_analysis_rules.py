"""The local semgrep rules (.semgrep/rules.yml) catch what they are written for, and leave good code alone.

Each rule guards a rule of the project (no user text marked safe, nothing about the
client in a log line, no pickle, no unsafe YAML, no shell). A rule that silently
matched nothing would give false comfort, so every one is run here on a sample
that must trip it and on one that must not. Skipped where semgrep is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SEMGREP = shutil.which("semgrep", path=str(Path(sys.executable).parent)) or shutil.which("semgrep")

pytestmark = pytest.mark.skipif(SEMGREP is None, reason="semgrep is not installed (requirements-dev.txt)")

BAD_SAMPLES = {
    "tipline-mark-safe-non-literal": (
        "views.py",
        "from django.utils.safestring import mark_safe\n\n"
        "def show(request):\n"
        "    return mark_safe(request.POST['description'])\n",
    ),
    "tipline-format-html-non-literal-format": (
        "widgets.py",
        "from django.utils.html import format_html\n\n"
        "def label(text):\n"
        "    return format_html('<b>' + text + '</b>')\n",
    ),
    "tipline-template-safe-filter": ("page.html", "<div class='tip-text'>{{ content.description|safe }}</div>\n"),
    "tipline-no-request-metadata-in-logs": (
        "middleware.py",
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n"
        "def audit(request):\n"
        "    logger.info('report from %s', request.META['REMOTE_ADDR'])\n"
        "    logger.warning('agent %s', request.headers.get('User-Agent'))\n",
    ),
    "tipline-no-pickle": ("cache.py", "import pickle\n\ndef load(blob):\n    return pickle.loads(blob)\n"),
    "tipline-no-yaml-load": ("config_loader.py", "import yaml\n\ndef read(text):\n    return yaml.load(text)\n"),
    "tipline-no-shell": (
        "backup.py",
        "import subprocess\n\ndef dump(name):\n    subprocess.run('pg_dump ' + name, shell=True, check=True)\n",
    ),
}

GOOD_SAMPLE = (
    "good.py",
    "import json\nimport logging\nimport subprocess\n\nimport yaml\n"
    "from django.utils.html import escape, format_html\n"
    "from django.utils.safestring import mark_safe\n\n"
    "logger = logging.getLogger(__name__)\n\n"
    "def page(request, text):\n"
    "    logger.info('report page %s', request.path)\n"
    "    subprocess.run(['pg_dump', '--format=custom', 'tipline'], check=True)\n"
    "    settings = yaml.safe_load('a: 1')\n"
    "    data = json.loads('{}')\n"
    "    return format_html('<b>{}</b>', text), mark_safe('<hr>'), escape(text), settings, data\n",
)
GOOD_TEMPLATE = ("good.html", "{% load inert %}<div dir='auto'>{{ content.description|inert }}</div>\n")


def run_semgrep(target: Path) -> list[dict[str, object]]:
    assert SEMGREP is not None
    result = subprocess.run(
        [
            SEMGREP,
            "scan",
            "--config",
            str(BASE_DIR / ".semgrep"),
            "--metrics=off",
            "--disable-version-check",
            "--json",
            "--quiet",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=target,
    )
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout)["results"])


def test_every_rule_fires_on_its_bad_sample_and_not_on_good_code(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for file_name, text in [*BAD_SAMPLES.values(), GOOD_SAMPLE, GOOD_TEMPLATE]:
        (source / file_name).write_text(text)

    findings = run_semgrep(source)

    found = {(str(f["check_id"]).rsplit(".", 1)[-1], Path(str(f["path"])).name) for f in findings}
    for rule, (file_name, _text) in BAD_SAMPLES.items():
        assert (rule, file_name) in found, f"{rule} did not fire on {file_name}: {sorted(found)}"
    assert not [f for f in found if f[1] in {GOOD_SAMPLE[0], GOOD_TEMPLATE[0]}], sorted(found)
    # Both log lines of the metadata sample are caught, not just the first.
    log_lines = [f for f in findings if Path(str(f["path"])).name == "middleware.py"]
    assert len(log_lines) == 2, log_lines
