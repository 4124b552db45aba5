"""The files in deploy/, filled in: one renderer for `python -m geo serve` and `python -m geo deploy-config`.

deploy/ holds the real nginx site and systemd units. Their ``${NAME}`` placeholders (upper case only; nginx's
own ``$name`` variables are left alone) are filled from one dict of values; a placeholder without a value is
an error, never an empty string in a config. The supervisor starts its workers with the ExecStart line of the
worker unit, so the command a real server runs and the one the tests run are the same line.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from geo.store.imports import limits

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = DEPLOY / "nginx"
SYSTEMD = DEPLOY / "systemd"
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
MB = 1024 * 1024

# Limits per client address at the proxy (see deploy/nginx/baoding-common.conf). A room of 100 people behind
# one office address opening the link at once fits in the burst; a script opening hundreds of sessions does not.
STREAM_RATE = 10  # new websocket sessions per second, sustained
STREAM_BURST = 100  # ... and at once
STREAM_CONN = 150  # open websocket sessions
UPLOAD_RATE = 30  # uploads per minute
UPLOAD_BURST = 10
UPLOAD_CONN = 4  # uploads at once


class MissingValue(ValueError):
    pass


def fill(text: str, values: dict[str, str], name: str = "template") -> str:
    """Replace every ``${NAME}`` in ``text``; a name without a value raises MissingValue."""
    missing = sorted({m for m in PLACEHOLDER.findall(text) if m not in values})
    if missing:
        raise MissingValue(f"{name}: no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


def streamlit_static() -> Path:
    """Where Streamlit's frontend files are installed (``/static/...`` lives in its ``static/``)."""
    import importlib.util

    spec = importlib.util.find_spec("streamlit")
    assert spec and spec.origin
    return Path(spec.origin).parent / "static"


