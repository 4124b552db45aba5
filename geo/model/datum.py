"""Conversions between WGS-84, GCJ-02 (Amap, Tencent) and BD-09 (Baidu).

GCJ-02 is WGS-84 plus a published but obfuscated offset (a few hundred metres in
China); BD-09 adds Baidu's rotation and shift on top of GCJ-02. Neither has an EPSG
code, so they cannot go through pyproj: the formulas below are the widely
re-implemented ones (eviltransform, coordtransform, PRCoords).

Every function takes lon/lat in degrees, as scalars or numpy arrays of any shape,
and returns the same kind. Points outside the rough China box are returned
unchanged, as every implementation does, because the offset is only applied there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

# Krasovsky 1940 ellipsoid: the constants of the original GCJ-02 code. Some ports
# (eviltransform) use the WGS-84 radius instead; the results differ by < 0.1 m.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323

# Baidu's rotation factor and fixed shift (degrees) on top of GCJ-02.
_BD_X_PI = np.pi * 3000.0 / 180.0
_BD_DLON = 0.0065
_BD_DLAT = 0.006

# The rough bounding box every implementation uses for "inside China".
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)

DEFAULT_TOLERANCE_DEG = 1e-9  # ~0.1 mm: far below any source accuracy, cheap to reach
_MAX_ITERATIONS = 30

Datum = str
DATUMS: tuple[Datum, ...] = ("wgs84", "gcj02", "bd09")

Coords = tuple[Any, Any]
GeomT = TypeVar("GeomT", BaseGeometry, NDArray[np.object_])


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon_a.astype(float, copy=True), lat_a.astype(float, copy=True)


def _restore(lon_in: ArrayLike, lat_in: ArrayLike, lon: NDArray, lat: NDArray) -> Coords:
    # Scalars in, Python floats out, so callers can compare and format them plainly.
    if np.ndim(lon_in) == 0 and np.ndim(lat_in) == 0:
        return float(lon), float(lat)
    return lon, lat


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> Any:
    """True where the point lies outside the rough China box (no offset applied there)."""
    lon_a, lat_a = _arrays(lon, lat)
    outside = (lon_a < _CHINA_LON[0]) | (lon_a > _CHINA_LON[1]) | (lat_a < _CHINA_LAT[0]) | (lat_a > _CHINA_LAT[1])
    return bool(outside) if outside.ndim == 0 else outside


def _gcj_offset(lon: NDArray, lat: NDArray) -> tuple[NDArray, NDArray]:
    """GCJ-02 minus WGS-84 at a WGS-84 point, in degrees (no China test)."""
    x = lon - 105.0
    y = lat - 35.0
    # The two polynomials give the offset as arc length in metres...
    waves_x = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    dlat_m = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (waves_x + 20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon_m = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (waves_x + 20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    # ...turned into degrees with the Krasovsky meridian and parallel radii.
    rad_lat = np.radians(lat)
    magic = 1.0 - _GCJ_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat_m * 180.0 / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon_m * 180.0 / (_GCJ_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """WGS-84 -> GCJ-02 (the closed-form forward transform)."""
    lon_a, lat_a = _arrays(lon, lat)
    inside = ~np.asarray(out_of_china(lon_a, lat_a))
    dlon, dlat = _gcj_offset(lon_a, lat_a)
    lon_a = np.where(inside, lon_a + dlon, lon_a)
    lat_a = np.where(inside, lat_a + dlat, lat_a)
    return _restore(lon, lat, lon_a, lat_a)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, tolerance: float = DEFAULT_TOLERANCE_DEG) -> Coords:
    """GCJ-02 -> WGS-84 by fixed-point iteration until the forward residual < tolerance (deg).

    The one-step inverse (gcj - offset(gcj)) most libraries ship evaluates the offset
    at the wrong point and is off by up to ~3.4 m around Baoding; iterating removes that.
    """
    if tolerance <= 0:
        raise ValueError(f"tolerance must be positive, got {tolerance}")
    gcj_lon, gcj_lat = _arrays(lon, lat)
    inside = ~np.asarray(out_of_china(gcj_lon, gcj_lat))
    dlon, dlat = _gcj_offset(gcj_lon, gcj_lat)
    wgs_lon, wgs_lat = gcj_lon - dlon, gcj_lat - dlat
    for _ in range(_MAX_ITERATIONS):
        dlon, dlat = _gcj_offset(wgs_lon, wgs_lat)
        res_lon = wgs_lon + dlon - gcj_lon
        res_lat = wgs_lat + dlat - gcj_lat
        wgs_lon, wgs_lat = wgs_lon - res_lon, wgs_lat - res_lat
        residual = np.maximum(np.abs(res_lon), np.abs(res_lat))
        if np.all(residual[inside] < tolerance):
            break
    wgs_lon = np.where(inside, wgs_lon, gcj_lon)
    wgs_lat = np.where(inside, wgs_lat, gcj_lat)
    return _restore(lon, lat, wgs_lon, wgs_lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """GCJ-02 -> BD-09 (Baidu's closed form)."""
    x, y = _arrays(lon, lat)
    inside = ~np.asarray(out_of_china(x, y))
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    bd_lon = np.where(inside, z * np.cos(theta) + _BD_DLON, x)
    bd_lat = np.where(inside, z * np.sin(theta) + _BD_DLAT, y)
    return _restore(lon, lat, bd_lon, bd_lat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """BD-09 -> GCJ-02 (the usual closed-form approximate inverse, within ~0.2 m)."""
    bd_lon, bd_lat = _arrays(lon, lat)
    inside = ~np.asarray(out_of_china(bd_lon, bd_lat))
    x = bd_lon - _BD_DLON
    y = bd_lat - _BD_DLAT
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    gcj_lon = np.where(inside, z * np.cos(theta), bd_lon)
    gcj_lat = np.where(inside, z * np.sin(theta), bd_lat)
    return _restore(lon, lat, gcj_lon, gcj_lat)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """WGS-84 -> BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike, tolerance: float = DEFAULT_TOLERANCE_DEG) -> Coords:
    """BD-09 -> WGS-84 (through GCJ-02, iterative second step)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat), tolerance=tolerance)


