"""The XLSX template planners fill in: an empty long table, then the catalogue, counties, sources, help."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import geopandas as gpd

from geo.model import indicators as ind

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
