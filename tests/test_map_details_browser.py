"""The details a careful eye catches, in a real browser (Debian Chromium, network cut off): every map's
corner furniture (attribution, scale bar) and the app's own markup free of duplicate ids."""

from __future__ import annotations

import os

import pytest
from browser_support import CHROMIUM, MAP_IFRAME, closed_after, drawn, offline_context

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian chromium not installed"),
]

# Every kind of map the app draws: overview, county (locator), programmes, a briefing slide (both themes).
MAPS = {
    "overview": "/?indicator=poor_county_type",
    "county": "/county?county=130624",
    "programmes": "/programmes",
    "slide": "/briefing?slide=6",
    "slide-dark": "/briefing?slide=12&theme=dark&present=1",
}


def map_frames(page, url: str):
    """The page's map iframes once each has drawn its counties."""
    page.goto(url)
    page.wait_for_selector(MAP_IFRAME, timeout=60_000)
    drawn(page)  # every map frame of the page is mounted
    frames = []
    for i in range(page.locator(MAP_IFRAME).count()):
        frame = page.frame_locator(MAP_IFRAME).nth(i)
        frame.locator(".leaflet-overlay-pane path").first.wait_for(timeout=60_000)
        frames.append(frame)
    return frames


@pytest.mark.parametrize("name", list(MAPS))
def test_map_corners_carry_no_flag_and_metric_scale_only(browser, app_url, name):
    context, external = offline_context(browser, app_url)
    page = context.new_page()
    with closed_after(context, page, f"furniture-{name}"):
        frames = map_frames(page, app_url + MAPS[name])
        assert frames
        for frame in frames:
            attribution = frame.locator(".leaflet-control-attribution")
            assert attribution.count() == 1
            assert attribution.locator("svg").count() == 0  # Leaflet 1.9's flag is an inline <svg>
            text = attribution.inner_text()
            assert "Leaflet" in text and "\U0001f1fa\U0001f1e6" not in text
            assert attribution.locator("a").first.get_attribute("href") == "https://leafletjs.com"
            scales = frame.locator(".leaflet-control-scale-line")
            assert scales.count() == 1  # one line: kilometres
            scale = scales.first.inner_text().strip()
            assert scale.endswith(("km", " m")), scale
            assert not any(unit in scale.split() for unit in ("mi", "ft")), scale
        assert external == []


# Streamlit's data grid (glide-data-grid) numbers its cells glide-cell-<col>-<row> in every table: two
# tables on a page repeat them (what HTML_CodeSniffer counts on the county page). That markup is
# Streamlit's; everything else on the page, and everything inside the maps, is the app's own.
STREAMLIT_GRID = "[data-testid='stDataFrame'], [data-testid='stDataFrameResizable'], [data-testid='stTable']"
IDS_JS = """grid => {
  const ids = {};
  document.querySelectorAll('[id]').forEach(e => {
    if (e.closest(grid)) { return; }
    ids[e.id] = (ids[e.id] || 0) + 1;
  });
  return Object.entries(ids).filter(([, n]) => n > 1);
}"""
FRAME_IDS_JS = """() => {
  const ids = {};
  document.querySelectorAll('[id]').forEach(e => { ids[e.id] = (ids[e.id] || 0) + 1; });
  return Object.entries(ids).filter(([, n]) => n > 1);
}"""
PAGES = {
    "county": "/county?county=130624",
    "sources": "/sources",
    "overview": "/?indicator=registered_poor_population",
    "briefing": "/briefing?slide=3&theme=dark",
    "data": "/data",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_apps_own_markup_has_no_duplicate_ids(browser, app_url, name):
    context, _ = offline_context(browser, app_url)
    page = context.new_page()
    with closed_after(context, page, f"ids-{name}"):
        if name in ("overview", "briefing"):
            map_frames(page, app_url + PAGES[name])  # drawn once its map is
        else:
            page.goto(app_url + PAGES[name])
            page.wait_for_selector("h1", state="attached", timeout=90_000)
        drawn(page)  # the page's widgets and tables
        assert page.evaluate(IDS_JS, STREAMLIT_GRID) == []
        for frame in page.frames[1:]:  # the maps' own documents (hatch patterns, markers, legends)
            if frame.url.startswith("http"):
                assert frame.evaluate(FRAME_IDS_JS) == [], frame.url
