"""The reverse proxy of the drill: production's nginx configuration (deploy/render.py) in front of the web nodes.

`render` writes the same site an operator installs (deploy/nginx/), with the drill's
upstream nodes, a self-signed certificate (made as `make up` makes one) and every
listener on a free loopback port, inside a standalone nginx.conf; the runner starts
nginx on it (`nginx -p <prefix> -c <conf> -g 'daemon off;'`) and renders again and
reloads (SIGHUP) when the second node joins. So the drill proves what production runs:
bodies buffered before a node sees them and capped at TIPLINE_MAX_REQUEST_BYTES, a
node that refuses connections skipped for the next one (nginx never resends a request
a node already got, so a node killed mid-request costs that request a 502, which the
person sends again), no log line and no upstream header that names the client.

The simulated people talk to its TLS listener (https://127.0.0.1:<port>); the nodes
themselves are also reached directly, over plain http, by the cross-node checks.
"""

from __future__ import annotations

from pathlib import Path

from chaos.processes import free_port
from deploy import render as deploy_render
from deploy.up import self_signed_certificate

CONF_NAME = "nginx.conf"


def render(upstreams: list[str], listen: int, prefix: Path) -> Path:
    """Write production's nginx site for `upstreams`, its TLS side on 127.0.0.1:`listen`; return the config's path.

    Rendering again for the same `prefix` keeps the certificate and the other listeners' ports (a reload).
    """
    prefix.mkdir(parents=True, exist_ok=True)
    certificate, key = self_signed_certificate(prefix / "tls", quiet=True)
    ports_file = prefix / "other-ports"
    if not ports_file.exists():
        ports_file.write_text(" ".join(str(free_port()) for _ in range(3)))
    http_port, onion_port, metrics_port = (int(port) for port in ports_file.read_text().split())
    for name in ("body", "proxy"):
        (prefix / "temp" / name).mkdir(parents=True, exist_ok=True, mode=0o700)
    return deploy_render.render_loopback_nginx(
        conf=prefix / CONF_NAME,
        upstreams=upstreams,
        https_port=listen,
        http_port=http_port,
        onion_port=onion_port,
        metrics_port=metrics_port,
        tls_certificate=certificate,
        tls_certificate_key=key,
        temp_dir=prefix / "temp",
        log_dir=prefix,
        pid_file=prefix / "nginx.pid",
        worker_processes=1,
    )


def command(conf: Path, prefix: Path, nginx: str = "/usr/sbin/nginx") -> list[str]:
    """Return the command line that runs nginx in the foreground on `conf`."""
    return [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"]
