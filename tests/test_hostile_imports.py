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
    assert [str(p) for p in result.problems] == [f"row 1, column *: {limits.refusal('child_memory', '200 MB')}"]
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


# GeoPackages that make GDAL read other files (issue 25, item 3): each is refused before GDAL opens it,
# with a message naming what was found, and no line of the file it points at appears anywhere.
CANARY = "CANARY-7f3a9c-do-not-echo"


@pytest.fixture
def canary(tmp_path) -> dict[str, Path]:
    """A file a hostile upload points at (a polygon in Baoding whose adcode is the canary token), and a
    VRT naming it: were either read, the problems would quote the token."""
    ring = [[114.1, 38.8], [114.3, 38.8], [114.3, 38.9], [114.1, 38.8]]
    feature = {
        "type": "Feature",
        "properties": {"adcode": CANARY, "name_zh": CANARY, "name_en": CANARY},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    target = tmp_path / "canary.geojson"
    target.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    vrt = tmp_path / "canary.vrt"
    vrt.write_text(
        f'<OGRVRTDataSource><OGRVRTLayer name="canary"><SrcDataSource>{target}</SrcDataSource>'
        "</OGRVRTLayer></OGRVRTDataSource>",
        encoding="utf-8",
    )
    return {"target": target, "vrt": vrt}


def _fuping_gpkg(path: Path) -> None:
    counties = read_counties(DATA / "counties.geojson")
    counties[counties["adcode"] == "130624"].to_file(path, driver="GPKG", layer="b")  # with its rtree index


def _raw_schema(conn, kind: str, name: str, table: str, sql: str) -> None:
    """A schema entry as the file would carry it, written past SQLite's own parser (as an attacker can)."""
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES (?, ?, ?, 0, ?)",
        (kind, name, table, sql),
    )
    conn.commit()
    conn.execute("PRAGMA writable_schema = OFF")


def _layer(conn, name: str) -> None:
    """Make ``name`` the GeoPackage's only feature layer (GDAL reads it), with a geometry column ``geom``."""
    conn.execute("DELETE FROM gpkg_contents")
    sql = "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, 'features', ?, 4326)"
    conn.execute(sql, (name, name))
    conn.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', 4326, 0, 0)", (name,))
    conn.commit()


def hostile_gpkg(path: Path, how: str, canary: dict[str, Path]) -> bytes:
    import sqlite3

    target, vrt = canary["target"], canary["vrt"]
    if how == "plain_sqlite_virtualogr":
        # A plain SQLite database (no GeoPackage application_id) goes to GDAL's SQLite driver, which lists
        # a VirtualOGR table as a layer and reads the file it names; geometry_columns makes it a polygon layer.
        conn = sqlite3.connect(path)
        _raw_schema(conn, "table", "v", "v", f"CREATE VIRTUAL TABLE v USING VirtualOGR('{target}')")
        conn.executescript(
            "CREATE TABLE geometry_columns (f_table_name TEXT, f_geometry_column TEXT, geometry_type INTEGER,"
            " coord_dimension INTEGER, srid INTEGER, geometry_format TEXT);"
            "INSERT INTO geometry_columns VALUES ('v', 'GEOMETRY', 3, 2, 4326, 'SpatiaLite');"
            "CREATE TABLE spatial_ref_sys (srid INTEGER UNIQUE, auth_name TEXT, auth_srid TEXT, srtext TEXT);"
            "INSERT INTO spatial_ref_sys VALUES (4326, 'EPSG', '4326', '');"
        )
        conn.commit()
        conn.close()
        return path.read_bytes()
    _fuping_gpkg(path)
    conn = sqlite3.connect(path)
    # A view GDAL reads as the layer, whose column names another file (an extension, a data source, a path).
    views = {
        "load_extension_view": f"load_extension('{target}')",
        "vrt_reference": f"ogr_datasource_load_layers('{vrt}')",
        "vsi_path": f"'/vsizip/{target}.zip'",
    }
    if how in views:
        conn.execute(f"CREATE VIEW w AS SELECT fid, geom, {views[how]} AS adcode FROM b")
        _layer(conn, "w")
    elif how == "virtualogr_layer":
        _raw_schema(conn, "table", "v", "v", f"CREATE VIRTUAL TABLE v USING VirtualOGR('{target}')")
        _layer(conn, "v")
    elif how == "attach_trigger":
        trigger = f"CREATE TRIGGER t AFTER INSERT ON b BEGIN ATTACH DATABASE '{target}' AS c; END"
        _raw_schema(conn, "trigger", "t", "b", trigger)
    elif how == "attach_view":
        _raw_schema(conn, "view", "w", "w", f"CREATE VIEW w AS SELECT * FROM b; ATTACH DATABASE '{target}' AS c")
        _layer(conn, "w")
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    "how, named",
    [
        ("plain_sqlite_virtualogr", "a virtual table using 'VirtualOGR' (table 'v')"),
        ("virtualogr_layer", "a virtual table using 'VirtualOGR' (table 'v')"),
        ("load_extension_view", "load_extension in view 'w'"),
        ("attach_trigger", "ATTACH in trigger 't'"),
        ("attach_view", "ATTACH in view 'w'"),
        ("vrt_reference", "a VRT reference in view 'w'"),
        ("vsi_path", "a GDAL virtual file path (/vsizip…) in view 'w'"),
    ],
)
def test_a_geopackage_that_reads_other_files_is_refused_naming_what_it_uses(world, tmp_path, canary, capfd, how, named):
    data = hostile_gpkg(tmp_path / "hostile.gpkg", how, canary)
    got = check(world, data, "hostile.gpkg")
    assert len(got) == 1 and "would make GDAL read outside the file" in got[0] and named in got[0], got
    out, err = capfd.readouterr()
    for line in [*canary["target"].read_text().splitlines(), CANARY]:
        assert line not in " ".join(got) + out + err


