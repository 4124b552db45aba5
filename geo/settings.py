"""Every setting of the app in one place, read from the environment.

A registry like datasette's: each ``Setting`` has a name, a default, a parser and a line of help.
"Unset" and "empty" are different: an empty variable is a value where ``empty_ok`` says so (for
``BAODING_REGION`` it means the whole country) and an error elsewhere, never a silent fall back to the
default. ``check()`` runs at start (app.py's server role, ``python -m geo``): invalid values are refused
with the setting named, unknown ``BAODING_*`` variables warned about. ``python -m geo settings`` lists
them all, secrets masked.

Each entry is documented in README.md ("设置 Settings"); a test keeps the two in step.
Secrets never live here as values: they come from .streamlit/secrets.toml or the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "BAODING_"


class SettingError(ValueError):
    """A setting's value is invalid; the message names the setting."""


def text(raw: str) -> str:
    return raw


def one_of(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(choices)}")
        return raw

    return parse


def adcode_prefix(raw: str) -> str:
    if not re.fullmatch(r"\d{0,6}", raw):
        raise ValueError(f"{raw!r} is not an adcode prefix (0 to 6 digits)")
    return raw


def path(raw: str) -> Path:
    return Path(raw)


def url(raw: str) -> str:
    if raw and not re.match(r"^(https?|postgres(ql)?)://", raw):
        raise ValueError(f"{raw!r} is not an http(s) or postgresql URL")
    return raw


def public_url(raw: str) -> str:
    """An address people reach the server by: http(s)://host[:port][/path], no query; kept without its last '/'."""
    if raw and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", raw):
        raise ValueError(f"{raw!r} is not an http(s) address like http://192.168.1.10:8501 (no query, no spaces)")
    return raw.rstrip("/")


def positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(f"{raw!r} is not a positive whole number")
    return value


def number(raw: str) -> float:
    value = float(raw)
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{raw!r} is not a number of 0 or more")
    return value


def count_or_empty(raw: str) -> int | None:
    return positive_int(raw) if raw.strip() else None


