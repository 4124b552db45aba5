"""Sites: points with a declared datum, each placed in its county (or at the county's representative point)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geo.i18n import quoted
from geo.model import datum as dt
from geo.model import sites as st_sites
from geo.store.imports.catalogue import Catalogue, Places, Sources, resolve_file_source
from geo.store.imports.cells import parse_coordinate, parse_datum
from geo.store.imports.columns import ROLES, SITE_ROLES, cell, header_key, hidden_characters, role_of, split_header
from geo.store.imports.files import RawTable, frame_table
from geo.store.imports.options import DATUM_NAMES, ImportOptions, ProgressFn
from geo.store.imports.problems import ImportProblem, fail, rows_to_check
from geo.store.tables import Change, Changeset


def import_sites(
    table: RawTable, cat: Catalogue, options: ImportOptions, progress: ProgressFn | None = None
) -> tuple[Changeset, list[ImportProblem]]:
    roles: dict[str, int] = {}
    problems: list[ImportProblem] = []
    all_roles = {**SITE_ROLES, **{k: v for k, v in ROLES.items() if k in ("county", "source", "locator", "note")}}
    for i, text in enumerate(table.header):
        role = role_of(split_header(text)[0], all_roles)
        if role and role not in roles:
            roles[role] = i
        elif text and header_key(text) not in ("序号", "no", "fid", "id"):
            problems.append(ImportProblem(1, text, f"unknown column for sites; known: {', '.join(all_roles)}"))
    for needed in ("name_zh", "programme"):
        if needed not in roles:
            problems.append(ImportProblem(1, needed, f"no {needed} column"))
    try:
        file_datum = parse_datum(options.datum)
    except ValueError as exc:
        problems.append(ImportProblem(1, "datum", str(exc)))
        file_datum = "wgs84"
    file_source, new_source, source_problems = resolve_file_source(options.source, cat)
    problems += source_problems
    if problems:
        return {}, problems
    col = {r: table.header[i] for r, i in roles.items()}
    places = Places(cat.counties, allow_city=False)
    sources = Sources(cat, file_source)
    metric = cat.counties.to_crs(st_sites.METRIC_CRS)
    city = metric.geometry.union_all()
    out: dict[tuple[str, str], dict[str, str]] = {}
    for row, cells in rows_to_check(table.rows, problems, progress, 200):
        before = len(problems)

        def get(role: str, cells: list[str] = cells) -> str:
            return cell(cells, roles.get(role))

        def problem(role: str, reason: str, row: int = row) -> None:
            problems.append(ImportProblem(row, col.get(role, role), reason))

        name = get("name_zh")
        if not name:
            problem("name_zh", "no name")
        for role in ("name_zh", "name_en"):
            if reason := hidden_characters(get(role)):
                problem(role, f"the name {reason}")
        programme_text = get("programme")
        programme = cat.programme_keys.get(header_key(programme_text))
        if not programme:
            problem("programme", f"unknown programme {quoted(programme_text)}{cat.suggest_programme(programme_text)}")
        source = sources.resolve(get("source"), row, col.get("source", "source"))
        if isinstance(source, ImportProblem):
            problems.append(source)
        try:
            datum = parse_datum(get("datum")) if get("datum") else file_datum
        except ValueError as exc:
            problem("datum", str(exc))
            datum = "wgs84"
        lon_text, lat_text = get("lon"), get("lat")
        precision = get("precision") or ("exact" if lon_text or lat_text else "county")
        if precision not in st_sites.PRECISIONS:
            problem("precision", f"precision must be one of {', '.join(st_sites.PRECISIONS)}")
        adcode: str | None = None
        if get("county"):
            got = places.resolve(get("county"), row, col.get("county", "county"))
            if isinstance(got, ImportProblem):
                problems.append(got)
            else:
                adcode = got
        point = None
        if precision != "county":
            try:
                lon, lat = parse_coordinate(lon_text), parse_coordinate(lat_text)
            except ValueError as exc:
                problem("lon", f"coordinates needed for precision {precision}: {exc}")
            else:
                wlon, wlat = dt.convert_coords(lon, lat, datum, "wgs84")
                point = gpd.GeoSeries([shapely.Point(wlon, wlat)], crs="EPSG:4326").to_crs(st_sites.METRIC_CRS).iloc[0]
                away = city.distance(point)
                if away > st_sites.BORDER_TOLERANCE_M:
                    problem(
                        "lon",
                        f"the point ({lon_text}, {lat_text}, {datum}) lies outside Baoding ({away / 1000:.1f} km away)",
                    )
                    point = None
        elif lon_text or lat_text:
            problem("precision", "precision is county, so lon/lat must stay empty")
        if point is not None:
            inside = metric[metric.contains(point)]["adcode"].tolist()
            if adcode is None and inside:
                adcode = inside[0]
            elif adcode and metric.set_index("adcode").geometry[adcode].distance(point) > st_sites.BORDER_TOLERANCE_M:
                where = inside[0] if inside else "another county"
                problem("county", f"the point lies in {where}, not in the stated county {adcode}")
        if adcode is None and len(problems) == before:
            problem("county", "no county: add a county column or coordinates")
        if len(problems) > before:
            continue
        key = (name, adcode)
        if key in out:
            problem("name_zh", f"site {quoted(name)} in {adcode} is listed twice")
            continue
        out[key] = {
            "name_zh": name,
            "name_en": get("name_en"),
            "programme": programme,
            "adcode": adcode,
            "lon": lon_text if precision != "county" else "",
            "lat": lat_text if precision != "county" else "",
            "precision": precision,
            "source_id": source,
            "locator": get("locator"),
            "note": get("note"),
            "datum": datum,
            "location_source_id": get("location_source_id"),
            "facts_zh": get("facts_zh"),
            "facts_en": get("facts_en"),
        }
    if problems:
        return {}, sorted(problems)
    changeset: Changeset = {"sites": Change(pd.DataFrame(list(out.values())))}
    if new_source:
        changeset["sources"] = Change(pd.DataFrame([new_source]))
    return changeset, []


def sites_table(frame: gpd.GeoDataFrame) -> RawTable:
    """Point features as a table with lon/lat columns (the frame's CRS already handled)."""
    geoms = frame.geometry
    bad = [i for i, g in enumerate(geoms, start=1) if g is None or g.geom_type != "Point"]
    if bad:
        raise fail(f"feature {bad[0]} is not a point", "geometry", bad[0])
    table = frame_table(frame)
    table.header += ["lon", "lat"]
    for (_, cells), g in zip(table.rows, geoms):
        cells += [repr(g.x), repr(g.y)]
    return table


def geographic(frame: gpd.GeoDataFrame, options: ImportOptions) -> tuple[gpd.GeoDataFrame, str]:
    """Frame in lon/lat degrees, and the datum its numbers are in."""
    crs = frame.crs
    if crs is not None and not crs.is_geographic:
        if options.datum and DATUM_NAMES.get(header_key(options.datum)) in ("gcj02", "bd09"):
            raise fail("a projected CRS cannot be GCJ-02 or BD-09: leave the datum out", "datum")
        return frame.to_crs("EPSG:4326"), "wgs84"
    if crs is not None and crs.to_epsg() not in (4326, 4490, None):
        frame = frame.to_crs("EPSG:4326")
    return frame, options.datum
