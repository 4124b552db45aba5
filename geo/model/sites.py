"""Programme sites (data/sites.csv): reading, validation, county-precision placement, filters.

A site is a place the report names: a park, a workshop, a market. Most have no published
coordinates, so a site carries its ``precision``:

- ``exact`` / ``township``: lon/lat given (of the place, or of the township seat);
- ``county``: lon/lat left empty. The point is computed here, at load time, as the
  county's representative point; it is never typed into the CSV, so no coordinate in the
  file pretends to know more than the sources do.

Coordinates may be typed in WGS-84 (GPS, OSM), GCJ-02 (copied from Amap) or BD-09 (copied
from Baidu's picker); the optional ``datum`` column says which, and the reader converts
them to WGS-84 before anything else sees them.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.model import datum as dt
from geo.model.boundaries import METRIC_CRS, WGS84, representative_points
from geo.model.indicators import DataError, read_csv

PRECISIONS: tuple[str, ...] = ("exact", "township", "county")
COLUMNS: tuple[str, ...] = (
    "name_zh",
    "name_en",
    "programme",
    "adcode",
    "lon",
    "lat",
    "precision",
    "source_id",
    "locator",
    "note",
)
# Optional columns and their value when absent or empty.
OPTIONAL: dict[str, str] = {"datum": "wgs84", "location_source_id": "", "facts_zh": "", "facts_en": ""}
# A typed point may sit this far outside its county: the outlines are simplified (≤ 100 m,
# see data/BOUNDARIES.md) and coordinates copied from a map picker are not survey-grade.
BORDER_TOLERANCE_M = 200.0
# Baoding's rough box: a point outside it is a typo (swapped lon/lat, a lost digit).
LON_RANGE = (113.0, 117.0)
LAT_RANGE = (38.0, 40.5)


def to_wgs84(lon: float, lat: float, datum: str) -> tuple[float, float]:
    """A typed lon/lat in ``datum`` (wgs84, gcj02, bd09) as WGS-84."""
    return dt.convert_coords(lon, lat, datum, "wgs84")


def normalize_datum(name: str) -> str:
    """'GCJ-02' -> 'gcj02', as planners write it; unknown names come back unchanged."""
    return str(name).strip().lower().replace("-", "").replace("_", "")


def _fail(path: Path, line: int, what: str) -> DataError:
    return DataError(path, f"line {line}: {what}")


def _number(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def read_sites_csv(path: Path) -> pd.DataFrame:
    """The CSV as strings with every column (optional ones filled); a bad file raises DataError."""
    df = read_csv(path, tuple(COLUMNS), tuple(OPTIONAL))
    for col, default in OPTIONAL.items():
        df[col] = df[col].where(df[col].str.strip() != "", default) if col in df.columns else default
    df = df[[*COLUMNS, *OPTIONAL]].apply(lambda s: s.str.strip())
    return df.assign(line=range(2, len(df) + 2))  # header is line 1


def validate_sites(
    df: pd.DataFrame,
    path: Path,
    counties: gpd.GeoDataFrame,
    programmes: Collection[str],
    sources: Collection[str],
) -> gpd.GeoDataFrame:
    """Check every row and return the sites as WGS-84 points (county precision placed).

    The first problem found raises DataError naming the file and line; nothing is
    half-loaded.
    """
    adcodes = set(counties["adcode"])
    seen: set[tuple[str, str]] = set()
    lons: list[float] = []
    lats: list[float] = []
    for row in df.itertuples(index=False):
        line = row.line
        if not row.name_zh:
            raise _fail(path, line, "name_zh is empty")
        if row.programme not in programmes:
            raise _fail(path, line, f"unknown programme {row.programme!r}")
        if row.adcode not in adcodes:
            raise _fail(path, line, f"adcode {row.adcode!r} is not a Baoding county-level unit")
        if row.precision not in PRECISIONS:
            raise _fail(path, line, f"precision must be one of {', '.join(PRECISIONS)}, got {row.precision!r}")
        for col in ("source_id", "location_source_id"):
            value = getattr(row, col)
            if (value or col == "source_id") and value not in sources:
                raise _fail(path, line, f"{col} {value!r} is not in sources.csv")
        key = (row.name_zh, row.adcode)
        if key in seen:
            raise _fail(path, line, f"duplicate site {row.name_zh} in {row.adcode}")
        seen.add(key)
        datum = normalize_datum(row.datum)
        if datum not in dt.DATUMS:
            raise _fail(path, line, f"unknown datum {row.datum!r}; valid datums: {', '.join(dt.DATUMS)}")
        if row.precision == "county":
            if row.lon or row.lat:
                raise _fail(
                    path,
                    line,
                    "precision is county, so lon/lat must stay empty (the point is the county's representative point)",
                )
            lons.append(math.nan)
            lats.append(math.nan)
            continue
        lon, lat = _number(row.lon), _number(row.lat)
        if lon is None or lat is None:
            raise _fail(path, line, f"precision {row.precision} needs numeric lon and lat")
        if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
            raise _fail(path, line, f"lon {lon}, lat {lat} is far outside Baoding (lon/lat swapped?)")
        lon, lat = to_wgs84(lon, lat, datum)
        lons.append(lon)
        lats.append(lat)

    points = gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]).assign(datum=df["datum"].map(normalize_datum)).reset_index(drop=True),
        geometry=gpd.points_from_xy(lons, lats),
        crs=WGS84,
    )
    points = points.rename(columns={"datum": "datum_in"})
    _check_inside(points, path, counties)
    return place_county_points(points, counties)


def _check_inside(sites: gpd.GeoDataFrame, path: Path, counties: gpd.GeoDataFrame) -> None:
    """Typed points must fall in Baoding, in the county the row names (within the tolerance)."""
    typed = sites[sites["precision"] != "county"]
    if typed.empty:
        return
    metric = counties.to_crs(METRIC_CRS)
    pts = typed.to_crs(METRIC_CRS)
    city = metric.geometry.union_all()
    by_code = metric.set_index("adcode").geometry
    names = counties.set_index("adcode")["name_zh"]
    for row, pt in zip(typed.itertuples(index=False), pts.geometry):
        if city.distance(pt) > BORDER_TOLERANCE_M:
            raise _fail(
                path, row.line, f"point lies outside Baoding's counties ({city.distance(pt) / 1000:.1f} km away)"
            )
        gap = by_code[row.adcode].distance(pt)
        if gap > BORDER_TOLERANCE_M:
            inside = metric[metric.contains(pt)]["adcode"].tolist()
            where = f"{names[inside[0]]} ({inside[0]})" if inside else "another county"
            raise _fail(path, row.line, f"point lies in {where}, {gap:.0f} m outside the stated county {row.adcode}")


def place_county_points(sites: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Put every county-precision site at its county's representative point (WGS-84)."""
    out = sites.copy()
    mask = (out["precision"] == "county").to_numpy()
    if mask.any():
        reps = representative_points(counties).set_index("adcode").geometry
        out.loc[mask, out.geometry.name] = out.loc[mask, "adcode"].map(reps).to_numpy()
    return out


def read_sites(
    path: Path, counties: gpd.GeoDataFrame, programmes: Collection[str], sources: Collection[str]
) -> gpd.GeoDataFrame:
    """Read, check and place the sites of ``path``; DataError names the file and line of a problem."""
    path = Path(path)
    return validate_sites(read_sites_csv(path), path, counties, programmes, sources)


def filter_sites(
    sites: gpd.GeoDataFrame, programmes: Iterable[str] | None = None, adcodes: Iterable[str] | None = None
) -> gpd.GeoDataFrame:
    """Sites of the given programmes and counties; None or an empty list means all."""
    mask = np.ones(len(sites), dtype=bool)
    programmes = list(programmes or [])
    adcodes = list(adcodes or [])
    if programmes:
        mask &= sites["programme"].isin(programmes).to_numpy()
    if adcodes:
        mask &= sites["adcode"].isin(adcodes).to_numpy()
    return sites[mask]