@dataclass
class Site:
    """What the nginx site needs: where the workers are, where nginx listens, TLS when wanted."""

    workers: list[str]  # "127.0.0.1:8501", one per app worker (other machines too)
    listen: str = "80"
    conf_dir: Path = Path("/etc/nginx/baoding")
    server_name: str = "_"
    access_log: str = "/var/log/nginx/baoding.access.log"
    tls_cert: str = ""
    tls_key: str = ""
    tls_listen: str = "443"
    extra: dict[str, str] = field(default_factory=dict)

    def names(self) -> dict[str, str]:
        """The name each worker has in the stickiness cookie (w1, w2, ...), in the order given."""
        return {f"w{k + 1}": w for k, w in enumerate(self.workers)}

    def values(self) -> dict[str, str]:
        names = self.names()
        upstream = "\n".join(f"    server {w} max_fails=1 fail_timeout=5s;" for w in self.workers)
        values = {
            "UPSTREAM_SERVERS": upstream,
            "WORKER_UPSTREAMS": "\n".join(
                f"upstream baoding_{n} {{ server {w}; keepalive 8; }}" for n, w in names.items()
            ),
            "WORKER_ROUTES": "\n".join(f"    {n} baoding_{n};" for n in names),
            "WORKER_NAMES": "\n".join(f'    "~(^|\\s){re.escape(w)}$" {n};' for n, w in names.items()),
            "LISTEN": self.listen,
            "SERVER_NAME": self.server_name,
            "ACCESS_LOG": self.access_log,
            "CONF_DIR": str(self.conf_dir),
            # The import limit plus Streamlit's 1 MB allowance for the multipart framing of an upload.
            "MAX_BODY": f"{limits.MAX_UPLOAD_BYTES // MB + 1}m",
            "MAX_UPLOAD_MB": str(limits.MAX_UPLOAD_BYTES // MB),
            "MAX_UNZIPPED_MB": str(limits.MAX_UNZIPPED_BYTES // MB),
            "STREAM_RATE": str(STREAM_RATE),
            "STREAM_BURST": str(STREAM_BURST),
            "STREAM_CONN": str(STREAM_CONN),
            "UPLOAD_RATE": str(UPLOAD_RATE),
            "UPLOAD_BURST": str(UPLOAD_BURST),
            "UPLOAD_CONN": str(UPLOAD_CONN),
            "TLS_LISTEN": self.tls_listen,
            "TLS_CERT": self.tls_cert,
            "TLS_KEY": self.tls_key,
            "TLS_INCLUDE": f"include {self.conf_dir}/baoding-tls.conf;" if self.tls_cert else "",
        }
        return {**values, **self.extra}


def render_site(site: Site, out_dir: Path | None = None) -> Path:
    """Write the site (baoding.conf, its common part, the TLS server when set, the error pages) into
    ``out_dir`` (default: the site's conf_dir). Returns the path of baoding.conf."""
    if bool(site.tls_cert) != bool(site.tls_key):
        raise ValueError("TLS needs both a certificate and its key (BAODING_TLS_CERT, BAODING_TLS_KEY)")
    out = Path(out_dir or site.conf_dir)
    (out / "errors").mkdir(parents=True, exist_ok=True)
    values = site.values()
    names = ["baoding.conf", "baoding-common.conf"] + (["baoding-tls.conf"] if site.tls_cert else [])
    for name in names:
        (out / name).write_text(fill((NGINX / name).read_text(encoding="utf-8"), values, name), encoding="utf-8")
    for page in sorted((NGINX / "errors").glob("*.html")):
        text = fill(page.read_text(encoding="utf-8"), values, f"errors/{page.name}")
        (out / "errors" / page.name).write_text(text, encoding="utf-8")
    return out / "baoding.conf"


def render_supervised_nginx(run_dir: Path, conf_dir: Path) -> Path:
    """nginx's main configuration for a foreground nginx whose files all stay in ``run_dir``."""
    root = os.geteuid() == 0
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    text = fill(
        (NGINX / "nginx-supervised.conf").read_text(encoding="utf-8"),
        {"RUN_DIR": str(run_dir), "CONF_DIR": str(conf_dir), "USER_DIRECTIVE": "user root root;" if root else ""},
        "nginx-supervised.conf",
    )
    path = run_dir / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path


def unit_values(
    ports: list[int],
    python: str,
    app_dir: Path = ROOT,
    user: str = "baoding",
    env_file: str = "/etc/baoding/baoding.env",
    watchdog_seconds: int = 30,
    memory_max: str = "4G",
    tasks_max: int = 512,
) -> dict[str, str]:
    return {
        "SERVICE_USER": user,
        "APP_DIR": str(app_dir),
        "PYTHON": python,
        "ENV_FILE": env_file,
        "MEMORY_MAX": memory_max,
        "TASKS_MAX": str(tasks_max),
        "PORTS": ",".join(str(p) for p in ports),
        "WATCHDOG_SECONDS": str(watchdog_seconds),
        "WORKER_UNITS": " ".join(f"baoding@{p}.service" for p in ports),
    }


def render_units(values: dict[str, str], out_dir: Path) -> list[Path]:
    """Every systemd file of deploy/systemd/, filled in, under ``out_dir`` (same relative paths)."""
    written = []
    for path in sorted(p for p in SYSTEMD.rglob("*") if p.is_file()):
        target = out_dir / path.relative_to(SYSTEMD)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(fill(path.read_text(encoding="utf-8"), values, path.name), encoding="utf-8")
        written.append(target)
    return written


def unit_setting(unit_text: str, key: str) -> str:
    """The value of ``key=`` in a unit's [Service] section (the last one wins, as in systemd)."""
    found = ""
    section = ""
    for line in unit_text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and line.startswith(f"{key}="):
            found = line.split("=", 1)[1]
    if not found:
        raise ValueError(f"the unit has no {key}= in [Service]")
    return found


def worker_command(port: int, python: str, app_dir: Path = ROOT) -> list[str]:
    """The worker unit's ExecStart for this port: what systemd runs for baoding@PORT, as an argv."""
    text = (SYSTEMD / "baoding@.service").read_text(encoding="utf-8")
    line = unit_setting(text, "ExecStart")
    line = fill(line, {"PYTHON": python, "APP_DIR": str(app_dir)}, "baoding@.service ExecStart")
    return [arg.replace("%i", str(port)) for arg in shlex.split(line)]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
