"""The importer: formats, encodings, layouts, names, numbers, units, sources, sites, boundaries, CLI."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from geo import store as st
from geo.__main__ import main
from geo.model import indicators, units
from geo.model.boundaries import read_counties
from geo.store import imports as im
from geo.store.imports import limits
from geo.store.imports.catalogue import GRADE_HELP

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FILE_SOURCE = im.ImportOptions(source=im.SourceSpec("report2016"))


@pytest.fixture(scope="module")
def world():
    counties = read_counties(DATA / "counties.geojson")
    return indicators.load_dataset(DATA, set(counties["adcode"])), counties


def run(world, data: bytes, name: str = "t.csv", options: im.ImportOptions | None = None) -> im.ImportResult:
    ds, counties = world
    return im.prepare_import(data, name, ds, counties, options)


def values_of(result: im.ImportResult) -> list[tuple[str, str, str, str]]:
    v = result.changeset["values"].rows
    return list(zip(v["indicator_id"], v["adcode"], v["year"], v["value"]))


def problems(result: im.ImportResult) -> list[str]:
    return [str(p) for p in result.problems]


def xlsx(rows: list[list], formats: dict[str, str] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for cell, fmt in (formats or {}).items():
        ws[cell].number_format = fmt
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


LONG = (
    "县,指标,年份,数值,来源\n阜平,剩余贫困人口,2016,10.81万人,report2016\n"
    "淶水縣,poverty_incidence,2015,12.5%,report2016\n"
)
EXPECTED = [
    ("poor_population_remaining", "130624", "2016", "108100"),
    ("poverty_incidence", "130623", "2015", "12.5"),
]


# --- numbers and units ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        ("10.81万人", "人", "108100"),
        ("445兆瓦", "兆瓦", "445"),
        ("1.02亿元", "元", "102000000"),
        ("130MW", "兆瓦", "130"),
        ("30万千瓦", "兆瓦", "300"),
        ("２２８７０", "人", "22870"),
        ("1,234,567", "元", "1234567"),
        ("12.5%", "%", "12.5"),
        ("３０％", "%", "30"),
        ("2228.7万元", "元", "22287000"),
        ("7.582", "兆瓦", "7.582"),
        ("6300亩", "亩", "6300"),
        ("2 公顷", "亩", "30"),
        ("1e3", "人", "1000"),
    ],
)
def test_numbers_as_people_write_them(text, target, expected):
    value, unit = units.parse_quantity(text)
    assert units.format_decimal(units.convert(value, unit, target)) == expected


@pytest.mark.parametrize(
    ("text", "target", "reason"),
    [
        ("1,23", "人", "thousands"),
        ("12头", "人", "unknown unit"),
        ("445兆瓦", "人", "does not fit"),
        ("5人次", "人", "does not fit"),
        ("abc", "人", "not a number"),
        ("1.2.3", "人", "not a number"),
        ("", "人", "empty"),
    ],
)
def test_bad_numbers_say_why(text, target, reason):
    with pytest.raises(ValueError, match=reason):
        value, unit = units.parse_quantity(text)
        units.convert(value, unit, target)


def test_decimal_arithmetic_is_exact():
    assert units.parse_quantity("10.81万")[0] == Decimal("108100")
    assert units.format_decimal(Decimal("0.30000")) == "0.3"


# --- formats and encodings ---------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding(world, encoding):
    r = run(world, LONG.encode(encoding))
    assert r.ok, problems(r)
    assert values_of(r) == EXPECTED
    assert r.kind == "values" and r.rows == 2


def test_not_text_is_a_problem(world):
    r = run(world, "县,指标\n".encode("utf-16"))
    assert not r.ok and "neither UTF-8 nor GBK" in problems(r)[0]
    assert r.changeset == {}


def test_tab_and_semicolon_separated(world):
    for sep in ("\t", ";"):
        r = run(world, LONG.replace(",", sep).encode())
        assert values_of(r) == EXPECTED


def test_xlsx_long_table(world):
    r = run(
        world,
        xlsx([["县", "指标", "年份", "数值", "来源"], ["阜平县", "剩余贫困人口", 2016, "10.81万人", "report2016"]]),
        "a.xlsx",
    )
    assert r.ok and values_of(r) == [EXPECTED[0]]


def test_xlsx_wide_table_with_ids_names_units_and_a_percent_cell(world):
    rows = [
        ["county", "Poverty incidence", "poor_population_remaining", "行政村数（个）", "剩余贫困村（万）"],
        ["阜平县", 0.35, 20000, 209, None],
        ["130630", None, "2.3万", 285, 0.0097],
    ]
    r = run(
        world, xlsx(rows, {"B2": "0%"}), "wide.xlsx", im.ImportOptions(year=2017, source=im.SourceSpec("report2016"))
    )
    assert r.ok, problems(r)
    got = set(values_of(r))
    assert ("poverty_incidence", "130624", "2017", "35") in got
    assert ("poor_population_remaining", "130630", "2017", "23000") in got
    assert ("administrative_villages", "130630", "2017", "285") in got
    assert ("poor_villages_remaining", "130630", "2017", "97") in got  # 0.0097万 in a column headed 万
    assert not any(a == "130624" and i == "poor_villages_remaining" for i, a, _, _ in got)  # empty cell: no figure
    assert len(got) == 6


def test_unreadable_xlsx_is_a_problem(world):
    r = run(world, b"PK\x03\x04 not really a zip", "broken.xlsx")
    assert not r.ok and "not a readable XLSX" in problems(r)[0]


# --- counties --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["阜平", "阜平县", "阜平縣", "Fuping", "fuping county", "130624", " 阜平县 "])
def test_county_names_in_either_script_and_short_forms(world, name):
    r = run(world, f"county,indicator,year,value\n{name},剩余贫困人口,2016,5\n".encode(), options=FILE_SOURCE)
    assert values_of(r) == [("poor_population_remaining", "130624", "2016", "5")]


@pytest.mark.parametrize("name", ["淶水", "涞水县", "Laishui", "淶水縣"])
def test_laishui_in_every_spelling(world, name):
    r = run(world, f"county,indicator,year,value\n{name},剩余贫困人口,2016,5\n".encode(), options=FILE_SOURCE)
    assert values_of(r)[0][1] == "130623"


def test_whole_city_rows_go_to_130600(world):
    r = run(world, "县,指标,年份,数值\n全市,pv_grid_connected_mw,2017,130MW\n".encode(), options=FILE_SOURCE)
    assert values_of(r) == [("pv_grid_connected_mw", "130600", "2017", "130")]


def test_unknown_county_suggests_the_closest(world):
    r = run(world, "县,指标,年份,数值\n阜平坪,剩余贫困人口,2016,5\n".encode(), options=FILE_SOURCE)
    assert problems(r) == ["row 2, column 县: no unit matches: '阜平坪'; closest: 阜平县 (130624)"]


def test_ambiguous_county_is_a_problem(world):
    ds, counties = world
    twin = counties[counties["adcode"] == "130623"].assign(adcode="130699", name_zh="涞水市", name_en="Laishui City")
    r = im.prepare_import(
        "县,指标,年份,数值\n涞水,剩余贫困人口,2016,5\n".encode(), "t.csv", ds, pd.concat([counties, twin]), FILE_SOURCE
    )
    assert "more than one unit matches" in problems(r)[0] and "130623" in problems(r)[0]


# --- checks ------------------------------------------------------------------------------


def test_every_problem_is_listed_with_row_and_column(world):
    text = (
        "县,指标,年份,数值,来源\n"
        "阜平,剩余贫困人口,2016,-5,report2016\n"
        "阜平,poverty_incidence,2016,120%,report2016\n"
        "阜平,剩余贫困人口,2016,445兆瓦,report2016\n"
        "阜平,剩余贫困人口,16,5,report2016\n"
        "阜平,no_such_indicator,2016,5,report2016\n"
        "阜平,剩余贫困人口,2015,5,nobody\n"
    )
    r = run(world, text.encode())
    got = problems(r)
    assert got[:4] == [
        "row 2, column 数值: '-5' cannot be negative (persons)",
        "row 3, column 数值: '120%': a share cannot exceed 100%",
        "row 4, column 数值: unit 兆瓦 does not fit the indicator's unit 人",
        "row 5, column 年份: year 16 is outside 1949–2100",
    ]
    assert got[4].startswith("row 6, column 指标: unknown indicator 'no_such_indicator'")
    assert got[5] == "row 7, column 来源: unknown source 'nobody': give a source_id or title from the sources list"
    assert len(got) == 6 and r.changeset == {}


def test_a_growth_rate_may_exceed_100_percent(world):
    r = run(world, "县,指标,年份,数值\n全市,city_special_funds_growth,2016,104%\n".encode(), options=FILE_SOURCE)
    assert values_of(r) == [("city_special_funds_growth", "130600", "2016", "104")]


def test_every_value_needs_a_source(world):
    r = run(world, "县,指标,年份,数值\n阜平,剩余贫困人口,2016,5\n涞源,剩余贫困人口,2016,6\n".encode())
    assert problems(r) == [
        "row 2, column source: no source: add a source column or give one source for the file",
        "row 3, column source: no source: add a source column or give one source for the file",
    ]


def test_a_new_source_for_the_file(world):
    spec = im.SourceSpec(title="阜平县统计年鉴", publisher="阜平县统计局", date="2017-05", grade="A")
    r = run(world, "县,指标,年份,数值\n阜平,剩余贫困人口,2016,5\n".encode(), options=im.ImportOptions(source=spec))
    assert r.ok
    source = r.changeset["sources"].rows.iloc[0]
    assert source["source_id"].startswith("import_") and source["publisher"] == "阜平县统计局"
    assert r.changeset["values"].rows["source_id"].tolist() == [source["source_id"]]
    incomplete = im.SourceSpec(title="某表")
    r = run(
        world, "县,指标,年份,数值\n阜平,剩余贫困人口,2016,5\n".encode(), options=im.ImportOptions(source=incomplete)
    )
    assert problems(r) == [
        "row 1, column source: a new source needs its publisher",
        "row 1, column source: a new source needs its date",
        f"row 1, column source: a new source needs its grade: {GRADE_HELP}",
    ]


def test_year_from_the_file_or_an_option(world):
    text = "县,剩余贫困人口\n阜平,5\n".encode()
    assert "no year" in problems(run(world, text, options=FILE_SOURCE))[0]
    r = run(world, text, options=im.ImportOptions(year=2018, source=im.SourceSpec("report2016")))
    assert values_of(r) == [("poor_population_remaining", "130624", "2018", "5")]


def test_repeated_rows_are_a_problem(world):
    r = run(
        world, "县,指标,年份,数值\n阜平,剩余贫困人口,2016,5\nFuping,剩余贫困人口,2016,6\n".encode(), options=FILE_SOURCE
    )
    assert problems(r) == ["row 3, column 数值: the same indicator, place, year and status as row 2"]


def test_unknown_column_in_a_wide_table(world):
    r = run(world, "县,剩余贫困人囗,年份\n阜平,5,2016\n".encode(), options=FILE_SOURCE)
    assert any("unknown column" in p and "poor_population_remaining" in p for p in problems(r))


def test_category_by_label_and_status_in_chinese(world):
    r = run(
        world,
        "县,指标,年份,数值,性质\n阜平,poor_county_type,2016,国家扶贫开发工作重点县(燕太片区),目标\n".encode(),
        options=FILE_SOURCE,
    )
    v = r.changeset["values"].rows.iloc[0]
    assert (v["value"], v["status"]) == ("national_key_yt", "target")


def test_a_city_only_indicator_becomes_a_county_indicator(world):
    r = run(world, "县,指标,年份,数值\n阜平,pv_grid_connected_mw,2016,20MW\n".encode(), options=FILE_SOURCE)
    assert r.changeset["indicators"].rows[["indicator_id", "level"]].values.tolist() == [
        ["pv_grid_connected_mw", "county"]
    ]


def test_empty_and_header_only_files(world):
    assert "no rows" in problems(run(world, b""))[0]
    assert "no data rows" in problems(run(world, "县,指标,年份,数值\n".encode()))[0]


# --- sites ------------------------------------------------------------------------------------


def test_sites_csv_with_gcj02_coordinates(world):
    text = (
        "名称,专项,经度,纬度,坐标系,来源\n"
        "试点光伏电站,光伏扶贫,114.199,38.849,GCJ-02,report2016\n"
        "某地,pv,116.40,39.90,WGS-84,report2016\n"
    )
    r = run(world, text.encode("gbk"))
    assert r.kind == "sites"
    assert problems(r)[0].startswith("row 3, column 经度: the point (116.40, 39.90, wgs84) lies outside Baoding")
    r = run(world, text.split("某地")[0].encode())
    assert r.ok, problems(r)
    site = r.changeset["sites"].rows.iloc[0]
    assert (site["adcode"], site["datum"], site["precision"], site["lon"]) == ("130624", "gcj02", "exact", "114.199")


def test_sites_from_geojson_and_geopackage_with_a_declared_datum(world, tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["村级电站"], "programme": ["pv"], "source": ["report2016"]},
        geometry=[shapely.Point(115.47, 38.87)],
        crs="EPSG:4490",
    )
    frame.to_file(tmp_path / "s.gpkg", driver="GPKG")
    frame.to_file(tmp_path / "s.geojson", driver="GeoJSON")
    for name in ("s.gpkg", "s.geojson"):
        r = run(world, (tmp_path / name).read_bytes(), name, im.ImportOptions(datum="CGCS2000"))
        assert r.ok, problems(r)
        assert r.changeset["sites"].rows["datum"].tolist() == ["wgs84"]


def test_projected_sites_are_reprojected(world, tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["x"], "programme": ["pv"], "source": ["report2016"]},
        geometry=[shapely.Point(115.47, 38.87)],
        crs="EPSG:4326",
    ).to_crs("EPSG:32650")  # UTM 50N metres, as a surveyor's file might be
    frame.to_file(tmp_path / "utm.gpkg", driver="GPKG")
    r = run(world, (tmp_path / "utm.gpkg").read_bytes(), "utm.gpkg")
    assert r.ok, problems(r)
    site = r.changeset["sites"].rows.iloc[0]
    assert (site["datum"], round(float(site["lon"]), 5), round(float(site["lat"]), 5)) == ("wgs84", 115.47, 38.87)


# --- boundaries ------------------------------------------------------------------------------


def _geojson(frame: gpd.GeoDataFrame) -> bytes:
    return frame.to_json().encode()


def test_boundaries_extend_by_adcode(world):
    _, counties = world
    one = counties[counties["adcode"] == "130624"].drop(columns=["name_zh", "name_en"])
    r = run(world, _geojson(one), "b.geojson")
    assert r.kind == "boundaries" and r.ok, problems(r)
    change = r.changeset["counties"]
    assert not change.replace and change.rows["name_zh"].tolist() == ["阜平县"]


def test_invalid_geometry_and_foreign_codes_are_problems(world):
    bowtie = shapely.Polygon([(115.0, 38.8), (115.1, 38.9), (115.1, 38.8), (115.0, 38.9)])
    frame = gpd.GeoDataFrame(
        {"adcode": ["130624", "110101"], "name_zh": ["a", "b"], "name_en": ["a", "b"]},
        geometry=[bowtie, shapely.box(115, 38.8, 115.1, 38.9)],
        crs="EPSG:4326",
    )
    assert problems(run(world, _geojson(frame), "b.geojson")) == [
        "row 1, column geometry: invalid geometry (Self-intersection[115.05 38.85])",
        "row 2, column adcode: adcode '110101' is not a county-level code 1306xx (BAODING_REGION)",
    ]


def test_replace_must_keep_every_unit_with_values(world):
    _, counties = world
    r = run(world, _geojson(counties[counties["adcode"] == "130624"]), "b.geojson", im.ImportOptions(mode="replace"))
    assert not r.ok and any("has values but is missing" in p for p in problems(r))


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def test_zipped_shapefile(world, tmp_path):
    _, counties = world
    counties[counties["adcode"].isin(["130624", "130630"])].to_file(tmp_path / "c.shp", encoding="utf-8")
    entries = {f"c/c{ext}": (tmp_path / f"c{ext}").read_bytes() for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")}
    r = run(world, _zip(entries), "c.zip")
    assert r.ok, problems(r)
    assert sorted(r.changeset["counties"].rows["adcode"]) == ["130624", "130630"]


@pytest.mark.parametrize("name", ["../evil.shp", "/etc/evil.shp", "a/../../evil.shp", "C:/evil.shp"])
def test_zip_entries_escaping_the_folder_are_rejected(world, name):
    r = run(world, _zip({name: b"x"}), "c.zip")
    assert problems(r) == [f"row 1, column *: archive entry {name!r} points outside the archive's folder"]


def test_oversized_archives_are_rejected(world, monkeypatch):
    monkeypatch.setattr(limits, "MAX_UNZIPPED_BYTES", 1000)
    r = run(world, _zip({"c.shp": b"\0" * 5000}), "c.zip")
    assert "unpacks to more than" in problems(r)[0]
    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 10)
    assert "larger than" in problems(run(world, b"x" * 11))[0]


from geo.web.imports import template_bytes  # noqa: E402

# --- template ---------------------------------------------------------------------------------


def test_template_lists_the_catalogue_and_imports_when_filled(world):
    ds, counties = world
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes(ds, counties)))
    assert wb.sheetnames[:3] == ["数据 values", "指标 indicators", "县 counties"]
    assert wb["指标 indicators"].max_row == len(ds.indicators) + 1
    assert wb["县 counties"].max_row == len(counties) + 2
    wb.worksheets[0].append(["Fuping", "剩余贫困人口", 2016, "10.81万人", "", "", "report2016"])
    out = io.BytesIO()
    wb.save(out)
    r = run(world, out.getvalue(), "filled.xlsx")
    assert values_of(r) == [EXPECTED[0]]


# --- store and command line -------------------------------------------------------------------


def test_import_commits_with_its_source_and_shows_up(store, tmp_path):
    r = im.prepare_import(LONG.encode("gbk"), "a.csv", store.dataset(), store.counties())
    v = store.commit(r.changeset, st.Meta("alice", r.file_name, r.sha256))
    assert v.file_sha256 == r.sha256
    values = store.dataset().values
    row = values[
        (values["indicator_id"] == "poor_population_remaining")
        & (values["adcode"] == "130624")
        & (values["year"] == 2016)
    ]
    assert row["number"].tolist() == [108100.0] and row["source_id"].tolist() == ["report2016"]


def test_cli_exit_codes_and_nothing_written_on_problems(tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(LONG.encode("gb18030"))
    bad.write_bytes((LONG + "北京,剩余贫困人口,2016,5,report2016\n").encode())
    assert main(["import", str(bad)]) == 1
    out = capsys.readouterr()
    assert "row 4, column 县: no unit matches: '北京'" in out.out and "nothing written" in out.err
    assert main(["import", str(good), "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    store = st.open_store()
    assert store.current_version() == 1
    assert main(["import", str(good), "--who", "王五"]) == 0
    assert "version 2 by 王五" in capsys.readouterr().out
    v2 = store.versions()[0]
    assert (v2.who, v2.file_name, v2.added + v2.changed) == ("王五", "good.csv", 2)
    assert main(["rollback", "1", "--who", "王五"]) == 0
    assert store.content() == store.content(1)


def test_cli_hash_password(monkeypatch, capsys):
    from geo.store import auth

    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert main(["hash-password"]) == 0
    hashed = capsys.readouterr().out.strip()
    assert auth.verify_password("correct horse", hashed) and not auth.verify_password("wrong", hashed)


def test_geojson_problem_output_is_json_safe(world):
    r = run(world, b'{"type": "FeatureCollection", "features": []}', "x.geojson")
    assert not r.ok
    json.dumps([str(p) for p in r.problems])
