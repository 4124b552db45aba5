"""Bring planners' files into the store: read, check every cell, preview, then commit.

``prepare_import(data, file_name, ds, counties, options)`` reads a file (CSV in UTF-8,
UTF-8 with BOM or GBK/GB18030; XLSX; GeoJSON; GeoPackage; zipped Shapefile) and returns
an ImportResult: the problems found (``row N, column C: reason``) or, when there are
none, the changeset to commit. It writes nothing; the store does, in one transaction,
and only a result without problems can be committed.

Three kinds of file:
- values: long tables (county, indicator, year, value, [unit, status, source, locator,
  note]) or wide ones (one row per county, one column per indicator, named by id or by
  its Chinese or English name); numbers as people write them, converted to the
  indicator's unit (geo.model.units);
- sites: points with a declared datum (WGS-84, CGCS2000, GCJ-02, BD-09);
- boundaries: county polygons keyed by adcode, extending or replacing the current ones.

Every imported figure carries a source: a source column, or one source for the file.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.model import datum as dt
from geo.model import indicators as ind
from geo.model import sites as st_sites
from geo.model import units
from geo.model.boundaries import CountyMatchError, match_county
from geo.store.core import Change, Changeset

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_ABS_VALUE = Decimal(10) ** 15
YEARS = (1949, 2100)
KINDS = ("auto", "values", "sites", "boundaries")
BOUNDARY_MODES = ("extend", "replace")
# Accepted datum names -> geo.model.datum's; CGCS2000 (China's GNSS datum) agrees with WGS-84 to
# within a metre or so here, far below what a county map shows.
DATUM_NAMES = {"wgs84": "wgs84", "cgcs2000": "wgs84", "gcj02": "gcj02", "bd09": "bd09", "": "wgs84"}
CITY_NAMES = {"保定", "保定市", "全市", "全市合计", "合计", "baoding", "baodingcity", "wholecity", "city"}
FILE_COLUMN = "*"

ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True, order=True)
class ImportProblem:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportFailed(Exception):
    """The file cannot be read at all; ``problems`` say why."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(map(str, problems)))


def _fail(reason: str, column: str = FILE_COLUMN, row: int = 1) -> ImportFailed:
    return ImportFailed([ImportProblem(row, column, reason)])


@dataclass(frozen=True)
class SourceSpec:
    """The file's source: an existing ``source_id``, or a new one (title, publisher, date)."""

    source_id: str = ""
    title: str = ""
    publisher: str = ""
    date: str = ""
    url: str = ""

    @property
    def given(self) -> bool:
        return bool(self.source_id or self.title or self.publisher or self.date or self.url)


@dataclass(frozen=True)
class ImportOptions:
    kind: str = "auto"
    year: int | None = None
    status: str = "reported"
    source: SourceSpec = field(default_factory=SourceSpec)
    datum: str = ""  # sites and boundaries without their own CRS or datum column
    mode: str = "extend"  # boundaries: extend or replace the current units


@dataclass
class ImportResult:
    file_name: str
    sha256: str
    kind: str
    rows: int
    problems: list[ImportProblem]
    changeset: Changeset

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.changeset)


# ---------------------------------------------------------------------------
# Reading files into a header and rows of text


@dataclass
class RawTable:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)


def _detect_format(data: bytes, file_name: str) -> str:
    suffix = PurePosixPath(file_name.lower()).suffix
    if data.startswith(b"SQLite format 3\0") or suffix == ".gpkg":
        return "gpkg"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "xlsx" if suffix in (".xlsx", ".xlsm") else "zip"
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix in (".xlsx", ".xlsm", ".zip"):
        return "xlsx" if suffix != ".zip" else "zip"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"{" and suffix not in (".csv", ".txt", ".tsv"):
        return "geojson"
    return "csv"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail("the file is neither UTF-8 nor GBK/GB18030 text")


def _clean(text: Any) -> str:
    return str(text).replace("\ufeff", "").replace("\x00", "").strip()


def read_csv_table(data: bytes) -> RawTable:
    text = decode_text(data)
    if "\x00" in text:
        raise _fail("the file contains NUL bytes: not a text table")
    first = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first.count) if first else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as exc:
        raise _fail(f"not a readable CSV ({exc})") from None
    return _table(records)


