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
    # The deployment (deploy/, python -m geo serve / deploy-config; README "部署 / Deploy").
    "BAODING_WORKERS": ("", "app worker processes behind nginx; empty: one per core"),
    "BAODING_LISTEN": ("127.0.0.1:8080", "where python -m geo serve (make serve) has nginx listen"),
    "BAODING_SERVER_NAME": ("_", "nginx server_name of the site"),
    "BAODING_TLS_CERT": ("", "TLS certificate (PEM, full chain) of the HTTPS server block"),
    "BAODING_TLS_KEY": ("", "its private key"),
    "BAODING_WATCHDOG_SECONDS": ("30", "restart a worker whose /_stcore/health has not answered this long"),
}


def get(name: str) -> str:
    if name not in SETTINGS:
        raise KeyError(f"unknown setting {name!r}; valid: {', '.join(SETTINGS)}")
    return os.environ.get(name) or SETTINGS[name][0]


def data_dir() -> Path:
    return Path(get("BAODING_DATA_DIR"))


def store_path() -> Path:
    return Path(get("BAODING_STORE"))


def slides_path() -> Path:
    return Path(get("BAODING_SLIDES") or data_dir() / "slides.toml")