def _identity(lon: ArrayLike, lat: ArrayLike) -> Coords:
    return lon, lat


# One registry: every pair goes through GCJ-02, the datum both others are defined on.
_TO_GCJ02: dict[Datum, Callable[[ArrayLike, ArrayLike], Coords]] = {
    "wgs84": wgs84_to_gcj02,
    "gcj02": _identity,
    "bd09": bd09_to_gcj02,
}
_FROM_GCJ02: dict[Datum, Callable[[ArrayLike, ArrayLike], Coords]] = {
    "wgs84": gcj02_to_wgs84,
    "gcj02": _identity,
    "bd09": gcj02_to_bd09,
}


def _check_datum(name: str) -> Datum:
    key = str(name).lower().replace("-", "").replace("_", "")
    if key not in DATUMS:
        raise ValueError(f"unknown datum {name!r}; valid datums: {', '.join(DATUMS)}")
    return key


def convert_coords(lon: ArrayLike, lat: ArrayLike, src: str, dst: str) -> Coords:
    """Convert lon/lat between any two of DATUMS."""
    src_key, dst_key = _check_datum(src), _check_datum(dst)
    if src_key == dst_key:
        return _restore(lon, lat, *_arrays(lon, lat))
    return _FROM_GCJ02[dst_key](*_TO_GCJ02[src_key](lon, lat))


def convert_geometry(geom: GeomT, src: str, dst: str) -> GeomT:
    """Convert every vertex of a shapely geometry (or an array of them)."""
    src_key, dst_key = _check_datum(src), _check_datum(dst)
    if src_key == dst_key:
        return geom

    def _xy(coords: NDArray) -> NDArray:
        lon, lat = convert_coords(coords[:, 0], coords[:, 1], src_key, dst_key)
        return np.column_stack([lon, lat])

    return shapely.transform(geom, _xy)


def convert_gdf(gdf: gpd.GeoDataFrame, src: str, dst: str) -> gpd.GeoDataFrame:
    """Convert a lon/lat GeoDataFrame between datums; returns a new frame.

    Only WGS-84 has an EPSG code, so the result is labelled EPSG:4326 for "wgs84"
    and left without a CRS otherwise: a GCJ-02 frame silently reprojected by pyproj
    as if it were WGS-84 is exactly the bug this module exists to avoid. The datum
    name is kept in ``attrs["datum"]``.
    """
    src_key, dst_key = _check_datum(src), _check_datum(dst)
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        raise ValueError(f"expected lon/lat degrees (EPSG:4326 or no CRS), got {gdf.crs}")
    converted = convert_geometry(gdf.geometry.to_numpy(), src_key, dst_key)
    crs = "EPSG:4326" if dst_key == "wgs84" else None
    series = gpd.GeoSeries(converted, index=gdf.index, crs=crs, name=gdf.geometry.name)
    out = gdf.copy().set_geometry(series).set_crs(crs, allow_override=True)
    out.attrs["datum"] = dst_key
    return out
