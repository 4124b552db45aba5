"""One cell: years, status, numbers with units, categories, datums and coordinates."""

from __future__ import annotations

import pandas as pd

from geo.i18n import quoted
from geo.model import indicators as ind
from geo.model import units
from geo.store.imports import limits
from geo.store.imports.columns import header_key
from geo.store.imports.options import DATUM_NAMES, YEARS

STATUS_ALIASES = {
    "reported": "reported", "实际": "reported", "实际数": "reported", "已完成": "reported", "实绩": "reported",
    "target": "target", "目标": "target", "计划": "target", "规划": "target",
    "forecast": "forecast", "预计": "forecast", "预测": "forecast",
}  # fmt: skip


def parse_year(text: str) -> int:
    value, unit = units.parse_quantity(text)
    if unit not in ("", "年") or value != value.to_integral_value():
        raise ValueError(f"{quoted(text)} is not a year")
    year = int(value)
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"year {year} is outside {YEARS[0]}–{YEARS[1]}")
    return year


def parse_status(text: str) -> str:
    key = header_key(text)
    if key not in STATUS_ALIASES:
        raise ValueError(f"status {quoted(text)} must be one of {', '.join(ind.STATUSES)} (实际/目标/预计)")
    return STATUS_ALIASES[key]


def is_share(indicator: pd.Series) -> bool:
    """A percentage that is part of a whole (≤ 100), unlike a growth rate."""
    text = f"{indicator.name} {indicator['name_en']}".lower()
    return indicator["unit"] == "%" and not any(w in text for w in ("growth", "increase", "增"))


def numeric_value(text: str, indicator: pd.Series, unit_hint: str = "") -> str:
    """The cell as a plain number in the indicator's unit; ValueError says what is wrong."""
    value, unit = units.with_unit(text, unit_hint)
    target = str(indicator["unit"])
    try:
        value = units.convert(value, unit, target)
    except ArithmeticError:  # decimal.Overflow converting a number near the context's limits
        raise ValueError(f"{quoted(text)} is implausibly large") from None
    if abs(value) > limits.MAX_ABS_VALUE:
        raise ValueError(f"{quoted(text)} is implausibly large")
    if value < 0 and (units.dimension(target) in units.NON_NEGATIVE or is_share(indicator)):
        raise ValueError(f"{quoted(text)} cannot be negative ({units.dimension(target) or 'a share'})")
    if is_share(indicator) and value > 100:
        raise ValueError(f"{quoted(text)}: a share cannot exceed 100%")
    return units.format_decimal(value)


def category_value(text: str, indicator_id: str, ds: ind.Dataset) -> str:
    cats = ds.categories[ds.categories["indicator_id"] == indicator_id]
    key = header_key(text)
    for row in cats.itertuples(index=False):
        if key in (header_key(row.code), header_key(row.label_zh), header_key(row.label_en)):
            return row.code
    valid = ", ".join(f"{r.code} ({r.label_zh})" for r in cats.itertuples(index=False))
    raise ValueError(f"{quoted(text)} is not a category of {indicator_id}; valid: {valid}")


def parse_datum(text: str) -> str:
    key = header_key(text)
    if key not in DATUM_NAMES:
        raise ValueError(f"unknown datum {quoted(text)}; valid: WGS-84, CGCS2000, GCJ-02, BD-09")
    return DATUM_NAMES[key]


def parse_coordinate(text: str) -> float:
    value, unit = units.parse_quantity(text.replace("°", ""))
    if unit:
        raise ValueError(f"{quoted(text)} is not a coordinate in degrees")
    return float(value)
