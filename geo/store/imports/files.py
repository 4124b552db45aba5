"""Reading files into a header and rows of text (CSV, XLSX) or a GeoDataFrame (GeoJSON, GeoPackage,
zipped Shapefile), with the limits that keep a hostile file from taking the server down."""

from __future__ import annotations

import csv
import io
import re
import shutil
import struct
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.i18n import quoted
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
    # Count separators per line before the csv module turns a line into a list: one line of
    # millions of cells would take gigabytes. Quoted separators (a note with commas) get room.
    widest = max(map(lambda line: line.count(delimiter), text.splitlines()), default=0)
    if widest > 4 * limits.MAX_COLUMNS:
        raise fail(limits.refusal("columns", limits.MAX_COLUMNS, f"{widest + 1}"))
    records, cells = [], 0
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False):
            records.append(record)
            cells += len(record)
            _check_size(len(records), cells)
    except csv.Error as exc:
        raise fail(f"not a readable CSV ({exc})") from None
    return table_of(records)


def _check_size(rows: int, cells: int) -> None:
    """Refuse as soon as the rows (header included) or cells read so far pass their limits."""
    if rows > limits.MAX_ROWS + 1:
        raise fail(limits.refusal("rows", limits.MAX_ROWS))
    if cells > limits.MAX_CELLS:
        raise fail(limits.refusal("cells", limits.MAX_CELLS))


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
        raise fail(limits.refusal("zip_entries", limits.MAX_ZIP_ENTRIES, len(infos)))
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", name):
            raise fail(f"archive entry {quoted(info.filename)} points outside the archive's folder")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise fail(f"archive entry {quoted(info.filename)} is a symbolic link")
        total += info.file_size
        if total > limits.MAX_UNZIPPED_BYTES:
            raise fail(limits.refusal("unzipped", limits.MAX_UNZIPPED_BYTES // 2**20))
    return archive


def read_xlsx_table(data: bytes) -> RawTable:
    import openpyxl

    _check_xlsx_parts(check_zip(data, "XLSX workbook"))
    # openpyxl reports damaged workbooks with many exception types (zip, XML, KeyError, ...):
    # at this boundary, any of them means "not a readable workbook".
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            records, cells = [], 0
            for row in ws.iter_rows():
                records.append(
                    [cell_text(c.value, getattr(c, "number_format", "")) for c in row[: limits.MAX_COLUMNS + 1]]
                )
                cells += len(records[-1])
                _check_size(len(records), cells)
        finally:
            wb.close()
    except ImportFailed:
        raise
    except Exception as exc:
        raise fail(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})"[:300]) from None
    return table_of(records)


_SHARED_STRING = re.compile(rb"<(?:\w+:)?(si)[\s/>]")
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)[\s/>]")


def _scan(archive: zipfile.ZipFile, name: str, pattern: re.Pattern[bytes]) -> Iterator[list[bytes]]:
    """Per piece of an archive entry (read 1 MB at a time, never unpacked whole), the groups ``pattern`` finds."""
    overlap = 64  # longer than any tag the patterns match, so none is cut in two between pieces
    tail = b""
    with archive.open(name) as part:
        while piece := part.read(1 << 20):
            chunk = tail + piece
            keep = max(len(chunk) - overlap, 0)
            yield [m.group(1) for m in pattern.finditer(chunk, 0, keep + overlap) if m.start() < keep]
            tail = chunk[keep:]
        yield [m.group(1) for m in pattern.finditer(tail)]


def _check_xlsx_parts(archive: zipfile.ZipFile) -> None:
    """Count shared strings, rows and cells in the XML itself: openpyxl loads every shared string, and
    every cell of a row, as Python objects before it hands over the first row."""
    names = archive.namelist()
    for name in names:
        if name.lower().endswith("sharedstrings.xml"):
            count = 0
            for found in _scan(archive, name, _SHARED_STRING):
                count += len(found)
                if count > limits.MAX_SHARED_STRINGS:
                    raise fail(limits.refusal("shared_strings", limits.MAX_SHARED_STRINGS, f"> {count}"))
    for name in names:
        if name.lower().startswith("xl/worksheets/") and name.lower().endswith(".xml"):
            rows = cells = in_row = 0
            for found in _scan(archive, name, _ROW_OR_CELL):
                for tag in found:
                    if tag == b"row":
                        rows, in_row = rows + 1, 0
                        continue
                    cells, in_row = cells + 1, in_row + 1
                    if in_row > 4 * limits.MAX_COLUMNS:  # trailing empty cells are dropped later: give room
                        raise fail(limits.refusal("columns", limits.MAX_COLUMNS, f"> {in_row}"))
                _check_size(rows, cells)


