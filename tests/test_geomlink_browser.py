"""The map's rings in a real browser (geo/render/leaflet/geomlink.py): fetched once with Leaflet, compressed,
and fetched again synchronously by a layer whose part the frame never loaded (a frame opened before the
boundaries changed); the map paints, clicks select, and nothing leaves the app's host."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import pytest
from browser_support import CHROMIUM, MAP_IFRAME, click_inside_largest_county, map_document, painted

from geo.render.leaflet import geomlink

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")]

REST = "[data-testid='stSidebar'] [data-testid='stSelectbox']"
PARTS_JS = "() => Object.keys(window.BD_GEOM || {}).length"


def test_the_rings_come_once_and_a_frame_without_them_fetches_them(offline_page, app_url):
    page = offline_page
    fetched = []
    page.on("response", lambda r: fetched.append(r) if f"/{geomlink.ROUTE}/" in r.url else None)
    page.goto(f"{app_url}/?indicator=poor_county_type")
    page.wait_for_selector(MAP_IFRAME, timeout=60_000)
    painted(page, 24)
    page.locator(REST).first.wait_for(timeout=30_000)
    doc = map_document(page)
    assert doc.evaluate(PARTS_JS) == 4  # counties, surroundings, city, Xiong'an
    # One script: the first HTML's prefetch and the frame's own request may both show when the map (from memory)
    # comes before the prefetch is in; never another URL, never a third fetch.
    assert 1 <= len(fetched) <= 2 and len({r.url for r in fetched}) == 1
    assert all(r.status == 200 for r in fetched)
    # The frame asks for Leaflet, its style sheet and the rings at once (firsthtml.FrameIndex), each once.
    names = doc.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    for part in ("leaflet.js", "leaflet.css", f"/{geomlink.ROUTE}/"):
        assert sum(part in n for n in names) == 1, (part, names)
    assert doc.evaluate("() => document.querySelectorAll('link[rel=preload]').length") == 3
    head = fetched[0].all_headers()
    assert head.get("content-encoding") in ("br", "gzip") and "immutable" in head["cache-control"]
    # From now on this server's first HTML names it for the browser to fetch early, with Leaflet.
    path = urlsplit(fetched[0].url).path
    with urllib.request.urlopen(f"{app_url}/county", timeout=30) as r:
        assert f'<link rel="prefetch" href=".{path}">' in r.read().decode("utf-8")
    # As a frame opened before the boundaries changed: the parts its new layers name were never loaded.
    doc.evaluate("() => { delete window.BD_GEOM; }")
    frame = page.frame_locator(MAP_IFRAME).first
    click_inside_largest_county(frame)
    page.get_by_text("已选县（市、区）").wait_for(timeout=30_000)
    frame.locator("path[stroke='#d7301f']").first.wait_for(timeout=30_000)  # the selection's outline
    painted(page, 24)
    assert doc.evaluate(PARTS_JS) == 4  # the layers fetched the script themselves
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.external == []
