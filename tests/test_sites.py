"""Programme catalogue and sites: validation with file/line errors, datum of typed points, county placement."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest

from geo.model import datum, sites
from geo.model.boundaries import representative_points
from geo.model.indicators import DataError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
GEOD = pyproj.Geod(ellps="WGS84")
HEADER = [*sites.COLUMNS, "datum", "location_source_id", "facts_zh", "facts_en"]


def metres(a, b) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


@pytest.fixture(scope="module")
def counties(real) -> gpd.GeoDataFrame:
    return real.counties


@pytest.fixture(scope="module")
def dataset(real):
    return real.ds


@pytest.fixture(scope="module")
def bundled_sites(real) -> gpd.GeoDataFrame:
    """data/sites.csv as read (tests/conftest.py's Real)."""
    return real.sites


def write_sites(folder: Path, rows: list[dict[str, str]]) -> Path:
    path = folder / "sites.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=HEADER)
        w.writeheader()
        for row in rows:
            w.writerow({c: row.get(c, "") for c in HEADER})
    return path


def site(**kw: str) -> dict[str, str]:
    base = {
        "name_zh": "测试点",
        "name_en": "Test",
        "programme": "pv",
        "adcode": "000001",
        "precision": "county",
        "source_id": "rep",
        "locator": "x",
    }
    return {**base, **kw}


def read_tiny(tmp_path, tiny_counties, rows) -> gpd.GeoDataFrame:
    return sites.read_sites(write_sites(tmp_path, rows), tiny_counties, {"pv", "baseline"}, {"rep", "web"})


# ---------------------------------------------------------------- catalogue


def test_every_programme_has_an_indicator_and_groups_follow_the_report(dataset):
    progs = dataset.programmes
    per_programme = dataset.indicators["programme"].value_counts()
    assert all(per_programme.get(p, 0) >= 1 for p in progs["programme_id"]), per_programme
    groups = progs.groupby("group_id", sort=False)["programme_id"].apply(list).to_dict()
    # The report: targeting, then 二是 industries (in its order), 三是 support, then the combined effort.
    assert list(groups) == ["targeting", "industry", "support", "synergy"]
    assert groups["industry"] == ["agri_forestry", "pv", "tourism", "handicraft", "ecommerce", "labour"]
    assert groups["support"] == ["relocation", "ecology", "education", "social_security"]
    assert groups["synergy"] == ["finance", "synergy"]
    assert progs["order"].is_monotonic_increasing


# ---------------------------------------------------------------- the bundled sites


def test_report_places_are_all_there_with_honest_precision(bundled_sites, counties):
    names = set(bundled_sites["name_zh"])
    for part in ("天生桥", "南峪", "齐家佐", "信达", "阜平职教中心", "新发地", "京西百渡", "光伏产业带"):
        assert any(part in n for n in names), part
    # No sourced coordinates exist for any of them (research/places.csv): all county precision.
    assert set(bundled_sites["precision"]) == {"county"}
    # 京西百渡 spans three counties: one row per county, never a point between them.
    jingxi = bundled_sites[bundled_sites["name_zh"] == "京西百渡休闲度假区"]
    assert sorted(jingxi["adcode"]) == ["130623", "130630", "130633"]
    assert bundled_sites.crs.equals("EPSG:4326")
    assert bundled_sites.within(counties.geometry.union_all()).all()


def test_county_precision_sites_sit_on_their_county_representative_point(bundled_sites, counties):
    reps = representative_points(counties).set_index("adcode").geometry
    for s in bundled_sites.itertuples():
        assert s.geometry.equals(reps[s.adcode]), s.name_zh
        assert counties.set_index("adcode").geometry[s.adcode].contains(s.geometry)


def test_no_coordinate_is_typed_for_a_county_precision_site():
    raw = pd.read_csv(DATA / "sites.csv", dtype=str, keep_default_na=False)
    county = raw[raw["precision"] == "county"]
    assert (county["lon"] == "").all() and (county["lat"] == "").all()


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"programme": "nope"}, "line 2: unknown programme 'nope'"),
        ({"adcode": "130600"}, "line 2: adcode '130600' is not a Baoding county-level unit"),
        ({"precision": "village"}, "line 2: precision must be one of exact, township, county"),
        ({"source_id": "ghost"}, "line 2: source_id 'ghost' is not in sources.csv"),
        ({"location_source_id": "ghost"}, "line 2: location_source_id 'ghost'"),
        ({"lon": "115.05", "lat": "38.85"}, "line 2: precision is county, so lon/lat must stay empty"),
        ({"precision": "exact"}, "line 2: precision exact needs numeric lon and lat"),
        ({"precision": "exact", "lon": "38.85", "lat": "115.05"}, "far outside Baoding (lon/lat swapped?)"),
        ({"precision": "exact", "lon": "115.05", "lat": "38.85", "datum": "beijing54"}, "unknown datum 'beijing54'"),
        ({"name_zh": ""}, "line 2: name_zh is empty"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, tiny_counties, row, message):
    with pytest.raises(DataError, match="sites.csv") as exc:
        read_tiny(tmp_path, tiny_counties, [site(**row)])
    assert message in exc.value.reason