def _cell_text(value: Any, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if "%" in (number_format or ""):  # Excel keeps 35% as 0.35
            return units.format_decimal(Decimal(repr(value)) * 100) + "%"
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return _clean(value)


def _check_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """Open an archive after checking it cannot fill the disk or write outside a folder."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _fail(f"not a readable {what} ({exc})") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _fail(f"the archive has {len(infos)} entries; at most {MAX_ZIP_ENTRIES} are accepted")
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", name):
            raise _fail(f"archive entry {info.filename!r} points outside the archive's folder")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise _fail(f"archive entry {info.filename!r} is a symbolic link")
        total += info.file_size
        if total > MAX_UNZIPPED_BYTES:
            raise _fail(f"the archive unpacks to more than {MAX_UNZIPPED_BYTES // 2**20} MB")
    return archive


def read_xlsx_table(data: bytes) -> RawTable:
    import openpyxl

    _check_zip(data, "XLSX workbook")
    # openpyxl reports damaged workbooks with many exception types (zip, XML, KeyError, ...):
    # at this boundary, any of them means "not a readable workbook".
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            records = []
            for row in ws.iter_rows():
                records.append([_cell_text(c.value, getattr(c, "number_format", "")) for c in row[: MAX_COLUMNS + 1]])
                if len(records) > MAX_ROWS + 1:
                    break
        finally:
            wb.close()
    except ImportFailed:
        raise
    except Exception as exc:
        raise _fail(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})"[:300]) from None
    return _table(records)


def _table(records: list[list[str]]) -> RawTable:
    numbered = [(i, [_clean(c) for c in r]) for i, r in enumerate(records, start=1)]
    numbered = [(i, r) for i, r in numbered if any(r)]
    if not numbered:
        raise _fail("the file has no rows")
    (_, header), body = numbered[0], numbered[1:]
    while header and not header[-1]:
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise _fail(f"the table has {len(header)} columns; at most {MAX_COLUMNS} are accepted")
    if len(body) > MAX_ROWS:
        raise _fail(f"the table has more than {MAX_ROWS} rows; split it into several files")
    if not body:
        raise _fail("the table has a header but no data rows")
    return RawTable(header, body)


def read_geo_frame(data: bytes, fmt: str) -> gpd.GeoDataFrame:
    """A GeoJSON, GeoPackage or zipped Shapefile as a GeoDataFrame (its CRS as declared)."""
    import pyogrio

    # pyogrio/GDAL raise their own errors for any damaged input: here they all mean "unreadable".
    try:
        with warnings.catch_warnings():  # GDAL notes that an in-memory GeoPackage has no .gpkg name
            warnings.filterwarnings("ignore", "File .* has GPKG application_id", RuntimeWarning)
            frame = _read_zipped_shapefile(data) if fmt == "zip" else pyogrio.read_dataframe(io.BytesIO(data))
    except ImportFailed:
        raise
    except Exception as exc:
        raise _fail(f"not a readable {fmt} file ({type(exc).__name__}: {exc})"[:300]) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
        raise _fail("the file has no geometries")
    if len(frame) > MAX_ROWS:
        raise _fail(f"the file has more than {MAX_ROWS} features")
    return frame


def _read_zipped_shapefile(data: bytes) -> gpd.GeoDataFrame:
    """The one Shapefile in a checked archive, unpacked into a temporary folder and read from there."""
    import tempfile

    import pyogrio

    archive = _check_zip(data, "zip archive")
    shps = [i.filename for i in archive.infolist() if i.filename.lower().endswith(".shp")]
    if len(shps) != 1:
        raise _fail(f"the zip archive must hold exactly one .shp file (found {len(shps)})")
    with tempfile.TemporaryDirectory() as folder:
        archive.extractall(folder)  # names checked by _check_zip: nothing lands outside ``folder``
        return pyogrio.read_dataframe(f"{folder}/{shps[0]}")


def _frame_table(frame: pd.DataFrame) -> RawTable:
    """Feature properties as text, numbered from 1 (the first feature)."""
    cols = (
        [c for c in frame.columns if c != frame.geometry.name] if isinstance(frame, gpd.GeoDataFrame) else list(frame)
    )
    rows = []
    for i, rec in enumerate(frame[cols].itertuples(index=False), start=1):
        rows.append((i, ["" if v is None or (isinstance(v, float) and v != v) else _cell_text(v, "") for v in rec]))
    return RawTable([str(c) for c in cols], rows)


# ---------------------------------------------------------------------------
# Columns

ROLES: dict[str, tuple[str, ...]] = {
    "county": ("county", "adcode", "县", "区县", "县区", "县市区", "地区", "行政区", "行政区划", "区划代码",
               "行政区划代码", "place", "code", "地名"),
    "indicator": ("indicator", "indicatorid", "指标", "指标代码", "指标名称", "项目指标"),
    "year": ("year", "年份", "年度", "年"),
    "value": ("value", "数值", "值", "数据", "数量"),
    "unit": ("unit", "单位", "计量单位"),
    "status": ("status", "性质", "状态", "数据性质"),
    "source": ("source", "sourceid", "来源", "数据来源", "出处来源"),
    "locator": ("locator", "出处", "位置", "页码"),
    "note": ("note", "notes", "说明", "备注", "注"),
    "skip": ("序号", "no", "#", "编号"),
}  # fmt: skip
SITE_ROLES: dict[str, tuple[str, ...]] = {
    "name_zh": ("namezh", "name", "名称", "站点", "地点", "站点名称", "中文名"),
    "name_en": ("nameen", "英文名", "englishname"),
    "programme": ("programme", "program", "专项", "项目", "扶贫专项"),
    "lon": ("lon", "lng", "long", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
    "precision": ("precision", "精度", "位置精度"),
    "datum": ("datum", "坐标系", "crs"),
    "facts_zh": ("factszh", "简介", "介绍"),
    "facts_en": ("factsen",),
    "location_source_id": ("locationsourceid", "坐标来源"),
}
BOUNDARY_ROLES: dict[str, tuple[str, ...]] = {
    "adcode": ("adcode", "code", "行政区划代码", "区划代码", "gb", "county", "县"),
    "name_zh": ("namezh", "name", "名称", "县名", "中文名"),
    "name_en": ("nameen", "英文名", "englishname"),
}
_BRACKET = re.compile(r"[(\[](.*?)[)\]]\s*$")


def header_key(text: str) -> str:
    """Compare headers and names: NFKC, lower case, letters/digits/CJK only."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", str(text)).lower())


def split_header(text: str) -> tuple[list[str], str]:
    """Keys to try for a header, and the unit in its trailing brackets: '贫困人口（万人）' -> unit '万人'."""
    norm = unicodedata.normalize("NFKC", str(text)).strip()
    unit = ""
    m = _BRACKET.search(norm)
    if m and units.is_unit(m.group(1)):
        unit = m.group(1)
        norm = norm[: m.start()].strip()
    parts = [p for p in re.split(r"[\s/|\n]+", norm) if p]
    keys = [header_key(norm), *(header_key(p) for p in parts)]
    return [k for k in dict.fromkeys(keys) if k], unit


