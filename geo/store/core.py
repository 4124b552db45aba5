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

import hashlib
import json
import os
import sqlite3
import struct
import uuid
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo import settings
from geo.model import boundaries, indicators, sites
from geo.model.indicators import DataError

WGS84 = "EPSG:4326"
SRID = 4326
BUSY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class TableSpec:
    """One stored table: its columns (all text, as in the CSVs), key, and seed file."""

    columns: tuple[str, ...]
    key: tuple[str, ...]
    seed_file: str
    geometry: bool = False
    optional: bool = False  # a missing seed file means an empty table


def _spec(csv: str, key: tuple[str, ...]) -> TableSpec:
    return TableSpec(indicators.SCHEMAS[csv], key, csv)


TABLES: dict[str, TableSpec] = {
    "programmes": _spec("programmes.csv", ("programme_id",)),
    "indicators": _spec("indicators.csv", ("indicator_id",)),
    "categories": _spec("categories.csv", ("indicator_id", "code")),
    "values": _spec("values.csv", ("indicator_id", "adcode", "year", "status")),
    "sources": _spec("sources.csv", ("source_id",)),
    "counties": TableSpec(("adcode", "name_zh", "name_en"), ("adcode",), "counties.geojson", geometry=True),
    # Sites keep the coordinates as typed, with their datum: geo.model.sites converts them when the app reads them.
    "sites": TableSpec((*sites.COLUMNS, *sites.OPTIONAL), ("name_zh", "adcode"), "sites.csv", optional=True),
}

# key (a JSON list of the key columns) -> row (a JSON object of all columns; geometry as hex WKB)
Rows = dict[str, str]
Content = dict[str, Rows]
# The tables geo.model.indicators.validate_tables reads (keyed there by their CSV file name).
INDICATOR_TABLES = tuple(n for n, spec in TABLES.items() if spec.seed_file in indicators.SCHEMAS)


class StoreError(DataError):
    """The store cannot be reached or is not in a usable state."""


@dataclass(frozen=True)
class Version:
    id: int
    who: str
    at: str  # UTC, ISO 8601
    file_name: str
    file_sha256: str
    added: int
    changed: int
    removed: int
    note: str


@dataclass(frozen=True)
class Meta:
    """What a version records about a change besides its rows."""

    who: str
    file_name: str = ""
    file_sha256: str = ""
    note: str = ""


@dataclass(frozen=True)
class Change:
    """A change to one table: rows to add or replace (by key), keys to delete, or a whole new content."""

    rows: pd.DataFrame | None = None
    delete: tuple[tuple[str, ...], ...] = ()
    replace: bool = False


Changeset = dict[str, Change]


@dataclass(frozen=True)
class TableDiff:
    added: tuple[str, ...]
    changed: tuple[tuple[str, str], ...]  # (old, new)
    removed: tuple[str, ...]
    unchanged: int

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


# A test seam: crash-consistency tests stop or kill a writer at a named point.
_hooks: dict[str, Callable[[], None]] = {}


def _hook(name: str) -> None:
    if name in _hooks:
        _hooks[name]()


# ---------------------------------------------------------------------------
# Rows: frames <-> JSON, merges and diffs (pure)


def _names(spec: TableSpec) -> list[str]:
    return [*spec.columns, "geometry"] if spec.geometry else list(spec.columns)


def key_of(values: Iterable[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def encode_frame(table: str, frame: pd.DataFrame) -> Rows:
    """The rows of a frame keyed by the table's key; a repeated key is a DataError."""
    spec = TABLES[table]
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise DataError(table, f"missing column(s): {', '.join(missing)}")
    data = [frame[c].fillna("").astype(str).tolist() for c in spec.columns]
    if spec.geometry:
        geoms = shapely.force_2d(frame.geometry.to_numpy())
        data.append(list(shapely.to_wkb(geoms, hex=True, byte_order=1)))
    names = _names(spec)
    key_idx = [names.index(k) for k in spec.key]
    rows: Rows = {}
    for values in zip(*data):
        key = key_of(values[i] for i in key_idx)
        if key in rows:
            raise DataError(table, f"duplicate rows for {', '.join(f'{k}={values[names.index(k)]}' for k in spec.key)}")
        rows[key] = json.dumps(dict(zip(names, values)), ensure_ascii=False, separators=(",", ":"))
    return rows


def decode_rows(table: str, rows: Iterable[str]) -> pd.DataFrame:
    """A frame (a GeoDataFrame in EPSG:4326 for counties) from stored rows."""
    spec = TABLES[table]
    frame = pd.DataFrame.from_records([json.loads(r) for r in rows], columns=_names(spec))
    if not spec.geometry:
        return frame.astype(str) if len(frame) else frame
    geometry = shapely.from_wkb(frame.pop("geometry").tolist()) if len(frame) else []
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, index=frame.index, crs=WGS84), crs=WGS84)


