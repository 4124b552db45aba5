"""Map first, in a real browser: a new session's overview sends its map alone, and the rest of the
page (key figures, sidebar controls, language switch, ranking) once the map's frame reports its
counties painted -- or, if the frame never reports, after geo.web.mapelement.FALLBACK_SECONDS."""

from __future__ import annotations

import pytest
from browser_support import CHROMIUM, offline_context

from geo.i18n import t
from geo.web.mapelement import FALLBACK_SECONDS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")]

PAINTED = """() => { for (const f of document.querySelectorAll('iframe')) { try {
  if (f.contentDocument.querySelectorAll('path.leaflet-interactive[fill]').length >= 24) return true } catch (e) {} }
  return false }"""
REST = "[data-testid='stSidebar'] [data-testid='stSelectbox']"


def test_the_rest_of_the_page_follows_the_painted_map(browser, app_url):
    context, external = offline_context(browser, app_url)
    page = context.new_page()
    page.goto(f"{app_url}/?indicator=poor_county_type")
    page.wait_for_function(PAINTED, polling="raf", timeout=60_000)
    # The map came first: at the moment its counties are painted the indicator picker is not there yet.
    painted_alone = page.locator(REST).count() == 0
    page.locator(REST).first.wait_for(timeout=int(FALLBACK_SECONDS * 1000) - 500)  # reported, not the fallback
    page.get_by_text("贫困县数").first.wait_for(timeout=10_000)
    page.get_by_role("radiogroup").or_(page.get_by_text("English")).first.wait_for(timeout=10_000)
    # app.py's own extras came with the rest (mapelement.run_page): the language switch above, the link here.
    page.get_by_role("button", name=t("copy_link", "zh")).wait_for(timeout=10_000)
    assert painted_alone
    assert page.locator("[data-testid='stException']").count() == 0
    # The same session's later views draw everything in one run: no waiting on a new frame.
    page.goto(f"{app_url}/?indicator=registered_poor_population")
    page.wait_for_function(PAINTED, polling="raf", timeout=60_000)
    assert page.locator(REST).count() >= 1 or page.locator(REST).first.wait_for(timeout=2_000) is None
    assert external == []
    context.close()


def test_a_frame_that_never_reports_still_gets_the_rest(browser, app_url):
    context, _external = offline_context(browser, app_url)
    # streamlit-folium's frame script never loads: no map, no report.
    context.route("**/component/streamlit_folium.st_folium/static/js/**", lambda route: route.abort())
    page = context.new_page()
    page.goto(f"{app_url}/?indicator=poor_county_type")
    page.locator("iframe[data-testid='stCustomComponentV1']").first.wait_for(state="attached", timeout=60_000)
    assert page.locator(REST).count() == 0
    page.locator(REST).first.wait_for(timeout=int(FALLBACK_SECONDS * 1000) * 3 + 10_000)
    page.get_by_text("贫困县数").first.wait_for(timeout=10_000)
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()