def _role_of(keys: list[str], roles: dict[str, tuple[str, ...]]) -> str | None:
    index = {header_key(alias): role for role, aliases in roles.items() for alias in aliases}
    for key in keys:
        if key in index:
            return index[key]
    return None


@dataclass(frozen=True)
class Catalogue:
    """The lookups an import needs from the current data, built once per file."""

    ds: ind.Dataset
    counties: gpd.GeoDataFrame
    indicator_keys: dict[str, str]
    source_keys: dict[str, str]
    programme_keys: dict[str, str]

    @classmethod
    def of(cls, ds: ind.Dataset, counties: gpd.GeoDataFrame) -> Catalogue:
        keys: dict[str, str] = {}
        for row in ds.indicators.itertuples(index=False):
            for text in (row.name_en, row.name_zh, row.indicator_id):
                keys[header_key(text)] = row.indicator_id
        sources: dict[str, str] = {}
        for row in ds.sources.itertuples(index=False):
            sources[header_key(row.title)] = row.source_id
            sources[row.source_id] = row.source_id
        programmes: dict[str, str] = {}
        for row in ds.programmes.itertuples(index=False):
            for text in (row.name_en, row.name_zh, row.programme_id):
                programmes[header_key(text)] = row.programme_id
        return cls(ds, counties, keys, sources, programmes)

    def _shown(self, keys: dict[str, str], table: str, id_col: str, name_col: str) -> dict[str, str]:
        names = getattr(self.ds, table).set_index(id_col)[name_col]
        return {k: f"{v} ({names.get(v, '')})" for k, v in keys.items()}

    def suggest_indicator(self, text: str) -> str:
        return _suggest(text, self._shown(self.indicator_keys, "indicators", "indicator_id", "name_zh"))

    def suggest_programme(self, text: str) -> str:
        return _suggest(text, self._shown(self.programme_keys, "programmes", "programme_id", "name_zh"))

    def suggest_source(self, text: str) -> str:
        return _suggest(text, self._shown(self.source_keys, "sources", "source_id", "title"))

    def indicator(self, indicator_id: str) -> pd.Series:
        return self.ds.indicators.set_index("indicator_id").loc[indicator_id]


def _suggest(text: str, choices: dict[str, str] | Iterable[str], n: int = 3) -> str:
    """'; closest: a, b' from ``choices`` (key -> what to show), or '' when nothing is close."""
    shown = choices if isinstance(choices, dict) else {header_key(c): c for c in choices}
    close = difflib.get_close_matches(header_key(text), list(shown), n=n * 3, cutoff=0.4)
    picks = list(dict.fromkeys(shown[k] for k in close))[:n]
    return f"; closest: {', '.join(picks)}" if picks else ""


# ---------------------------------------------------------------------------
# Cells


class _Places:
    """County/city names -> adcode, memoised (a 10,000-row file names the same 24 units)."""

    def __init__(self, counties: gpd.GeoDataFrame, allow_city: bool) -> None:
        self.counties = counties
        self.allow_city = allow_city
        self.cache: dict[str, str | ImportProblem] = {}

    def resolve(self, text: str, row: int, column: str) -> str | ImportProblem:
        if text not in self.cache:
            self.cache[text] = self._resolve(text)
        got = self.cache[text]
        return ImportProblem(row, column, got.reason) if isinstance(got, ImportProblem) else got

    def _resolve(self, text: str) -> str | ImportProblem:
        if self.allow_city and (header_key(text) in CITY_NAMES or text.strip() == ind.CITY_ADCODE):
            return ind.CITY_ADCODE
        try:
            return match_county(text, self.counties)
        except CountyMatchError as exc:
            shown = ", ".join(f"{name} ({code})" for code, name in exc.candidates)
            reason = f"{exc.reason}: {text!r}" + (f"; closest: {shown}" if shown else "")
            return ImportProblem(0, "", reason)


STATUS_ALIASES = {
    "reported": "reported", "实际": "reported", "实际数": "reported", "已完成": "reported", "实绩": "reported",
    "target": "target", "目标": "target", "计划": "target", "规划": "target",
    "forecast": "forecast", "预计": "forecast", "预测": "forecast",
}  # fmt: skip


def parse_year(text: str) -> int:
    value, unit = units.parse_quantity(text)
    if unit not in ("", "年") or value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a year")
    year = int(value)
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"year {year} is outside {YEARS[0]}–{YEARS[1]}")
    return year


def parse_status(text: str) -> str:
    key = header_key(text)
    if key not in STATUS_ALIASES:
        raise ValueError(f"status {text!r} must be one of {', '.join(ind.STATUSES)} (实际/目标/预计)")
    return STATUS_ALIASES[key]


def is_share(indicator: pd.Series) -> bool:
    """A percentage that is part of a whole (≤ 100), unlike a growth rate."""
    text = f"{indicator.name} {indicator['name_en']}".lower()
    return indicator["unit"] == "%" and not any(w in text for w in ("growth", "increase", "增"))


def numeric_value(text: str, indicator: pd.Series, unit_hint: str = "") -> str:
    """The cell as a plain number in the indicator's unit; ValueError says what is wrong."""
    value, unit = units.with_unit(text, unit_hint)
    target = str(indicator["unit"])
    value = units.convert(value, unit, target)
    if abs(value) > MAX_ABS_VALUE:
        raise ValueError(f"{text!r} is implausibly large")
    if value < 0 and (units.dimension(target) in units.NON_NEGATIVE or is_share(indicator)):
        raise ValueError(f"{text!r} cannot be negative ({units.dimension(target) or 'a share'})")
    if is_share(indicator) and value > 100:
        raise ValueError(f"{text!r}: a share cannot exceed 100%")
    return units.format_decimal(value)