def table_of(records: list[list[str]]) -> RawTable:
    for i, record in enumerate(records, start=1):
        for j, text in enumerate(record):
            if len(text) > limits.MAX_CELL_CHARS:
                raise fail(limits.refusal("cell_chars", limits.MAX_CELL_CHARS, len(text)), f"#{j + 1}", i)
    numbered = [(i, [clean(c) for c in r]) for i, r in enumerate(records, start=1)]
    numbered = [(i, r) for i, r in numbered if any(r)]
    if not numbered:
        raise fail("the file has no rows")
    (_, header), body = numbered[0], numbered[1:]
    while header and not header[-1]:
        header.pop()
    if len(header) > limits.MAX_COLUMNS:
        raise fail(limits.refusal("columns", limits.MAX_COLUMNS, len(header)))
    if len(body) > limits.MAX_ROWS:
        raise fail(limits.refusal("rows", limits.MAX_ROWS))
    if not body:
        raise fail("the table has a header but no data rows")
    return RawTable(header, body)


# GDAL opens what it is told: a .geojson whose content is an <OGRVRTDataSource> goes to the VRT driver,
# which reads local files and URLs named inside it; an SQLite file goes to the SQLite driver, whose
# VirtualOGR tables do the same. So each upload is checked to be what its format says (by its first bytes,
# and a GeoPackage's schema by geo.store.imports.geopackage) before GDAL sees it; GDAL then opens it with
# the one driver that format needs (all others deregistered meanwhile) and only ever the uploaded bytes
# themselves or files unpacked from them; a GDAL error is reported without its text (it may quote a file).
_MAGIC = {
    "gpkg": (b"SQLite format 3\0", "a GeoPackage starts as an SQLite database"),
    "geojson": (b"{", "GeoJSON is a JSON object: it starts with '{'"),
    "shp": (b"\x00\x00\x27\x0a", "a .shp file starts with the Shapefile header"),
}
DRIVERS = {"gpkg": "GPKG", "geojson": "GeoJSON", "zip": "ESRI Shapefile"}
# No network: /vsicurl/ and the HTTP drivers accept only a file name no URL has (an empty list would
# allow every extension). No directory listing next to the file, no side-car .aux.xml, no VirtualOGR
# in the SQLite dialect; GeoJSON objects bounded in size (MB).
GDAL_CONFIG = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".no-network-access",
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/no-network-access",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_PAM_ENABLED": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "OGR_SQLITE_LIST_VIRTUAL_OGR": "NO",
    "ALLOW_VIRTUAL_OGR_FROM_TRIGGER_AND_VIEW": "NO",
    "OGR_GEOJSON_MAX_OBJ_SIZE": str(limits.MAX_UPLOAD_BYTES // 2**20),
}


def _check_magic(data: bytes, what: str) -> None:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n") if what == "geojson" else data
    magic, reason = _MAGIC[what]
    if b"<OGRVRTDataSource" in data[:4096] or not head.startswith(magic):
        raise fail(f"not a {what} file: {reason}")


def _out_of_memory(exc: BaseException) -> bool:
    """Whether a library's error means an allocation failed (GDAL, GEOS and numpy say so in words)."""
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or any(w in text for w in ("out of memory", "bad_alloc", "cannot allocate"))


