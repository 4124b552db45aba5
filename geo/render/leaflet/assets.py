"""Leaflet and its plugins served by the app itself, from pip-installed XStatic packages.

folium and streamlit-folium point at CDNs by default; one unreachable script leaves a
blank map with no error. Copying the files into Streamlit's static folder lets the map
render in a meeting room with no internet.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_cluster

from geo.settings import ROOT

STATIC_DIR = ROOT / "static"
VENDOR = "vendor"

# name -> (package data dir, files to copy, folder under static/vendor)
PACKAGES: dict[str, tuple[Path, tuple[str, ...], str]] = {
    "leaflet": (
        Path(xs_leaflet.BASE_DIR),
        ("leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png",
         "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png"),
        f"leaflet-{xs_leaflet.VERSION}",
    ),
    "markercluster": (
        Path(xs_cluster.BASE_DIR),
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
        f"markercluster-{xs_cluster.VERSION}",
    ),
}  # fmt: skip

# The component iframe lives at <base>/component/<name>/index.html; a relative URL from
# there survives server.baseUrlPath, where an absolute /app/static/ would not.
IFRAME_PREFIX = "../../app/static"


def ensure_static_assets(static_dir: Path = STATIC_DIR) -> list[Path]:
    """Copy the vendored files into ``static_dir`` when missing or stale; returns copies made."""
    copied = []
    for src_dir, files, folder in PACKAGES.values():
        for name in files:
            src, dst = src_dir / name, static_dir / VENDOR / folder / name
            if dst.exists() and dst.stat().st_size == src.stat().st_size:
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            copied.append(dst)
    return copied


def asset_url(package: str, name: str, prefix: str = IFRAME_PREFIX) -> str:
    """URL of a vendored file as the map iframe sees it."""
    try:
        _, files, folder = PACKAGES[package]
    except KeyError:
        raise KeyError(f"unknown asset package {package!r}; valid: {', '.join(PACKAGES)}") from None
    if name not in files:
        raise KeyError(f"{package} has no file {name!r}; valid: {', '.join(files)}")
    return f"{prefix}/{VENDOR}/{folder}/{name}"
