"""Playback in a real browser: the years step on by the browser's timer (a fragment's run_every, not a sleep in
the script thread), each shown in the year box, until the last; Stop is answered before the next step."""

from __future__ import annotations

import json

import pytest
from browser_support import CHROMIUM, offline_context
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo.i18n import t
from geo.web.playback import PLAY_SECONDS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")]

YEARS = ["2015", "2016", "2017", "2018"]  # poor_population_remaining's years (data/values.csv)
YEAR_BOX = "[data-testid='stSidebar'] [data-testid='stSelectbox']"
# Each value the year box shows (its input's value), in order, as a watcher in the page sees them (every frame).
WATCH = f"""() => {{ window.bdYears = []; const box = () => document.querySelectorAll({json.dumps(YEAR_BOX)})[1];
  const tick = () => {{ const input = box() && box().querySelector('input'), y = input ? input.value : '';
    if (y && window.bdYears[window.bdYears.length - 1] !== y) window.bdYears.push(y);
    requestAnimationFrame(tick) }};
  tick() }}"""


def _open(browser, app_url):
    context, external = offline_context(browser, app_url)
    page = context.new_page()
    page.goto(f"{app_url}/?indicator=poor_population_remaining")
    page.get_by_role("button", name=t("play", "zh")).wait_for(timeout=60_000)
    page.evaluate(WATCH)
    return context, page, external


def test_playback_steps_through_every_year_and_stops_after_the_last(browser, app_url):
    context, page, external = _open(browser, app_url)
    page.get_by_role("button", name=t("play", "zh")).click()
    page.get_by_role("button", name=t("stop", "zh")).wait_for(timeout=30_000)
    # Each step waits PLAY_SECONDS in the browser, then a rerun: give each a generous margin under load.
    page.wait_for_function(
        f"() => window.bdYears.includes({json.dumps(YEARS[-1])})", timeout=int(len(YEARS) * (PLAY_SECONDS + 8) * 1000)
    )
    page.get_by_role("button", name=t("play", "zh")).wait_for(timeout=30_000)  # stopped by itself after the last
    seen = page.evaluate("() => window.bdYears")
    assert seen[seen.index(YEARS[0]) :] == YEARS, seen  # every year, in order, none skipped or shown twice
    assert page.locator("[data-testid='stException']").count() == 0
    assert external == []
    context.close()


def test_stop_is_answered_before_the_next_year(browser, app_url):
    context, page, _external = _open(browser, app_url)
    page.get_by_role("button", name=t("play", "zh")).click()
    page.wait_for_function(f"() => window.bdYears.includes({json.dumps(YEARS[1])})", timeout=60_000)
    page.get_by_role("button", name=t("stop", "zh")).click()
    page.get_by_role("button", name=t("play", "zh")).wait_for(timeout=30_000)
    shown = page.evaluate("() => window.bdYears")
    assert shown[-1] in YEARS[1:3], shown  # stopped on the year it showed (or the one the timer had just sent)
    # The timer is gone with the run that answered Stop: the year box keeps its year through the next interval.
    with pytest.raises(PlaywrightTimeout):
        page.wait_for_function(f"() => window.bdYears.length > {len(shown)}", timeout=int((PLAY_SECONDS + 1) * 1000))
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()
