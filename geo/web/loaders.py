"""Cached loaders of the app's data (the Streamlit edge, with urlstate and login).

The data live in the store (geo/store/: a GeoPackage, or PostGIS when DATABASE_URL is
set), created from the seed files in data/ on first run. Cached results are keyed on the
store's current version, so an import shows up on the next rerun. Paths come from
geo.settings (built from this package's location, never the working directory). Loaders
raise geo.model.indicators.DataError / geo.model.boundaries.BoundaryDataError; app.py turns those
into a message that names the file.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import streamlit as st

from geo import settings, store
from geo.model import indicators, slides
from geo.model.context import read_context
from geo.web.memo import shared

# Another app server sharing a PostGIS store may import at any time: look again this often.
VERSION_TTL_S = 2


@shared(max_entries=8)
def _store(database_url: str, path: str, seed_dir: str) -> store.Store:
    # Not cached when ensure() raises: a broken seed file is reported on every run until fixed.
    s = store.open_store(database_url, path)
    s.ensure(Path(seed_dir))
    return s


def get_store() -> store.Store:
    """The configured store, created (or updated from data/) once per process."""
    return _store(settings.get("DATABASE_URL"), str(settings.store_path()), str(settings.data_dir()))


# Shared results (geo.web.memo: st.cache_resource at a dict look-up's price), not copies (st.cache_data
# unpickles a copy on every call: for the counties that was a GeoDataFrame rebuilt from WKB several times
# per run). None of them is changed in place by a caller: every view derives new frames from them.
@shared(max_entries=8, ttl=VERSION_TTL_S)
def _version(label: str) -> int:
    return get_store().current_version()


def data_changed() -> None:
    """Call after a write: the next load reads the new version at once."""
    _version.clear()


@shared(max_entries=4)
def _counties(label: str, version: int) -> gpd.GeoDataFrame:
    return get_store().counties()


# A shared object, not a copy per call: a Dataset is read-only once validated, and it
# remembers answers to repeated questions (indicators._per_dataset) across runs.
@shared(max_entries=4)
def _dataset(label: str, version: int) -> indicators.Dataset:
    return get_store().dataset()


@shared(max_entries=4)
def _sites(label: str, version: int) -> gpd.GeoDataFrame:
    return get_store().sites()


def data_key() -> tuple[str, int]:
    """(store label, current version): the key every result derived from the data is cached under."""
    s = get_store()
    return s.label, _version(s.label)


def load_counties() -> gpd.GeoDataFrame:
    """County-level units in EPSG:4326 (adcode, name_zh, name_en, geometry)."""
    return _counties(*data_key())


def load_dataset() -> indicators.Dataset:
    return _dataset(*data_key())


def load_sites() -> gpd.GeoDataFrame:
    """Programme sites in WGS-84, county-precision ones at their county's representative point."""
    return _sites(*data_key())


@shared(max_entries=4)
def _context(path: str, mtime: float) -> gpd.GeoDataFrame:
    return read_context(Path(path))


def context_key() -> tuple[str, float]:
    """(surroundings file, its modification time): what the surroundings are cached under."""
    path = settings.data_dir() / "context.geojson"
    return str(path), path.stat().st_mtime if path.exists() else 0.0


def load_context() -> gpd.GeoDataFrame:
    """The grey surroundings (data/context.geojson); empty when the file is absent."""
    return _context(*context_key())


# A shared object like the dataset: a Deck is read-only once checked against the data.
@shared(max_entries=4)
def _deck(path: str, mtime: float, label: str, version: int) -> slides.Deck:
    counties = _counties(label, version)
    return slides.load_deck(Path(path), _dataset(label, version), set(counties["adcode"]))


def deck_key() -> tuple[str, float]:
    """(slides file, its modification time): with data_key(), what a result derived from the deck is cached under."""
    path = settings.slides_path()
    return str(path), path.stat().st_mtime if path.exists() else 0.0


def load_deck() -> slides.Deck:
    """The briefing's slides (settings.slides_path()), checked against the current data; read again when
    the file or the data change. Raises slides.SlideError (not cached) for the page to report."""
    return _deck(*deck_key(), *data_key())


def public_url() -> str | None:
    """BAODING_PUBLIC_URL, the address people reach the server by (checked at start), or None when unset."""
    return settings.value("BAODING_PUBLIC_URL") or None


def basemap_config() -> dict[str, str]:
    """The basemap settings; the Tianditu key may come from .streamlit/secrets.toml instead."""
    names = ("TIANDITU_KEY", "BAODING_TILE_URL", "BAODING_TILE_DATUM", "BAODING_TILE_ATTRIBUTION")
    config = {name: settings.get(name) for name in names}
    if not config["TIANDITU_KEY"]:
        try:
            config["TIANDITU_KEY"] = str(st.secrets.get("TIANDITU_KEY") or "")
        except FileNotFoundError:  # no secrets.toml: the environment was the only place to look
            pass
    return config