def apply_change(table: str, current: Rows, change: Change) -> tuple[Rows, set[str]]:
    """The table after ``change``, and the keys it touched. Existing rows keep their order."""
    new_rows = encode_frame(table, change.rows) if change.rows is not None else {}
    if change.replace:
        merged = {k: new_rows[k] for k in current if k in new_rows}
        merged.update(new_rows)
        return merged, set(current) | set(new_rows)
    merged = dict(current)
    merged.update(new_rows)
    deleted = {key_of(k) for k in change.delete}
    for key in deleted:
        merged.pop(key, None)
    return merged, set(new_rows) | (deleted & set(current))


def diff_rows(old: Rows, new: Rows, keys: Iterable[str] | None = None) -> TableDiff:
    """Rows added, changed and removed between two contents (only ``keys``, when given)."""
    keys = list(dict.fromkeys([*old, *new])) if keys is None else list(keys)
    added, changed, removed, same = [], [], [], 0
    for key in keys:
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            added.append(b)
        elif a is not None and b is None:
            removed.append(a)
        elif a is not None and a != b:
            changed.append((a, b))
        elif a is not None:
            same += 1
    return TableDiff(tuple(added), tuple(changed), tuple(removed), same)


def diff_frame(table: str, d: TableDiff) -> pd.DataFrame:
    """A readable table of a diff: one line per row, ``change`` and, for changed rows, ``was``."""
    spec = TABLES[table]
    records = []
    for change, rows in (("added", d.added), ("removed", d.removed)):
        for row in rows:
            records.append({"change": change, **json.loads(row), "was": ""})
    for old, new in d.changed:
        a, b = json.loads(old), json.loads(new)
        was = "; ".join(f"{c}: {a.get(c, '')}" if c != "geometry" else "geometry" for c in b if a.get(c) != b.get(c))
        records.append({"change": "changed", **b, "was": was})
    frame = pd.DataFrame.from_records(records, columns=["change", *spec.columns, "was"])
    return frame


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------
# Seed files in data/


def seed_files(seed_dir: Path) -> list[Path]:
    return [seed_dir / spec.seed_file for spec in TABLES.values()]


