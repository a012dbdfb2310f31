"""The processes the runner owns: gunicorn and the Celery worker, each in its own process group.

Each is started with `start_new_session`, so a SIGKILL reaches the worker's pool
children too and nothing is left behind; `stop` ends the whole group.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from chaos.faults import SERVICE_WAIT_SECONDS
from deploy.up import self_signed_client_context

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = Path(__file__).resolve().parent / "gunicorn.conf.py"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ManagedProcess:
    """A command run in its own process group, its output appended to a log file."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own fixed command line  # nosec B603
                self.command,
                cwd=BASE_DIR,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group at once, as the kernel's OOM killer or a power cut would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, *, timeout: float = 20.0) -> None:
        """End the group: SIGTERM (a warm shutdown), then SIGKILL if it lingers."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        # Pool children that outlived their parent are in the same group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def gunicorn(env: dict[str, str], *, port: int, logs: Path) -> ManagedProcess:
    command = [str(BASE_DIR / ".venv" / "bin" / "gunicorn"), "-c", str(GUNICORN_CONFIG), "-b", f"127.0.0.1:{port}"]
    command.append("config.wsgi")
    return ManagedProcess("gunicorn", command, env, logs / "gunicorn.log")


def worker(env: dict[str, str], *, queue: str, node: str, logs: Path) -> ManagedProcess:
    command = [
        str(BASE_DIR / ".venv" / "bin" / "celery"), "-A", "config", "worker",
        "-Q", queue, "-n", node, "--concurrency=2", "--without-gossip", "--without-mingle", "-l", "warning",
    ]  # fmt: skip
    return ManagedProcess("celery worker", command, env, logs / "worker.log")


def healthz(base_url: str) -> tuple[int | None, dict[str, object]]:
    """Return the status and JSON of /healthz, or (None, {}) when nothing answers."""
    # A drill's own proxy on loopback, with a self-signed certificate.
    context = self_signed_client_context() if base_url.startswith("https://") else None
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=5, context=context) as response:  # noqa: S310 - our own URL  # nosec B310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, {}
    except (OSError, ValueError):
        return None, {}


def wait_until_healthy(base_url: str, *, timeout: float = SERVICE_WAIT_SECONDS) -> float:
    """Wait until /healthz says every dependency is ready; return how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        status, _body = healthz(base_url)
        if status == 200:
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"{base_url}/healthz not ready after {timeout:.0f} s")
