"""Issue 19 in a real browser: every link on every page (both languages, Boye's profile, a slide whose
figure comes from a reprint) goes to the app itself or to a reviewed outlet; the grade shows in the map's
tooltip data, a key figure's source line and the sources page; a disputed figure is marked on the map
tooltip and on the county page."""

from __future__ import annotations

import csv
import os
from urllib.parse import urlparse

import pytest
from browser_support import ARTIFACTS, CHROMIUM, MAP_IFRAME, ROOT, drawn

from geo.model.outlets import domains_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian chromium not installed"),
]

LISTED = {
    d for r in csv.DictReader(open(ROOT / "data" / "outlets.csv", encoding="utf-8")) for d in domains_of(r["domains"])
}
PAGES = [
    ("overview", "/?indicator=exit_year"),
    ("county-boye", "/county?county=130637"),
    ("programmes", "/programmes"),
    ("briefing-reprint", "/briefing?slide=5"),
    ("sources", "/sources"),
    ("data", "/data"),
]
# Not a source: the map library's credit in the corner of every Leaflet map (its attribution control).
MAP_CREDIT = {"leafletjs.com"}
# The text of every tooltip bound to the map's layers (the map's tooltip data, as the reader hovers it).
TOOLTIPS = """() => { const out = []; window.map.eachLayer(l => { const t = l.getTooltip && l.getTooltip();
    if (t) { const c = t.getContent(); out.push(typeof c === 'string' ? c : (c && c.outerHTML) || ''); } });
    return out.join('\\n\\n'); }"""
HREFS = """() => [...document.querySelectorAll('[href]')].map(e => e.href)"""


@pytest.fixture
def page(offline_page):
    return offline_page


def _ready(page) -> None:
    drawn(page, timeout=180_000)


def _all_hrefs(page) -> list[str]:
    hrefs = []
    for frame in page.frames:
        try:
            hrefs += frame.evaluate(HREFS)
        except Exception:  # a frame navigating away while we look: it had no links of ours
            continue
    return hrefs


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_link_on_any_page_leaves_the_outlet_list(page, app_url, lang):
    own = urlparse(app_url).netloc
    outside, outlets_seen = {}, set()
    for name, path in PAGES:
        sep = "&" if "?" in path else "?"
        page.goto(f"{app_url}{path}{sep}lang={lang}")
        _ready(page)
        if name == "sources":  # its list of sources is drawn last
            page.locator("a[href*='www.gov.cn']").first.wait_for(state="attached", timeout=180_000)
        if name == "briefing-reprint":  # the slide's figure comes from 索比光伏网's reprint of 保定日报
            page.get_by_text("索比光伏网转载" if lang == "zh" else "reprinted by Solarbe").first.wait_for(
                timeout=30_000
            )
        for href in _all_hrefs(page):
            u = urlparse(href)
            if u.scheme in ("data", "blob", "about", "javascript") or u.netloc == own or not u.netloc:
                continue
            if u.hostname in MAP_CREDIT:
                continue
            if u.hostname in LISTED:
                outlets_seen.add(u.hostname)
            else:
                outside.setdefault(name, set()).add(href)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"sources-{name}-{lang}.png"), full_page=True)
    assert outside == {}, outside
    assert len(outlets_seen) >= 10  # the sources page does link the reviewed outlets
    assert page.external == []


def test_grade_and_marks_in_the_browser(page, app_url):
    # The map's tooltip data: Fuping's early-2014 rate, its source's grade and the disagreement.
    page.goto(f"{app_url}/?indicator=poverty_incidence&year=2014")
    _ready(page)
    page.wait_for_selector(MAP_IFRAME, timeout=180_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('iframe')].some(f => f.src.includes('streamlit_folium'))"
    )
    frame = next(f for f in page.frames if "streamlit_folium" in f.url)
    frame.wait_for_function(f"() => ({TOOLTIPS})().includes('来源等级')", timeout=180_000)
    tips = frame.evaluate(TOOLTIPS)
    fuping = next(t for t in tips.split("\n\n") if "阜平" in t)
    assert "来源等级 B" in fuping and "来源不一：54.4%" in fuping and "48%" in fuping
    # A key figure's source line names the grade under the value.
    page.goto(f"{app_url}/")
    _ready(page)
    metric = page.locator("[data-testid='stMetric']").first
    assert "来源等级 B" in metric.inner_text()
    # The sources page: the grades explained, each source with its grade, filterable.
    page.goto(f"{app_url}/sources")
    _ready(page)
    page.get_by_text("来源等级：A 政府文件或通知").first.wait_for(timeout=30_000)
    page.locator("li").filter(has_text="来源等级 A").first.wait_for(timeout=180_000)
    assert page.locator("li").filter(has_text="来源等级 D").count() == 1  # kpzsg: the one page with no outlet
    # The county page marks the disputed figure with both figures and sources.
    page.goto(f"{app_url}/county?county=130624")
    _ready(page)
    warning = page.locator("[data-testid='stAlert']").filter(has_text="来源不一")
    warning.first.wait_for(timeout=30_000)
    text = warning.first.inner_text()
    assert "54.4%" in text and "48%" in text and "《阜平纪行》" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sources-county-fuping-zh.png"), full_page=True)
    assert page.external == []
