"""The app in a real browser (Debian Chromium via Playwright) with the network cut off.

Every request that does not go to the app's own server is aborted and recorded, as a
meeting room without internet would. Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

import os
import tomllib
from urllib.parse import parse_qs, urlparse

import pytest
from browser_support import (
    ARTIFACTS,
    CHROMIUM,
    MAP_IFRAME,
    ROOT,
    click_inside_largest_county,
    holds,
    map_document,
    offline_context,
    painted,
    serve_app,
)
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian chromium not installed"),
]


SIDEBAR = "[data-testid='stSidebar']"
# The rest of a new session's overview (the sidebar's pickers) comes once the map reports its counties painted
# (tests/test_mapfirst_browser.py): from then on the map's frame answers clicks and keeps its place.
REST = f"{SIDEBAR} [data-testid='stSelectbox']"


def map_frame(page, shape: str = "path.leaflet-interactive"):
    """The map's iframe once a county shape matching ``shape`` is drawn."""
    page.wait_for_selector(MAP_IFRAME, timeout=60_000)
    frame = page.frame_locator(MAP_IFRAME).first
    frame.locator(shape).first.wait_for(timeout=60_000)
    return frame


def map_ready(page, n: int = 24):
    """The map's iframe once ``n`` counties are painted and the rest of the page has come."""
    frame = map_frame(page)
    painted(page, n)
    page.locator(REST).first.wait_for(timeout=30_000)
    return frame


@pytest.fixture
def fresh_app_url():
    """A server of its own: the shared one has answered other tests' requests first."""
    yield from serve_app()


def test_deep_link_to_a_page_as_the_servers_first_request(browser, fresh_app_url):
    """The bug it guards against only shows on a fresh server: a deep link run without app.py's frame."""
    context, external = offline_context(browser, fresh_app_url)
    page = context.new_page()
    page.goto(f"{fresh_app_url}/sources?lang=en")
    page.get_by_text("Every number the app shows").wait_for(timeout=60_000)
    page.get_by_text("English").first.wait_for(timeout=60_000)  # app.py's language switch is there
    links = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    assert any("Overview" in link for link in links)  # app.py's navigation ...
    assert not any(link.split()[-1] == "app" for link in links)  # ... not the one made from the pages folder
    assert external == []
    context.close()


def test_overview_paints_24_counties_offline(offline_page, app_url):
    page = offline_page
    page.goto(f"{app_url}/?indicator=poor_county_type")
    frame = map_ready(page)
    paths = frame.locator("path.leaflet-interactive")
    assert paths.count() == 24
    shown = paths.evaluate_all("ps => ps.filter(p => p.getBBox().width > 2 && p.getAttribute('fill')).length")
    assert shown == 24
    expect(frame.locator(".bd-legend")).to_have_count(1)
    page.locator("[data-testid='stMetric']").nth(3).wait_for(timeout=30_000)  # four key figures at least
    assert page.locator("[data-testid='stException']").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"))
    assert page.external == []


# In the map's frame: [how many counties and names are shown, the ones a legend covers].
COVERED_JS = """() => { const c = window.map.getContainer(), rect = e => e.getBoundingClientRect();
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const legends = [...c.querySelectorAll('.bd-legend')].map(rect);
  const shown = [...c.querySelectorAll('path.leaflet-interactive, .bd-label div')]
    .filter(e => e.getClientRects().length && rect(e).width > 0);
  const under = shown.filter(e => legends.some(l => hit(l, rect(e))));
  return [shown.length, under.map(e => e.textContent || e.tagName)]; }"""


@pytest.mark.parametrize("size", [(1366, 768), (1440, 900), (1920, 1080)], ids=["1366", "1440", "1920"])
def test_overview_legend_covers_no_county_or_name(offline_page, app_url, size):
    """The legend (top right) used to cover Laishui and its name at 1440×900: the first view now fits
    the city clear of it (beside or below), as the briefing does."""
    page = offline_page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{app_url}/?indicator=poor_county_type")
    frame = map_ready(page)
    frame.locator(".bd-legend").wait_for(timeout=30_000)
    frame.locator(".bd-label").first.wait_for(state="attached", timeout=30_000)
    # The first view is fitted clear of the legend once the legend is there: wait for that state.
    clear = "() => { const [n, under] = (" + COVERED_JS + ")(); return n >= 24 + 12 && under.length === 0; }"
    holds(map_document(page), clear)
    covered = map_document(page).evaluate(COVERED_JS)
    assert covered[0] >= 24 + 12 and covered[1] == [], covered  # the counties and their names, none under it
    assert page.external == []


