"""County boundaries at run time: read and check them, find label points, match names.

``data/counties.geojson`` is built once by geo.build.boundaries (``python -m geo build-boundaries``);
the app only ever reads that file, or the counties of its store.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from geo.i18n import quoted

T = TypeVar("T")
WGS84 = "EPSG:4326"
# UTM 50N: Baoding (113.6-116.3 E) lies within 3.5 deg of its central meridian, where
# the scale error stays under 0.1 %, plenty for metre-level error measurements.
METRIC_CRS = "EPSG:32650"
REQUIRED_PROPERTIES = ("adcode", "name_zh", "name_en")
_ADCODE = re.compile(r"\d{6}")
POLYGONAL = ("Polygon", "MultiPolygon")
# Suffixes of county-level names: 县 county, 市 county-level city, 区 district.
SUFFIX_EN = {"县": "County", "市": "City", "区": "District"}


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
        message = f"{reason}: {quoted(text)}"
        if self.candidates:
            shown = ", ".join(f"{name} ({code})" for code, name in self.candidates)
            message += f"; candidates: {shown}"
        super().__init__(message)


def split_suffix(name_zh: str) -> tuple[str, str]:
    """阜平县 -> ("阜平", "县"); a name without a known suffix keeps its last character."""
    if len(name_zh) > 1 and name_zh[-1] in SUFFIX_EN:
        return name_zh[:-1], name_zh[-1]
    return name_zh, ""


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


# ---------------------------------------------------------------------------
# File format


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
    if geom.geom_type not in POLYGONAL or geom.is_empty:
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
    zh_stem, _ = split_suffix(normalize_name(row.name_zh))
    en = normalize_name(row.name_en)
    keys = {str(row.adcode), normalize_name(row.name_zh), zh_stem, en}
    keys.add(_SUFFIX_EN_PATTERN.sub("", en) or en)
    return {k for k in keys if k}


def match_county(text: str | int, counties: pd.DataFrame, suggest: bool = True) -> str:
    """Adcode of the one unit that ``text`` names (adcode, Chinese or English name).

    Chinese in either script, with or without 县/市/区; English/pinyin in any case,
    with or without County/City/District. Raises CountyMatchError otherwise, with the
    closest names as candidates unless ``suggest`` is False (fuzzy matching costs ~1 ms).
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
    close = difflib.get_close_matches(query, list(index), n=10, cutoff=0.5) if suggest else []
    suggestions: list[str] = []
    for key in close:
        for code in sorted(index[key]):
            if code not in suggestions:
                suggestions.append(code)
    reason = "no unit matches" if query else "empty name"
    raise CountyMatchError(str(text), reason, [(c, names[c]) for c in suggestions[:3]])


# Results that depend only on a set of boundaries (label anchors, outlines, label points) are
# asked for on every run of a page: computed once per boundary set, the last few sets remembered.
DERIVED_CACHE_SIZE = 64


class _BoundaryKey:
    """A cache key equal for byte-identical geometries (and extra strings); it carries what computes the result."""

    def __init__(self, gdf: gpd.GeoDataFrame, compute: Callable[[], T], extra: tuple[str, ...]) -> None:
        self.digest = hashlib.sha256(b"".join(gdf.geometry.to_wkb()) + "|".join(extra).encode()).hexdigest()
        self.compute = compute

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _BoundaryKey) and other.digest == self.digest


@functools.lru_cache(maxsize=DERIVED_CACHE_SIZE)
def _derived(kind: str, key: _BoundaryKey) -> Any:
    return key.compute()


def per_boundaries(kind: str, gdf: gpd.GeoDataFrame, compute: Callable[[], T], *extra: str) -> T:
    """``compute()`` once for this ``kind`` and these geometries (and ``extra`` strings), then remembered."""
    return _derived(kind, _BoundaryKey(gdf, compute, extra))