def test_point_outside_baodings_counties_is_an_error(tmp_path, tiny_counties):
    # Inside the rough box, but 20 km north of the three tiny counties.
    with pytest.raises(DataError, match=r"line 3: point lies outside Baoding's counties \(\d+\.\d km away\)"):
        read_tiny(
            tmp_path,
            tiny_counties,
            [site(), site(name_zh="远点", precision="exact", lon="115.15", lat="39.1")],
        )


def test_point_in_another_county_than_stated_is_an_error(tmp_path, tiny_counties):
    with pytest.raises(
        DataError, match=r"line 2: point lies in 乙县 \(000002\), \d+ m outside the stated county 000001"
    ):
        read_tiny(tmp_path, tiny_counties, [site(precision="township", lon="115.15", lat="38.85")])


def test_point_just_outside_its_border_is_accepted(tmp_path, tiny_counties):
    # 100 m east of 甲县's eastern edge at 115.1: within the simplification tolerance.
    lon = 115.1 + 100 / (111_320 * np.cos(np.radians(38.85)))
    out = read_tiny(tmp_path, tiny_counties, [site(precision="exact", lon=f"{lon:.6f}", lat="38.85")])
    assert out.iloc[0]["adcode"] == "000001"


def test_duplicate_site_and_missing_column(tmp_path, tiny_counties):
    with pytest.raises(DataError, match="line 3: duplicate site"):
        read_tiny(tmp_path, tiny_counties, [site(), site()])
    path = tmp_path / "sites.csv"
    path.write_text("name_zh,programme\n甲,pv\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        sites.read_sites(path, tiny_counties, {"pv"}, {"rep"})


def test_optional_columns_may_be_absent(tmp_path, tiny_counties):
    path = tmp_path / "sites.csv"
    path.write_text(",".join(sites.COLUMNS) + "\n甲点,Jia,pv,000001,,,county,rep,x,\n", encoding="utf-8")
    out = sites.read_sites(path, tiny_counties, {"pv"}, {"rep"})
    assert out.iloc[0]["datum_in"] == "wgs84" and out.iloc[0]["facts_zh"] == ""


# ---------------------------------------------------------------- coordinates typed in GCJ-02 / BD-09


@pytest.mark.parametrize("typed_datum", ["gcj02", "GCJ-02", "bd09", "BD-09"])
def test_points_copied_from_amap_or_baidu_are_converted_to_wgs84(tmp_path, tiny_counties, typed_datum):
    true_wgs = (115.05, 38.85)  # inside 甲县
    key = sites.normalize_datum(typed_datum)
    typed = datum.convert_coords(*true_wgs, "wgs84", key)
    assert metres(typed, true_wgs) > 400  # what drawing the raw Amap/Baidu numbers would cost
    out = read_tiny(
        tmp_path,
        tiny_counties,
        [site(precision="exact", lon=f"{typed[0]:.7f}", lat=f"{typed[1]:.7f}", datum=typed_datum)],
    )
    got = (out.geometry.iloc[0].x, out.geometry.iloc[0].y)
    # 1e-7 degrees in the CSV is ~1 cm; BD-09's inverse is the closed-form one (decimetres).
    assert metres(got, true_wgs) < (0.5 if key == "bd09" else 0.05)
    assert out.iloc[0]["datum_in"] == key


def test_to_wgs84_measured_errors_over_baoding():
    """Round trip WGS-84 -> typed datum -> to_wgs84 on a 5 km grid over Baoding."""
    lon, lat = np.meshgrid(np.linspace(113.4, 116.6, 33), np.linspace(38.1, 40.1, 21))
    for key, limit in (("gcj02", 0.001), ("bd09", 0.5)):
        typed = datum.convert_coords(lon, lat, "wgs84", key)
        back = sites.to_wgs84(*typed, key)
        err = GEOD.inv(lon, lat, *back)[2]
        assert err.max() < limit, (key, err.max())


def test_filter_sites_by_programme_and_county(bundled_sites):
    assert len(sites.filter_sites(bundled_sites)) == len(bundled_sites)
    pv = sites.filter_sites(bundled_sites, ["pv"])
    assert set(pv["programme"]) == {"pv"} and len(pv) == 2
    fuping = sites.filter_sites(bundled_sites, [], ["130624"])
    assert set(fuping["adcode"]) == {"130624"} and len(fuping) == 2
    assert sites.filter_sites(bundled_sites, ["pv"], ["130624"]).empty