def test_no_data_counties_are_hatched_and_city_only_says_so(offline_page, app_url):
    page = offline_page
    page.goto(f"{app_url}/?indicator=registered_poor_population")
    frame = map_frame(page)
    hatched = "() => document.querySelectorAll(\"path.leaflet-interactive[fill='url(#nodata-hatch)']\").length === 23"
    holds(map_document(page), hatched, timeout=30_000)
    fills = frame.locator("path.leaflet-interactive").evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")
    assert fills.count("url(#nodata-hatch)") == 23  # only 阜平 has a county figure
    assert frame.locator("pattern#nodata-hatch").count() == 1
    assert "无数据" in frame.locator(".bd-legend").inner_text()
    page.get_by_text("占全市合计").first.wait_for()  # how much of the city total is covered

    page.goto(f"{app_url}/?indicator=pv_grid_connected_mw")
    frame = map_frame(page)
    page.get_by_text("报告只给出了此指标的全市合计").wait_for()
    assert "全市合计" in frame.locator(".bd-legend").inner_text()
    assert page.external == []


def test_clicking_a_county_selects_it(offline_page, app_url):
    page = offline_page
    page.goto(f"{app_url}/?indicator=poor_county_type")
    frame = map_ready(page)
    click_inside_largest_county(frame)
    page.get_by_text("已选县（市、区）").wait_for(timeout=30_000)
    frame.locator("path[stroke='#d7301f']").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview-selected.png"))
    # The link to copy is this view: the chosen county (and any non-default setting), as in the address bar.
    page.wait_for_function("() => location.search.includes('county=')", timeout=30_000)
    county = parse_qs(urlparse(page.url).query)["county"][0]
    page.get_by_role("button", name="复制本视图链接").click()
    code = page.locator("[data-testid='stPopoverBody'] code").first
    code.wait_for(timeout=30_000)
    shared = parse_qs(urlparse(code.inner_text().strip()).query)
    assert shared["county"] == [county] and shared == parse_qs(urlparse(page.url).query)
    assert page.external == []


def _leaflet(page, expression: str):
    """Evaluate JS inside the map's iframe (window.map is streamlit-folium's Leaflet map)."""
    return map_document(page).evaluate(expression)


VIEW_JS = "() => [window.map.getZoom(), window.map.getCenter().lat, window.map.getCenter().lng]"