def category_value(text: str, indicator_id: str, ds: ind.Dataset) -> str:
    cats = ds.categories[ds.categories["indicator_id"] == indicator_id]
    key = header_key(text)
    for row in cats.itertuples(index=False):
        if key in (header_key(row.code), header_key(row.label_zh), header_key(row.label_en)):
            return row.code
    valid = ", ".join(f"{r.code} ({r.label_zh})" for r in cats.itertuples(index=False))
    raise ValueError(f"{text!r} is not a category of {indicator_id}; valid: {valid}")


# ---------------------------------------------------------------------------
# Sources


SOURCE_ID_PREFIX = "import_"
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def new_source_row(spec: SourceSpec) -> dict[str, str]:
    digest = hashlib.sha1(f"{spec.title}|{spec.publisher}|{spec.date}".encode()).hexdigest()[:10]
    return {
        "source_id": f"{SOURCE_ID_PREFIX}{digest}", "title": spec.title.strip(), "publisher": spec.publisher.strip(),
        "date": spec.date.strip(), "url": spec.url.strip(), "note": "",
    }  # fmt: skip


def resolve_file_source(
    spec: SourceSpec, cat: Catalogue
) -> tuple[str | None, dict[str, str] | None, list[ImportProblem]]:
    """The file-wide source id, a new source row to add, and problems with the source given."""
    if not spec.given:
        return None, None, []
    if spec.source_id and not (spec.title or spec.publisher or spec.date):
        sid = cat.source_keys.get(spec.source_id) or cat.source_keys.get(header_key(spec.source_id))
        if sid:
            return sid, None, []
        hint = cat.suggest_source(spec.source_id)
        return None, None, [ImportProblem(1, "source", f"unknown source {spec.source_id!r}{hint}")]
    problems = [
        ImportProblem(1, "source", f"a new source needs its {what}")
        for what, text in (("title", spec.title), ("publisher", spec.publisher), ("date", spec.date))
        if not text.strip()
    ]
    if spec.date.strip() and not _DATE.fullmatch(spec.date.strip()):
        problems.append(ImportProblem(1, "source", f"date {spec.date!r} must be YYYY, YYYY-MM or YYYY-MM-DD"))
    if problems:
        return None, None, problems
    row = new_source_row(spec)
    existing = cat.ds.sources[
        (cat.ds.sources["title"] == row["title"]) & (cat.ds.sources["publisher"] == row["publisher"])
    ]
    if not existing.empty:
        return str(existing["source_id"].iloc[0]), None, []
    return row["source_id"], row, []


class _Sources:
    def __init__(self, cat: Catalogue, file_source: str | None) -> None:
        self.cat = cat
        self.file_source = file_source

    def resolve(self, text: str, row: int, column: str) -> str | ImportProblem:
        if text:
            sid = self.cat.source_keys.get(text) or self.cat.source_keys.get(header_key(text))
            if sid:
                return sid
            hint = self.cat.suggest_source(text)
            return ImportProblem(
                row, column, f"unknown source {text!r}: give a source_id or title from the sources list{hint}"
            )
        if self.file_source:
            return self.file_source
        return ImportProblem(row, column, "no source: add a source column or give one source for the file")


# ---------------------------------------------------------------------------
# Values


@dataclass
class _Layout:
    long: bool
    roles: dict[str, int]  # role -> column index
    indicators: dict[int, tuple[str, str]]  # wide: column index -> (indicator_id, unit from its header)
    value_unit: str  # long: unit from the value column's header


