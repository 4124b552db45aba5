"""Hostile files (issue 11, items 3 and 4): each class is refused early with a message naming its limit,
GDAL never opens what an upload only pretends to be, and a checking child that dies changes nothing.

Time and memory are measured in bench/hostile_imports.py, not here: these tests lower the limits and
assert that the refusal comes from the cheap check before the costly step.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as hs

from geo.model import indicators, units
from geo.model.boundaries import read_counties
from geo.store import imports as im
from geo.store.imports import child, files, limits

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
HEAD = "county,indicator,year,value,source\n"


@pytest.fixture(scope="module")
def world():
    counties = read_counties(DATA / "counties.geojson")
    return indicators.load_dataset(DATA, set(counties["adcode"])), counties


def check(world, data: bytes, name: str = "t.csv") -> list[str]:
    ds, counties = world
    return [str(p) for p in im.prepare_import(data, name, ds, counties).problems]


def test_a_number_with_thousands_of_multipliers_is_refused_not_parsed(world):
    many = check(world, (HEAD + f"阜平,village_exits,2016,1{'万' * 100},report2016\n").encode())
    assert many == ["row 2, column value: more than 4 multipliers (万/亿/千/百) in one number"]
    # 1 followed by 130,000 亿 overflowed the decimal context (a traceback with server paths): now the cell's length.
    huge = check(world, (HEAD + f"阜平,village_exits,2016,1{'亿' * 130_000},report2016\n").encode())
    assert huge == [f"row 2, column #4: {limits.refusal('cell_chars', limits.MAX_CELL_CHARS, 130_001)}"]


@given(hs.text(alphabet="0123456789.,eE+-万亿千百个人 ", max_size=60))
def test_numbers_fail_only_with_value_errors(text):
    try:
        units.parse_quantity(text)
    except ValueError:
        pass


def test_an_overflowing_exponent_is_a_value_error():
    with pytest.raises(ValueError):
        units.parse_quantity("1" + "9" * 1_100_000)  # more digits than the decimal context's exponent range


def _xlsx(rows: list[list[str]]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _no_openpyxl(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to load a workbook the limits should have refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_many_shared_strings_are_refused_before_openpyxl_loads_them(world, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SHARED_STRINGS", 10)
    _no_openpyxl(monkeypatch)
    book = io.BytesIO(_xlsx([["county"]]))
    with zipfile.ZipFile(book, "a") as z:  # this openpyxl writes inline strings: add the part Excel writes
        z.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>a</t></si>" * 12 + "</sst>")
    (problem,) = check(world, book.getvalue(), "t.xlsx")
    assert "shared strings; at most 10 are accepted" in problem and "共享字符串" in problem


def test_a_row_of_very_many_cells_is_refused_before_it_is_read(world, monkeypatch):
    monkeypatch.setattr(limits, "MAX_COLUMNS", 5)
    _no_openpyxl(monkeypatch)
    (problem,) = check(world, _xlsx([[str(i) for i in range(21)]]), "t.xlsx")
    assert problem == f"row 1, column *: {limits.refusal('columns', 5, '> 21')}"

    def no_csv_reader(*args, **kwargs):
        raise AssertionError("the csv module was handed a line the limits should have refused")

    monkeypatch.setattr(files.csv, "reader", no_csv_reader)
    (problem,) = check(world, ("a," * 5_000_000 + "\n1\n").encode())
    assert problem == f"row 1, column *: {limits.refusal('columns', 5, 5_000_001)}"


def test_more_cells_than_the_limit_are_refused_while_reading(world, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELLS", 50)
    rows = "".join(f"阜平,village_exits,{2000 + i},1,report2016\n" for i in range(20))
    assert check(world, (HEAD + rows).encode()) == [f"row 1, column *: {limits.refusal('cells', 50)}"]


def test_many_unknown_names_stop_checking_and_suggest_for_a_few(world, monkeypatch):
    from geo.model import boundaries

    monkeypatch.setattr(limits, "MAX_PROBLEMS", 40)
    monkeypatch.setattr(limits, "MAX_SUGGESTED", 5)
    fuzzy = []
    real = boundaries.difflib.get_close_matches
    monkeypatch.setattr(boundaries.difflib, "get_close_matches", lambda *a, **k: fuzzy.append(1) or real(*a, **k))
    rows = "".join(f"阜平{i},village_exits,2016,1,report2016\n" for i in range(500))
    got = check(world, (HEAD + rows).encode())
    assert len(got) == 41 and got[-1] == f"row 42, column *: {limits.refusal('problems', 40)}"
    assert len(fuzzy) == 5
    assert "closest" in got[0] and "closest" not in got[10]


def _polygon_geojson(vertices: int) -> bytes:
    t = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    ring = shapely.Polygon(np.c_[114.2 + 0.05 * np.cos(t), 38.85 + 0.05 * np.sin(t)])
    frame = gpd.GeoDataFrame({"adcode": ["130624"]}, geometry=[ring], crs="EPSG:4326")
    return frame.to_json().encode()


def test_a_polygon_of_too_many_vertices_is_refused(world, monkeypatch):
    import pyogrio

    monkeypatch.setattr(limits, "MAX_VERTICES", 100)
    real = pyogrio.read_dataframe

    def no_gdal(*args, **kwargs):
        raise AssertionError("GDAL was asked to read a GeoJSON the limits should have refused")

    monkeypatch.setattr(pyogrio, "read_dataframe", no_gdal)
    (problem,) = check(world, _polygon_geojson(500), "b.geojson")
    assert "vertices; at most 100 are accepted" in problem and "顶点" in problem
    # A GeoPackage is counted exactly once read (its bytes say little about its vertices).
    monkeypatch.setattr(pyogrio, "read_dataframe", real)
    out = io.BytesIO()
    gpd.read_file(io.BytesIO(_polygon_geojson(500))).to_file(out, driver="GPKG", layer="b")
    (problem,) = check(world, out.getvalue(), "b.gpkg")
    assert problem == f"row 1, column *: {limits.refusal('vertices', 100, 501)}"


def _vrt(target: Path) -> bytes:
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>{target}</SrcDataSource>'
        "<GeometryType>wkbNone</GeometryType></OGRVRTLayer></OGRVRTDataSource>"
    ).encode()


@pytest.mark.parametrize("name", ["a.geojson", "a.json", "a.gpkg", "a.zip"])
def test_a_vrt_in_disguise_is_refused_and_reads_nothing(world, tmp_path, name):
    secret = tmp_path / "secret.csv"
    secret.write_text("adcode,name\nSECRET-LINE-42,do not echo\n", encoding="utf-8")
    data = _vrt(secret)
    if name.endswith(".zip"):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("a.shp", data)
        data = out.getvalue()
    got = check(world, data, name)
    assert len(got) == 1 and "not a" in got[0], got
    assert "SECRET" not in " ".join(got) and "do not echo" not in " ".join(got)


def test_gdal_errors_are_reported_without_their_text(world):
    (problem,) = check(world, b'{"type": "FeatureCollection", "features": [{"broken', "a.geojson")
    assert problem.startswith("row 1, column *: not a readable geojson file (") and len(problem) < 80


def test_a_reason_quoting_a_long_cell_is_cut():
    problem = im.ImportProblem(2, "value", "x" * 10_000)
    assert len(problem.reason) == 300 and problem.reason.endswith("…")


def test_the_child_returns_what_the_parent_would(world):
    ds, counties = world
    data = (HEAD + "阜平,village_exits,2016,5,report2016\n").encode()
    seen = []
    result = child.prepare_in_child(data, "a.csv", ds, counties, progress=lambda f, text: seen.append(f))
    here = im.prepare_import(data, "a.csv", ds, counties)
    assert result.ok and result.sha256 == here.sha256 and seen[-1] == 1.0
    assert result.changeset["values"].rows.equals(here.changeset["values"].rows)


def test_a_child_out_of_memory_is_a_clear_problem_and_changes_nothing(world):
    ds, counties = world
    data = (HEAD + "阜平,village_exits,2016,5,report2016\n").encode()
    result = child.prepare_in_child(data, "a.csv", ds, counties, memory_bytes=200 * 2**20)
    assert [str(p) for p in result.problems] == [f"row 1, column *: {limits.refusal('child_memory', 200)}"]
    assert not result.ok and result.changeset == {}


def test_a_child_that_takes_too_long_is_stopped(world, monkeypatch):
    ds, counties = world
    monkeypatch.setattr(child.sys, "executable", "/bin/sleep")  # a "child" that never answers
    monkeypatch.setattr(child, "_CHILD_COMMAND", ["5"])
    result = child.prepare_in_child(json.dumps({}).encode(), "a.csv", ds, counties, seconds=0, grace_s=0.5)
    assert [str(p) for p in result.problems] == [f"row 1, column *: {limits.refusal('child_time', 0)}"]


def test_an_extending_outline_that_overlaps_its_neighbours_is_refused(world):
    """--mode extend gets the coverage checks of build-boundaries (issue 11, item 7)."""
    ds, counties = world
    fuping = counties[counties["adcode"] == "130624"]
    grown = fuping.assign(geometry=fuping.geometry.to_crs(32650).buffer(5000).to_crs(4326))  # into its neighbours
    result = im.prepare_import(grown.to_json().encode(), "b.geojson", ds, counties, im.ImportOptions(mode="extend"))
    reasons = [p.reason for p in result.problems]
    assert reasons and reasons[0].startswith("after this import ") and "pairs of units overlap (now 0)" in reasons[0]
    same = im.prepare_import(fuping.to_json().encode(), "b.geojson", ds, counties, im.ImportOptions(mode="extend"))
    assert same.ok, same.problems


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "ftp://a.cn/x"])
def test_a_new_source_url_must_be_http(world, url):
    ds, counties = world
    spec = im.SourceSpec("", "某报告", "保定市", "2016", url, "B")
    data = (HEAD.replace(",source", "") + "阜平,village_exits,2016,5\n").encode()
    result = im.prepare_import(data, "a.csv", ds, counties, im.ImportOptions(source=spec))
    assert [p.reason for p in result.problems] == [f"URL {url!r} must start with http:// or https://"]
    fine = im.SourceSpec("", "某报告", "保定市", "2016", "https://www.baoding.gov.cn/a.html", "B")
    assert im.prepare_import(data, "a.csv", ds, counties, im.ImportOptions(source=fine)).ok


@pytest.mark.parametrize("hidden", ["\u202e", "\x07", "\u200b", "\t"])
def test_names_with_control_or_invisible_characters_are_refused(world, hidden):
    ds, counties = world
    programme = ds.programmes["programme_id"].iloc[0]
    sites = f"name_zh,programme,county,source\n光伏{hidden}电站,{programme},阜平,report2016\n"
    (problem,) = im.prepare_import(sites.encode(), "s.csv", ds, counties, im.ImportOptions(kind="sites")).problems
    assert problem.column == "name_zh" and f"U+{ord(hidden):04X}" in problem.reason
    one = counties[counties["adcode"] == "130624"].assign(name_zh=f"阜平{hidden}县")
    (problem,) = im.prepare_import(one.to_json().encode(), "b.geojson", ds, counties).problems
    assert problem.column == "name_zh" and "control or invisible character" in problem.reason
