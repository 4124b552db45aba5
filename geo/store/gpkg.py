"""GeoPackage backend: one SQLite file (default ``var/baoding.gpkg``) that QGIS opens.

``counties`` is a feature table; the indicator tables, ``versions`` and ``history`` are attribute tables.
"""

from __future__ import annotations

import os
import sqlite3
import struct
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.store.base import Store
from geo.store.tables import (
    BUSY_TIMEOUT_S,
    SRID,
    TABLES,
    WGS84,
    StoreError,
    to_multipolygons,
)

# ---------------------------------------------------------------------------
# GeoPackage (SQLite)

GPKG_VERSION = "1.2"
GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10200  # 1.2.0

_SQLITE_SCHEMA = {
    "versions": "CREATE TABLE versions (id INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT NOT NULL, at TEXT NOT NULL, "
    "file_name TEXT, file_sha256 TEXT, added INTEGER, changed INTEGER, removed INTEGER, note TEXT)",
    "history": "CREATE TABLE history (fid INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, key TEXT NOT NULL, "
    "row TEXT NOT NULL, added_in INTEGER NOT NULL, removed_in INTEGER); "
    "CREATE INDEX history_current ON history (tbl, key, removed_in); "
    "CREATE INDEX history_added ON history (added_in)",
    "seed_rows": "CREATE TABLE seed_rows (fid INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, "
    "key TEXT NOT NULL, row TEXT NOT NULL)",
    "store_meta": "CREATE TABLE store_meta (fid INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, "
    "value TEXT)",
}

_DESCRIPTIONS = {
    "versions": "every change: who, when (UTC), file and its sha256, rows added/changed/removed",
    "history": "every row ever stored (JSON) with the versions that added and removed it",
    "seed_rows": "the content of data/ at the last seed, to apply later changes of those files",
    "store_meta": "store settings (seed hash)",
}


def _add_gpkg_tables(con: sqlite3.Connection) -> None:
    """Create the tables the file lacks and register them as GeoPackage attribute tables."""
    have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    statements = dict(_SQLITE_SCHEMA)
    descriptions = dict(_DESCRIPTIONS)
    for name, spec in TABLES.items():
        if not spec.geometry:
            cols = ", ".join(f'"{c}" TEXT' for c in spec.columns)
            statements[name] = f'CREATE TABLE "{name}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, {cols})'
            descriptions[name] = f"{spec.seed_file} as the app reads it now"
    for name, sql in statements.items():
        if name in have:
            if name in TABLES:
                _add_columns(con, name)
            continue
        for stmt in sql.split("; "):
            con.execute(stmt)
        # QGIS and GDAL list only the tables gpkg_contents names.
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?, 'attributes', ?, ?)",
            (name, name, descriptions[name]),
        )


def _missing_columns(con: sqlite3.Connection, name: str) -> list[str]:
    have = {r[1] for r in con.execute(f'PRAGMA table_info("{name}")')}
    return [c for c in TABLES[name].columns if c not in have]


def _add_columns(con: sqlite3.Connection, name: str) -> None:
    """A store made before a column was added (a source's grade): the column, empty in every row."""
    for c in _missing_columns(con, name):
        con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{c}" TEXT NOT NULL DEFAULT \'\'')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def gpkg_geometry(geom: Any, srs_id: int = SRID) -> bytes:
    """A GeoPackage geometry blob: 'GP' header with the xy envelope, then little-endian WKB."""
    minx, miny, maxx, maxy = shapely.bounds(geom)
    header = b"GP" + bytes([0, 0b0000_0011]) + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy)
    return header + shapely.to_wkb(geom, byte_order=1)


def gpkg_to_geometry(blob: bytes) -> Any:
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0b111]
    return shapely.from_wkb(bytes(blob[8 + envelope :]))