def flag(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{raw!r} is not one of 1, 0, true, false")


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = text
    empty_ok: bool = True  # an empty variable is a value; if False it is refused
    secret: bool = False  # masked when listed


_ENTRIES: list[Setting] = [
    Setting("BAODING_DATA_DIR", str(ROOT / "data"), "folder of the bundled CSV/GeoJSON data the app reads",
            path, empty_ok=False),
    # The region the boundary build extracts (python -m geo build-boundaries): an adcode prefix,
    # 1306 Baoding, 13 Hebei, empty for the whole country. The app draws whatever units it is given.
    Setting("BAODING_REGION", "1306", "adcode prefix of the region whose counties the boundary build extracts",
            adcode_prefix),
    Setting("BAODING_SLIDES", "", "the briefing deck (TOML); empty: slides.toml in BAODING_DATA_DIR"),
    # Basemaps (geo/model/basemaps.py). The Tianditu key may also sit in .streamlit/secrets.toml.
    Setting("TIANDITU_KEY", "", "Tianditu browser key; without it the 天地图 basemap is disabled", secret=True),
    Setting("BAODING_TILE_URL", "", "XYZ tile URL template of an intranet tile server ({z}/{x}/{y}); enables 'custom'",
            url),
    Setting("BAODING_TILE_DATUM", "wgs84", "datum of those tiles: wgs84, gcj02 or bd09",
            one_of("wgs84", "gcj02", "bd09"), empty_ok=False),
    Setting("BAODING_TILE_ATTRIBUTION", "", "attribution text shown for those tiles"),
    # Light views (geo/server/light.py): the presenter's QR code and the exports' corner codes start with it.
    Setting("BAODING_PUBLIC_URL", "", "the address people reach this server by (http(s)://host[:port][/path]); "
            "links to light views and QR codes start with it; empty: no QR codes", public_url),
    # Data store (geo/store/) and administrator login (geo/store/auth.py).
    Setting("BAODING_STORE", str(ROOT / "var" / "baoding.gpkg"),
            "the GeoPackage data store, created from data/ on first run", path, empty_ok=False),
    Setting("DATABASE_URL", "", "PostgreSQL/PostGIS URL; when set, the store lives there instead of the GeoPackage",
            url, secret=True),
    Setting("BAODING_PG_SCHEMA", "baoding", "schema of the PostGIS store", empty_ok=False),
    Setting("BAODING_ADMIN_PASSWORD_HASH", "", "administrator password hash (python -m geo hash-password)",
            secret=True),
    # Imports are checked in a child process with these limits (geo/store/imports/child.py), from the app
    # and from python -m geo import alike.
    Setting("BAODING_IMPORT_SECONDS", "60", "CPU seconds an import check may take before it is stopped",
            positive_int, empty_ok=False),
    Setting("BAODING_IMPORT_MEMORY_MB", "2048",
            "memory (address space, MB) an import check may use before it is stopped", positive_int, empty_ok=False),
    # The server's edge (geo/server/compress.py) keeps the static files it compressed once here.
    Setting("BAODING_CACHE_DIR", str(ROOT / "var" / "cache"),
            "folder where the server keeps what it makes once (compressed static files)", path, empty_ok=False),
    # The server's budgets (geo/server/budgets.py, uploads.py, paths.py, logs.py): what one visitor may ask of it.
    Setting("BAODING_WS_PER_ADDRESS", "100", "open websocket sessions (browser tabs) one client address may hold",
            positive_int, empty_ok=False),
    Setting("BAODING_WS_NEW_PER_MINUTE", "120", "new websocket sessions one client address may open per minute",
            number, empty_ok=False),
    Setting("BAODING_WS_MAX_SESSIONS", "",
            "open websocket sessions in all; empty: as many as the descriptor limit allows", count_or_empty),
    Setting("BAODING_WS_RERUNS_PER_S", "2",
            "script reruns one session may request per second; more wait, coalesced into one", number, empty_ok=False),
    Setting("BAODING_WS_RERUNS_PER_ADDRESS_S", "20",
            "script reruns all sessions of one client address may request per second", number, empty_ok=False),
    Setting("BAODING_WS_MESSAGES_PER_S", "30",
            "messages per second after which a session is disconnected as a flood", number, empty_ok=False),
    Setting("BAODING_WS_MAX_MESSAGE_KB", "1024", "largest message a browser may send over its websocket, in KB",
            number, empty_ok=False),
    Setting("BAODING_METRICS_PUBLIC", "0", "1: answer Streamlit's /_stcore/metrics; otherwise it is 404", flag,
            empty_ok=False),
    Setting("BAODING_FIRST_VIEWS", "1", "1: a new session's first view is sent from an earlier session's run of the "
            "same page and link (geo/server/firstview.py); 0: every session runs the page script", flag,
            empty_ok=False),
    Setting("BAODING_LOG_REPEAT_S", "60",
            "a repeated log warning or error is written once per this many seconds, with a count", number,
            empty_ok=False),
    Setting("BAODING_LOG_FILE", "",
            "also write the server log to this file, rotated by size; empty: standard error only"),
    Setting("BAODING_LOG_FILE_MB", "20", "size at which that log file is rotated (5 old files kept)", number,
            empty_ok=False),
    # The deployment (deploy/; python -m geo serve and deploy-config; README "部署 / Deploy").
    Setting("BAODING_WORKERS", "", "app worker processes behind nginx; empty: one per core",
            lambda raw: positive_int(raw) if raw else 0),
    Setting("BAODING_LISTEN", "127.0.0.1:8080", "where python -m geo serve (make serve) has nginx listen",
            empty_ok=False),
    Setting("BAODING_SERVER_NAME", "_", "nginx server_name of the site", empty_ok=False),
    Setting("BAODING_TLS_CERT", "", "TLS certificate (PEM, full chain) of the HTTPS server block"),
    Setting("BAODING_TLS_KEY", "", "its private key"),
    Setting("BAODING_WATCHDOG_SECONDS", "30", "restart a worker whose /_stcore/health has not answered this long",
            positive_int, empty_ok=False),
]  # fmt: skip

# name -> Setting
SETTINGS: dict[str, Setting] = {s.name: s for s in _ENTRIES}


def _setting(name: str) -> Setting:
    if name not in SETTINGS:
        raise KeyError(f"unknown setting {name!r}; valid: {', '.join(SETTINGS)}")
    return SETTINGS[name]


def raw(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The setting's text: the variable's when it is set (empty included, where empty is a value), else the default."""
    s = _setting(name)
    env = os.environ if environ is None else environ
    if name not in env:
        return s.default
    value = env[name]
    if value == "" and not s.empty_ok:
        raise SettingError(f"{name} is set but empty; unset it to use the default ({s.default!r})")
    return value


def get(name: str) -> str:
    return raw(name)


def value(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """The setting parsed; an invalid value raises SettingError naming the setting."""
    s = _setting(name)
    text_value = raw(name, environ)
    try:
        return s.parse(text_value)
    except SettingError:
        raise
    except ValueError as exc:
        raise SettingError(f"{name}: {exc}") from None


def check(environ: Mapping[str, str] | None = None) -> tuple[list[str], list[str]]:
    """(errors, warnings): invalid values, with the setting named; unknown ``BAODING_*`` variables."""
    env = os.environ if environ is None else environ
    errors = []
    for name in SETTINGS:
        try:
            value(name, env)
        except SettingError as exc:
            errors.append(str(exc))
    unknown = sorted(k for k in env if k.startswith(PREFIX) and k not in SETTINGS)
    warnings = [
        f"unknown setting {k} (valid: {', '.join(n for n in SETTINGS if n.startswith(PREFIX))})" for k in unknown
    ]
    return errors, warnings


def listing(environ: Mapping[str, str] | None = None) -> list[tuple[str, str, str, str]]:
    """(name, shown value, where it comes from, help) for every setting; secrets masked."""
    env = os.environ if environ is None else environ
    rows = []
    for name in SETTINGS:
        s = _setting(name)
        origin = "environment" if name in env else "default"
        shown = env[name] if name in env else s.default
        if s.secret and shown:
            shown = "****"
        rows.append((name, shown, origin, s.help))
    return rows


def data_dir() -> Path:
    return Path(get("BAODING_DATA_DIR"))


def store_path() -> Path:
    return Path(get("BAODING_STORE"))


def cache_dir() -> Path:
    return Path(get("BAODING_CACHE_DIR"))


def slides_path() -> Path:
    return Path(get("BAODING_SLIDES") or data_dir() / "slides.toml")
