"""Grey context around Baoding at run time: neighbouring prefectures, Beijing and Tianjin.

data/context.geojson is built once by geo.build.context; here it is read like the counties
and drawn under them, muted and never clickable.
"""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import shapely

from geo.model.boundaries import METRIC_CRS, WGS84, BoundaryDataError, per_boundaries

XIONGAN = ("130629", "130632", "130638")  # 容城, 安新, 雄县: the 雄安新区 since 2017


def read_context(path: Path) -> gpd.GeoDataFrame:
    """The context layer; a missing file is not an error (the map simply has no context)."""
    if not path.exists():
        return gpd.GeoDataFrame({"adcode": [], "name_zh": [], "name_en": [], "kind": []}, geometry=[], crs=WGS84)
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for a broken file
        raise BoundaryDataError(path, f"not readable GeoJSON ({exc})") from None
    missing = [c for c in ("adcode", "name_zh", "name_en", "kind") if c not in gdf.columns]
    if missing:
        raise BoundaryDataError(path, f"missing properties: {', '.join(missing)}")
    return gdf.to_crs(WGS84)


def xiongan_outline(counties: gpd.GeoDataFrame):
    """The outline of the three counties that form the Xiong'an New Area today."""
    three = counties[counties["adcode"].isin(XIONGAN)]
    return per_boundaries("xiongan", three, three.geometry.union_all)


def label_points(context: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Where to write each neighbour's name: inside the clipped part shown on the map."""

    def compute():
        metric = context.geometry.to_crs(METRIC_CRS)
        centres = shapely.get_point(shapely.maximum_inscribed_circle(metric.to_numpy(), 500.0), 0)
        return gpd.GeoSeries(centres, crs=METRIC_CRS).to_crs(WGS84).to_numpy()

    return context.assign(geometry=per_boundaries("label_points", context, compute))


def cached_context(path: Path) -> gpd.GeoDataFrame:
    """read_context once per file version, for code that runs outside Streamlit (CLI exports)."""
    return _context_at(str(path), path.stat().st_mtime if path.exists() else 0.0)


@functools.lru_cache(maxsize=4)
def _context_at(path: str, mtime: float) -> gpd.GeoDataFrame:
    return read_context(Path(path))
