"""Run the project's own clamd: its committed config and only its own signatures.

``make clamd`` runs it in the foreground for the demo (socket var/clamd/clamd.sock,
the default TIPLINE_CLAMD_SOCKET); the tests start one per session under a
temporary folder (tests/clamav.py). The committed config (config/clamav/clamd.conf)
holds no path of any machine: the paths (socket, signatures, temporary folder, log)
are appended at start into ``<run_dir>/clamd.conf``. The signature folder is
config/clamav/signatures/, which holds the EICAR test string and the project's rules
only; production runs Debian's clamd kept current by freshclam instead (README,
"Malware scanning (ClamAV)").
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess  # nosec B404
import time
from pathlib import Path

CLAMAV_DIR = Path(__file__).resolve().parent.parent / "config" / "clamav"
SIGNATURE_DIR = CLAMAV_DIR / "signatures"
BASE_CONFIG = CLAMAV_DIR / "clamd.conf"
SIGNATURE_SUFFIXES = frozenset({".ndb", ".hdb", ".ldb", ".yar", ".yara"})
CLAMD_CANDIDATES = ("/usr/sbin/clamd", "/usr/local/sbin/clamd")


class ClamdUnavailable(Exception):
    """clamd is not installed, or did not open its socket in time."""


def clamd_binary() -> str:
    """Return the path of the clamd program (Debian's clamav-daemon: `make clamav` installs it)."""
    found = shutil.which("clamd") or next((path for path in CLAMD_CANDIDATES if os.access(path, os.X_OK)), None)
    if found is None:
        raise ClamdUnavailable("clamd is not installed (apt-get install clamav-daemon, or `make clamav`)")
    return found


def signature_files() -> list[Path]:
    """Return the project's signature files, the only ones its clamd loads."""
    return sorted(path for path in SIGNATURE_DIR.iterdir() if path.suffix in SIGNATURE_SUFFIXES)


def write_config(run_dir: Path) -> Path:
    """Write ``run_dir/clamd.conf``: the committed config with this run's paths; return its path."""
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    (run_dir / "tmp").mkdir(exist_ok=True, mode=0o700)
    config = run_dir / "clamd.conf"
    paths = (
        f"LocalSocket {run_dir / 'clamd.sock'}\n"
        "LocalSocketMode 600\n"
        f"DatabaseDirectory {SIGNATURE_DIR}\n"
        f"TemporaryDirectory {run_dir / 'tmp'}\n"
        f"LogFile {run_dir / 'clamd.log'}\n"
        f"PidFile {run_dir / 'clamd.pid'}\n"
    )
    config.write_text(BASE_CONFIG.read_text(encoding="utf-8") + paths, encoding="utf-8")
    return config


def start(run_dir: Path, *, wait_seconds: float = 30.0) -> subprocess.Popen[bytes]:
    """Start clamd with the config written under ``run_dir`` and wait (bounded) for its socket.

    Return the running process; the caller stops it (``stop``). Raise
    ClamdUnavailable when clamd is missing, exits, or opens no socket in time.
    """
    config = write_config(run_dir)
    socket_path = run_dir / "clamd.sock"
    socket_path.unlink(missing_ok=True)
    process = subprocess.Popen(  # noqa: S603  # nosec B603
        [clamd_binary(), f"--config-file={config}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + wait_seconds
    while not socket_path.is_socket():
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise ClamdUnavailable("clamd did not start; see its log in " + str(run_dir / "clamd.log"))
        time.sleep(0.05)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a clamd started by ``start`` and wait for it to end."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the project's clamd in the foreground.")
    parser.add_argument("run_dir", type=Path, help="folder for its socket, log and temporary files")
    run_dir = parser.parse_args().run_dir.resolve()
    config = write_config(run_dir)
    os.execv(clamd_binary(), [clamd_binary(), f"--config-file={config}"])  # noqa: S606  # nosec B606


if __name__ == "__main__":
    main()
