"""Colours people can tell apart (also with deuteranopia/protanopia) and text people can read."""

import itertools
import re

import pytest

from geo.model import classify as cl
from geo.model import palette, themes
from geo.model.colour import contrast, delta_e
from geo.model.palette import SELECTED
from geo.render.leaflet import maps
from geo.web import styles

KINDS = [None, "deuteranopia", "protanopia"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(cl.PALETTES))
@pytest.mark.parametrize("k", [3, 4, 5, 6, 7])
def test_sequential_classes_stay_distinct(name, k, kind):
    colours = cl.palette(name, k)
    for a, b in itertools.pairwise(colours):
        assert delta_e(a, b, kind) >= 7, (a, b, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_category_colours_used_on_maps_stay_distinct(kind):
    # The largest categorical legend: exit years 2017–2020 plus "not a poor county".
    colours = list(cl.category_colors(["2017", "2018", "2019", "2020", "not_poor"]).values())
    for a, b in itertools.combinations(colours, 2):
        assert delta_e(a, b, kind) >= 12, (a, b, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_selection_outline_differs_from_every_fill(kind):
    fills = cl.CATEGORICAL[:5] + cl.palette("YlGnBu", 7) + [cl.NOT_APPLICABLE]
    assert min(delta_e(SELECTED, f, kind) for f in fills) >= 10


def _hex(colour: str) -> str:
    """#rgb -> #rrggbb (the style sheets use both)."""
    return "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour


def _blend(rgba: str, under: str) -> str:
    """A translucent CSS ``rgba(r,g,b,a)`` as painted over the colour ``under``."""
    *rgb, alpha = (float(x) for x in re.fullmatch(r"rgba\(([^)]*)\)", rgba).group(1).split(","))
    return "#" + "".join(
        f"{round(c * alpha + int(under[i : i + 2], 16) * (1 - alpha)):02x}" for c, i in zip(rgb, (1, 3, 5))
    )


@pytest.fixture(scope="module")
def map_page() -> str:
    """The map page as the app renders it: its style sheet and the no-data hatch the script paints."""
    m = maps.offline_map([[38.7, 113.6], [40.0, 116.3]])
    maps.HatchPattern().add_to(m)
    return m.get_root().render()


def _rule(page: str, selector: str, prop: str) -> str:
    block = re.search(re.escape(selector) + r"\{([^}]*)\}", page).group(1)
    return _hex(re.search(rf"(?:^|;){prop}:([^;]+)", block).group(1).strip())


def test_map_text_meets_wcag_aa(map_page):
    legend_bg = _blend(_rule(map_page, ".bd-legend", "background"), palette.BACKGROUND)
    pairs = {
        "legend counts": (_rule(map_page, ".bd-legend .n", "color"), legend_bg),
        "legend notes": (_rule(map_page, ".bd-legend .note", "color"), legend_bg),
        "county names on their white halo": (_rule(map_page, ".bd-label div", "color"), "#ffffff"),
        "values under the names": (_rule(map_page, ".bd-label small", "color"), "#ffffff"),
        "neighbours' names": (_rule(map_page, ".bd-context-label div", "color"), maps.CONTEXT_FILL),
    }
    failing = {k: round(contrast(fg, bg), 2) for k, (fg, bg) in pairs.items() if contrast(fg, bg) < themes.AA}
    assert failing == {}


def test_captions_and_pages_meet_wcag_aa():
    """The app's own captions (Streamlit draws them at 3.88:1 unless the frame's style sheet says otherwise)."""
    for fg, bg in themes.APP_TEXT_PAIRS:
        assert contrast(fg, bg) >= themes.AA, (fg, bg)
    assert f"color:{themes.APP_CAPTION};opacity:1" in styles.app_css()  # the frame draws them in that colour


def test_no_data_hatch_is_visible_against_the_background(map_page):
    # The colours the page's hatch script draws with: the plain pattern's ground and stripes, and the
    # stripes it puts on a tinted ground (a poor county without a figure on a slide).
    plain = re.search(r'pattern\(svg, defs, "nodata-hatch", "(#[0-9a-f]{6})", "(#[0-9a-f]{6})"\)', map_page)
    tinted = re.search(r'pattern\(svg, defs, id, "#" \+ id\.slice\(13\), "(#[0-9a-f]{6})"\)', map_page)
    assert plain and tinted, "the hatch script changed: read its colours again"
    ground, line = plain.groups()
    assert contrast(line, ground) >= 2.0  # stripes against their ground
    assert contrast(line, palette.BACKGROUND) >= 2.0
    assert line in cl.NO_DATA_SWATCH and ground in cl.NO_DATA_SWATCH  # the legend shows the same hatch
    assert contrast(tinted.group(1), palette.HATCH_POOR) >= 2.0  # and on the tint the views use


def test_the_simulation_would_catch_a_red_green_palette():
    assert delta_e("#d62728", "#2ca02c") > 100
    assert delta_e("#d62728", "#2ca02c", "deuteranopia") < 12  # what the category test would reject