def _layout(table: RawTable, cat: Catalogue) -> tuple[_Layout, list[ImportProblem]]:
    roles: dict[str, int] = {}
    wide: dict[int, tuple[str, str]] = {}
    unknown: list[tuple[int, str]] = []
    problems: list[ImportProblem] = []
    value_unit = ""
    for i, text in enumerate(table.header):
        if not text:
            if any(i < len(r) and r[i] for _, r in table.rows):
                problems.append(ImportProblem(1, f"#{i + 1}", "the column has values but no header"))
            continue
        keys, unit = split_header(text)
        role = _role_of(keys, ROLES)
        if role == "skip":
            continue
        if role:
            if role in roles:
                problems.append(ImportProblem(1, text, f"a second {role} column"))
            roles[role] = i
            value_unit = unit if role == "value" else value_unit
            continue
        indicator_id = next((cat.indicator_keys[k] for k in keys if k in cat.indicator_keys), None)
        if indicator_id:
            if indicator_id in [v[0] for v in wide.values()]:
                problems.append(ImportProblem(1, text, f"a second column for indicator {indicator_id}"))
            wide[i] = (indicator_id, unit)
        else:
            unknown.append((i, text))
    long = {"indicator", "value"} <= set(roles)
    if "county" not in roles:
        problems.append(ImportProblem(1, FILE_COLUMN, "no county column (county, adcode, 县, 县（市、区）)"))
    if not long and not wide:
        problems.append(
            ImportProblem(
                1,
                FILE_COLUMN,
                "cannot tell the layout: give county, indicator, year and value columns "
                "(long table) or one column per indicator (wide table)",
            )
        )
    if long and wide:
        for i, (iid, _) in wide.items():
            problems.append(ImportProblem(1, table.header[i], f"indicator column {iid} in a long table"))
    known = sorted({a for r, aliases in ROLES.items() if r != "skip" for a in aliases[:2]})
    for _, text in unknown:
        hint = cat.suggest_indicator(text)
        problems.append(ImportProblem(1, text, f"unknown column: not an indicator nor one of {', '.join(known)}{hint}"))
    return _Layout(long, roles, wide, value_unit), problems


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def import_values(
    table: RawTable, cat: Catalogue, options: ImportOptions, progress: ProgressFn | None = None
) -> tuple[Changeset, list[ImportProblem]]:
    layout, problems = _layout(table, cat)
    file_source, new_source, source_problems = resolve_file_source(options.source, cat)
    problems += source_problems
    if problems:
        return {}, problems
    header = table.header
    places = _Places(cat.counties, allow_city=True)
    sources = _Sources(cat, file_source)
    indicators = cat.ds.indicators.set_index("indicator_id")
    roles = layout.roles
    col = {role: header[i] for role, i in roles.items()}
    col.setdefault("year", "year")
    col.setdefault("source", "source")
    out: dict[tuple[str, str, str, str], dict[str, str]] = {}
    first_row: dict[tuple[str, str, str, str], int] = {}
    n = len(table.rows)
    for done, (row, cells) in enumerate(table.rows):
        if progress and done % 500 == 0:
            progress(done / n, f"{done}/{n}")
        row_problems: list[ImportProblem] = []

        def problem(column: str, reason: str, row: int = row, bucket: list = row_problems) -> None:
            bucket.append(ImportProblem(row, column, reason))

        place = places.resolve(_cell(cells, roles["county"]), row, col["county"])
        if isinstance(place, ImportProblem):
            row_problems.append(place)
        year = options.year
        if "year" in roles:
            try:
                year = parse_year(_cell(cells, roles["year"]))
            except ValueError as exc:
                problem(col["year"], str(exc))
        elif year is None:
            problem(col["year"], "no year: add a year column or give one year for the file")
        status = options.status
        if "status" in roles and _cell(cells, roles["status"]):
            try:
                status = parse_status(_cell(cells, roles["status"]))
            except ValueError as exc:
                problem(col["status"], str(exc))
        source = sources.resolve(_cell(cells, roles.get("source")), row, col["source"])
        if isinstance(source, ImportProblem):
            row_problems.append(source)
        locator, note = _cell(cells, roles.get("locator")), _cell(cells, roles.get("note"))

        entries: list[tuple[str, str, str, str]] = []  # (column, indicator_id, text, unit hint)
        if layout.long:
            text = _cell(cells, roles["indicator"])
            iid = cat.indicator_keys.get(header_key(text))
            if iid is None:
                problem(col["indicator"], f"unknown indicator {text!r}{cat.suggest_indicator(text)}")
            else:
                unit_hint = _cell(cells, roles.get("unit")) or layout.value_unit
                entries.append((col["value"], iid, _cell(cells, roles["value"]), unit_hint))
        else:
            for i, (iid, unit_hint) in layout.indicators.items():
                if _cell(cells, i):  # an empty cell is no figure, never zero
                    entries.append((header[i], iid, _cell(cells, i), unit_hint))
        for column, iid, text, unit_hint in entries:
            indicator = indicators.loc[iid]
            if not text:
                problem(column, "no value (leave the row out when there is no figure)")
                continue
            try:
                value = (
                    category_value(text, iid, cat.ds)
                    if indicator["kind"] == "category"
                    else numeric_value(text, indicator, unit_hint)
                )
            except ValueError as exc:
                problem(column, str(exc))
                continue
            if row_problems or isinstance(place, ImportProblem) or isinstance(source, ImportProblem) or year is None:
                continue
            key = (iid, place, str(year), status)
            if key in out:
                problem(column, f"the same indicator, place, year and status as row {first_row[key]}")
                continue
            first_row[key] = row
            out[key] = {
                "indicator_id": iid, "adcode": place, "year": str(year), "value": value, "status": status,
                "source_id": source, "locator": locator, "note": note,
            }  # fmt: skip
        problems += row_problems
    if progress:
        progress(1.0, f"{n}/{n}")
    if not out and not problems:
        problems.append(ImportProblem(1, FILE_COLUMN, "no figures in the file (every value cell is empty)"))
    if problems:
        return {}, sorted(problems)
    changeset: Changeset = {"values": Change(pd.DataFrame(list(out.values()), columns=ind.SCHEMAS["values.csv"]))}
    if new_source:
        changeset["sources"] = Change(pd.DataFrame([new_source]))
    # An indicator known only as a city total becomes a county indicator with its first county figure.
    county_ids = {k[0] for k in out if k[1] != ind.CITY_ADCODE}
    promote = cat.ds.indicators[
        cat.ds.indicators["indicator_id"].isin(county_ids) & (cat.ds.indicators["level"] == "city")
    ]
    if not promote.empty:
        rows = promote.assign(level="county", additive=promote["additive"].map({True: "true", False: "false"}))
        changeset["indicators"] = Change(rows)
    return changeset, []


# ---------------------------------------------------------------------------
# Sites


def _datum(text: str) -> str:
    key = header_key(text)
    if key not in DATUM_NAMES:
        raise ValueError(f"unknown datum {text!r}; valid: WGS-84, CGCS2000, GCJ-02, BD-09")
    return DATUM_NAMES[key]


def _coordinate(text: str) -> float:
    value, unit = units.parse_quantity(text.replace("°", ""))
    if unit:
        raise ValueError(f"{text!r} is not a coordinate in degrees")
    return float(value)


