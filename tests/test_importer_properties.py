"""Property tests: malformed tables, encodings, numbers and files never crash the importer or write.

Every input must end in an ImportResult (problems or a changeset), never an exception;
whatever has problems carries no changeset and cannot be committed.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402

from geo import store as st  # noqa: E402
from geo.model import indicators, units  # noqa: E402
from geo.model.boundaries import read_counties  # noqa: E402
from geo.store import admin, auth  # noqa: E402
from geo.store import imports as importer  # noqa: E402
from geo.store.imports.cells import is_share, numeric_value  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
COUNTIES = read_counties(DATA / "counties.geojson")
DS = indicators.load_dataset(DATA, set(COUNTIES["adcode"]))

# Text that looks like what planners type, plus the characters that break parsers.
WORDS = [
    "县", "指标", "年份", "数值", "来源", "单位", "性质", "county", "indicator", "year", "value", "source", "unit",
    "阜平", "淶水縣", "Laishui", "130624", "保定市", "全市", "北京", "剩余贫困人口", "poverty_incidence",
    "pv_grid_connected_mw", "poor_county_type", "Poverty incidence", "report2016", "实际", "目标", "2016", "2016年",
    "10.81万人", "445兆瓦", "1.02亿元", "130MW", "30万千瓦", "12.5%", "１２３", "1,234", "-5", "120%", "1e999",
    "nan", "inf", "（万人）", "经度", "纬度", "lon", "lat", "名称", "专项", "GCJ-02", "BD-09", "114.2", "38.85",
]  # fmt: skip
cells = hs.one_of(
    hs.sampled_from(WORDS),
    hs.text(alphabet=hs.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
    hs.text(alphabet="0123456789,.%万亿千百-+eE 　０１２３４５６７８９，．％兆瓦人元MWkw", max_size=10),
)
tables = hs.lists(hs.lists(cells, min_size=0, max_size=7), min_size=0, max_size=8)
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "latin-1", "big5"]


def _csv(rows: list[list[str]], sep: str) -> str:
    def quote(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(x in c for x in (sep, '"', "\n", "\r")) else c

    return "\n".join(sep.join(quote(c) for c in row) for row in rows)


def check(result: importer.ImportResult) -> None:
    assert isinstance(result, importer.ImportResult)
    assert all(isinstance(p, importer.ImportProblem) and p.row >= 0 and str(p) for p in result.problems)
    if result.problems:
        assert result.changeset == {} and not result.ok
    for change in result.changeset.values():
        if "value" in change.rows and result.kind == "values":
            kinds = DS.indicators.set_index("indicator_id")["kind"]
            for iid, value in zip(change.rows["indicator_id"], change.rows["value"]):
                if kinds[iid] == "numeric":
                    assert math.isfinite(float(value))


@given(
    rows=tables,
    encoding=hs.sampled_from(ENCODINGS),
    sep=hs.sampled_from([",", "\t", ";"]),
    year=hs.one_of(hs.none(), hs.integers(1900, 2200)),
    source=hs.sampled_from(["", "report2016", "nope"]),
)
def test_random_csv_tables_never_crash(rows, encoding, sep, year, source):
    try:
        data = _csv(rows, sep).encode(encoding)
    except UnicodeEncodeError:
        data = _csv(rows, sep).encode("utf-8", "replace")
    options = importer.ImportOptions(year=year, source=importer.SourceSpec(source))
    check(importer.prepare_import(data, "t.csv", DS, COUNTIES, options))


@given(
    rows=hs.lists(
        hs.lists(hs.one_of(cells, hs.integers(-(10**20), 10**20), hs.floats(), hs.none(), hs.booleans()), max_size=6),
        max_size=6,
    )
)
def test_random_xlsx_tables_never_crash(rows):
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = openpyxl.Workbook()
    for row in rows:
        try:
            wb.active.append(row)
        except (ValueError, TypeError, IllegalCharacterError):  # openpyxl cannot write control codes
            return
    out = io.BytesIO()
    wb.save(out)
    check(importer.prepare_import(out.getvalue(), "t.xlsx", DS, COUNTIES, importer.ImportOptions(year=2016)))


@given(data=hs.binary(max_size=300), name=hs.sampled_from(["x.csv", "x.xlsx", "x.geojson", "x.gpkg", "x.zip", "x"]))
def test_random_bytes_never_crash(data, name):
    check(importer.prepare_import(data, name, DS, COUNTIES))


@given(entries=hs.dictionaries(hs.text(min_size=1, max_size=20), hs.binary(max_size=50), max_size=4))
def test_random_zip_archives_never_crash(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in entries.items():
            try:
                z.writestr(name, data)
            except (ValueError, UnicodeEncodeError, IndexError):  # names zipfile cannot write
                return
    for name in ("b.zip", "b.xlsx"):
        check(importer.prepare_import(out.getvalue(), name, DS, COUNTIES))


@given(
    text=hs.one_of(cells, hs.text(max_size=20)),
    indicator=hs.sampled_from(
        [
            "registered_poor_population",
            "poverty_incidence",
            "pv_grid_connected_mw",
            "city_special_funds_growth",
            "fungus_area",
            "tourism_income",
        ]
    ),
    hint=hs.sampled_from(["", "万", "万人", "MW", "%", "亩", "头"]),
)
def test_numbers_parse_or_say_why(text, indicator, hint):
    row = DS.indicators.set_index("indicator_id").loc[indicator]
    try:
        value = numeric_value(text, row, hint)
    except ValueError as exc:
        assert str(exc)
        return
    number = float(value)
    assert math.isfinite(number) and abs(number) <= 1e15
    assert value == units.format_decimal(units.Decimal(value))
    if is_share(row):
        assert 0 <= number <= 100


@pytest.fixture(scope="module")
def module_store(tmp_path_factory):
    s = st.GeoPackageStore(tmp_path_factory.mktemp("prop") / "s.gpkg")
    s.ensure(DATA)
    return s


@given(rows=tables)
def test_nothing_with_problems_is_ever_written(module_store, rows):
    version = module_store.current_version()
    result = importer.prepare_import(_csv(rows, ",").encode(), "t.csv", DS, COUNTIES)
    check(result)
    if not result.ok:
        with pytest.raises(ValueError):
            admin.commit_import(auth.issue("prop"), module_store, result)
    assert module_store.current_version() == version
