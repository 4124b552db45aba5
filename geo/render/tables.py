"""Tables as downloads (CSV, XLSX): the one place the app writes spreadsheets.

No matplotlib here: a CSV download does not load the print renderer.
"""

from __future__ import annotations

import io
import unicodedata

import pandas as pd


def _cell_width(text: str) -> int:
    """Column width in characters: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def table_csv(table: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    return table.to_csv(index=False).encode("utf-8-sig")


def table_xlsx(table: pd.DataFrame, sheet: str = "data") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, sheet_name=sheet[:31])
        ws = writer.sheets[sheet[:31]]
        for col in ws.columns:  # readable widths
            width = max(_cell_width(str(c.value or "")) for c in col)
            ws.column_dimensions[col[0].column_letter].width = min(60, max(8, width + 2))
    return buf.getvalue()
