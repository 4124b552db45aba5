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
}


def get(name: str) -> str:
    if name not in SETTINGS:
        raise KeyError(f"unknown setting {name!r}; valid: {', '.join(SETTINGS)}")
    return os.environ.get(name) or SETTINGS[name][0]


def data_dir() -> Path:
    return Path(get("BAODING_DATA_DIR"))