def seed_sha256(seed_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in seed_files(seed_dir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"\0missing")
    return digest.hexdigest()


def seed_content(seed_dir: Path) -> Content:
    """The seed tables in ``seed_dir`` as stored rows (DataError/BoundaryDataError if unreadable)."""
    raw = indicators.read_tables(seed_dir)
    content = {name: encode_frame(name, raw[spec.seed_file]) for name, spec in TABLES.items() if spec.seed_file in raw}
    content["counties"] = encode_frame("counties", boundaries.read_counties(seed_dir / "counties.geojson"))
    path = seed_dir / TABLES["sites"].seed_file
    content["sites"] = encode_frame("sites", sites.read_sites_csv(path)) if path.exists() else {}
    return content


def check_counties(frame: gpd.GeoDataFrame, where: str) -> None:
    """The county table's contract: 6-digit adcodes, names, valid polygons in lon/lat."""
    geoms = frame.geometry.to_numpy()
    bad = ~frame["adcode"].astype(str).str.fullmatch(r"\d{6}")
    if bad.any():
        raise DataError(where, f"counties: adcode must be 6 digits ({frame.loc[bad, 'adcode'].iloc[0]!r})")
    if (frame["name_zh"].astype(str).str.strip() == "").any():
        raise DataError(where, "counties: a unit has no Chinese name")
    polygonal = shapely.get_type_id(geoms) if len(geoms) else []
    for adcode, geom, type_id in zip(frame["adcode"], geoms, polygonal):
        if type_id not in (3, 6) or shapely.is_empty(geom):
            raise DataError(where, f"counties: {adcode} is not a polygon")
        if not shapely.is_valid(geom):
            raise DataError(where, f"counties: {adcode} has an invalid geometry ({shapely.is_valid_reason(geom)})")


def to_multipolygons(geoms: Any) -> Any:
    polys = shapely.get_type_id(geoms) == 3
    out = geoms.copy()
    out[polys] = [shapely.MultiPolygon([g]) for g in geoms[polys]]
    return out


# ---------------------------------------------------------------------------
# The interface


class Store(ABC):
    """The app's tables with their history. Backends implement the few SQL-specific parts."""

    #: shown in messages and used as a cache key (never contains a password)
    label: str
    placeholder = "?"

    # --- backend parts -------------------------------------------------------

    @abstractmethod
    def _connect(self) -> Any: ...

    @abstractmethod
    def _create(self) -> None:
        """Create the store, or the tables it lacks (idempotent: run on every start)."""

    @contextmanager
    @abstractmethod
    def _write(self) -> Iterator[Any]:
        """A connection in a transaction that holds the store's write lock."""

    @contextmanager
    @abstractmethod
    def _read(self) -> Iterator[Any]:
        """A connection reading one consistent snapshot."""

    @abstractmethod
    def _read_counties(self, con: Any) -> gpd.GeoDataFrame: ...

    @abstractmethod
    def _write_counties(self, con: Any, frame: gpd.GeoDataFrame) -> None: ...

    @abstractmethod
    def _insert_many(self, con: Any, table: str, columns: list[str], rows: list[tuple]) -> None: ...

    @abstractmethod
    def _close_rows(self, con: Any, table: str, keys: list[str], version: int) -> None: ...

    # --- helpers ---------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)

    def _all(self, con: Any, text: str, params: tuple = ()) -> list[tuple]:
        cur = con.execute(self._sql(text), params)
        return list(cur.fetchall())

    def _read_table(self, con: Any, table: str) -> pd.DataFrame:
        spec = TABLES[table]
        if spec.geometry:
            return self._read_counties(con)
        cols = ", ".join(f'"{c}"' for c in spec.columns)
        rows = self._all(con, f'SELECT {cols} FROM "{table}" ORDER BY fid')
        return pd.DataFrame.from_records(rows, columns=list(spec.columns))

    def _current(self, con: Any) -> Content:
        return {name: encode_frame(name, self._read_table(con, name)) for name in TABLES}

    def _content_at(self, con: Any, version: int) -> Content:
        rows = self._all(
            con,
            "SELECT tbl, key, row FROM history WHERE added_in <= ? AND (removed_in IS NULL OR removed_in > ?) "
            "ORDER BY fid",
            (version, version),
        )
        content: Content = {name: {} for name in TABLES}
        for tbl, key, row in rows:
            content.setdefault(tbl, {})[key] = row
        return content

    def _meta(self, con: Any, name: str) -> str | None:
        rows = self._all(con, "SELECT value FROM store_meta WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def _set_meta(self, con: Any, name: str, value: str) -> None:
        con.execute(self._sql("DELETE FROM store_meta WHERE name = ?"), (name,))
        con.execute(self._sql("INSERT INTO store_meta (name, value) VALUES (?, ?)"), (name, value))

    def _materialise(self, con: Any, table: str, rows: Rows) -> None:
        frame = decode_rows(table, rows.values())
        if TABLES[table].geometry:
            self._write_counties(con, frame)
            return
        con.execute(f'DELETE FROM "{table}"')
        cols = list(TABLES[table].columns)
        self._insert_many(con, table, cols, list(frame[cols].itertuples(index=False, name=None)))

    def validate(self, content: Content) -> indicators.Dataset:
        """Cross-check whole content (all tables) as the app will read it; DataError if it does not hold."""
        counties = decode_rows("counties", content["counties"].values())
        check_counties(counties, self.label)
        frames = {TABLES[n].seed_file: decode_rows(n, content[n].values()) for n in INDICATOR_TABLES}
        ds = indicators.validate_tables(frames, set(counties["adcode"]), self.label)
        site_rows = decode_rows("sites", content["sites"].values())
        if len(site_rows):
            sites.validate_sites(
                site_rows.assign(line=range(2, len(site_rows) + 2)), Path(self.label) / "sites.csv", counties,
                set(ds.programmes["programme_id"]), set(ds.sources["source_id"]),
            )  # fmt: skip
        return ds

    def _commit(
        self,
        make_new: Callable[[Any, Content], Content],
        meta: Meta,
        after: Callable[[Any], None] | None = None,
    ) -> Version | None:
        """Run one write: new content from the current one, checked, recorded as a version.

        Returns None (and records no version) when nothing changes.
        """
        with self._write() as con:
            current = self._current(con)
            new = make_new(con, current)
            diffs = {n: diff_rows(current[n], new[n]) for n in TABLES if new[n] != current[n]}
            diffs = {n: d for n, d in diffs.items() if not d.empty}
            version = None
            if diffs:
                self.validate(new)
                vid = int(self._all(con, "SELECT COALESCE(MAX(id), 0) FROM versions")[0][0]) + 1
                counts = [sum(len(getattr(d, a)) for d in diffs.values()) for a in ("added", "changed", "removed")]
                at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                version = Version(vid, meta.who, at, meta.file_name, meta.file_sha256, *counts, meta.note)
                con.execute(
                    self._sql(
                        "INSERT INTO versions (id, who, at, file_name, file_sha256, added, changed, removed, note) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    ),
                    (vid, meta.who, at, meta.file_name, meta.file_sha256, *counts, meta.note),
                )
                for name in diffs:
                    old_keys = [k for k in current[name] if k not in new[name] or new[name][k] != current[name][k]]
                    self._close_rows(con, name, old_keys, vid)
                    fresh = [(name, k, r, vid) for k, r in new[name].items() if current[name].get(k) != r]
                    self._insert_many(con, "history", ["tbl", "key", "row", "added_in"], fresh)
                    _hook("history_written")
                    self._materialise(con, name, new[name])
            if after is not None:
                after(con)
            _hook("before_commit")
        return version

    # --- the interface -------------------------------------------------------

    def ensure(self, seed_dir: Path | None = None) -> Version | None:
        """Create the store if needed and bring in the seed files (first run, or after they changed)."""
        self._create()
        return self.sync_seed(settings.data_dir() if seed_dir is None else seed_dir)

    def sync_seed(self, seed_dir: Path) -> Version | None:
        """Apply what changed in ``seed_dir`` since the last seed as a version of its own."""
        sha = seed_sha256(seed_dir)
        with self._read() as con:
            if self._meta(con, "seed_sha256") == sha:
                return None
        seed = seed_content(seed_dir)

        def make_new(con: Any, current: Content) -> Content:
            if self._meta(con, "seed_sha256") == sha:  # another process synced meanwhile
                return current
            old_seed: Content = {name: {} for name in TABLES}
            for tbl, key, row in self._all(con, "SELECT tbl, key, row FROM seed_rows ORDER BY fid"):
                old_seed.setdefault(tbl, {})[key] = row
            new = {}
            for name in TABLES:
                rows = dict(current[name])
                rows.update({k: r for k, r in seed[name].items() if old_seed[name].get(k) != r})
                for key in set(old_seed[name]) - set(seed[name]):
                    rows.pop(key, None)
                new[name] = rows
            return new

        def after(con: Any) -> None:
            con.execute("DELETE FROM seed_rows")
            self._insert_many(
                con, "seed_rows", ["tbl", "key", "row"], [(n, k, r) for n in TABLES for k, r in seed[n].items()]
            )
            self._set_meta(con, "seed_sha256", sha)

        meta = Meta("seed", f"{seed_dir.name}/", sha, "seed files (first run, or they changed)")
        return self._commit(make_new, meta, after)

    def current_version(self) -> int:
        with self._read() as con:
            return int(self._all(con, "SELECT COALESCE(MAX(id), 0) FROM versions")[0][0])

    def versions(self) -> list[Version]:
        """Every version, newest first."""
        with self._read() as con:
            rows = self._all(
                con,
                "SELECT id, who, at, file_name, file_sha256, added, changed, removed, note FROM versions "
                "ORDER BY id DESC",
            )
        return [Version(*row) for row in rows]

    def snapshot(self) -> tuple[int, dict[str, pd.DataFrame], gpd.GeoDataFrame]:
        """The current version id, the indicator tables (keyed by file name) and the counties, read at once."""
        with self._read() as con:
            version = int(self._all(con, "SELECT COALESCE(MAX(id), 0) FROM versions")[0][0])
            tables = {TABLES[n].seed_file: self._read_table(con, n) for n in TABLES if not TABLES[n].geometry}
            counties = self._read_counties(con)
        return version, tables, counties

    def sites(self) -> gpd.GeoDataFrame:
        """The sites as WGS-84 points, checked and placed by geo.model.sites."""
        _, tables, counties = self.snapshot()
        ds = indicators.validate_tables(tables, set(counties["adcode"]), self.label)
        rows = tables["sites.csv"]
        return sites.validate_sites(
            rows.assign(line=range(2, len(rows) + 2)), Path(self.label) / "sites.csv", counties,
            set(ds.programmes["programme_id"]), set(ds.sources["source_id"]),
        )  # fmt: skip

    def dataset(self) -> indicators.Dataset:
        _, tables, counties = self.snapshot()
        return indicators.validate_tables(tables, set(counties["adcode"]), self.label)

    def counties(self) -> gpd.GeoDataFrame:
        return self.snapshot()[2]

    def content(self, version: int | None = None) -> Content:
        """Stored rows of every table, now or as they were at ``version``."""
        with self._read() as con:
            return self._current(con) if version is None else self._content_at(con, version)

    def diff(self, a: int, b: int) -> dict[str, TableDiff]:
        """What changed from version ``a`` to version ``b``, per table (tables without changes left out)."""
        with self._read() as con:
            old, new = self._content_at(con, a), self._content_at(con, b)
        diffs = {n: diff_rows(old.get(n, {}), new.get(n, {})) for n in TABLES}
        return {n: d for n, d in diffs.items() if not d.empty}

    def preview(self, changeset: Changeset) -> dict[str, TableDiff]:
        """What ``changeset`` would add, change and leave unchanged, without writing."""
        current = self.content()
        out = {}
        for name, change in changeset.items():
            merged, touched = apply_change(name, current[name], change)
            out[name] = diff_rows(
                current[name],
                merged,
                [k for k in merged if k in touched] + sorted(k for k in touched if k not in merged),
            )
        return out

    def commit(self, changeset: Changeset, meta: Meta) -> Version | None:
        """Apply ``changeset`` on top of whatever is current when the write lock is held."""

        def make_new(con: Any, current: Content) -> Content:
            new = dict(current)
            for name, change in changeset.items():
                new[name], _ = apply_change(name, current[name], change)
            return new

        return self._commit(make_new, meta)

    def rollback(self, version: int, who: str) -> Version | None:
        """A new version whose content is that of ``version``."""
        with self._read() as con:
            if not self._all(con, "SELECT id FROM versions WHERE id = ?", (version,)):
                raise KeyError(f"no version {version}")

        def make_new(con: Any, current: Content) -> Content:
            old = self._content_at(con, version)
            return {
                n: apply_change(n, current[n], Change(decode_rows(n, old[n].values()), replace=True))[0] for n in TABLES
            }

        return self._commit(make_new, Meta(who, note=f"rollback to version {version}"))


# ---------------------------------------------------------------------------
# GeoPackage (SQLite)

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
            continue
        for stmt in sql.split("; "):
            con.execute(stmt)
        # QGIS and GDAL list only the tables gpkg_contents names.
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?, 'attributes', ?, ?)",
            (name, name, descriptions[name]),
        )


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
            if not set(_SQLITE_SCHEMA) | set(TABLES) <= have:
                con.execute("BEGIN IMMEDIATE")
                _add_gpkg_tables(con)
                con.execute("COMMIT")

    def _create_file(self) -> None:
        """Build the file beside its final place and link it in, so a half-made store is never seen."""
        import pyogrio

        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.{uuid.uuid4().hex}.tmp.gpkg")
        empty = gpd.GeoDataFrame(
            {c: pd.Series([], dtype=str) for c in TABLES["counties"].columns}, geometry=gpd.GeoSeries([], crs=WGS84)
        )
        try:
            # GDAL writes the GeoPackage frame (header, SRS, the counties feature table). No spatial
            # index: its triggers call GDAL's SQL functions, which a plain sqlite3 writer lacks.
            pyogrio.write_dataframe(
                empty, tmp, layer="counties", driver="GPKG", geometry_type="MultiPolygon",
                layer_options={"SPATIAL_INDEX": "NO", "GEOMETRY_NAME": "geom",
                               "DESCRIPTION": "county-level units of Baoding (WGS-84) as the app draws them now"},
            )  # fmt: skip
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


# ---------------------------------------------------------------------------
# PostGIS


class PostGISStore(Store):
    placeholder = "%s"

    def __init__(self, url: str, schema: str = "baoding") -> None:
        import psycopg.conninfo

        if not schema.isidentifier():
            raise StoreError("DATABASE_URL", f"schema name {schema!r} must be a plain identifier")
        self.url = url
        self.schema = schema
        try:
            info = psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.ProgrammingError as exc:
            raise StoreError("DATABASE_URL", f"not a PostgreSQL connection URL ({exc})") from None
        where = f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
        self.label = f"postgis://{where}#{schema}"
        # One advisory-lock id per schema, so stores in other schemas of the database do not wait on each other.
        self.lock_id = zlib.crc32(f"baoding-store:{schema}".encode())

    def _connect(self) -> Any:
        import psycopg

        try:
            con = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as exc:
            raise StoreError(self.label, f"cannot connect ({str(exc).strip().splitlines()[0]})") from None
        con.execute(f'SET search_path TO "{self.schema}", public')
        return con

    def _create(self) -> None:
        with self._write() as con:
            if not con.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
                raise StoreError(self.label, "the database has no PostGIS: run CREATE EXTENSION postgis")
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            con.execute(
                "CREATE TABLE IF NOT EXISTS versions (id integer PRIMARY KEY, who text NOT NULL, at text NOT NULL, "
                "file_name text, file_sha256 text, added integer, changed integer, removed integer, note text)"
            )
            con.execute(
                "CREATE TABLE IF NOT EXISTS history (fid bigserial PRIMARY KEY, tbl text NOT NULL, key text NOT NULL, "
                "row text NOT NULL, added_in integer NOT NULL, removed_in integer)"
            )
            con.execute("CREATE INDEX IF NOT EXISTS history_current ON history (tbl, key, removed_in)")
            con.execute("CREATE INDEX IF NOT EXISTS history_added ON history (added_in)")
            con.execute(
                "CREATE TABLE IF NOT EXISTS seed_rows (fid bigserial PRIMARY KEY, tbl text NOT NULL, "
                "key text NOT NULL, row text NOT NULL)"
            )
            for name, spec in TABLES.items():
                if spec.geometry:
                    con.execute(
                        "CREATE TABLE IF NOT EXISTS counties (fid bigserial PRIMARY KEY, adcode text UNIQUE NOT NULL, "
                        f"name_zh text, name_en text, geom geometry(MultiPolygon, {SRID}))"
                    )
                    con.execute("CREATE INDEX IF NOT EXISTS counties_geom ON counties USING gist (geom)")
                else:
                    cols = ", ".join(f'"{c}" text' for c in spec.columns)
                    con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" (fid bigserial PRIMARY KEY, {cols})')
            con.execute("CREATE TABLE IF NOT EXISTS store_meta (name text PRIMARY KEY, value text)")

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with closing(self._connect()) as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_id,))
            yield con

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with closing(self._connect()) as con, con.transaction():
            con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield con

    def _read_counties(self, con: Any) -> gpd.GeoDataFrame:
        rows = con.execute("SELECT adcode, name_zh, name_en, ST_AsBinary(geom) FROM counties ORDER BY fid").fetchall()
        frame = pd.DataFrame.from_records([r[:3] for r in rows], columns=list(TABLES["counties"].columns))
        geoms = shapely.from_wkb([bytes(r[3]) for r in rows]) if rows else []
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index, crs=WGS84), crs=WGS84)

    def _write_counties(self, con: Any, frame: gpd.GeoDataFrame) -> None:
        geoms = to_multipolygons(frame.geometry.to_numpy())
        con.execute("DELETE FROM counties")
        with con.cursor() as cur:
            cur.executemany(
                f"INSERT INTO counties (adcode, name_zh, name_en, geom) VALUES (%s, %s, %s, "
                f"ST_SetSRID(ST_GeomFromWKB(%s), {SRID}))",
                [
                    (a, z, e, shapely.to_wkb(g))
                    for a, z, e, g in zip(frame["adcode"], frame["name_zh"], frame["name_en"], geoms)
                ],
            )

    def _insert_many(self, con: Any, table: str, columns: list[str], rows: list[tuple]) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        with con.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)

    def _close_rows(self, con: Any, table: str, keys: list[str], version: int) -> None:
        con.execute(
            "UPDATE history SET removed_in = %s WHERE tbl = %s AND key = ANY(%s) AND removed_in IS NULL",
            (version, table, keys),
        )

    def drop(self) -> None:
        """Remove the store's schema (tests)."""
        with closing(self._connect()) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


def open_store(database_url: str | None = None, path: Path | str | None = None) -> Store:
    """The configured store: PostGIS when DATABASE_URL is set, else the GeoPackage at BAODING_STORE."""
    url = settings.get("DATABASE_URL") if database_url is None else database_url
    if url:
        return PostGISStore(url, settings.get("BAODING_PG_SCHEMA"))
    return GeoPackageStore(settings.store_path() if path is None else path)


def versions_frame(versions: list[Version]) -> pd.DataFrame:
    """The history as a table, newest first."""
    columns = ["id", "who", "at", "file_name", "added", "changed", "removed", "note", "file_sha256"]
    return pd.DataFrame([{c: getattr(v, c) for c in columns} for v in versions], columns=columns)
