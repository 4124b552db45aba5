"""Bring planners' files into the store: read, check every cell, preview, then commit.

``prepare_import(data, file_name, ds, counties, options)`` reads a file (CSV in UTF-8,
UTF-8 with BOM or GBK/GB18030; XLSX; GeoJSON; GeoPackage; zipped Shapefile) and returns
an ImportResult: the problems found (``row N, column C: reason``) or, when there are
none, the changeset to commit. It writes nothing; the store does, in one transaction,
and only a result without problems can be committed.

Three kinds of file:
- values: long tables (county, indicator, year, value, [unit, status, source, locator,
  note]) or wide ones (one row per county, one column per indicator, named by id or by
  its Chinese or English name); numbers as people write them, converted to the
  indicator's unit (geo.model.units);
- sites: points with a declared datum (WGS-84, CGCS2000, GCJ-02, BD-09);
- boundaries: county polygons keyed by adcode, extending or replacing the current ones.

Every imported figure carries a source: a source column, or one source for the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import geopandas as gpd

from geo.model import indicators as ind
from geo.store.imports import limits
from geo.store.imports.boundaries import import_boundaries
from geo.store.imports.catalogue import Catalogue
from geo.store.imports.columns import SITE_ROLES, role_of, split_header
from geo.store.imports.files import detect_format, read_csv_table, read_geo_frame, read_xlsx_table
from geo.store.imports.options import BOUNDARY_MODES, KINDS, ImportOptions, ProgressFn, SourceSpec
from geo.store.imports.problems import FILE_COLUMN, ImportFailed, ImportProblem, fail, format_problems, problems_frame
from geo.store.imports.sites import geographic, import_sites, sites_table
from geo.store.imports.template import template_sheets
from geo.store.imports.values import import_values
from geo.store.tables import Changeset

__all__ = [
    "BOUNDARY_MODES",
    "KINDS",
    "ImportOptions",
    "ImportProblem",
    "ImportResult",
    "SourceSpec",
    "format_problems",
    "prepare_import",
    "problems_frame",
    "template_sheets",
]


@dataclass
class ImportResult:
    file_name: str
    sha256: str
    kind: str
    rows: int
    problems: list[ImportProblem]
    changeset: Changeset

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.changeset)


def prepare_import(
    data: bytes,
    file_name: str,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    options: ImportOptions | None = None,
    progress: ProgressFn | None = None,
) -> ImportResult:
    """Read and check a file; nothing is written. ``result.ok`` says whether it can be committed."""
    options = options or ImportOptions()
    sha = hashlib.sha256(data).hexdigest()

    def result(kind: str, rows: int, problems: list[ImportProblem], changeset: Changeset | None = None) -> ImportResult:
        return ImportResult(file_name, sha, kind, rows, problems, changeset or {})

    if options.kind not in KINDS:
        return result(options.kind, 0, [ImportProblem(1, FILE_COLUMN, f"kind must be one of {', '.join(KINDS)}")])
    if len(data) > limits.MAX_UPLOAD_BYTES:
        too_big = limits.refusal("upload", limits.MAX_UPLOAD_BYTES // 2**20)
        return result(options.kind, 0, [ImportProblem(1, FILE_COLUMN, too_big)])
    cat = Catalogue.of(ds, counties)
    fmt = detect_format(data, file_name)
    kind = options.kind
    try:
        if fmt in ("geojson", "gpkg", "zip"):
            frame = read_geo_frame(data, fmt)
            polygonal = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).any()
            kind = kind if kind != "auto" else ("boundaries" if polygonal else "sites")
            if kind == "boundaries":
                changeset, problems = import_boundaries(frame, cat, options)
                return result(kind, len(frame), problems, changeset)
            if kind != "sites":
                raise fail(f"a {fmt} file holds sites or boundaries, not {kind}")
            frame, datum = geographic(frame, options)
            options = ImportOptions(**{**options.__dict__, "datum": datum})
            table = sites_table(frame)
        else:
            table = read_xlsx_table(data) if fmt == "xlsx" else read_csv_table(data)
            if kind == "auto":
                keys = [split_header(h)[0] for h in table.header]
                has = {role_of(k, SITE_ROLES) for k in keys}
                kind = "sites" if {"lon", "lat"} <= has or {"name_zh", "programme"} <= has else "values"
            if kind == "boundaries":
                raise fail("boundaries come as GeoJSON, GeoPackage or a zipped Shapefile")
    except ImportFailed as exc:
        return result(kind, 0, exc.problems)
    run = import_sites if kind == "sites" else import_values
    changeset, problems = run(table, cat, options, progress)
    return result(kind, len(table.rows), problems, changeset)