def test_changing_the_indicator_restyles_without_losing_zoom(offline_page, app_url):
    page = offline_page
    page.goto(f"{app_url}/?indicator=poor_county_type")
    frame = map_ready(page)
    doc = map_document(page)
    # The user zooms (with the wheel: until then the overview keeps the city fitted clear of the legend).
    fitted = doc.evaluate("() => window.map.getZoom()")
    page.locator(MAP_IFRAME).first.hover()
    page.mouse.wheel(0, -120)
    assert holds(doc, "z => window.map.getZoom() !== z && !window.map._animatingZoom", fitted), "the wheel did not zoom"
    doc.evaluate("() => window.map.setView([38.85, 114.3], 10, {animate: false})")
    assert holds(doc, "() => window.map.getZoom() === 10 && !window.map._animatingZoom")
    before = doc.evaluate(VIEW_JS)
    box = page.locator(REST).first
    box.click()
    page.keyboard.type("建档立卡贫困人口")
    page.keyboard.press("Enter")
    page.get_by_text("占全市合计").first.wait_for(timeout=30_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('iframe')].some(f => { try { return [...f.contentDocument"
        ".querySelectorAll('path.leaflet-interactive')].some(p => p.getAttribute('fill') === 'url(#nodata-hatch)') }"
        " catch (e) { return false } })",
        timeout=30_000,
    )
    after = _leaflet(page, VIEW_JS)
    assert after[0] == before[0] == 10
    assert abs(after[1] - before[1]) < 1e-6 and abs(after[2] - before[2]) < 1e-6
    assert frame.locator(".bd-legend").count() == 1  # the old legend left with the old layer
    assert page.external == []


def test_english_deep_link_to_fuping_profile(offline_page, app_url):
    page = offline_page
    page.goto(f"{app_url}/county?county=130624&lang=en")
    page.get_by_role("heading", name="County profile · Fuping County").wait_for(timeout=60_000)
    for text in ("National key county (Yanshan–Taihang area)", "Exited 2020", "Rank among the poor counties"):
        page.get_by_text(text).first.wait_for(timeout=30_000)
    # The grid draws on a canvas; its accessible copy of the cells is attached but hidden.
    page.get_by_text("108,100 persons").first.wait_for(state="attached", timeout=30_000)  # registered poor, 2014
    assert page.locator("[data-testid='stException']").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "county-fuping-en.png"), full_page=True)
    assert page.external == []


# Streamlit's data grid (glide-data-grid, drawn on a canvas): the header's and a row's height, the row markers'
# column (the selection checkboxes) at the left.
GRID_HEADER_PX, GRID_ROW_PX, GRID_MARKER_X = 35, 35, 12


def test_table_row_selection_highlights_the_county_on_the_map(offline_page, app_url):
    page = offline_page
    page.goto(f"{app_url}/?indicator=poor_county_type")
    frame = map_ready(page)
    table = page.locator("[data-testid='stDataFrame']").last
    # The grid draws on a canvas; its accessible copy of the cells says when the first row (阜平县, first of
    # the national key counties) is there. Its checkbox is the row marker at the left of that row.
    table.get_by_text("阜平县").first.wait_for(state="attached", timeout=30_000)
    table.click(position={"x": GRID_MARKER_X, "y": GRID_HEADER_PX + GRID_ROW_PX / 2})
    page.get_by_text("已选县（市、区）").wait_for(timeout=30_000)
    frame.locator("path[stroke='#d7301f']").first.wait_for(timeout=30_000)
    assert "county=" in page.url
    assert page.external == []


def test_county_names_readable_without_hovering(offline_page, app_url):
    page = offline_page
    page.goto(f"{app_url}/?indicator=poor_county_type&labels=1")
    frame = map_ready(page)
    frame.locator(".bd-label div").first.wait_for(state="attached", timeout=30_000)
    label_boxes = """() => [...document.querySelectorAll('.bd-label')].filter(e => e.style.display !== 'none')
      .map(e => { const r = e.firstChild.getBoundingClientRect();
        return {x: r.x, y: r.y, w: r.width, h: r.height, size: parseFloat(getComputedStyle(e.firstChild).fontSize)};
      })"""
    # The names are placed (and those that would collide hidden) once the map has settled on its first view.
    holds(map_document(page), f"() => ({label_boxes})().length >= 18")
    boxes = map_document(page).evaluate(label_boxes)
    assert len(boxes) >= 18  # names on the map at the default view
    assert min(b["size"] for b in boxes) >= 12
    overlaps = [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    ]
    assert overlaps == []
    assert page.external == []


# ---------------------------------------------------------------- programmes page

# Run in the top page: [sites, proportional circles] the map's frame draws (a cluster counts its members);
# a frame being replaced by a rerun's map counts as none.
COUNT_SITES_AND_CIRCLES = """() => { for (const f of document.querySelectorAll('iframe')) { try {
  const d = f.contentDocument; if (!d.querySelector('.leaflet-container')) continue;
  let sites = 0;
  d.querySelectorAll('.leaflet-marker-icon').forEach(el => {
    if (el.classList.contains('marker-cluster')) sites += parseInt(el.innerText, 10);
    else if (el.classList.contains('bd-site-icon')) sites += 1;
  });
  return [sites, d.querySelectorAll("path.leaflet-interactive[stroke='#252525']").length];
  } catch (e) {} } return []; }"""


def _map_counts(page, expected: list[int]) -> list[int]:
    """Wait until the (re-rendered) map shows ``expected`` [sites, circles], then return what it shows."""
    predicate = f"want => JSON.stringify(({COUNT_SITES_AND_CIRCLES})()) === JSON.stringify(want)"
    holds(page, predicate, expected, timeout=30_000)
    return page.evaluate(COUNT_SITES_AND_CIRCLES)


def zoomed_map_frame(page):
    """For a map zoomed to a selection: counties off screen are empty paths (d='M0 0')."""
    return map_frame(page, "path.leaflet-interactive:not([d='M0 0'])")


def test_programmes_one_county_shows_only_its_sites_and_symbols(offline_page, app_url):
    page = offline_page
    page.goto(f"{app_url}/programmes?county=130624")  # 阜平: 2 places; the default county figure is its alone
    zoomed_map_frame(page)
    assert _map_counts(page, [2, 1]) == [2, 1]
    assert page.get_by_text("地图上有 2 个地点").count() == 1
    # Pick 涞源 instead with the county widget: its one place (京西百渡), no circle (no figure there).
    box = page.locator("[data-testid='stMultiSelect']").nth(1)
    box.locator("button[aria-label='Remove 阜平县']").first.click()
    page.get_by_text("地图上有 11 个地点").wait_for(timeout=30_000)  # nothing selected: the whole city
    box.locator("input[role='combobox']").click()
    page.keyboard.type("涞源")
    page.keyboard.press("Enter")
    page.get_by_text("地图上有 1 个地点").wait_for(timeout=30_000)
    assert _map_counts(page, [1, 0]) == [1, 0]
    assert "county=130630" in page.url
    page.get_by_text("无数据的县（市、区）：涞源县").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.external == []


def test_programmes_map_paints_offline_with_three_programmes(offline_page, app_url):
    page = offline_page
    page.set_viewport_size({"width": 1400, "height": 1350})
    page.goto(f"{app_url}/programmes?programme=agri_forestry,pv,tourism")
    frame = map_frame(page)
    assert _map_counts(page, [7, 1]) == [7, 1]  # 天生桥, 2 × PV, 4 × tourism; 阜平's park area
    filled = frame.locator("path.leaflet-interactive").evaluate_all(
        "ps => ps.filter(p => p.getBBox().width > 2 && p.getAttribute('fill')).length"
    )
    assert filled == 24 + 1  # every county and the circle
    legend = frame.locator(".bd-legend").inner_text()
    for text in ("特色农林", "光伏扶贫", "旅游扶贫", "空心", "圆的面积与数值成正比"):
        assert text in legend, text
    # One layer per programme: switching 光伏扶贫 off takes its two places out of the clusters.
    frame.locator(".leaflet-control-layers-overlays label", has_text="光伏扶贫").locator("input").evaluate(
        "el => el.click()"
    )
    assert _map_counts(page, [5, 1]) == [5, 1]
    frame.locator(".leaflet-control-layers-overlays label", has_text="光伏扶贫").locator("input").evaluate(
        "el => el.click()"
    )
    assert _map_counts(page, [7, 1]) == [7, 1]
    # Places known only to their county: hollow, and the popup says so.
    assert frame.locator(".bd-site-icon .bd-hollow").count() >= 1
    assert frame.locator(".bd-site-icon .bd-filled").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "programmes.png"))  # before a popup pans the map
    frame.locator(".bd-site-icon").first.click()
    frame.locator(".leaflet-popup-content").get_by_text("位置精确到县").wait_for(timeout=10_000)
    assert page.external == []


