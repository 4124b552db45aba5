"""Every setting of the app in one place, read from the environment.

Each entry is documented in README.md ("设置 Settings"); a test keeps the two in step.
Secrets never live here: they come from .streamlit/secrets.toml or the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> (default, one-line meaning)
SETTINGS: dict[str, tuple[str, str]] = {
    "BAODING_DATA_DIR": (str(ROOT / "data"), "folder of the bundled CSV/GeoJSON data the app reads"),
    # The region the boundary build extracts (python -m geo build-boundaries): an adcode prefix,
    # 1306 Baoding, 13 Hebei, empty for the whole country. The app draws whatever units it is given.
    "BAODING_REGION": ("1306", "adcode prefix of the region whose counties the boundary build extracts"),
    "BAODING_SLIDES": ("", "the briefing deck (TOML); empty: slides.toml in BAODING_DATA_DIR"),
    # Basemaps (geo/model/basemaps.py). The Tianditu key may also sit in .streamlit/secrets.toml.
    "TIANDITU_KEY": ("", "Tianditu browser key; without it the 天地图 basemap is disabled"),
    "BAODING_TILE_URL": ("", "XYZ tile URL template of an intranet tile server ({z}/{x}/{y}); enables 'custom'"),
    "BAODING_TILE_DATUM": ("wgs84", "datum of those tiles: wgs84, gcj02 or bd09"),
    "BAODING_TILE_ATTRIBUTION": ("", "attribution text shown for those tiles"),
    # Data store (geo/store/) and administrator login (geo/store/auth.py).
    "BAODING_STORE": (str(ROOT / "var" / "baoding.gpkg"), "the GeoPackage data store, created from data/ on first run"),
    "DATABASE_URL": ("", "PostgreSQL/PostGIS URL; when set, the store lives there instead of the GeoPackage"),
    "BAODING_PG_SCHEMA": ("baoding", "schema of the PostGIS store"),
    "BAODING_ADMIN_PASSWORD_HASH": ("", "administrator password hash (python -m geo hash-password)"),
    # The server's budgets (geo/server/budgets.py, uploads.py, logs.py): what one visitor may ask of it.
    "BAODING_WS_PER_ADDRESS": ("30", "open websocket sessions (browser tabs) one client address may hold"),
    "BAODING_WS_NEW_PER_MINUTE": ("60", "new websocket sessions one client address may open per minute"),
    "BAODING_WS_MAX_SESSIONS": ("", "open websocket sessions in all; empty: as many as the descriptor limit allows"),
    "BAODING_WS_RERUNS_PER_S": ("2", "script reruns one session may request per second; more wait, coalesced into one"),
    "BAODING_WS_RERUNS_PER_ADDRESS_S": ("6", "script reruns all sessions of one client address may request per second"),
    "BAODING_WS_MESSAGES_PER_S": ("30", "messages per second after which a session is disconnected as a flood"),
    "BAODING_WS_MAX_MESSAGE_KB": ("1024", "largest message a browser may send over its websocket, in KB"),
    "BAODING_METRICS_PUBLIC": ("", "1: answer Streamlit's /_stcore/metrics; otherwise it is 404"),
    "BAODING_LOG_REPEAT_S": (
        "60",
        "a repeated log warning or error is written once per this many seconds, with a count",
    ),
    "BAODING_LOG_FILE": ("", "also write the server log to this file, rotated by size; empty: standard error only"),
    "BAODING_LOG_FILE_MB": ("20", "size at which that log file is rotated (5 old files kept)"),
}


def get(name: str) -> str:
    if name not in SETTINGS:
        raise KeyError(f"unknown setting {name!r}; valid: {', '.join(SETTINGS)}")
    return os.environ.get(name) or SETTINGS[name][0]


def number(name: str) -> float:
    """A numeric setting; a value that is not a number is refused with the setting's name."""
    value = get(name)
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"setting {name}={value!r} is not a number") from None


def data_dir() -> Path:
    return Path(get("BAODING_DATA_DIR"))


def store_path() -> Path:
    return Path(get("BAODING_STORE"))


def slides_path() -> Path:
    return Path(get("BAODING_SLIDES") or data_dir() / "slides.toml")