def test_the_same_files_are_refused_by_the_checking_child(world, tmp_path, canary):
    ds, counties = world
    for how in ("plain_sqlite_virtualogr", "vrt_reference"):
        data = hostile_gpkg(tmp_path / f"{how}.gpkg", how, canary)
        (problem,) = child.prepare_in_child(data, "h.gpkg", ds, counties).problems
        assert "would make GDAL read outside the file" in problem.reason and CANARY not in problem.reason


def test_gdal_reads_an_upload_with_only_the_driver_its_format_needs(world, tmp_path, canary, monkeypatch):
    """Even past the schema check, a plain SQLite database is not opened: GDAL has only the GPKG driver."""
    from geo.store.imports import gdal, geopackage

    monkeypatch.setattr(geopackage, "check_geopackage", lambda path: None)
    data = hostile_gpkg(tmp_path / "h.gpkg", "plain_sqlite_virtualogr", canary)
    (problem,) = check(world, data, "h.gpkg")
    assert problem == "row 1, column *: not a readable gpkg file (DataSourceError)" and CANARY not in problem
    with gdal.only_driver("GeoJSON"):
        assert gdal.registered() == ["GeoJSON"]
    assert len(gdal.registered()) > 50 and gdal.registered()[0] != "GeoJSON"  # all back, in their order


def test_a_plain_geopackage_with_its_spatial_index_still_imports(world, tmp_path):
    ds, counties = world
    _fuping_gpkg(tmp_path / "b.gpkg")
    result = im.prepare_import(
        (tmp_path / "b.gpkg").read_bytes(), "b.gpkg", ds, counties, im.ImportOptions(mode="extend")
    )
    assert result.ok, result.problems


def _sqlite_view(path: Path, body: str) -> bytes:
    """A GeoPackage whose one layer is a view computing its rows (``body`` selects fid, geom, adcode from c)."""
    import sqlite3

    _fuping_gpkg(path)
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE VIEW w AS {body}")
    _layer(conn, "w")
    conn.close()
    return path.read_bytes()


# A view that never yields its first row: counting forever in constant memory (it meets the time limit).
ENDLESS = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT x AS fid, (SELECT geom FROM b) AS geom, '130624' AS adcode FROM c WHERE x < 0"
)