def test_administrator_imports_a_csv_and_the_overview_shows_it(offline_page, app_url, tmp_path):
    """Log in on the data page, upload a GBK CSV, check the preview, commit, see the figure on the overview."""
    from conftest import TEST_ADMIN_PASSWORD

    page = offline_page
    overview = f"{app_url}/?indicator=deep_poverty_villages&county=130633"
    page.goto(overview)
    page.get_by_text("已选县（市、区）").wait_for(timeout=60_000)
    figure = page.locator("[data-testid='stMarkdownContainer'] li", has_text="深度贫困村").first
    assert "无数据" in figure.inner_text()  # 易县 has no figure yet

    page.goto(f"{app_url}/data")
    page.get_by_text("版本历史", exact=True).wait_for(timeout=60_000)
    assert page.locator("input[type='file']").count() == 0  # a visitor cannot upload
    page.get_by_test_id("stExpander").get_by_text("管理员登录").click()
    page.get_by_label("您的姓名（记入版本历史）").fill("浏览器测试")
    page.get_by_label("密码").fill(TEST_ADMIN_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已作为管理员登录：浏览器测试").wait_for(timeout=30_000)

    csv_file = tmp_path / "易县深度贫困村.csv"
    csv_file.write_bytes("县,指标,年份,数值,来源\n易縣,深度贫困村,2017,12个,report2016\n".encode("gbk"))
    page.locator("input[type='file']").set_input_files(str(csv_file))
    page.get_by_text("提交前预览").wait_for(timeout=60_000)
    page.get_by_role("button", name="提交为新版本").click()
    page.get_by_text("已提交：版本 2").wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "data-committed.png"), full_page=True)

    page.goto(overview)
    page.locator("[data-testid='stMarkdownContainer'] li", has_text="12个").first.wait_for(timeout=60_000)
    assert "无数据" not in figure.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "data-overview-after-import.png"))
    assert page.external == []


