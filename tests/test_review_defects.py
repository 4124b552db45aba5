"""Defects found by the maintainer's review (issue 24), one test each."""

from __future__ import annotations

import re

from geo.render.export import figure
from geo.render.leaflet.maps import base_map, locator_group
from geo.views import overview as views

CJK = re.compile(r"[\u4e00-\u9fff]")
TIP = re.compile(r'"tip":"((?:[^"\\]|\\.)*)"')  # each county's tooltip in the map's data


def test_the_english_locator_map_names_counties_in_english(bundled):
    _, counties = bundled
    m = base_map(counties, lang="en")
    locator_group(counties, ["130624"], lang="en").add_to(m)
    tips = TIP.findall(m.get_root().render())
    assert len(tips) == len(counties)
    assert not [tip for tip in tips if CJK.search(tip)], "a Chinese name in an English tooltip"
    fuping = counties.set_index("adcode").loc["130624"]
    assert any(fuping["name_en"] in tip for tip in tips)
    zh = base_map(counties, lang="zh")
    locator_group(counties, ["130624"], lang="zh").add_to(zh)
    assert any(fuping["name_zh"] in tip for tip in TIP.findall(zh.get_root().render()))


def test_the_png_title_and_file_name_name_the_period_the_heading_names(bundled):
    ds, counties = bundled
    view = views.overview(ds, counties, "exit_year", 2018, "quantiles", "zh")
    assert view.as_of == 2018
    heading = view.period("zh")
    assert "2018" in heading and heading != "各县最新"
    assert figure.overview_title(view, "zh").endswith(heading)
    assert view.period_slug() == "asof2018"
    latest = views.overview(ds, counties, "registered_poor_villages", None, "quantiles", "en")
    assert figure.overview_title(latest, "en").endswith(latest.period("en"))
    assert latest.period_slug() == (str(latest.year) if latest.year is not None else "latest")


def test_english_counts_of_one_are_singular():
    from geo.i18n import t

    assert t("rows_shown", "en", n=1) == "1 row"
    assert t("rows_shown", "en", n=2) == "2 rows"
    assert t("coverage_counties", "en", n=1, total_units=24) == "1 of 24 counties has data"
    assert t("legend_no_circle", "en", n=1) == "No data: 1 county, no circle"
    assert t("problems_found", "en", n=1).startswith("1 problem found")
    assert t("rows_shown", "zh", n=1) == "共 1 行"
