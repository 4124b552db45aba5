"""geo.model.datum: reference pairs from public implementations, round trips, edge cases."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from geo.model import datum

GEOD = pyproj.Geod(ellps="WGS84")

# googollee/eviltransform, python/test.py and go/transform_test.go (MIT):
# (wgs_lat, wgs_lng, gcj_lat, gcj_lng) for Shanghai, Shenzhen and Beijing.
EVILTRANSFORM_PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]

# wandergis/coordtransform, README.md "result" block (MIT): every function applied to
# the same input (116.404, 39.915), lon/lat order.
COORDTRANSFORM_INPUT = (116.404, 39.915)
COORDTRANSFORM_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
COORDTRANSFORM_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
COORDTRANSFORM_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)
# coordtransform's gcj02towgs84 is the one-step inverse; ours iterates.
COORDTRANSFORM_GCJ02_TO_WGS84_ONE_STEP = (116.39775550083061, 39.91359571849836)

# Points well outside the China box: Paris, New York, Tokyo (lon > 137.8347), Sydney.
OUTSIDE = [(2.3522, 48.8566), (-74.006, 40.7128), (139.6917, 35.6895), (151.2093, -33.8688)]


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.fixture
def baoding_grid() -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 points every ~5 km over Baoding's extent (113.4-116.6 E, 38.1-40.1 N)."""
    lon, lat = np.meshgrid(np.linspace(113.4, 116.6, 65), np.linspace(38.1, 40.1, 41))
    return lon, lat