class GeoPackageStore(Store):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.label = str(self.path)

    def _connect(self) -> sqlite3.Connection:
        # mode=rw: a missing store is an error here, never an empty SQLite file that is no GeoPackage.
        uri = f"{self.path.resolve().as_uri()}?mode=rw"
        try:
            return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise StoreError(self.label, f"cannot open the store ({exc}); it is created on first run") from None

    def _create(self) -> None:
        if not self.path.exists():
            self._create_file()
        with closing(self._connect()) as con:
            have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            stale = any(_missing_columns(con, n) for n in TABLES if n in have and not TABLES[n].geometry)
            if stale or not set(_SQLITE_SCHEMA) | set(TABLES) <= have:
                con.execute("BEGIN IMMEDIATE")
                _add_gpkg_tables(con)
                con.execute("COMMIT")

    def _create_file(self) -> None:
        """Build the file beside its final place and link it in, so a half-made store is never seen."""
        import pyogrio

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temp_files()
        tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.{uuid.uuid4().hex}.tmp.gpkg")
        empty = gpd.GeoDataFrame(
            {c: pd.Series([], dtype=str) for c in TABLES["counties"].columns}, geometry=gpd.GeoSeries([], crs=WGS84)
        )
        try:
            # GDAL writes the GeoPackage frame (header, SRS, the counties feature table). No spatial
            # index: its triggers call GDAL's SQL functions, which a plain sqlite3 writer lacks.
            # GeoPackage 1.2, not pyogrio's default 1.4: Debian 12's GDAL 3.6 (and the QGIS LTS builds on
            # it) warn on every open of a 1.4 file that it "may only be partially supported".
            pyogrio.write_dataframe(
                empty,
                tmp,
                layer="counties",
                driver="GPKG",
                geometry_type="MultiPolygon",
                dataset_options={"VERSION": GPKG_VERSION},
                layer_options={
                    "SPATIAL_INDEX": "NO",
                    "GEOMETRY_NAME": "geom",
                    "DESCRIPTION": "county-level units of Baoding (WGS-84) as the app draws them now",
                },
            )
            with closing(sqlite3.connect(tmp, isolation_level=None)) as con:
                con.execute("PRAGMA journal_mode=WAL")  # readers keep reading while an import writes
                con.execute("BEGIN")
                _add_gpkg_tables(con)
                con.execute("COMMIT")
            try:
                os.link(tmp, self.path)  # fails if another process created the store first: theirs wins
            except FileExistsError:
                pass
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{tmp}{suffix}").unlink(missing_ok=True)

    def _remove_stale_temp_files(self) -> None:
        """Temp files of a creation that was killed (``finally`` never ran): their process is gone."""
        for path in self.path.parent.glob(f".{self.path.stem}.*.tmp.gpkg*"):
            pid = path.name.split(".")[2]
            if pid.isdigit() and not _alive(int(pid)):
                path.unlink(missing_ok=True)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")  # takes the write lock now; a second writer waits (busy timeout)
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as con:
            con.execute("BEGIN")  # one snapshot for every SELECT inside
            try:
                yield con
            finally:
                con.execute("COMMIT")

    def _read_counties(self, con: sqlite3.Connection) -> gpd.GeoDataFrame:
        rows = con.execute("SELECT adcode, name_zh, name_en, geom FROM counties ORDER BY fid").fetchall()
        frame = pd.DataFrame.from_records([r[:3] for r in rows], columns=list(TABLES["counties"].columns))
        geoms = [gpkg_to_geometry(r[3]) for r in rows]
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index, crs=WGS84), crs=WGS84)

    def _write_counties(self, con: sqlite3.Connection, frame: gpd.GeoDataFrame) -> None:
        geoms = to_multipolygons(frame.geometry.to_numpy())
        con.execute("DELETE FROM counties")
        con.executemany(
            "INSERT INTO counties (geom, adcode, name_zh, name_en) VALUES (?, ?, ?, ?)",
            [
                (gpkg_geometry(g), a, z, e)
                for g, a, z, e in zip(geoms, frame["adcode"], frame["name_zh"], frame["name_en"])
            ],
        )
        bounds = shapely.total_bounds(geoms) if len(geoms) else [None] * 4
        con.execute(
            "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
            "last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE table_name = 'counties'",
            tuple(None if b is None else float(b) for b in bounds),
        )

    def _insert_many(self, con: sqlite3.Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        con.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
        if table in TABLES:
            con.execute(
                "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE table_name = ?",
                (table,),
            )

    def _close_rows(self, con: sqlite3.Connection, table: str, keys: list[str], version: int) -> None:
        con.executemany(
            "UPDATE history SET removed_in = ? WHERE tbl = ? AND key = ? AND removed_in IS NULL",
            [(version, table, k) for k in keys],
        )
