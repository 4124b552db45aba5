"""The XLSX template planners fill in: an empty long table, then the catalogue, counties, sources, help."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.model import indicators as ind

TEMPLATE_HEADER = (
    "县（市、区） county",
    "指标 indicator",
    "年份 year",
    "数值 value",
    "单位 unit",
    "性质 status",
    "来源 source",
    "出处 locator",
    "说明 note",
)
TEMPLATE_HELP = (
    "填写第一张表“数据 values”：每行一个数字。县可写代码（130624）或名称（阜平、阜平县、Fuping）；"
    "全市写 130600 或“全市”。",
    "指标写代码或中文/英文名称（见“指标 indicators”表）。数值可带单位：10.81万人、445兆瓦、30万千瓦、12.5%。",
    "性质：实际 reported / 目标 target / 预计 forecast（空白 = 实际）。来源写“来源 sources”表中的 source_id 或标题；"
    "新来源可在导入时填写标题、发布者、日期和来源等级（A 政府文件或通知；B 报告本身或主要媒体自己的网页；"
    "C 其他网站的转载；D 没有署名媒体、作者或日期的网页），网址可选："
    "不在审核过的媒体清单中的网站只显示为文字、不做链接。",
    "Fill in the first sheet, one figure per row. County: adcode or name in Chinese or English; the whole city is "
    "130600. Indicator: id or name (see the indicators sheet). Values may carry units (10.81万人, 130MW, 12.5%).",
    "Status: reported / target / forecast (blank = reported). Source: a source_id or title from the sources sheet, "
    "or give a new source (title, publisher, date and grade: A = a government document or notice, B = the report "
    "itself or a major outlet's own page, C = a reprint on another site, D = a page with no named outlet, author or "
    "date) when importing; its URL is optional, and a site not on the reviewed outlet list is shown as text, "
    "not linked.",
    "宽表也可以：每行一个县，每列一个指标（表头写指标代码或名称，可在括号中注明单位，如“剩余贫困人口（万人）”），另给年份。"
    " A wide table works too: one row per county, one column per indicator, plus a year.",
)


def template_sheets(ds: ind.Dataset, counties: gpd.GeoDataFrame) -> list[tuple[str, pd.DataFrame, int, tuple]]:
    """The XLSX to fill in, as data: (sheet name, table, column width, drop-down lists) per sheet.

    An empty long table first, then the catalogue, counties, sources and help. The workbook is
    written by the app's one spreadsheet writer (geo.render.tables), which keeps text from
    becoming formulas.
    """
    catalogue = ["indicator_id", "name_zh", "name_en", "unit", "unit_en", "level", "kind"]
    units = [
        (ind.CITY_ADCODE, "保定市（全市）", "Baoding (whole city)"),
        *counties[["adcode", "name_zh", "name_en"]].itertuples(index=False),
    ]
    n_ind, n_units = len(ds.indicators) + 1, len(units) + 1
    choices = (
        ("A2:A5000", f"'县 counties'!$A$2:$A${n_units}"),
        ("B2:B5000", f"'指标 indicators'!$A$2:$A${n_ind}"),
        ("F2:F5000", '"reported,target,forecast"'),
    )
    text = lambda frame: frame.astype(str)  # noqa: E731  (codes such as adcodes stay text)
    return [
        ("数据 values", pd.DataFrame(columns=list(TEMPLATE_HEADER)), 22, choices),
        ("指标 indicators", text(ds.indicators[catalogue]), 22, ()),
        ("县 counties", text(pd.DataFrame(units, columns=["adcode", "name_zh", "name_en"])), 22, ()),
        ("来源 sources", text(ds.sources[["source_id", "title", "publisher", "date", "url", "grade"]]), 22, ()),
        ("分类 categories", text(ds.categories[["indicator_id", "code", "label_zh", "label_en"]]), 22, ()),
        ("说明 help", pd.DataFrame({"说明 / Help": list(TEMPLATE_HELP)}), 60, ()),
    ]
