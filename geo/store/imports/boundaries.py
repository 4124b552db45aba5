"""Boundaries: county polygons keyed by adcode, extending or replacing the current ones."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import shapely

from geo import settings
from geo.i18n import quoted
from geo.model import datum as dt
from geo.model import indicators as ind
from geo.model import sites as st_sites
from geo.model.boundaries import coverage_defects
from geo.store.imports.catalogue import Catalogue
from geo.store.imports.cells import parse_datum
from geo.store.imports.columns import BOUNDARY_ROLES, cell, hidden_characters, role_of, split_header
from geo.store.imports.files import frame_table
from geo.store.imports.options import BOUNDARY_MODES, ImportOptions
from geo.store.imports.problems import ImportProblem, stop_checking
from geo.store.imports.sites import geographic
from geo.store.tables import Change, Changeset


def import_boundaries(
    frame: gpd.GeoDataFrame, cat: Catalogue, options: ImportOptions
) -> tuple[Changeset, list[ImportProblem]]:
    problems: list[ImportProblem] = []
    if options.mode not in BOUNDARY_MODES:
        return {}, [ImportProblem(1, "mode", f"mode must be one of {', '.join(BOUNDARY_MODES)}")]
    frame, datum_text = geographic(frame, options)
    try:
        datum = parse_datum(datum_text)
    except ValueError as exc:
        return {}, [ImportProblem(1, "datum", str(exc))]
    table = frame_table(frame)
    roles: dict[str, int] = {}
    for i, text in enumerate(table.header):
        role = role_of(split_header(text)[0], BOUNDARY_ROLES)
        if role and role not in roles:
            roles[role] = i
    if "adcode" not in roles:
        return {}, [ImportProblem(1, "adcode", "no adcode column (adcode, code, 行政区划代码)")]
    current = cat.counties.set_index("adcode")
    geoms = frame.geometry.to_numpy()
    if datum != "wgs84":
        geoms = dt.convert_geometry(geoms, datum, "wgs84")
    region = settings.get("BAODING_REGION")
    records, seen = [], {}
    for (row, cells), geom in zip(table.rows, geoms):
        if stop_checking(problems, row):
            break
        col = {r: table.header[i] for r, i in roles.items()}
        before = len(problems)
        adcode = cell(cells, roles["adcode"])
        adcode = adcode[:-2] if re.fullmatch(r"\d{6}\.0", adcode) else adcode
        if not (re.fullmatch(r"\d{6}", adcode) and adcode.startswith(region)):
            pattern = f"{region.ljust(6, 'x')} (BAODING_REGION)"
            problems.append(
                ImportProblem(row, col["adcode"], f"adcode {quoted(adcode)} is not a county-level code {pattern}")
            )
        elif adcode in seen:
            problems.append(ImportProblem(row, col["adcode"], f"adcode {adcode} also in row {seen[adcode]}"))
        seen.setdefault(adcode, row)
        name_zh = cell(cells, roles.get("name_zh")) or (
            current["name_zh"].get(adcode, "") if adcode in current.index else ""
        )
        name_en = cell(cells, roles.get("name_en")) or (
            current["name_en"].get(adcode, "") if adcode in current.index else ""
        )
        for column, text in (("name_zh", name_zh), ("name_en", name_en)):
            if reason := hidden_characters(text):
                problems.append(ImportProblem(row, column, f"the name {reason}"))
        if not name_zh or not name_en:
            problems.append(ImportProblem(row, "name_zh", f"a new unit {quoted(adcode)} needs name_zh and name_en"))
        if geom is None or shapely.is_empty(geom) or shapely.get_type_id(geom) not in (3, 6):
            problems.append(ImportProblem(row, "geometry", "not a polygon"))
        elif not shapely.is_valid(geom):
            problems.append(ImportProblem(row, "geometry", f"invalid geometry ({shapely.is_valid_reason(geom)})"))
        else:
            minx, miny, maxx, maxy = shapely.bounds(geom)
            if not (
                st_sites.LON_RANGE[0] <= minx
                and maxx <= st_sites.LON_RANGE[1]
                and st_sites.LAT_RANGE[0] <= miny
                and maxy <= st_sites.LAT_RANGE[1]
            ):
                problems.append(ImportProblem(row, "geometry", "lies outside Baoding (wrong CRS or datum?)"))
        if len(problems) == before:
            records.append({"adcode": adcode, "name_zh": name_zh, "name_en": name_en, "geometry": geom})
    if not problems and options.mode == "replace":
        used = set(cat.ds.values["adcode"]) - {ind.CITY_ADCODE}
        for adcode in sorted(used - {r["adcode"] for r in records}):
            problems.append(
                ImportProblem(
                    1,
                    "adcode",
                    f"{adcode} ({current['name_zh'].get(adcode, '')}) has values "
                    "but is missing from the new boundaries",
                )
            )
    if problems:
        return {}, sorted(problems)
    new = gpd.GeoDataFrame(pd.DataFrame.from_records(records), geometry="geometry", crs="EPSG:4326")
    problems = coverage_problems(cat.counties, new, options.mode)
    if problems:
        return {}, problems
    return {"counties": Change(new, replace=options.mode == "replace")}, []


def coverage_problems(current: gpd.GeoDataFrame, new: gpd.GeoDataFrame, mode: str) -> list[ImportProblem]:
    """The checks ``build-boundaries`` applies, on the units as they would be after the import.

    Overlaps, gaps and invalid shared edges may not grow beyond what the current units have (a real
    enclave stays allowed); in extend mode the new outlines are checked with the units they join.
    """
    after = new if mode == "replace" else pd.concat([current[~current["adcode"].isin(new["adcode"])], new])
    before = coverage_defects(current) if len(current) else {"overlaps": 0, "gaps": 0, "invalid": 0}
    got = coverage_defects(gpd.GeoDataFrame(after, geometry="geometry", crs="EPSG:4326"))
    what = {
        "overlaps": "pairs of units overlap",
        "gaps": "gaps open between units",
        "invalid": "units whose edges do not match their neighbours'",
    }
    fix = "fix the outlines so they share borders exactly"
    return [
        ImportProblem(1, "geometry", f"after this import {got[k]} {what[k]} (now {before[k]}); {fix}")
        for k in ("overlaps", "gaps", "invalid")
        if got[k] > before[k]
    ]
