"""The data store: the app's tables and their version history, in a GeoPackage or in PostGIS.

One interface (Store), two backends:

- GeoPackageStore: one SQLite file (default ``var/baoding.gpkg``) that QGIS opens:
  ``counties`` is a feature table, the indicator tables, ``versions`` and ``history`` are
  attribute tables.
- PostGISStore: a schema of a PostgreSQL database with PostGIS, for several app servers
  sharing one store (selected by ``DATABASE_URL``).

Every write is one transaction that also records a version. ``history`` keeps each row
with the version that added it and the one that removed (or replaced) it, so any version
can be read back, diffed with another and restored; a rollback is a new version carrying
the old content. Writers are serialised (SQLite ``BEGIN IMMEDIATE`` with a busy timeout,
a PostgreSQL advisory lock) and each one merges its change into the content it finds
under the lock, so two imports at once both land, one after the other.

The store is created from the seed files in ``data/`` on first use; when those files
change (a reviewed commit), the difference between the last seed and the new one is
applied as a version of its own, leaving other changes alone.
"""

from __future__ import annotations

from pathlib import Path

from geo import settings
from geo.store.base import Store
from geo.store.gpkg import GeoPackageStore
from geo.store.postgis import PostGISStore
from geo.store.tables import (
    Change,
    Changeset,
    Meta,
    StoreError,
    TableDiff,
    Version,
    diff_frame,
    note_parts,
    versions_frame,
)

__all__ = [
    "Change",
    "Changeset",
    "GeoPackageStore",
    "Meta",
    "PostGISStore",
    "Store",
    "StoreError",
    "TableDiff",
    "Version",
    "diff_frame",
    "note_parts",
    "open_store",
    "versions_frame",
]


def open_store(database_url: str | None = None, path: Path | str | None = None) -> Store:
    """The configured store: PostGIS when DATABASE_URL is set, else the GeoPackage at BAODING_STORE."""
    url = settings.get("DATABASE_URL") if database_url is None else database_url
    if url:
        return PostGISStore(url, settings.get("BAODING_PG_SCHEMA"))
    return GeoPackageStore(settings.store_path() if path is None else path)
