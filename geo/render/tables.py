"""Tables as downloads (CSV, XLSX): the one place the app writes spreadsheets.

Text that reaches a download may have come in through an import (a note, a source title, a
county name), so a spreadsheet must never run it: following OWASP's CSV-injection guidance,
a text cell that begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
``'``, and text cells are quoted in CSV (a ``;`` or ``,`` inside cannot start a new cell in a
locale that splits on it). XLSX cells of text are written as strings (openpyxl would store a
string beginning with ``=`` as a live formula). Numbers stay numbers: ``-3.5`` in a numeric
column is a number, not text.

No matplotlib here: a CSV download does not load the print renderer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import numbers
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

# OWASP "CSV Injection": the first characters with which Excel, LibreOffice and Google Sheets
# start a formula (or, for tab/CR, shift the cell so the next character does).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry (control codes other than tab, LF, CR): shown as U+FFFD in an XLSX.
_XML_ILLEGAL = {c: "\ufffd" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as text: a leading ``'`` before a formula trigger."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cell_width(text: str) -> int:
    """Column width in characters: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _neutralised(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell and header made safe; numeric, boolean and date columns untouched."""
    out = table.copy()
    out.columns = [safe_text(str(c)) for c in table.columns]
    for i, (_, column) in enumerate(table.items()):
        kind = column.dtype
        if pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind):
            continue  # bool is numeric here too: no text can hide in these columns
        out.isetitem(i, column.astype(object).map(lambda v: safe_text(v) if isinstance(v, str) else v))
    return out


def table_csv(table: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly; text quoted and made safe."""
    return _neutralised(table).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")


@dataclass(frozen=True)
class Sheet:
    """One worksheet of a workbook: a table, its column width, and drop-down lists for cells.

    ``width`` fixes every column's width in characters (None: fit each column to its text).
    ``choices`` are (cell range, list source) pairs, e.g. ``("A2:A5000", "'县 counties'!$A$2:$A$26")``:
    the cells offer the list and still accept other values.
    """

    name: str
    table: pd.DataFrame
    width: int | None = None
    choices: tuple[tuple[str, str], ...] = ()


def _excel_value(value: object) -> object:
    """A value openpyxl stores as what it is: None for no data, numbers, dates, else (safe) text."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real | Decimal):
        if math.isnan(value):
            return None
        if math.isfinite(value):
            return value.item() if hasattr(value, "item") else value  # numpy scalars as Python ones
    if isinstance(value, pd.Timestamp):
        return value.tz_convert(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, dt.date | dt.time) and getattr(value, "tzinfo", None) is None:
        return value
    return safe_text(str(value)).translate(_XML_ILLEGAL) or None  # an empty string is an empty cell


def workbook_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX of these sheets, bold header row frozen; text cells are strings, never formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name[:31])
        header = [_excel_value(str(c)) for c in sheet.table.columns]
        rows = [[_excel_value(v) for v in row] for row in sheet.table.itertuples(index=False, name=None)]
        for r, values in enumerate([header, *rows], start=1):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(r, c, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # openpyxl reads "#N/A" as an error and "=…" as a formula
                if r == 1:
                    cell.font = bold
        ws.freeze_panes = "A2"
        for c, name in enumerate(header, start=1):
            texts = [str(name or "")] + [str(row[c - 1]) for row in rows if row[c - 1] is not None]
            fitted = min(60, max(8, max(_cell_width(x) for x in texts) + 2))
            ws.column_dimensions[get_column_letter(c)].width = sheet.width or fitted
        for cells, source in sheet.choices:
            check = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=False)
            ws.add_data_validation(check)
            check.add(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table_xlsx(table: pd.DataFrame, sheet: str = "data") -> bytes:
    """One table as a one-sheet XLSX (readable column widths)."""
    return workbook_xlsx([Sheet(sheet, table)])
