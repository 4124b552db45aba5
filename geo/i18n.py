"""UI strings in Simplified Chinese and English, and number formatting per language.

Every string a page or app.py shows comes from ``STRINGS``; a test keeps both
languages complete and pages free of literal UI text.
"""

from __future__ import annotations

import math

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "保定市革命老区精准脱贫地图", "en": "Baoding poverty-alleviation map"},
    "app_subtitle": {
        "zh": "依据 2016 年《保定市革命老区精准脱贫工作的调研与思考》及公开资料",
        "en": "Based on the 2016 survey of targeted poverty alleviation in Baoding's "
        "old revolutionary areas, and public sources",
    },
    "page_overview": {"zh": "总览", "en": "Overview"},
    "page_sources": {"zh": "数据与来源", "en": "Data and sources"},
    "page_county": {"zh": "县域", "en": "County profile"},
    "profile_known": {"zh": "有数据的指标", "en": "Indicators with figures"},
    "profile_missing": {
        "zh": "{name}在现有资料中有 {known} 个指标有数字（全部 {total} 个）。另有 {city_only} 个指标资料只给出"
        "全市合计，不分县，这里不作估算。没有分县数字的专项：{missing}。",
        "en": "For {name} the sources give figures for {known} of {total} indicators. Another {city_only} "
        "indicators exist only as city totals and are not estimated per county. Programmes with no county "
        "figure: {missing}.",
    },
    "profile_programmes": {"zh": "有分县数字的专项", "en": "Programmes with county figures"},
    "profile_all_figures": {"zh": "本县全部数字", "en": "Every figure for this county"},
    "profile_ranks": {"zh": "在贫困县中的位次", "en": "Rank among the poor counties"},
    "profile_ranks_help": {
        "zh": "只比较同一年份至少两个贫困县有数字的指标；1 为最大。",
        "en": "Only indicators where at least two poor counties have figures for the same year; 1 is the largest.",
    },
    "profile_no_ranks": {
        "zh": "没有可与其他贫困县比较的同年数字。",
        "en": "No figure that can be compared with other poor counties for the same year.",
    },
    "profile_no_figures": {"zh": "资料中没有本县的分县数字。", "en": "The sources give no figure for this county."},
    "compare_with": {"zh": "对比", "en": "Compare with"},
    "compare_none": {"zh": "（不对比）", "en": "(no comparison)"},
    "compare_title": {"zh": "并列对比", "en": "Side by side"},
    "locator_map": {"zh": "位置", "en": "Location"},
    "copy_link": {"zh": "本视图链接（可复制）", "en": "Link to this view (copy it)"},
    "language": {"zh": "语言 / Language", "en": "语言 / Language"},
    "lang_zh": {"zh": "中文", "en": "中文"},
    "lang_en": {"zh": "English", "en": "English"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "year": {"zh": "年份", "en": "Year"},
    "scheme": {"zh": "分级方法", "en": "Classification"},
    "scheme_quantiles": {"zh": "分位数", "en": "Quantiles"},
    "scheme_natural_breaks": {"zh": "自然断点", "en": "Natural breaks"},
    "scheme_equal_interval": {"zh": "等间距", "en": "Equal interval"},
    "programme": {"zh": "专项", "en": "Programme"},
    "all_programmes": {"zh": "全部专项", "en": "All programmes"},
    "city_only_suffix": {"zh": "（仅全市）", "en": " (city only)"},
    "no_data": {"zh": "无数据", "en": "No data"},
    "city_total": {"zh": "全市合计", "en": "City total"},
    "source": {"zh": "来源", "en": "Source"},
    "locator": {"zh": "出处", "en": "Where"},
    "status": {"zh": "性质", "en": "Status"},
    "status_reported": {"zh": "实际", "en": "reported"},
    "status_target": {"zh": "目标", "en": "target"},
    "status_forecast": {"zh": "预计", "en": "forecast"},
    "note": {"zh": "说明", "en": "Note"},
    "value": {"zh": "数值", "en": "Value"},
    "unit": {"zh": "单位", "en": "Unit"},
    "county": {"zh": "县（市、区）", "en": "County"},
    "rank": {"zh": "排名", "en": "Rank"},
    "key_figures": {"zh": "全市关键数字", "en": "City-wide key figures"},
    "ranking_title": {"zh": "有数据的县（市、区）排名", "en": "Counties with data, ranked"},
    "categories_title": {"zh": "各县（市、区）分类", "en": "Counties by category"},
    "ranking_empty": {
        "zh": "此指标没有分县数据。",
        "en": "This indicator has no county figures.",
    },
    "city_only_info": {
        "zh": "报告只给出了此指标的全市合计，没有分县数字。地图把全市作为一个整体着色，各县不作估算。",
        "en": "The report gives only a city-wide total for this indicator, no county "
        "figures. The map colours the city as a whole; counties are not estimated.",
    },
    "coverage_line": {
        "zh": "有分县数据的 {n} 个县（市、区）合计 {sum}，占全市合计 {total} 的 {share}。",
        "en": "The {n} counties with figures add up to {sum}, {share} of the city total {total}.",
    },
    "coverage_no_total": {
        "zh": "{n}/{total_units} 个县（市、区）有数据；该年没有全市合计可供对照。",
        "en": "{n} of {total_units} counties have figures; there is no city total for that year to compare with.",
    },
    "coverage_mixed_years": {
        "zh": "{n}/{total_units} 个县（市、区）有数据，但年份各不相同（见悬停提示），不能相加或与全市合计对照。",
        "en": "{n} of {total_units} counties have figures, but for different years (see the tooltips); "
        "they cannot be added up or set against a city total.",
    },
    "latest_year": {"zh": "各县最新", "en": "Latest per county"},
    "coverage_counties": {
        "zh": "{n}/{total_units} 个县（市、区）有数据",
        "en": "{n} of {total_units} counties have data",
    },
    "selected_county": {"zh": "已选县（市、区）", "en": "Selected county"},
    "click_hint": {
        "zh": "点击地图上的县可选中；悬停查看数值与来源。",
        "en": "Click a county on the map to select it; hover to see its value and source.",
    },
    "clear_selection": {"zh": "取消选择", "en": "Clear selection"},
    "no_value_for_county": {
        "zh": "该县此指标无数据。",
        "en": "No figure for this county on this indicator.",
    },
    "unknown_param": {
        "zh": "链接中的{param}“{value}”无效，已改用默认值。",
        "en": "The link's {param} “{value}” is not valid; the default is shown instead.",
    },
    "data_error_title": {"zh": "数据文件有误，应用无法启动", "en": "A data file is broken"},
    "sources_intro": {
        "zh": "应用中显示的每个数字都来自下表中的一行。可按专项和县筛选，并下载为 CSV。",
        "en": "Every number the app shows comes from a row of this table. Filter by "
        "programme and county, and download it as CSV.",
    },
    "download_csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "all_counties": {"zh": "全部县（市、区）", "en": "All counties"},
    "whole_city": {"zh": "全市", "en": "Whole city"},
    "source_list": {"zh": "来源清单", "en": "List of sources"},
    "rows_shown": {"zh": "共 {n} 行", "en": "{n} rows"},
    "legend_no_data": {"zh": "无数据", "en": "No data"},
    "legend_city_total": {"zh": "全市合计（无分县数据）", "en": "City total (no county data)"},
    "map_caption_year": {"zh": "{year} 年", "en": "{year}"},
    "title": {"zh": "标题", "en": "Title"},
    "publisher": {"zh": "发布者", "en": "Publisher"},
    "date": {"zh": "日期", "en": "Date"},
    "url": {"zh": "网址", "en": "URL"},
    "indicators_count": {
        "zh": "{n} 个指标，{v} 个数值，{s} 个来源",
        "en": "{n} indicators, {v} values, {s} sources",
    },
}


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The UI string ``key`` in ``lang``, formatted with ``fmt``."""
    try:
        entry = STRINGS[key]
    except KeyError:
        raise KeyError(f"unknown UI string {key!r}") from None
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**fmt) if fmt else text


def _trim(x: float, digits: int) -> str:
    s = f"{x:,.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def format_number(value: float | int | None, lang: str = DEFAULT_LANG, digits: int = 2) -> str:
    """A number as people read it: 万/亿 in Chinese, thousands separators in English.

    ``None`` and NaN become the language's "no data" text, never zero.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("no_data", lang)
    v = float(value)
    if lang == "zh":
        a = abs(v)
        if a >= 1e8:
            return _trim(v / 1e8, digits) + "亿"
        if a >= 1e4:
            return _trim(v / 1e4, digits) + "万"
        return _trim(v, digits).replace(",", "")
    return _trim(v, digits)


def format_value(value: float | int | None, unit: str, lang: str = DEFAULT_LANG) -> str:
    """A number with its unit (the unit is given already in the right language)."""
    text = format_number(value, lang)
    if value is None or (isinstance(value, float) and math.isnan(value)) or not unit:
        return text
    sep = "" if lang == "zh" or unit == "%" else " "
    return f"{text}{sep}{unit}"


def format_share(share: float, lang: str = DEFAULT_LANG) -> str:
    """A 0–1 share as a percentage with one decimal."""
    return f"{share * 100:.1f}%"


def colon(lang: str = DEFAULT_LANG) -> str:
    """The label separator: full-width in Chinese."""
    return "：" if lang == "zh" else ": "


def paren(text: object, lang: str = DEFAULT_LANG) -> str:
    """An aside in brackets: full-width in Chinese, spaced in English."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def join_list(items: list[str], lang: str = DEFAULT_LANG) -> str:
    """Items of a list in running text: 、 in Chinese, commas in English."""
    return ("、" if lang == "zh" else ", ").join(items)