def test_phone_map_first_no_sideways_scroll_tap_selects(browser, app_url):
    context, external = offline_context(
        browser, app_url, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?indicator=poor_county_type")
        frame = map_ready(page)
        assert frame.locator("path.leaflet-interactive").count() == 24
        first_metric = page.locator("[data-testid='stMetric']").first
        first_metric.wait_for(timeout=30_000)
        width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1  # no horizontal scrolling
        iframe = page.locator(MAP_IFRAME).first.bounding_box()
        assert iframe["y"] < first_metric.bounding_box()["y"]  # map first, figures below
        assert iframe["width"] >= 340  # full width
        click_inside_largest_county(frame, tap=True)
        page.get_by_text("已选县（市、区）").wait_for(timeout=30_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "phone-overview.png"), full_page=True)
        assert external == []
    finally:
        context.close()


def test_main_controls_reachable_by_keyboard(offline_page, app_url):
    page = offline_page
    page.goto(f"{app_url}/?indicator=poor_county_type")
    map_frame(page)
    # A new session's overview draws the rest of the page once the map is painted (tests/test_mapfirst_browser.py).
    page.locator(REST).first.wait_for(timeout=30_000)
    page.locator(f"{SIDEBAR} button", has_text="English").wait_for(timeout=30_000)
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "() => { const e = document.activeElement; return (e.getAttribute('aria-label') || e.innerText || '')"
            ".slice(0, 40); }"
        )
        reached.add(label)
    text = " ".join(reached)
    assert "贫困县类型" in text or "指标" in text  # the indicator picker
    assert "中文" in text or "English" in text  # the language switch


# ---------------------------------------------------------------------------
# Briefing (pages/briefing.py): the presenter view on meeting-room screens.

BRIEFING_SLIDES = len(tomllib.loads((ROOT / "data" / "slides.toml").read_text(encoding="utf-8"))["slides"])


def _fits_one_screen(page) -> dict:
    """Scroll sizes of the document and of Streamlit's own scroll container (stMain)."""
    return page.evaluate(
        """() => { const s = document.scrollingElement; const m = document.querySelector("[data-testid='stMain']");
            return {doc: s.scrollHeight, inner: innerHeight, main: m.scrollHeight, client: m.clientHeight}; }"""
    )


# In the map's frame: whether a county shape is painted.
PAINTED_HERE_JS = """() => [...document.querySelectorAll('path.leaflet-interactive')]
  .some(p => p.getBBox().width > 1 && (p.getAttribute('fill') || 'none') !== 'none')"""
# In the map's frame: no legend box covers the part of the map the slide is about (the bounds it was fitted to).
LEGEND_CLEAR_JS = """() => { const m = window.map, b = m.bdFitBounds; if (!b) return true;
  const nw = m.latLngToContainerPoint(b.getNorthWest()), se = m.latLngToContainerPoint(b.getSouthEast());
  const c = m.getContainer().getBoundingClientRect();
  return [...m.getContainer().querySelectorAll('.bd-legend')].every(l => {
    const r = l.getBoundingClientRect();
    return r.right - c.left <= nw.x + 1 || r.left - c.left >= se.x - 1
        || r.bottom - c.top <= nw.y + 1 || r.top - c.top >= se.y - 1; }); }"""
# In the map's frame: the legends' text (which changes with the slide).
LEGEND_TEXT_JS = "() => [...document.querySelectorAll('.bd-legend')].map(l => l.textContent).join('|')"

# Slides whose indicator only these counties have a figure for: each is called out on the map.
CALLOUTS = {2: ("阜平",), 3: ("望都", "博野"), 6: ("涞水",), 10: ("阜平",), 13: ("阜平",), 16: ("阜平",)}


