"""The store's tables and their rows: specs, the row codec (frames <-> JSON), merges, diffs, seed files.

Pure functions shared by both backends (geo.store.gpkg, geo.store.postgis) and by the importer,
which builds a Changeset without touching a store.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

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
    # The reviewed outlets a source URL may link to: seed-only (imports never write it), changed by review.
    "outlets": _spec("outlets.csv", ("outlet_id",)),
    "value_sources": TableSpec(
        indicators.SCHEMAS["value_sources.csv"],
        (*indicators.SCHEMAS["values.csv"][:4], "source_id"),
        "value_sources.csv",
        optional=True,
    ),
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


# The notes the app writes on its own versions (stored in English, as since the first version); pages show
# them in their language through ``note_parts``.
SEED_NOTE = "seed files (first run, or they changed)"
ROLLBACK_NOTE = "rollback to version {n}"
IMPORT_NOTE = "{kind} import"
_NOTES = (
    (re.compile(re.escape(SEED_NOTE)), "seed"),
    (re.compile(r"rollback to version (?P<n>\d+)"), "rollback"),
    (re.compile(r"(?P<kind>[a-z_]+) import"), "import"),
)


def note_parts(note: str) -> tuple[str, dict[str, str]] | None:
    """(what, fields) of a note the app wrote itself ("seed", "rollback" {n}, "import" {kind}); None for
    any other note (an administrator's own words are shown as written)."""
    for pattern, what in _NOTES:
        if m := pattern.fullmatch(note.strip()):
            return what, m.groupdict()
    return None


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
        # A row stored before a column existed (e.g. a source's grade) has it empty.
        return frame.fillna("").astype(str) if len(frame) else frame
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


def versions_frame(versions: list[Version]) -> pd.DataFrame:
    """The history as a table, newest first."""
    columns = ["id", "who", "at", "file_name", "added", "changed", "removed", "note", "file_sha256"]
    return pd.DataFrame([{c: getattr(v, c) for c in columns} for v in versions], columns=columns)
