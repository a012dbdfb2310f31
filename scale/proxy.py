"""The reverse proxy of the drill: Debian's nginx in front of the web nodes, configured in one place.

`render` writes an nginx configuration for a list of upstream nodes; the runner
starts nginx on it (`nginx -p <prefix> -c <conf> -g 'daemon off;'`) and renders
again and reloads (SIGHUP) when the second node joins. Only the essentials of the
production proxy are here (deploy/ holds the production template):

- request bodies are buffered by nginx before they reach a node (a slow client
  holds no gunicorn worker), capped at TIPLINE_MAX_REQUEST_BYTES;
- a node that refuses the connection, times out or answers 502/503 is skipped for
  the next one (`proxy_next_upstream`); nginx only resends a POST when the node
  never got it, so a node killed mid-request costs that request a 502, which the
  person sends again;
- no access log, and an error log at `crit` only: nginx's error lines carry the
  client's address ("client: ..."), which the public side must never record
  (DESIGN.md section 8); no X-Forwarded-For is passed on either;
- X-Forwarded-Proto is passed, as a TLS-terminating proxy does.
"""

from __future__ import annotations

from pathlib import Path

CONF_NAME = "nginx.conf"
# Temporary directories nginx wants under its prefix (request bodies, proxied responses, unused modules).
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def max_body_bytes() -> int:
    """Return the request size cap of the application's settings (the proxy refuses larger bodies itself)."""
    from django.conf import settings

    return int(settings.TIPLINE_MAX_REQUEST_BYTES)


def config_text(upstreams: list[str], listen: int, prefix: Path, *, max_body: int) -> str:
    """Return the nginx configuration: one upstream group of `upstreams` ("host:port"), served on `listen`."""
    if not upstreams:
        raise ValueError("the proxy needs at least one upstream node")
    servers = "\n".join(f"        server {upstream} max_fails=1 fail_timeout=5s;" for upstream in upstreams)
    temp = "\n".join(f"    {name}_temp_path {prefix / 'temp' / name};" for name in TEMP_DIRS)
    return f"""# Rendered by scale/proxy.py for the scale drill; do not edit.
worker_processes 1;
pid {prefix / "nginx.pid"};
# Error lines name the client's address: only critical ones are written.
error_log {prefix / "error.log"} crit;

events {{
    worker_connections 512;
}}

http {{
    access_log off;
    server_tokens off;
{temp}
    client_max_body_size {max_body};
    client_body_buffer_size 256k;

    upstream tipline_nodes {{
{servers}
    }}

    server {{
        listen 127.0.0.1:{listen};

        location / {{
            proxy_pass http://tipline_nodes;
            proxy_http_version 1.1;
            proxy_request_buffering on;
            proxy_buffering on;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For "";
            proxy_set_header X-Real-IP "";
            proxy_set_header Connection "";
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries {len(upstreams)};
            proxy_connect_timeout 2s;
            proxy_send_timeout 60s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def render(upstreams: list[str], listen: int, prefix: Path) -> Path:
    """Write the configuration under `prefix` (with nginx's temporary directories); return its path."""
    for name in TEMP_DIRS:
        (prefix / "temp" / name).mkdir(parents=True, exist_ok=True)
    path = prefix / CONF_NAME
    path.write_text(config_text(upstreams, listen, prefix, max_body=max_body_bytes()))
    return path


def command(conf: Path, prefix: Path, nginx: str = "/usr/sbin/nginx") -> list[str]:
    """Return the command line that runs nginx in the foreground on `conf`."""
    return [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"]
