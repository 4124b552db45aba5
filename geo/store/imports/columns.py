"""Headers: which column plays which role, and the layout of a values table (long or wide)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geo.i18n import HIDDEN_CHARACTERS, quoted
from geo.model import units
from geo.store.imports.files import RawTable
from geo.store.imports.problems import FILE_COLUMN, ImportProblem

if TYPE_CHECKING:
    from geo.store.imports.catalogue import Catalogue


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


def role_of(keys: list[str], roles: dict[str, tuple[str, ...]]) -> str | None:
    index = {header_key(alias): role for role, aliases in roles.items() for alias in aliases}
    for key in keys:
        if key in index:
            return index[key]
    return None


@dataclass
class Layout:
    long: bool
    roles: dict[str, int]  # role -> column index
    indicators: dict[int, tuple[str, str]]  # wide: column index -> (indicator_id, unit from its header)
    value_unit: str  # long: unit from the value column's header


def layout_of(table: RawTable, cat: Catalogue) -> tuple[Layout, list[ImportProblem]]:
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
        role = role_of(keys, ROLES)
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
    return Layout(long, roles, wide, value_unit), problems


def cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def hidden_characters(text: str) -> str:
    """'' for a clean name, else the reason it is refused."""
    found = HIDDEN_CHARACTERS.search(text)  # geo.i18n: the list notices escape
    return f"contains a control or invisible character (U+{ord(found.group()):04X})" if found else ""


def url_problem(url: str) -> str:
    """'' for an http(s) URL or none, else the reason it is refused (javascript:, file:, data: ...)."""
    if url and not re.fullmatch(r"https?://[^\s\x00-\x1f\x7f]+", url, re.IGNORECASE):
        return f"URL {quoted(url, 80)} must start with http:// or https://"
    return ""
