"""A GeoPackage is checked with Python's sqlite3 before GDAL opens it: GDAL runs what the database's
schema says (virtual tables, views, triggers), and SQLite can be told to read other files.

``check_geopackage(path)`` opens the uploaded file read-only and immutable (nothing is written, no
journal is looked for), with SQLite's own limits lowered (no ATTACH, short SQL, shallow expressions)
and a progress handler that stops any statement doing more than a bounded amount of work. It refuses,
naming what it found:

- a database that is not a GeoPackage (its application_id): a plain SQLite file would go to GDAL's
  SQLite driver, which offers VirtualOGR tables that read any file GDAL can open;
- virtual tables, except the R*Tree spatial indexes the GeoPackage standard names ``rtree_<table>_<column>``
  (VirtualOGR, fts3/4/5, csv, ... read other files or carry their own code paths);
- ``load_extension``, ``ATTACH`` and GDAL's own SQL functions (``ogr_*``, ``gdal_*``, which open datasets
  by name) anywhere in a table, view, index or trigger;
- VRT documents and GDAL virtual file paths (``/vsi…``) named anywhere in the schema;
- tables holding, or declaring (gpkg_ogr_contents, which GDAL trusts to size its arrays), more rows
  than the import limit.

Views are not run here: a view that computes forever or builds millions of rows is stopped by the
checking child's time and memory limits (geo.store.imports.child), with the message naming the limit.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

from geo.i18n import quoted
from geo.store.imports import limits
from geo.store.imports.problems import fail

# application_id: 'GPKG' (GeoPackage 1.2 and later), 'GP10' and 'GP11' (1.0, 1.1).
_GEOPACKAGE_IDS = {0x47504B47, 0x47503130, 0x47503131}
_STEPS = 20_000_000  # SQLite virtual-machine steps for the whole check (counting 50,000 rows takes ~1 M)
_LIMITS = {
    "SQLITE_LIMIT_ATTACHED": 0,
    "SQLITE_LIMIT_SQL_LENGTH": 100_000,
    "SQLITE_LIMIT_EXPR_DEPTH": 100,
    "SQLITE_LIMIT_COMPOUND_SELECT": 50,
    "SQLITE_LIMIT_VDBE_OP": 25_000,
    "SQLITE_LIMIT_FUNCTION_ARG": 8,
    "SQLITE_LIMIT_TRIGGER_DEPTH": 1,
    "SQLITE_LIMIT_VARIABLE_NUMBER": 10,
    "SQLITE_LIMIT_LIKE_PATTERN_LENGTH": 100,
    "SQLITE_LIMIT_LENGTH": limits.MAX_UPLOAD_BYTES,
}
_VIRTUAL = re.compile(
    r"^\s*create\s+virtual\s+table\s+(?:if\s+not\s+exists\s+)?.+?\s+using\s+([\w\"'`\[\]]+)", re.IGNORECASE | re.DOTALL
)
# What in a schema's SQL makes GDAL or SQLite read outside the file, each with the words that name it.
_REFERENCES = (
    (re.compile(r"\bload_extension\b", re.IGNORECASE), "load_extension"),
    (re.compile(r"\battach\b", re.IGNORECASE), "ATTACH"),
    (re.compile(r"\b((?:ogr|gdal)_\w+)\s*\(", re.IGNORECASE), "GDAL's SQL function {0}()"),
    (re.compile(r"OGRVRTDataSource|\.vrt\b", re.IGNORECASE), "a VRT reference"),
    (re.compile(r"/vsi\w*", re.IGNORECASE), "a GDAL virtual file path ({0}…)"),
)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True, isolation_level=None)
    for name, value in _LIMITS.items():
        conn.setlimit(getattr(sqlite3, name), value)
    steps = [0]

    def progress() -> int:  # called every 1,000 steps; non-zero stops the statement
        steps[0] += 1000
        return int(steps[0] > _STEPS)

    conn.set_progress_handler(progress, 1000)
    conn.execute("PRAGMA trusted_schema = OFF")  # functions in views and triggers must be harmless ones
    conn.execute("PRAGMA query_only = ON")
    return conn


def check_geopackage(path: Path) -> None:
    """Refuse (ImportFailed) a file GDAL should not open; return quietly for a plain GeoPackage."""
    try:
        conn = _connect(path)
    except sqlite3.Error as exc:
        raise fail(f"not a readable gpkg file ({type(exc).__name__})") from None
    try:
        _check(conn)
    except sqlite3.Error as exc:
        if "interrupted" in str(exc):
            raise fail("the GeoPackage's tables take too long to inspect") from None
        raise fail(f"not a readable gpkg file ({type(exc).__name__})") from None
    finally:
        conn.close()


def _check(conn: sqlite3.Connection) -> None:
    # The schema's text as stored, read without parsing it (writable_schema on a read-only connection):
    # a statement SQLite would refuse to parse is still named, not just "malformed".
    conn.execute("PRAGMA writable_schema = ON")
    schema = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    schema = [
        (str(kind), str(name), str(table), sql if isinstance(sql, str) else "") for kind, name, table, sql in schema
    ]
    conn.execute("PRAGMA writable_schema = OFF")
    names = {name.lower() for _, name, _, _ in schema}
    spatial_indexes = set()
    if "gpkg_geometry_columns" in names:
        try:
            rows = conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        except sqlite3.DatabaseError:
            rows = []  # a malformed schema: its statements are still named below, then the file is refused
        spatial_indexes = {f"rtree_{t}_{c}".lower() for t, c in rows}
    found = []
    for kind, name, _, sql in schema:
        sql = sql or ""
        where = f"{kind} {quoted(name)}"
        virtual = _VIRTUAL.match(sql)
        if virtual:
            module = virtual.group(1).strip("\"'`[]")
            if not (module.lower() == "rtree" and name.lower() in spatial_indexes):
                found.append(f"a virtual table using {quoted(module)} ({where})")
        for pattern, what in _REFERENCES:
            if hit := pattern.search(sql):
                found.append(f"{what.format(hit.group(hit.lastindex or 0)[:40])} in {where}")
    if found:
        shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
        raise fail(f"the GeoPackage would make GDAL read outside the file: {shown}"[:290])
    (app_id,) = conn.execute("PRAGMA application_id").fetchone()
    if app_id not in _GEOPACKAGE_IDS:
        raise fail("not a GeoPackage: an SQLite database whose application_id is not GPKG is not accepted")
    _check_rows(conn, schema, names)


def _check_rows(conn: sqlite3.Connection, schema: list[tuple[str, str, str, str]], names: set[str]) -> None:
    """Tables with more rows than the import accepts, counted (up to the limit) before GDAL reads them,
    and the counts GeoPackage writers record, which GDAL trusts to size what it reads."""
    if "gpkg_ogr_contents" in names:
        for table, declared in conn.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"):
            if isinstance(declared, int) and declared > limits.MAX_ROWS:
                raise fail(limits.refusal("rows", limits.MAX_ROWS) + f" ({quoted(table)}: {declared})")
    if "gpkg_contents" not in names:
        return
    tables = {name.lower(): name for kind, name, _, _ in schema if kind == "table"}
    for (layer,) in conn.execute("SELECT table_name FROM gpkg_contents WHERE data_type IN ('features', 'attributes')"):
        name = tables.get(str(layer).lower())
        if name is None:
            continue  # a view: run by GDAL within the checking child's limits
        ident = '"' + name.replace('"', '""') + '"'
        (count,) = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {ident} LIMIT {limits.MAX_ROWS + 1})").fetchone()
        if count > limits.MAX_ROWS:
            raise fail(limits.refusal("rows", limits.MAX_ROWS))
