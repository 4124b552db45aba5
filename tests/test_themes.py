"""Presenter themes: text contrast (WCAG AA), colour-blind-safe map colours, fixed style sheets; the
briefing map's HTML (fit layer, local assets only, escaped text)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from geo.model import classify as cl
from geo.model import colour, themes
from geo.model.palette import CONTEXT_OTHER, CONTEXT_POOR
from geo.render.leaflet.maps import asset_links
from geo.render.leaflet.screens import briefing_frame, slide_layers
from geo.views import briefing
from geo.web import styles

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.mark.parametrize("name", list(themes.THEMES))
def test_every_text_colour_meets_wcag_aa(name):
    report = themes.contrast_report(themes.THEMES[name])
    assert len(report) == len(themes.TEXT_PAIRS)
    failing = [(fg, bg, round(r, 2)) for fg, bg, r in report if r < themes.AA]
    assert failing == []


def test_contrast_formula():
    assert colour.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert colour.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic AA near-miss
    assert colour.contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    with pytest.raises(ValueError):
        colour.luminance("red")


def test_dark_theme_is_dark_and_light_is_light():
    assert colour.luminance(themes.THEMES["dark"].bg) < 0.02
    assert colour.luminance(themes.THEMES["light"].bg) > 0.9


def test_style_sheet_is_fixed_and_rejects_odd_colours():
    css = styles.page_css(themes.THEMES["light"], presenting=True)
    assert css.startswith("<style>") and css.endswith("</style>") and css.count("<") == 2
    assert "[data-testid='stSidebar']" in css and "display:none" in css
    assert themes.PRESENT_FONT in css
    assert "stSidebar" not in styles.page_css(themes.THEMES["light"], presenting=False)
    evil = themes.Theme(**{**themes.THEMES["light"].__dict__, "text": "red}</style><script>alert(1)</script>"})
    with pytest.raises(ValueError, match="not a #rrggbb colour"):
        styles.page_css(evil, presenting=True)
    with pytest.raises(KeyError, match="valid: light, dark"):
        themes.get_theme("neon")


def test_presenter_type_is_at_least_24px_on_a_1920_screen():
    # PRESENT_FONT = clamp(16px, min(1.3vw, 2.35vh), 34px): evaluate it for 1920×1080.
    vw, vh = 1920 / 100, 1080 / 100
    assert min(1.3 * vw, 2.35 * vh) >= 24


def _safe_colours() -> set[str]:
    safe = {c.lower() for ramps in cl.PALETTES.values() for ramp in ramps.values() for c in ramp}
    safe |= {c.lower() for c in cl.CATEGORICAL}
    safe |= {cl.NOT_APPLICABLE, cl.CITY_FILL, CONTEXT_POOR, CONTEXT_OTHER}
    return safe


def _standalone(view: briefing.SlideView, counties, theme: str):
    """The briefing frame with the slide's layers added for good, as one HTML page."""
    m = briefing_frame(counties, themes.THEMES[theme], "zh")
    for layer in slide_layers(view.map, counties, "zh", theme):
        layer.add_to(m)
    return m


def test_every_slide_uses_colour_blind_safe_colours(real):
    ds, counties, deck = real.ds, real.counties, real.deck
    sites = gpd.GeoDataFrame({"programme": []}, geometry=[], crs="EPSG:4326")
    safe = _safe_colours()
    for i in range(len(deck)):
        view = briefing.slide_view(deck, i, ds, counties, sites, "zh")
        used = {e.color.lower() for e in view.map.legend.entries if e.color is not None}
        used |= {c.lower() for c in view.map.fills.values() if c}
        used |= {c.tint.lower() for c in view.map.counties.values() if c.tint}  # under the hatch
        assert used <= safe, (view.slide.id, used - safe)


def test_briefing_map_is_offline_fits_the_extent_and_escapes(real, tiny_counties):
    ds, counties, deck = real.ds, real.counties, real.deck
    view = briefing.slide_view(
        deck,
        deck.ids().index("tourism"),
        ds,
        counties,
        gpd.GeoDataFrame({"programme": []}, geometry=[], crs="EPSG:4326"),
        "zh",
    )
    m = _standalone(view, counties, "dark")
    html = m.get_root().render()
    assert "L.latLngBounds([[39.02719, 114.34263], [39.95119, 115.81262]])" in html  # Laishui, Laiyuan, Yi
    assert all(link.startswith("../../app/static/") for link in asset_links(m))
    assert themes.THEMES["dark"].map_bg in html  # the dark theme's map background
    hostile = briefing_frame(tiny_counties, themes.THEMES["light"], "zh").get_root().render()
    assert "<img src=x" not in hostile


def test_site_rings_have_escaped_tooltips(real):
    ds, counties, deck = real.ds, real.counties, real.deck
    sites = gpd.GeoDataFrame(
        {
            "name_zh": ["<b>x</b>"],
            "name_en": ["<b>x</b>"],
            "programme": ["pv"],
            "adcode": ["130634"],
            "precision": ["county"],
        },
        geometry=gpd.points_from_xy([114.7], [38.7]),
        crs="EPSG:4326",
    )
    view = briefing.slide_view(deck, deck.ids().index("pv"), ds, counties, sites, "zh")
    assert len(view.map.sites) == 1 and view.map.site_legend is not None
    html = _standalone(view, counties, "light").get_root().render()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "bd-ring" in html