def read_geo_frame(data: bytes, fmt: str) -> gpd.GeoDataFrame:
    """A GeoJSON, GeoPackage or zipped Shapefile as a GeoDataFrame (its CRS as declared)."""
    import tempfile

    import pyogrio

    from geo.store.imports import gdal
    from geo.store.imports.geopackage import check_geopackage

    if fmt != "zip":
        _check_magic(data, fmt)
    if fmt == "geojson" and (brackets := data.count(b"[")) > limits.MAX_VERTICES:
        # Each coordinate pair is one '[' (rings add a few): refused before GDAL builds its JSON tree.
        raise fail(limits.refusal("vertices", limits.MAX_VERTICES, f"~{brackets}"))
    pyogrio.set_gdal_config_options(GDAL_CONFIG)
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        source: Any = io.BytesIO(data)
        if fmt == "gpkg":
            source = Path(folder) / "upload.gpkg"
            source.write_bytes(data)
            check_geopackage(source)
        elif fmt == "zip":
            source = unpack_shapefile(data, Path(folder))
        # pyogrio/GDAL raise their own errors for any damaged input: here they all mean "unreadable".
        try:
            with gdal.only_driver(DRIVERS[fmt]), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's notes on a file it reads anyway
                # One row past the limit is enough to refuse: a view of millions of rows is not read whole.
                frame = pyogrio.read_dataframe(source, max_features=limits.MAX_ROWS + 1)
        except Exception as exc:
            if _out_of_memory(exc):
                raise MemoryError from None  # the checking child names its memory limit
            raise fail(f"not a readable {fmt} file ({type(exc).__name__})") from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
        raise fail("the file has no geometries")
    if len(frame) > limits.MAX_ROWS:
        raise fail(limits.refusal("rows", limits.MAX_ROWS))
    vertices = int(shapely.get_num_coordinates(frame.geometry.to_numpy()).sum())
    if vertices > limits.MAX_VERTICES:
        raise fail(limits.refusal("vertices", limits.MAX_VERTICES, vertices))
    return frame


_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def unpack_shapefile(data: bytes, folder: Path) -> Path:
    """The one Shapefile in a checked archive, its parts (and nothing else) unpacked into ``folder``,
    after the counts its headers declare are checked: GDAL sizes what it reads by them."""
    archive = check_zip(data, "zip archive")
    shps = [i.filename for i in archive.infolist() if i.filename.lower().endswith(".shp")]
    if len(shps) != 1:
        raise fail(f"the zip archive must hold exactly one .shp file (found {len(shps)})")
    stem = shps[0][:-4].lower()
    parts = {
        i.filename[-4:].lower(): i
        for i in archive.infolist()
        if i.filename[:-4].lower() == stem and i.filename[-4:].lower() in _SHAPEFILE_PARTS
    }
    with archive.open(parts[".shp"]) as shp:
        _check_magic(shp.read(4), "shp")
    if ".shx" in parts:  # 100 header bytes, then 8 per shape
        _check_count("the .shx index", (parts[".shx"].file_size - 100) // 8)
    if ".dbf" in parts:
        with archive.open(parts[".dbf"]) as dbf:
            head = dbf.read(12)
        if len(head) < 12:
            raise fail("not a readable zip archive: its .dbf table is cut short")
        records, header_size, record_size = struct.unpack("<I2H", head[4:12])
        _check_count("the .dbf table", records)
        if (header_size - 33) // 32 > limits.MAX_COLUMNS:
            raise fail(limits.refusal("columns", limits.MAX_COLUMNS, (header_size - 33) // 32))
        if header_size + records * record_size > parts[".dbf"].file_size + 1:
            raise fail(f"the .dbf table declares {records} records but holds fewer: the Shapefile is damaged")
    for ext, info in parts.items():
        with archive.open(info) as part, open(folder / f"upload{ext}", "wb") as out:
            shutil.copyfileobj(part, out, 1 << 20)
    return folder / "upload.shp"


def _check_count(what: str, declared: int) -> None:
    if declared > limits.MAX_ROWS:
        raise fail(limits.refusal("rows", limits.MAX_ROWS) + f" ({what} declares {declared})")


def frame_table(frame: pd.DataFrame) -> RawTable:
    """Feature properties as text, numbered from 1 (the first feature)."""
    cols = (
        [c for c in frame.columns if c != frame.geometry.name] if isinstance(frame, gpd.GeoDataFrame) else list(frame)
    )
    rows = []
    for i, rec in enumerate(frame[cols].itertuples(index=False), start=1):
        rows.append((i, ["" if v is None or (isinstance(v, float) and v != v) else cell_text(v, "") for v in rec]))
    return RawTable([str(c) for c in cols], rows)
