"""The data as the server's own routes see them, outside any Streamlit script run.

geo/web/loaders.py caches per data version with ``st.cache_*``, which belongs to script runs; here the
same store (geo.store, configured by geo.settings) is opened once per process, its current version read
at most every VERSION_TTL_S, and what is derived from one version (dataset, counties, sites, the deck)
kept for the two latest versions. Read-only objects, shared by every request.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from geo import settings, store
from geo.model import indicators, slides
from geo.model.context import cached_context

VERSION_TTL_S = 2.0  # as geo/web/loaders.py: another server sharing a PostGIS store may import at any time
KEPT = 2


@dataclass(frozen=True)
class Data:
    label: str
    version: int
    ds: indicators.Dataset
    counties: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    context: gpd.GeoDataFrame

    @property
    def key(self) -> tuple[str, int]:
        return self.label, self.version


_lock = threading.Lock()
_store: store.Store | None = None
_store_config: tuple[str, str, str] | None = None
_version: tuple[float, int] | None = None  # (when read, version)
_loaded: dict[tuple, Data] = {}
_decks: dict[tuple, slides.Deck] = {}


def _config() -> tuple[str, str, str]:
    return settings.get("DATABASE_URL"), str(settings.store_path()), str(settings.data_dir())


def get_store() -> store.Store:
    """The configured store, created (or updated from data/) once per process and configuration."""
    global _store, _store_config, _version
    config = _config()
    with _lock:
        if _store is None or _store_config != config:
            s = store.open_store(config[0], config[1])
            s.ensure(Path(config[2]))  # raises on a broken seed file; not kept, so tried again next time
            _store, _store_config, _version = s, config, None
        return _store


def current_version() -> int:
    global _version
    s = get_store()
    now = time.monotonic()
    if _version is None or now - _version[0] > VERSION_TTL_S:
        _version = (now, s.current_version())
    return _version[1]


def current() -> Data:
    """Everything one data version holds, loaded once per version (the newest two are kept)."""
    s = get_store()
    version = current_version()
    key = (s.label, version, settings.data_dir())
    with _lock:
        found = _loaded.get(key)
    if found is not None:
        return found
    data = Data(
        s.label,
        version,
        s.dataset(),
        s.counties(),
        s.sites(),
        cached_context(settings.data_dir() / "context.geojson"),
    )
    with _lock:
        _loaded[key] = data
        while len(_loaded) > KEPT:
            _loaded.pop(next(iter(_loaded)))
    return data


def deck_key() -> tuple[str, float]:
    path = settings.slides_path()
    return str(path), path.stat().st_mtime if path.exists() else 0.0


def deck(data: Data) -> slides.Deck:
    """The briefing's slides checked against this data version; raises slides.SlideError (not kept)."""
    key = (*deck_key(), *data.key)
    with _lock:
        found = _decks.get(key)
    if found is not None:
        return found
    made = slides.load_deck(Path(key[0]), data.ds, set(data.counties["adcode"]))
    with _lock:
        _decks[key] = made
        while len(_decks) > KEPT:
            _decks.pop(next(iter(_decks)))
    return made