# In the page: what is clipped or overlaps on the slide (the bar's controls, the cards, sources and caption),
# the page numbers cut off (the last arrow was), and more or less than one arrow per slide button.
SLIDE_LAYOUT_JS = """() => { const out = [];
  const boxes = sel => [...document.querySelectorAll(sel)].filter(e => e.getClientRects().length)
    .map(e => { const r = e.getBoundingClientRect();
      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: e.textContent.trim().slice(0, 40)}; });
  const overlap = (a, b) => a.left < b.right - .5 && b.left < a.right - .5
    && a.top < b.bottom - .5 && b.top < a.bottom - .5;
  const bar = boxes(".st-key-briefing_bar > [data-testid='stElementContainer'],"
    + ".st-key-briefing_bar > div > .stPopover");
  const panel = boxes("[data-testid='stMetric'], .bd-source, .bd-caption");
  for (const group of [bar, panel]) group.forEach((a, i) => {
    if (a.left < -.5 || a.right > innerWidth + .5 || a.bottom > innerHeight + .5) out.push(['off screen', a.text]);
    group.slice(i + 1).forEach(b => { if (overlap(a, b)) out.push(['overlap', a.text, b.text]); });
  });
  const cut = [...document.querySelectorAll("[data-testid='stPagination'] [role=navigation]")]
    .filter(n => n.scrollWidth > n.clientWidth + 1).length;
  if (cut) out.push(['page numbers cut off', cut]);
  for (const key of ['prev_slide', 'next_slide']) {
    const arrows = [...document.querySelectorAll(`.st-key-${key} [data-testid=stIconMaterial], .st-key-${key} kbd`)]
      .filter(e => e.getClientRects().length).length;
    if (arrows !== 1) out.push(['arrows', key, arrows]);
  }
  return out; }"""
# In the map's frame: callouts on the map, apart from each other and from the legends, and large enough; every
# marker at its point (a fit during a zoom animation once left names, places and callouts off their counties).
MAP_PROBLEMS_JS = """() => { const c = window.map.getContainer(), box = c.getBoundingClientRect(), out = [];
  const rect = e => e.getBoundingClientRect();
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const callouts = [...c.querySelectorAll('.bd-callout-box')], legends = [...c.querySelectorAll('.bd-legend')];
  callouts.forEach((e, i) => { const r = rect(e);
    if (r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom)
      out.push(['callout off the map', e.textContent]);
    if (parseFloat(getComputedStyle(e).fontSize) < 14) out.push(['callout too small', e.textContent]);
    legends.forEach(l => { if (hit(r, rect(l))) out.push(['legend over callout', e.textContent]); });
    callouts.slice(i + 1).forEach(o => { if (hit(r, rect(o))) out.push(['callouts overlap', e.textContent]); });
  });
  window.map.eachLayer(l => { if (l._icon && l._icon._leaflet_pos) {
    const want = window.map.latLngToLayerPoint(l._latlng), has = l._icon._leaflet_pos;
    if (Math.abs(want.x - has.x) > 1 || Math.abs(want.y - has.y) > 1) out.push(['marker off its point']); } });
  const controls = [...c.querySelectorAll('.leaflet-control-zoom, .leaflet-control-scale')];
  legends.forEach(l => controls.forEach(k => { if (hit(rect(l), rect(k))) out.push(['legend over control']); }));
  return out; }"""


