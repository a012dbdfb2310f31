"""The suite's own clamd: Debian's binary with the project's config and signatures (tipline/clamd_local.py).

Started once per session, on first use, in a fresh temporary folder (its socket is
unique to the run), with a bounded wait; stopped when the session ends. `make test`
installs clamav-daemon first (`make clamav`). Tests ask for `clamd`, which points
TIPLINE_CLAMD_SOCKET at it for that test.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import LazySettings

from tipline import clamd_local

# Built from two halves so that this file is not itself the test virus to a scanner on a developer's machine.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture(scope="session")
def clamd_run_dir() -> Iterator[Path]:
    """Start the project's clamd for the session; yield its folder (socket, config, log)."""
    run_dir = Path(tempfile.mkdtemp(prefix="tipline-clamd-"))  # short: a unix socket path has ~100 bytes
    process = clamd_local.start(run_dir, wait_seconds=60)
    try:
        yield run_dir
    finally:
        clamd_local.stop(process)
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture
def clamd(clamd_run_dir: Path, tipline_settings: LazySettings) -> Path:
    """Scan uploads with the suite's clamd in this test; return its socket path."""
    socket_path = clamd_run_dir / "clamd.sock"
    tipline_settings.TIPLINE_CLAMD_SOCKET = str(socket_path)
    tipline_settings.TIPLINE_CLAMD_TIMEOUT_SECONDS = 60
    return socket_path


@pytest.fixture
def clamd_down(tipline_settings: LazySettings, tmp_path: Path) -> Path:
    """Point the scanner at a socket nobody listens on (clamd stopped); return that path."""
    socket_path = tmp_path / "stopped-clamd.sock"
    tipline_settings.TIPLINE_CLAMD_SOCKET = str(socket_path)
    return socket_path