def test_the_cli_checks_in_the_same_limited_child_with_the_same_message(world, tmp_path):
    """python -m geo import: a view that never ends is stopped at the time limit (lowered here by its
    setting) with the app's message, and the child's temporary folder is gone afterwards."""
    import subprocess
    import sys

    ds, counties = world
    data = _sqlite_view(tmp_path / "endless.gpkg", ENDLESS)
    app = child.prepare_in_child(data, "endless.gpkg", ds, counties, seconds=3)
    assert [p.reason for p in app.problems] == [limits.refusal("child_time", 3)]
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {
        **__import__("os").environ,
        "BAODING_IMPORT_SECONDS": "3",
        "BAODING_STORE": str(tmp_path / "store.gpkg"),
        "TMPDIR": str(temp),
    }
    cli = subprocess.run(
        [sys.executable, "-m", "geo", "import", str(tmp_path / "endless.gpkg"), "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 1
    assert cli.stdout.strip() == f"row 1, column *: {limits.refusal('child_time', 3)}"
    assert "nothing written" in cli.stderr
    assert list(temp.iterdir()) == []


def test_a_child_killed_at_its_time_limit_leaves_no_temporary_folder(world, tmp_path, monkeypatch):
    import tempfile
    import threading

    ds, counties = world
    data = _sqlite_view(tmp_path / "endless.gpkg", ENDLESS)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    seen: set[str] = set()
    done = threading.Event()

    def watch() -> None:  # what the child writes while it works: its copy of the upload
        while not done.is_set():
            seen.update(p.name for p in temp.rglob("*"))
            done.wait(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = child.prepare_in_child(data, "endless.gpkg", ds, counties, seconds=2)
    finally:
        done.set()
        watcher.join()
    assert [p.reason for p in result.problems] == [limits.refusal("child_time", 2)]
    assert "upload.gpkg" in seen, seen  # the child did write into the folder the parent made ...
    assert list(temp.iterdir()) == []  # ... and the parent removed it after the kill


def test_a_child_stopped_by_its_memory_cap_names_the_limit(world, tmp_path):
    """A view of 1,000 rows of 1 MB each: more than the cap (1.25 GB; the interpreter maps ~0.9 GB)."""
    ds, counties = world
    body = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) "
        "SELECT x AS fid, (SELECT geom FROM b) AS geom, hex(zeroblob(500000)) || x AS adcode FROM c"
    )
    data = _sqlite_view(tmp_path / "big.gpkg", body)
    cap = 5 * 2**28
    result = child.prepare_in_child(data, "big.gpkg", ds, counties, memory_bytes=cap)
    assert [p.reason for p in result.problems] == [limits.refusal("child_memory", "1.25 GB")]
    assert "the file needs more than 1.25 GB of memory to check" in result.problems[0].reason


def _zipped_shapefile(tmp_path: Path, points: int) -> bytes:
    where = gpd.points_from_xy([115.0] * points, [38.9] * points)
    frame = gpd.GeoDataFrame({"name_zh": [f"点{i}" for i in range(points)]}, geometry=where, crs="EPSG:4326")
    frame.to_file(tmp_path / "s.shp")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for part in tmp_path.glob("s.*"):
            z.write(part, part.name)
    return out.getvalue()


def test_a_shapefiles_declared_record_count_is_checked_before_gdal_reads_it(world, tmp_path, monkeypatch):
    import pyogrio

    monkeypatch.setattr(limits, "MAX_ROWS", 10)

    def no_gdal(*args, **kwargs):
        raise AssertionError("GDAL was asked to read a Shapefile its headers should have refused")

    monkeypatch.setattr(pyogrio, "read_dataframe", no_gdal)
    (problem,) = check(world, _zipped_shapefile(tmp_path, 20), "s.zip")
    assert problem == f"row 1, column *: {limits.refusal('rows', 10)} (the .shx index declares 20)"


def test_a_shapefile_whose_table_declares_more_records_than_it_holds_is_refused(world, tmp_path, monkeypatch):
    import struct

    import pyogrio

    monkeypatch.setattr(pyogrio, "read_dataframe", lambda *a, **k: pytest.fail("GDAL read a damaged Shapefile"))
    data = _zipped_shapefile(tmp_path, 3)
    dbf = bytearray((tmp_path / "s.dbf").read_bytes())
    dbf[4:8] = struct.pack("<I", 40_000)  # under the row limit, far more than the file holds
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info.filename, bytes(dbf) if info.filename.endswith(".dbf") else src.read(info))
    (problem,) = check(world, out.getvalue(), "s.zip")
    assert problem == "row 1, column *: the .dbf table declares 40000 records but holds fewer: the Shapefile is damaged"


def test_only_the_shapefiles_own_parts_are_unpacked(tmp_path):
    out = io.BytesIO(_zipped_shapefile(tmp_path, 3))
    with zipfile.ZipFile(out, "a") as z:
        z.writestr("other.vrt", "<OGRVRTDataSource/>")
        z.writestr("s.txt", "x")
    folder = tmp_path / "unpacked"
    folder.mkdir()
    files.unpack_shapefile(out.getvalue(), folder)
    unpacked = sorted(p.name for p in folder.iterdir())
    assert unpacked == ["upload.cpg", "upload.dbf", "upload.prj", "upload.shp", "upload.shx"]


def test_a_view_of_millions_of_rows_is_read_only_one_row_past_the_limit(world, tmp_path, monkeypatch):
    """GDAL is asked for MAX_ROWS + 1 features: a 10-million-row view is refused by the row limit."""
    import time

    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    body = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000) "
        "SELECT x AS fid, (SELECT geom FROM b) AS geom, '130624' AS adcode FROM c"
    )
    start = time.process_time()
    (problem,) = check(world, _sqlite_view(tmp_path / "many.gpkg", body), "many.gpkg")
    assert problem == f"row 1, column *: {limits.refusal('rows', 100)}"
    assert time.process_time() - start < 30  # reading all 10 million rows takes minutes
