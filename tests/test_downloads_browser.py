"""Every CSV/XLSX the app offers, downloaded in a real browser, has no cell a spreadsheet would execute;
the views' data downloads hold the figure the page shows, as a number with its unit, year, status and source.

For the first, the app runs on a copy of data/ whose sources and notes carry formula text (as an import could
bring in), so a download that passes that text through as it is fails here.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from browser_support import CHROMIUM, closed_after, offline_context, serve_app
from test_browser import map_frame

from geo.render.tables import FORMULA_TRIGGERS

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")]
HOSTILE = ['=HYPERLINK("http://evil.invalid","保定")', "+1", "@SUM(1)", "-2+3"]


def _rewrite(path: Path, column: str, value) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows):
        row[column] = value(i, row[column])
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hostile_app_url(tmp_path_factory):
    """The app on data whose every source publisher and value note begins with a formula."""
    tmp = tmp_path_factory.mktemp("hostile")
    data = Path(shutil.copytree(ROOT / "data", tmp / "data"))
    _rewrite(data / "sources.csv", "publisher", lambda i, v: HOSTILE[i % len(HOSTILE)] + v)
    _rewrite(data / "values.csv", "note", lambda i, v: HOSTILE[i % len(HOSTILE)])
    yield from serve_app({"BAODING_DATA_DIR": str(data), "BAODING_STORE": str(tmp / "store.gpkg")})


def cells(name: str, data: bytes) -> list[tuple[object, str]]:
    """(value, openpyxl data type) of every cell; CSV cells are all text ('s')."""
    if name.endswith(".csv"):
        return [(c, "s") for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for c in row]
    wb = openpyxl.load_workbook(io.BytesIO(data))  # formulas kept as formulas: data_type 'f'
    return [(c.value, c.data_type) for ws in wb.worksheets for row in ws.iter_rows() for c in row]


# (page path, "" the overview; popover to open or None; button label; file suffix)
DOWNLOADS = [
    ("", "下载", "本视图数据 CSV", ".csv"),
    ("", "下载", "本视图数据 XLSX", ".xlsx"),
    ("programmes", "下载", "本视图数据 CSV", ".csv"),
    ("programmes", "下载", "本视图数据 XLSX", ".xlsx"),
    ("briefing?slide=2", "下载", "本页数据 CSV", ".csv"),
    ("briefing?slide=2", "下载", "本页数据 XLSX", ".xlsx"),
    ("sources", None, "下载 CSV", ".csv"),
    ("data", None, "下载填报模板（XLSX）", ".xlsx"),
]


@pytest.mark.parametrize("path, popover, label, suffix", DOWNLOADS)
def test_download_has_no_formula_cell(browser, hostile_app_url, path, popover, label, suffix):
    context, external = offline_context(browser, hostile_app_url, accept_downloads=True)
    page = context.new_page()
    with closed_after(context, page, f"failed-download-{path.split('?')[0]}-{suffix[1:]}"):
        page.goto(f"{hostile_app_url}/{path}")
        if popover:  # the popovers sit under maps: drawn first, the map frame no longer moves them
            map_frame(page)
            page.get_by_test_id("stPopover").get_by_role("button", name=popover).click(timeout=60_000)
        button = page.get_by_role("button", name=label)
        with page.expect_download(timeout=60_000) as info:
            button.click(timeout=60_000)
        download = info.value
        assert download.suggested_filename.endswith(suffix)
        data = Path(download.path()).read_bytes()
    found = cells(download.suggested_filename, data)
    assert [(v, t) for v, t in found if t == "f"] == []
    texts = [v for v, _ in found if isinstance(v, str)]
    assert [v for v in texts if v.startswith(FORMULA_TRIGGERS)] == []
    # The seeded formulas reached this file (made safe): else the test would prove nothing.
    assert any(v.startswith("'") and v[1:].startswith(FORMULA_TRIGGERS) for v in texts), texts[:20]
    assert external == []


# What each view shows, downloaded through the browser: (page path, indicator id, adcode, year or None for
# the view's own, where on the page the figure is shown: "page" text or the "map" frame). A county-level and
# a city-only indicator (one of those known only as a city total) on each page that offers the view's data.
HELD = {
    "overview-county": (
        "?indicator=poor_population_remaining&county=130624",
        "poor_population_remaining",
        "130624",
        2018,
        "page",
        "本视图数据",
    ),
    "overview-city": ("?indicator=relocation_persons", "relocation_persons", "130600", 2016, "page", "本视图数据"),
    "programmes-county": (
        "programmes?programme=relocation",
        "relocation_persons_cumulative",
        "130624",
        2020,
        "map",
        "本视图数据",
    ),
    "programmes-city": ("programmes?programme=relocation", "relocation_persons", "130600", 2016, "page", "本视图数据"),
    "briefing-county": (
        "briefing?slide={social_security}",
        "elderly_medical_relief_visits",
        "130624",
        2016,
        "page",
        "本页数据",
    ),
    "briefing-city": ("briefing?slide={funds}", "city_special_funds", "130600", 2016, "page", "本页数据"),
}


def _shown_texts(page, where: str) -> str:
    """The page's visible text, or the map frames' documents (a county's figure is in its tooltip there)."""
    if where == "page":
        return page.locator("body").inner_text()
    return "".join(f.content() for f in page.frames if f != page.main_frame)


@pytest.mark.parametrize("case", list(HELD))
def test_download_holds_the_figure_the_view_shows(browser, app_url, bundled, case):
    """The figure on the page is in both files: a number (not "7.6万人" text) with its year, status, source
    and the unit in the header (the overview: 数值（人）) or, where rows mix units, in a 单位 column."""
    import pandas as pd

    from geo.i18n import format_value, paren, t
    from geo.model import indicators as ind
    from geo.model import slides
    from geo.views.common import status_text

    ds, counties = bundled
    path, indicator_id, adcode, year, where, label = HELD[case]
    deck = slides.load_deck(ROOT / "data" / "slides.toml", ds, set(counties["adcode"]))
    path = path.format(**{sid: i + 1 for i, sid in enumerate(deck.ids())})
    indicator = ind.get_indicator(ds, indicator_id)
    rows = ind.city_value(ds, indicator_id, year) if adcode == ind.CITY_ADCODE else None
    if rows is None:
        cv = ind.county_values(ds, indicator_id, year)
        rows = cv[cv["adcode"] == adcode].iloc[0]
    unit, number = indicator.unit_for("zh"), float(rows["number"])

    context, external = offline_context(browser, app_url, accept_downloads=True)
    page = context.new_page()
    files = {}
    with closed_after(context, page, f"failed-held-{case}"):
        page.goto(f"{app_url}/{path}")
        map_frame(page)  # the map drawn first: its frame growing would move the popover's button away
        page.get_by_test_id("stPopover").get_by_role("button", name="下载").click(timeout=60_000)
        for suffix in (".csv", ".xlsx"):
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name=f"{label} {suffix[1:].upper()}").click(timeout=60_000)
            assert info.value.suggested_filename.endswith(suffix)
            files[suffix] = Path(info.value.path()).read_bytes()
        page.keyboard.press("Escape")
        shown = _shown_texts(page, where)
    assert format_value(number, unit, "zh") in shown  # the figure the file must hold is the one on the page
    assert external == []

    table = pd.read_csv(io.BytesIO(files[".csv"]), encoding="utf-8-sig", dtype={"adcode": str})
    ws = openpyxl.load_workbook(io.BytesIO(files[".xlsx"])).worksheets[0]
    sheet = pd.DataFrame([[c.value for c in r] for r in ws.iter_rows(min_row=2)], columns=[c.value for c in ws[1]])
    sheet_types = [[c.data_type for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(table) > 0 and list(sheet.columns) == list(table.columns)
    header_unit = f"{t('value', 'zh')}{paren(unit, 'zh')}"
    value_col = header_unit if header_unit in table.columns else t("value", "zh")
    for found, kind in ((table, "csv"), (sheet, "xlsx")):
        mine = found["adcode"].astype(str) == adcode
        if "indicator_id" in found.columns:
            mine &= found["indicator_id"] == indicator_id
        assert mine.any(), (kind, found.head(8).to_dict("records"))
        row = found[mine].iloc[0]
        assert float(row[value_col]) == number, kind
        assert int(row[t("year", "zh")]) == int(rows["year"]), kind
        assert row[t("status", "zh")] == status_text(rows["status"], "zh"), kind
        assert row[t("source", "zh")] == ind.source_label(rows, "zh"), kind
        assert row[t("grade", "zh")] == rows["grade"] and rows["grade"] in "ABCD", kind  # the grade has a column
        if value_col != header_unit:  # rows of several units: the unit column says this row's
            assert row[t("unit", "zh")] == unit, kind
    assert pd.api.types.is_numeric_dtype(table[value_col])  # pandas read numbers, not "7.6万人"
    col = list(sheet.columns).index(value_col)
    numbers = [types[col] for types, v in zip(sheet_types, sheet[value_col]) if v is not None]
    assert numbers and set(numbers) == {"n"}
