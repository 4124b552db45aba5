"""Downloads (CSV, XLSX): no cell a spreadsheet would execute; numbers stay numbers; one writer."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.render import tables

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as s  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ['=HYPERLINK("http://x.invalid","点我")', "+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", "=1", "#N/A"]
# Text that begins with a trigger, or with anything at all (hypothesis also picks control codes and CJK).
texts = s.one_of(s.sampled_from(tables.FORMULA_TRIGGERS).flatmap(lambda t: s.text().map(lambda x: t + x)), s.text())
numbers = s.one_of(s.integers(-(10**15), 10**15), s.floats(allow_nan=False, allow_infinity=False, width=32))


def csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def expected_xlsx_text(text: str) -> str | None:
    return tables.safe_text(text).translate(tables._XML_ILLEGAL) or None


def assert_text(cell, text: str) -> None:
    """A string cell holding the text (or an empty cell for empty text), never a formula."""
    assert cell.value == expected_xlsx_text(text)
    assert cell.value is None or (cell.data_type == "s" and not cell.value.startswith(tables.FORMULA_TRIGGERS))


@given(s.lists(s.tuples(texts, numbers), min_size=1, max_size=8), texts)
def test_text_never_becomes_a_formula_and_numbers_stay_numbers(rows, header):
    table = pd.DataFrame(rows, columns=[header, "n"])
    out = csv_rows(tables.table_csv(table))
    assert len(out) == len(rows) + 1
    for (text, number), (cell, raw) in zip(rows, out[1:], strict=True):
        assert not cell.startswith(tables.FORMULA_TRIGGERS)
        assert cell in (text, "'" + text)  # the text comes back, at most one quote mark in front
        assert float(raw) == float(number)  # an unquoted number (QUOTE_NONNUMERIC would quote text)
    assert not out[0][0].startswith(tables.FORMULA_TRIGGERS)

    ws = openpyxl.load_workbook(io.BytesIO(tables.table_xlsx(table)))["data"]
    assert_text(ws.cell(1, 1), header)
    for r, (text, number) in enumerate(rows, start=2):
        assert_text(ws.cell(r, 1), text)
        value = ws.cell(r, 2)
        assert value.data_type == "n" and value.value == pytest.approx(number)


def test_hostile_values_are_neutralised_in_both_formats():
    table = pd.DataFrame({"note": HOSTILE, "value": [-1.5, -2, 0, 3, None, 4, 5, 6]})
    out = csv_rows(tables.table_csv(table))
    assert [row[0] for row in out[1:]] == ["'" + h if h[0] in "=+-@\t\r" else h for h in HOSTILE]
    assert [row[1] for row in out[1:]] == ["-1.5", "-2.0", "0.0", "3.0", "", "4.0", "5.0", "6.0"]
    ws = openpyxl.load_workbook(io.BytesIO(tables.table_xlsx(table)))["data"]
    cells = [ws.cell(r, 1) for r in range(2, len(HOSTILE) + 2)]
    assert {c.data_type for c in cells} == {"s"}  # "#N/A" too, which openpyxl would store as an error
    assert [ws.cell(r, 2).value for r in range(2, 7)] == [-1.5, -2, 0, 3, None]  # no data stays empty


def test_a_workbook_of_several_sheets_with_choices():
    data = tables.workbook_xlsx(
        [
            tables.Sheet(
                "数据 values",
                pd.DataFrame(columns=["county", "status"]),
                22,
                (("A2:A50", "'县 counties'!$A$2:$A$3"), ("B2:B50", '"reported,target"')),
            ),
            tables.Sheet("县 counties", pd.DataFrame({"adcode": ["130600", "=1"]})),
        ]
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["数据 values", "县 counties"]
    values = wb["数据 values"]
    assert [c.value for c in values[1]] == ["county", "status"] and values[1][0].font.b
    assert values.freeze_panes == "A2" and values.column_dimensions["A"].width == 22
    assert [(str(v.sqref), v.formula1) for v in values.data_validations.dataValidation] == [
        ("A2:A50", "'县 counties'!$A$2:$A$3"),
        ("B2:B50", '"reported,target"'),
    ]
    assert wb["县 counties"]["A3"].value == "'=1" and wb["县 counties"]["A2"].value == "130600"


def test_only_tables_writes_spreadsheets():
    writers = re.compile(r"\.to_csv\(|\.to_excel\(|ExcelWriter|openpyxl\.Workbook\(|csv\.writer\(|\bWorkbook\(")
    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "geo").rglob("*.py")]
    offenders = [
        str(p.relative_to(ROOT))
        for p in files
        if p.name != "tables.py" and writers.search(re.sub(r"#.*", "", p.read_text(encoding="utf-8")))
    ]
    assert offenders == []