def none_of(js: str) -> str:
    """A predicate: the JS function ``js`` finds no problem."""
    return f"() => ({js})().length === 0"


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1920x1080", "1280x720"])
def test_briefing_presenter_view_fits_every_slide_on_one_screen(offline_page, app_url, size):
    width, height = size
    page = offline_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/briefing?present=1")
    frame = map_frame(page)
    page.locator(".bd-slide-no", has_text=f"1 / {BRIEFING_SLIDES}").wait_for(timeout=60_000)
    page.locator(".bd-caption").wait_for(timeout=30_000)
    expect(page.locator(SIDEBAR)).to_be_hidden()  # no sidebar, no header, no toolbar
    expect(page.locator("[data-testid='stHeader']")).to_be_hidden()
    body_px = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.bd-caption')).fontSize)")
    if width == 1920:
        assert body_px >= 24  # meeting-size type
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"briefing-{width}x{height}.png"))
    for number in range(1, BRIEFING_SLIDES + 1):
        page.locator(".bd-slide-no", has_text=f"{number} / {BRIEFING_SLIDES}").wait_for(timeout=30_000)
        # The counter shows first; the map swaps in the slide's layers a moment later (bench: 200–350 ms),
        # so each map check waits for its state to come, and fails only if it never does.
        doc = map_document(page)
        assert holds(doc, PAINTED_HERE_JS), number
        for name in CALLOUTS.get(number, ()):  # few counties have a figure: they are written on the map
            frame.locator(".bd-callout-box", has_text=name).wait_for(timeout=10_000)
        callouts = len(CALLOUTS.get(number, ()))
        assert holds(doc, "n => document.querySelectorAll('.bd-callout-box').length === n", callouts), number
        if number in CALLOUTS:
            not_zero = "[...document.querySelectorAll('.bd-legend')].filter(l => l.textContent.includes('不是零'))"
            assert holds(doc, f"() => {not_zero}.length === 1"), number
        assert holds(doc, LEGEND_CLEAR_JS), number
        assert holds(page, none_of(SLIDE_LAYOUT_JS)), (number, page.evaluate(SLIDE_LAYOUT_JS))
        assert holds(doc, none_of(MAP_PROBLEMS_JS)), (number, doc.evaluate(MAP_PROBLEMS_JS))
        s = _fits_one_screen(page)
        assert s["doc"] <= s["inner"] + 2, (number, s)
        assert s["main"] <= s["client"] + 2, (number, s)  # Streamlit scrolls inside stMain, not the document
        if number < BRIEFING_SLIDES:
            page.keyboard.press("ArrowRight")  # a presenter's clicker or arrow key
    assert f"slide={BRIEFING_SLIDES}" in page.url and "present=1" in page.url
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.external == []


def test_briefing_dark_theme_in_english_fits_and_fits_the_map_to_the_slide(offline_page, app_url):
    page = offline_page
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_url}/briefing?present=1&theme=dark&lang=en&slide=6")
    frame = map_frame(page)
    page.get_by_text("Industry: tourism").wait_for(timeout=60_000)
    expect(page.locator(".stApp")).to_have_css("background-color", "rgb(11, 19, 32)")
    doc = map_document(page)
    fitted = "() => !!window.map.bdFitBounds && window.map.getBounds().contains(window.map.bdFitBounds)"
    assert holds(doc, fitted), "the map was not fitted to the slide's counties"
    focus = doc.evaluate("() => window.map.bdFitBounds.toBBoxString().split(',').map(Number)")
    assert focus[0] > 114.0 and focus[2] < 116.2  # fitted to Laishui, Laiyuan and Yi, not the whole city
    assert holds(doc, LEGEND_CLEAR_JS)  # the two stacked legends leave those counties in view
    assert holds(doc, "() => document.querySelectorAll('.bd-ring').length >= 3")  # the tourism places
    assert frame.locator("pattern#nodata-hatch").count() == 1
    s = _fits_one_screen(page)
    assert s["doc"] <= s["inner"] + 2 and s["main"] <= s["client"] + 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "briefing-dark-en.png"))
    legends = doc.evaluate(LEGEND_TEXT_JS)
    doc.evaluate("() => { window.__sameMap = window.map; }")
    page.keyboard.press("ArrowRight")
    page.get_by_text("Industry: home handicrafts").wait_for(timeout=30_000)
    # The next slide's layers swapped into the same frame: its legends, its places, its counties painted.
    swapped = f"old => ({LEGEND_TEXT_JS})() !== old && document.querySelectorAll('.bd-ring').length >= 1"
    assert holds(doc, swapped, legends), doc.evaluate(LEGEND_TEXT_JS)
    assert doc.evaluate(PAINTED_HERE_JS)
    assert doc.evaluate("() => window.__sameMap === window.map")  # same frame: the map was not remounted
    assert page.external == []


CUT_FIGURES_JS = """() => [...document.querySelectorAll(
    "[data-testid='stMetricValue'] *, [data-testid='stMetricLabel'] p")]
  .filter(e => e.scrollWidth > e.clientWidth + 1 || getComputedStyle(e).textOverflow === 'ellipsis')
  .map(e => e.textContent)"""


def test_key_figures_are_never_cut_off_in_either_language(offline_page, app_url):
    """English units are long ("911,200 persons"): metric values and labels wrap, never end in "…"."""
    page = offline_page
    for lang in ("en", "zh"):
        page.goto(f"{app_url}/?lang={lang}")
        page.locator("[data-testid='stMetricValue']").first.wait_for(timeout=60_000)
        assert holds(page, none_of(CUT_FIGURES_JS)), (lang, page.evaluate(CUT_FIGURES_JS))
    assert page.external == []
