"""Checked by a checker nobody on this project wrote: axe-core on every page, in both languages.

axe-core comes bundled in axe-playwright-python (nothing is fetched at run time); it is put
into the page and into every frame (the maps are iframes), so the maps' markers and legends
are checked too. Also here: what axe cannot judge, ``<html lang>``, the tab title per page and
language, the map frames' titles, and link values shown as text.
"""

from __future__ import annotations

import pytest
from browser_support import CHROMIUM, MAP_IFRAME, drawn, offline_context, painted, run_over

from geo.i18n import WORD_JOINER, t
from geo.web.frame import HTML_LANG

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed"),
]
# The overview is the default page, at "/" ("/overview" opens it behind a "page not found" dialog).
PAGES = {
    "": "page_overview",
    "county": "page_county",
    "programmes": "page_programmes",
    "briefing": "page_briefing",
    "sources": "page_sources",
    "data": "page_data",
}
MAP_PAGES = {"", "county", "programmes", "briefing"}
SERIOUS = {"serious", "critical"}


@pytest.fixture
def page(browser, app_url):
    context, external = offline_context(browser, app_url)
    p = context.new_page()
    yield p
    assert external == []
    context.close()


def settled(page, has_map: bool) -> None:
    """Wait until the page (and its map, if any) is drawn: the whole page come, the map's counties painted."""
    drawn(page)
    if has_map:
        painted(page, 1)


def serious_violations(page) -> list[str]:
    """axe-core's critical and serious findings on the page and in every frame, one line per element."""
    from axe_playwright_python.base import AXE_SCRIPT

    # Colours are read as they are painted: a button still in its transition to the active page's colours
    # (Streamlit's pagination, a slide turned by the arrow key) is half-way between two, so wait for it.
    page.evaluate(
        """() => Promise.race([
             Promise.all(document.getAnimations().map(a => a.finished.catch(() => null))),
             new Promise(resolve => setTimeout(resolve, 3000)),
           ])"""
    )
    for frame in page.frames:
        frame.evaluate(AXE_SCRIPT)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {' > '.join(map(str, node['target']))}: {node['html'][:120]}"
        for v in results["violations"]
        if v["impact"] in SERIOUS
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_passes_axe_and_says_its_language_and_title(page, app_url, path, lang):
    page.goto(f"{app_url}/{path}?lang={lang}")
    settled(page, path in MAP_PAGES)
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.lang") == HTML_LANG[lang]
    assert page.title() == f"{t(PAGES[path], lang)} · {t('app_title', lang)}"
    frames = page.locator(MAP_IFRAME)
    assert frames.count() == (1 if path in MAP_PAGES else 0)
    for title in frames.evaluate_all("fs => fs.map(f => f.title)"):
        prefix = t("map_frame_title", lang, what="")
        assert title.startswith(prefix) and len(title) > len(prefix) + 1, title


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_presenter_view_and_every_slide_pass_axe(page, app_url, lang):
    page.goto(f"{app_url}/briefing?present=1&lang={lang}")
    settled(page, True)
    total = int(page.locator(".bd-slide-no").inner_text().split("/")[-1])
    found = {}
    for number in range(1, total + 1):
        page.locator(".bd-slide-no", has_text=f"{number} / {total}").wait_for(timeout=30_000)
        painted(page, 1, timeout=30_000)
        run_over(page, timeout=30_000)
        if problems := serious_violations(page):
            found[number] = problems
        if number < total:
            page.keyboard.press("ArrowRight")
    assert found == {}


def test_a_link_value_is_shown_as_text_not_as_a_link(page, app_url):
    page.goto(f"{app_url}/?indicator=%5Bx%5D(https%3A%2F%2Fevil.example)%20%7B%7B7*7%7D%7D")
    notice = page.locator("[data-testid='stAlert']", has_text="evil.example").first
    notice.wait_for(timeout=60_000)
    assert "[x](https://evil.example) {{7*7}}" in notice.inner_text().replace(WORD_JOINER, "")
    assert page.locator("a[href*='evil.example']").count() == 0
