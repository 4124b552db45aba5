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
    # Imports are checked in a child process with these limits (geo/store/imports/child.py), from the app
    # and from python -m geo import alike.
    "BAODING_IMPORT_SECONDS": ("60", "CPU seconds an import check may take before it is stopped"),
    "BAODING_IMPORT_MEMORY_MB": ("2048", "memory (address space, MB) an import check may use before it is stopped"),
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