def import_sites(
    table: RawTable, cat: Catalogue, options: ImportOptions, progress: ProgressFn | None = None
) -> tuple[Changeset, list[ImportProblem]]:
    roles: dict[str, int] = {}
    problems: list[ImportProblem] = []
    all_roles = {**SITE_ROLES, **{k: v for k, v in ROLES.items() if k in ("county", "source", "locator", "note")}}
    for i, text in enumerate(table.header):
        role = _role_of(split_header(text)[0], all_roles)
        if role and role not in roles:
            roles[role] = i
        elif text and header_key(text) not in ("序号", "no", "fid", "id"):
            problems.append(ImportProblem(1, text, f"unknown column for sites; known: {', '.join(all_roles)}"))
    for needed in ("name_zh", "programme"):
        if needed not in roles:
            problems.append(ImportProblem(1, needed, f"no {needed} column"))
    try:
        file_datum = _datum(options.datum)
    except ValueError as exc:
        problems.append(ImportProblem(1, "datum", str(exc)))
        file_datum = "wgs84"
    file_source, new_source, source_problems = resolve_file_source(options.source, cat)
    problems += source_problems
    if problems:
        return {}, problems
    col = {r: table.header[i] for r, i in roles.items()}
    places = _Places(cat.counties, allow_city=False)
    sources = _Sources(cat, file_source)
    metric = cat.counties.to_crs(st_sites.METRIC_CRS)
    city = metric.geometry.union_all()
    out: dict[tuple[str, str], dict[str, str]] = {}
    n = len(table.rows)
    for done, (row, cells) in enumerate(table.rows):
        if progress and done % 200 == 0:
            progress(done / n, f"{done}/{n}")
        before = len(problems)

        def get(role: str, cells: list[str] = cells) -> str:
            return _cell(cells, roles.get(role))

        def problem(role: str, reason: str, row: int = row) -> None:
            problems.append(ImportProblem(row, col.get(role, role), reason))

        name = get("name_zh")
        if not name:
            problem("name_zh", "no name")
        programme_text = get("programme")
        programme = cat.programme_keys.get(header_key(programme_text))
        if not programme:
            problem("programme", f"unknown programme {programme_text!r}{cat.suggest_programme(programme_text)}")
        source = sources.resolve(get("source"), row, col.get("source", "source"))
        if isinstance(source, ImportProblem):
            problems.append(source)
        try:
            datum = _datum(get("datum")) if get("datum") else file_datum
        except ValueError as exc:
            problem("datum", str(exc))
            datum = "wgs84"
        lon_text, lat_text = get("lon"), get("lat")
        precision = get("precision") or ("exact" if lon_text or lat_text else "county")
        if precision not in st_sites.PRECISIONS:
            problem("precision", f"precision must be one of {', '.join(st_sites.PRECISIONS)}")
        adcode: str | None = None
        if get("county"):
            got = places.resolve(get("county"), row, col.get("county", "county"))
            if isinstance(got, ImportProblem):
                problems.append(got)
            else:
                adcode = got
        point = None
        if precision != "county":
            try:
                lon, lat = _coordinate(lon_text), _coordinate(lat_text)
            except ValueError as exc:
                problem("lon", f"coordinates needed for precision {precision}: {exc}")
            else:
                wlon, wlat = dt.convert_coords(lon, lat, datum, "wgs84")
                point = gpd.GeoSeries([shapely.Point(wlon, wlat)], crs="EPSG:4326").to_crs(st_sites.METRIC_CRS).iloc[0]
                away = city.distance(point)
                if away > st_sites.BORDER_TOLERANCE_M:
                    problem(
                        "lon",
                        f"the point ({lon_text}, {lat_text}, {datum}) lies outside Baoding ({away / 1000:.1f} km away)",
                    )
                    point = None
        elif lon_text or lat_text:
            problem("precision", "precision is county, so lon/lat must stay empty")
        if point is not None:
            inside = metric[metric.contains(point)]["adcode"].tolist()
            if adcode is None and inside:
                adcode = inside[0]
            elif adcode and metric.set_index("adcode").geometry[adcode].distance(point) > st_sites.BORDER_TOLERANCE_M:
                where = inside[0] if inside else "another county"
                problem("county", f"the point lies in {where}, not in the stated county {adcode}")
        if adcode is None and len(problems) == before:
            problem("county", "no county: add a county column or coordinates")
        if len(problems) > before:
            continue
        key = (name, adcode)
        if key in out:
            problem("name_zh", f"site {name} in {adcode} is listed twice")
            continue
        out[key] = {
            "name_zh": name, "name_en": get("name_en"), "programme": programme, "adcode": adcode,
            "lon": lon_text if precision != "county" else "", "lat": lat_text if precision != "county" else "",
            "precision": precision, "source_id": source, "locator": get("locator"), "note": get("note"),
            "datum": datum, "location_source_id": get("location_source_id"), "facts_zh": get("facts_zh"),
            "facts_en": get("facts_en"),
        }  # fmt: skip
    if problems:
        return {}, sorted(problems)
    changeset: Changeset = {"sites": Change(pd.DataFrame(list(out.values())))}
    if new_source:
        changeset["sources"] = Change(pd.DataFrame([new_source]))
    return changeset, []


def _sites_table(frame: gpd.GeoDataFrame) -> RawTable:
    """Point features as a table with lon/lat columns (the frame's CRS already handled)."""
    geoms = frame.geometry
    bad = [i for i, g in enumerate(geoms, start=1) if g is None or g.geom_type != "Point"]
    if bad:
        raise _fail(f"feature {bad[0]} is not a point", "geometry", bad[0])
    table = _frame_table(frame)
    table.header += ["lon", "lat"]
    for (_, cells), g in zip(table.rows, geoms):
        cells += [repr(g.x), repr(g.y)]
    return table