@pytest.mark.parametrize(("wgs_lat", "wgs_lng", "gcj_lat", "gcj_lng"), EVILTRANSFORM_PAIRS)
def test_eviltransform_pairs(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    assert datum.wgs84_to_gcj02(wgs_lng, wgs_lat) == pytest.approx((gcj_lng, gcj_lat), abs=1e-9)
    lon, lat = datum.gcj02_to_wgs84(gcj_lng, gcj_lat)
    # eviltransform's own "exact" inverse promises < 0.5 m; ours iterates to ~0.
    assert metres(lon, lat, wgs_lng, wgs_lat) < 0.001


def test_coordtransform_readme_pairs():
    lon, lat = COORDTRANSFORM_INPUT
    assert datum.wgs84_to_gcj02(lon, lat) == pytest.approx(COORDTRANSFORM_WGS84_TO_GCJ02, abs=1e-9)
    assert datum.gcj02_to_bd09(lon, lat) == pytest.approx(COORDTRANSFORM_GCJ02_TO_BD09, abs=1e-9)
    assert datum.bd09_to_gcj02(lon, lat) == pytest.approx(COORDTRANSFORM_BD09_TO_GCJ02, abs=1e-9)


def test_iterative_inverse_beats_the_one_step_inverse():
    lon, lat = COORDTRANSFORM_INPUT
    ours = datum.gcj02_to_wgs84(lon, lat)
    one_step = COORDTRANSFORM_GCJ02_TO_WGS84_ONE_STEP
    # Close to the published one-step value (same algorithm)...
    assert metres(*ours, *one_step) < 1.0
    # ...but only ours maps back onto the input when run forwards.
    assert metres(*datum.wgs84_to_gcj02(*ours), lon, lat) < 1e-4
    assert metres(*datum.wgs84_to_gcj02(*one_step), lon, lat) > 1e-3


def test_tolerance_is_reached():
    gcj = datum.wgs84_to_gcj02(115.49, 38.85)
    for tolerance in (1e-6, 1e-9):
        wgs = datum.gcj02_to_wgs84(*gcj, tolerance=tolerance)
        assert np.max(np.abs(np.subtract(datum.wgs84_to_gcj02(*wgs), gcj))) < tolerance
    with pytest.raises(ValueError, match="tolerance"):
        datum.gcj02_to_wgs84(*gcj, tolerance=0)


def test_round_trips_over_baoding_are_below_a_metre(baoding_grid):
    lon, lat = baoding_grid
    back = datum.gcj02_to_wgs84(*datum.wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, *back).max() < 0.01
    back = datum.bd09_to_wgs84(*datum.wgs84_to_bd09(lon, lat))
    # BD-09 -> GCJ-02 is the usual closed-form approximation (decimetres).
    assert metres(lon, lat, *back).max() < 1.0
    back = datum.bd09_to_gcj02(*datum.gcj02_to_bd09(lon, lat))
    assert metres(lon, lat, *back).max() < 1.0


def test_gcj_shift_at_baoding_is_about_half_a_kilometre(baoding_grid):
    lon, lat = baoding_grid
    shift = metres(lon, lat, *datum.wgs84_to_gcj02(lon, lat))
    assert 450 < shift.min() and shift.max() < 650
    # GCJ-02 sits east-north-east of WGS-84 here.
    gcj_lon, gcj_lat = datum.wgs84_to_gcj02(lon, lat)
    assert (gcj_lon > lon).all() and (gcj_lat > lat).all()


CONVERSIONS = [
    datum.wgs84_to_gcj02,
    datum.gcj02_to_wgs84,
    datum.gcj02_to_bd09,
    datum.bd09_to_gcj02,
    datum.wgs84_to_bd09,
    datum.bd09_to_wgs84,
]


@pytest.mark.parametrize(("lon", "lat"), OUTSIDE)
@pytest.mark.parametrize("convert", CONVERSIONS)
def test_points_outside_china_are_unchanged(convert, lon, lat):
    assert datum.out_of_china(lon, lat)
    assert convert(lon, lat) == (lon, lat)


def test_out_of_china_is_vectorised():
    lons, lats = np.array([115.49, 2.35]), np.array([38.85, 48.86])
    assert datum.out_of_china(lons, lats).tolist() == [False, True]
    assert datum.out_of_china(115.49, 38.85) is False


def test_mixed_inside_and_outside_points_in_one_array():
    lon, lat = np.array([115.49, 2.3522]), np.array([38.85, 48.8566])
    out_lon, out_lat = datum.gcj02_to_wgs84(lon, lat)
    assert (out_lon[1], out_lat[1]) == (2.3522, 48.8566)
    assert out_lon[0] < 115.49


@pytest.mark.parametrize("convert", CONVERSIONS)
def test_vectorised_equals_scalar(convert, baoding_grid):
    lon, lat = baoding_grid
    lon, lat = lon[::8, ::8], lat[::8, ::8]
    vec_lon, vec_lat = convert(lon, lat)
    assert vec_lon.shape == lon.shape
    for i, j in np.ndindex(lon.shape):
        s_lon, s_lat = convert(float(lon[i, j]), float(lat[i, j]))
        assert isinstance(s_lon, float)
        assert (s_lon, s_lat) == pytest.approx((vec_lon[i, j], vec_lat[i, j]), abs=1e-12)


def test_convert_geometry_moves_every_vertex():
    square = shapely.box(115.4, 38.8, 115.5, 38.9)
    moved = datum.convert_geometry(square, "wgs84", "gcj02")
    before = shapely.get_coordinates(square)
    after = shapely.get_coordinates(moved)
    assert after.shape == before.shape
    shift = metres(before[:, 0], before[:, 1], after[:, 0], after[:, 1])
    assert (450 < shift).all() and (shift < 650).all()
    assert datum.convert_geometry(square, "wgs84", "wgs84") is square


def test_convert_gdf_labels_only_wgs84_with_a_crs():
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(115.49, 38.85)], crs=4326)
    gcj = datum.convert_gdf(gdf, "wgs84", "gcj02")
    assert gcj.crs is None and gcj.attrs["datum"] == "gcj02"
    assert gdf.crs == "EPSG:4326"  # input untouched
    back = datum.convert_gdf(gcj, "gcj02", "wgs84")
    assert back.crs == "EPSG:4326"
    assert back.geometry.iloc[0].distance(gdf.geometry.iloc[0]) < 1e-9
    assert list(back.columns) == ["name", "geometry"]


def test_convert_gdf_refuses_projected_input():
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(500000, 4300000)], crs=32650)
    with pytest.raises(ValueError, match="lon/lat"):
        datum.convert_gdf(gdf, "wgs84", "gcj02")


@pytest.mark.parametrize("call", ["geometry", "gdf", "coords"])
def test_unknown_datum_lists_the_valid_ones(call):
    point = shapely.Point(115.49, 38.85)
    with pytest.raises(ValueError, match="wgs84, gcj02, bd09") as info:
        if call == "geometry":
            datum.convert_geometry(point, "wgs84", "mars")
        elif call == "gdf":
            datum.convert_gdf(gpd.GeoDataFrame(geometry=[point], crs=4326), "cgcs2000", "wgs84")
        else:
            datum.convert_coords(115.49, 38.85, "gcj02", "bd-10")
    assert "unknown datum" in str(info.value)
