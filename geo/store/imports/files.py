"""Reading files into a header and rows of text (CSV, XLSX) or a GeoDataFrame (GeoJSON, GeoPackage,
zipped Shapefile), with the limits that keep a hostile file from taking the server down."""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.model import units
from geo.store.imports import limits
from geo.store.imports.problems import ImportFailed, fail


@dataclass
class RawTable:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)


def detect_format(data: bytes, file_name: str) -> str:
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
    raise fail("the file is neither UTF-8 nor GBK/GB18030 text")


def clean(text: Any) -> str:
    return str(text).replace("\ufeff", "").replace("\x00", "").strip()


def read_csv_table(data: bytes) -> RawTable:
    text = decode_text(data)
    if "\x00" in text:
        raise fail("the file contains NUL bytes: not a text table")
    first = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first.count) if first else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as exc:
        raise fail(f"not a readable CSV ({exc})") from None
    return table_of(records)


def cell_text(value: Any, number_format: str) -> str:
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
    return clean(value)


def check_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """Open an archive after checking it cannot fill the disk or write outside a folder."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise fail(f"not a readable {what} ({exc})") from None
    if len(infos) > limits.MAX_ZIP_ENTRIES:
        raise fail(f"the archive has {len(infos)} entries; at most {limits.MAX_ZIP_ENTRIES} are accepted")
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", name):
            raise fail(f"archive entry {info.filename!r} points outside the archive's folder")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise fail(f"archive entry {info.filename!r} is a symbolic link")
        total += info.file_size
        if total > limits.MAX_UNZIPPED_BYTES:
            raise fail(f"the archive unpacks to more than {limits.MAX_UNZIPPED_BYTES // 2**20} MB")
    return archive


def read_xlsx_table(data: bytes) -> RawTable:
    import openpyxl

    check_zip(data, "XLSX workbook")
    # openpyxl reports damaged workbooks with many exception types (zip, XML, KeyError, ...):
    # at this boundary, any of them means "not a readable workbook".
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            records = []
            for row in ws.iter_rows():
                cells = row[: limits.MAX_COLUMNS + 1]
                records.append([cell_text(c.value, getattr(c, "number_format", "")) for c in cells])
                if len(records) > limits.MAX_ROWS + 1:
                    break
        finally:
            wb.close()
    except ImportFailed:
        raise
    except Exception as exc:
        raise fail(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})"[:300]) from None
    return table_of(records)


def table_of(records: list[list[str]]) -> RawTable:
    numbered = [(i, [clean(c) for c in r]) for i, r in enumerate(records, start=1)]
    numbered = [(i, r) for i, r in numbered if any(r)]
    if not numbered:
        raise fail("the file has no rows")
    (_, header), body = numbered[0], numbered[1:]
    while header and not header[-1]:
        header.pop()
    if len(header) > limits.MAX_COLUMNS:
        raise fail(f"the table has {len(header)} columns; at most {limits.MAX_COLUMNS} are accepted")
    if len(body) > limits.MAX_ROWS:
        raise fail(f"the table has more than {limits.MAX_ROWS} rows; split it into several files")
    if not body:
        raise fail("the table has a header but no data rows")
    return RawTable(header, body)


def read_geo_frame(data: bytes, fmt: str) -> gpd.GeoDataFrame:
    """A GeoJSON, GeoPackage or zipped Shapefile as a GeoDataFrame (its CRS as declared)."""
    import pyogrio

    # pyogrio/GDAL raise their own errors for any damaged input: here they all mean "unreadable".
    try:
        with warnings.catch_warnings():  # GDAL notes that an in-memory GeoPackage has no .gpkg name
            warnings.filterwarnings("ignore", "File .* has GPKG application_id", RuntimeWarning)
            frame = read_zipped_shapefile(data) if fmt == "zip" else pyogrio.read_dataframe(io.BytesIO(data))
    except ImportFailed:
        raise
    except Exception as exc:
        raise fail(f"not a readable {fmt} file ({type(exc).__name__}: {exc})"[:300]) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
        raise fail("the file has no geometries")
    if len(frame) > limits.MAX_ROWS:
        raise fail(f"the file has more than {limits.MAX_ROWS} features")
    return frame


def read_zipped_shapefile(data: bytes) -> gpd.GeoDataFrame:
    """The one Shapefile in a checked archive, unpacked into a temporary folder and read from there."""
    import tempfile

    import pyogrio

    archive = check_zip(data, "zip archive")
    shps = [i.filename for i in archive.infolist() if i.filename.lower().endswith(".shp")]
    if len(shps) != 1:
        raise fail(f"the zip archive must hold exactly one .shp file (found {len(shps)})")
    with tempfile.TemporaryDirectory() as folder:
        archive.extractall(folder)  # names checked by check_zip: nothing lands outside ``folder``
        return pyogrio.read_dataframe(f"{folder}/{shps[0]}")


def frame_table(frame: pd.DataFrame) -> RawTable:
    """Feature properties as text, numbered from 1 (the first feature)."""
    cols = (
        [c for c in frame.columns if c != frame.geometry.name] if isinstance(frame, gpd.GeoDataFrame) else list(frame)
    )
    rows = []
    for i, rec in enumerate(frame[cols].itertuples(index=False), start=1):
        rows.append((i, ["" if v is None or (isinstance(v, float) and v != v) else cell_text(v, "") for v in rec]))
    return RawTable([str(c) for c in cols], rows)