def _geographic(frame: gpd.GeoDataFrame, options: ImportOptions) -> tuple[gpd.GeoDataFrame, str]:
    """Frame in lon/lat degrees, and the datum its numbers are in."""
    crs = frame.crs
    if crs is not None and not crs.is_geographic:
        if options.datum and DATUM_NAMES.get(header_key(options.datum)) in ("gcj02", "bd09"):
            raise _fail("a projected CRS cannot be GCJ-02 or BD-09: leave the datum out", "datum")
        return frame.to_crs("EPSG:4326"), "wgs84"
    if crs is not None and crs.to_epsg() not in (4326, 4490, None):
        frame = frame.to_crs("EPSG:4326")
    return frame, options.datum


# ---------------------------------------------------------------------------
# Boundaries


def import_boundaries(
    frame: gpd.GeoDataFrame, cat: Catalogue, options: ImportOptions
) -> tuple[Changeset, list[ImportProblem]]:
    problems: list[ImportProblem] = []
    if options.mode not in BOUNDARY_MODES:
        return {}, [ImportProblem(1, "mode", f"mode must be one of {', '.join(BOUNDARY_MODES)}")]
    frame, datum_text = _geographic(frame, options)
    try:
        datum = _datum(datum_text)
    except ValueError as exc:
        return {}, [ImportProblem(1, "datum", str(exc))]
    table = _frame_table(frame)
    roles: dict[str, int] = {}
    for i, text in enumerate(table.header):
        role = _role_of(split_header(text)[0], BOUNDARY_ROLES)
        if role and role not in roles:
            roles[role] = i
    if "adcode" not in roles:
        return {}, [ImportProblem(1, "adcode", "no adcode column (adcode, code, 行政区划代码)")]
    current = cat.counties.set_index("adcode")
    geoms = frame.geometry.to_numpy()
    if datum != "wgs84":
        geoms = dt.convert_geometry(geoms, datum, "wgs84")
    records, seen = [], {}
    for (row, cells), geom in zip(table.rows, geoms):
        col = {r: table.header[i] for r, i in roles.items()}
        before = len(problems)
        adcode = _cell(cells, roles["adcode"])
        adcode = adcode[:-2] if re.fullmatch(r"\d{6}\.0", adcode) else adcode
        if not re.fullmatch(r"1306\d{2}", adcode):
            problems.append(
                ImportProblem(row, col["adcode"], f"adcode {adcode!r} is not a Baoding county-level code (1306xx)")
            )
        elif adcode in seen:
            problems.append(ImportProblem(row, col["adcode"], f"adcode {adcode} also in row {seen[adcode]}"))
        seen.setdefault(adcode, row)
        name_zh = _cell(cells, roles.get("name_zh")) or (
            current["name_zh"].get(adcode, "") if adcode in current.index else ""
        )
        name_en = _cell(cells, roles.get("name_en")) or (
            current["name_en"].get(adcode, "") if adcode in current.index else ""
        )
        if not name_zh or not name_en:
            problems.append(ImportProblem(row, "name_zh", f"a new unit {adcode} needs name_zh and name_en"))
        if geom is None or shapely.is_empty(geom) or shapely.get_type_id(geom) not in (3, 6):
            problems.append(ImportProblem(row, "geometry", "not a polygon"))
        elif not shapely.is_valid(geom):
            problems.append(ImportProblem(row, "geometry", f"invalid geometry ({shapely.is_valid_reason(geom)})"))
        else:
            minx, miny, maxx, maxy = shapely.bounds(geom)
            if not (st_sites.LON_RANGE[0] <= minx and maxx <= st_sites.LON_RANGE[1]
                    and st_sites.LAT_RANGE[0] <= miny and maxy <= st_sites.LAT_RANGE[1]):  # fmt: skip
                problems.append(ImportProblem(row, "geometry", "lies outside Baoding (wrong CRS or datum?)"))
        if len(problems) == before:
            records.append({"adcode": adcode, "name_zh": name_zh, "name_en": name_en, "geometry": geom})
    if not problems and options.mode == "replace":
        used = set(cat.ds.values["adcode"]) - {ind.CITY_ADCODE}
        for adcode in sorted(used - {r["adcode"] for r in records}):
            problems.append(ImportProblem(1, "adcode", f"{adcode} ({current['name_zh'].get(adcode, '')}) has values "
                                                       "but is missing from the new boundaries"))  # fmt: skip
    if problems:
        return {}, sorted(problems)
    new = gpd.GeoDataFrame(pd.DataFrame.from_records(records), geometry="geometry", crs="EPSG:4326")
    return {"counties": Change(new, replace=options.mode == "replace")}, []


# ---------------------------------------------------------------------------
# Entry point


