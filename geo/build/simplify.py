"""GCJ-02 outlines -> WGS-84, a grid, and coverage simplification with a tolerance chosen by measured error."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from geo.model.boundaries import METRIC_CRS, POLYGONAL, WGS84
from geo.model.datum import convert_gdf

# 1e-5 deg is ~1.1 m of latitude and ~0.9 m of longitude here: finer than the source
# (Amap publishes 6 decimals of a GCJ-02 outline) matters for nothing on a county map.
GRID_DEG = 1e-5
DEFAULT_MAX_ERROR_M = 100.0
# simplify_coverage's tolerance is the square root of the triangle areas removed (in
# degrees), not a distance; these candidates span ~1 m to ~1 km of Hausdorff error.
CANDIDATE_TOLERANCES: tuple[float, ...] = (
    5e-5, 1e-4, 1.5e-4, 2e-4, 2.5e-4, 3e-4, 3.5e-4, 4e-4, 4.5e-4, 5e-4,
    6e-4, 7e-4, 8e-4, 1e-3, 1.5e-3, 2e-3, 3e-3, 5e-3,
)  # fmt: skip


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Polygonal part of a geometry (make_valid may add stray lines or points)."""
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in POLYGONAL]
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