def prepare_import(
    data: bytes,
    file_name: str,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    options: ImportOptions | None = None,
    progress: ProgressFn | None = None,
) -> ImportResult:
    """Read and check a file; nothing is written. ``result.ok`` says whether it can be committed."""
    options = options or ImportOptions()
    sha = hashlib.sha256(data).hexdigest()

    def result(kind: str, rows: int, problems: list[ImportProblem], changeset: Changeset | None = None) -> ImportResult:
        return ImportResult(file_name, sha, kind, rows, problems, changeset or {})

    if options.kind not in KINDS:
        return result(options.kind, 0, [ImportProblem(1, FILE_COLUMN, f"kind must be one of {', '.join(KINDS)}")])
    if len(data) > MAX_UPLOAD_BYTES:
        return result(
            options.kind, 0, [ImportProblem(1, FILE_COLUMN, f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB")]
        )
    cat = Catalogue.of(ds, counties)
    fmt = _detect_format(data, file_name)
    kind = options.kind
    try:
        if fmt in ("geojson", "gpkg", "zip"):
            frame = read_geo_frame(data, fmt)
            polygonal = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).any()
            kind = kind if kind != "auto" else ("boundaries" if polygonal else "sites")
            if kind == "boundaries":
                changeset, problems = import_boundaries(frame, cat, options)
                return result(kind, len(frame), problems, changeset)
            if kind != "sites":
                raise _fail(f"a {fmt} file holds sites or boundaries, not {kind}")
            frame, datum = _geographic(frame, options)
            options = ImportOptions(**{**options.__dict__, "datum": datum})
            table = _sites_table(frame)
        else:
            table = read_xlsx_table(data) if fmt == "xlsx" else read_csv_table(data)
            if kind == "auto":
                keys = [split_header(h)[0] for h in table.header]
                has = {_role_of(k, SITE_ROLES) for k in keys}
                kind = "sites" if {"lon", "lat"} <= has or {"name_zh", "programme"} <= has else "values"
            if kind == "boundaries":
                raise _fail("boundaries come as GeoJSON, GeoPackage or a zipped Shapefile")
    except ImportFailed as exc:
        return result(kind, 0, exc.problems)
    run = import_sites if kind == "sites" else import_values
    changeset, problems = run(table, cat, options, progress)
    return result(kind, len(table.rows), problems, changeset)


def format_problems(problems: Iterable[ImportProblem]) -> str:
    return "\n".join(map(str, problems))


# ---------------------------------------------------------------------------
# Template

TEMPLATE_HEADER = (
    "县（市、区） county", "指标 indicator", "年份 year", "数值 value", "单位 unit", "性质 status",
    "来源 source", "出处 locator", "说明 note",
)  # fmt: skip
TEMPLATE_HELP = (
    "填写第一张表“数据 values”：每行一个数字。县可写代码（130624）或名称（阜平、阜平县、Fuping）；"
    "全市写 130600 或“全市”。",
    "指标写代码或中文/英文名称（见“指标 indicators”表）。数值可带单位：10.81万人、445兆瓦、30万千瓦、12.5%。",
    "性质：实际 reported / 目标 target / 预计 forecast（空白 = 实际）。来源写“来源 sources”表中的 source_id 或标题；"
    "新来源可在导入时填写标题、发布者和日期。",
    "Fill in the first sheet, one figure per row. County: adcode or name in Chinese or English; the whole city is "
    "130600. Indicator: id or name (see the indicators sheet). Values may carry units (10.81万人, 130MW, 12.5%).",
    "Status: reported / target / forecast (blank = reported). Source: a source_id or title from the sources sheet, "
    "or give a new source (title, publisher, date) when importing.",
    "宽表也可以：每行一个县，每列一个指标（表头写指标代码或名称，可在括号中注明单位，如“剩余贫困人口（万人）”），另给年份。"
    " A wide table works too: one row per county, one column per indicator, plus a year.",
)


def build_template(ds: ind.Dataset, counties: gpd.GeoDataFrame) -> bytes:
    """An XLSX to fill in: an empty long table first, then the catalogue, counties, sources and help."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    values = wb.active
    values.title = "数据 values"
    catalogue = ["indicator_id", "name_zh", "name_en", "unit", "unit_en", "level", "kind"]
    sheets: list[tuple[str, list[str], Iterable[Iterable[Any]]]] = [
        ("指标 indicators", catalogue, ds.indicators[catalogue].itertuples(index=False)),
        ("县 counties", ["adcode", "name_zh", "name_en"],
         [(ind.CITY_ADCODE, "保定市（全市）", "Baoding (whole city)"),
          *counties[["adcode", "name_zh", "name_en"]].itertuples(index=False)]),
        ("来源 sources", ["source_id", "title", "publisher", "date", "url"],
         ds.sources[["source_id", "title", "publisher", "date", "url"]].itertuples(index=False)),
        ("分类 categories", ["indicator_id", "code", "label_zh", "label_en"],
         ds.categories[["indicator_id", "code", "label_zh", "label_en"]].itertuples(index=False)),
        ("说明 help", ["说明 / Help"], [(line,) for line in TEMPLATE_HELP]),
    ]  # fmt: skip
    for ws, header, rows in [(values, list(TEMPLATE_HEADER), []), *((wb.create_sheet(n), h, r) for n, h, r in sheets)]:
        ws.append(header)
        for row in rows:
            ws.append([str(v) for v in row])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for i, _ in enumerate(header):
            ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = (
                60 if header == ["说明 / Help"] else 22
            )
    n_ind, n_units = len(ds.indicators) + 1, len(counties) + 2
    for column, ref in (("A", f"'县 counties'!$A$2:$A${n_units}"), ("B", f"'指标 indicators'!$A$2:$A${n_ind}")):
        check = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=False)
        values.add_data_validation(check)
        check.add(f"{column}2:{column}5000")
    status = DataValidation(type="list", formula1='"reported,target,forecast"', allow_blank=True)
    values.add_data_validation(status)
    status.add("F2:F5000")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def problems_frame(problems: Iterable[ImportProblem]) -> pd.DataFrame:
    return pd.DataFrame([(p.row, p.column, p.reason) for p in problems], columns=["row", "column", "reason"])
