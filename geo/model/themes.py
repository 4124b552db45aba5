"""Presenter themes: colours checked for contrast, type sizes, and the map frame's style sheet built from them.

Two themes for the briefing: a light one for projectors (washed-out blacks, bright rooms)
and a dark "大屏" one for large screens. Text colours meet WCAG AA (4.5:1) on every
background they are used on; tests/test_themes.py checks the pairs numerically. The map
keeps the colour-blind-safe palettes of geo.model.classify in both themes.

Pure data: the style sheets that apply these colours to Streamlit's page (whose element names are
a library internal) are geo/web/styles.py's. Colours are checked as hex codes before any style
sheet uses them, so nothing a user types can reach the unsafe-HTML style element.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from geo.internals import ST_FOLIUM_MAP_DIV
from geo.model.colour import HEX, contrast
from geo.model.palette import map_colours

AA = 4.5


@dataclass(frozen=True)
class Theme:
    name: str
    bg: str  # page background
    surface: str  # metric cards, buttons
    text: str
    muted: str  # captions, sources, notes
    accent: str  # slide number, active controls
    border: str
    map_bg: str  # the map's empty background
    legend_bg: str
    legend_text: str
    legend_muted: str
    halo: str  # line around the city: keeps dark classes apart from a dark map background

    def colors(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "name"}


THEMES: dict[str, Theme] = {
    "light": Theme(
        name="light", bg="#ffffff", surface="#f2f4f7", text="#111827", muted="#374151", accent="#1b4f9c",
        border="#8a94a6", map_bg="#f4f3ef", legend_bg="#ffffff", legend_text="#111111", legend_muted="#3f3f3f",
        halo="#4d4d4d",
    ),
    "dark": Theme(
        name="dark", bg="#0b1320", surface="#17233a", text="#f5f7fa", muted="#c9d3e0", accent="#8cc8ff",
        border="#5b6b82", map_bg="#141e2c", legend_bg="#0f1a2b", legend_text="#f5f7fa", legend_muted="#c9d3e0",
        halo="#e8eef5",
    ),
}  # fmt: skip
DEFAULT_THEME = "light"

# The app's other pages keep Streamlit's light theme (.streamlit/config.toml), with captions
# darker than its own (text colour at 60 % opacity, #828180: 3.88:1 on white, 3.80:1 in the sidebar).
APP_BG = "#ffffff"
APP_SIDEBAR_BG = "#f8f8f7"  # the sidebar as Streamlit 1.67's light theme paints it
APP_CAPTION = "#6b6a68"
APP_TEXT_PAIRS: tuple[tuple[str, str], ...] = ((APP_CAPTION, APP_BG), (APP_CAPTION, APP_SIDEBAR_BG))

# Text colour -> the backgrounds it is drawn on; each pair must reach AA.
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "bg"), ("muted", "bg"), ("accent", "bg"), ("text", "surface"), ("muted", "surface"),
    ("accent", "surface"), ("legend_text", "legend_bg"), ("legend_muted", "legend_bg"),
)  # fmt: skip


def get_theme(name: str) -> Theme:
    try:
        return THEMES[name]
    except KeyError:
        raise KeyError(f"unknown theme {name!r}; valid: {', '.join(THEMES)}") from None


def contrast_report(theme: Theme) -> list[tuple[str, str, float]]:
    """(text colour name, background name, ratio) for every pair the theme uses."""
    c = theme.colors()
    return [(fg, bg, contrast(c[fg], c[bg])) for fg, bg in TEXT_PAIRS]


def checked_colours(theme: Theme) -> dict[str, str]:
    """The theme's colours by name, each checked to be a #rrggbb code (raises otherwise)."""
    colors = theme.colors()
    for key, value in colors.items():
        if not HEX.match(value):
            raise ValueError(f"theme {theme.name}: {key} is not a #rrggbb colour: {value!r}")
    return colors


# Body type: 1.3vw is 25 px on a 1920-pixel screen; the vh term keeps short, wide screens in one page.
PRESENT_FONT = "clamp(16px, min(1.3vw, 2.35vh), 34px)"
# Height of the map: the screen less title, controls and padding (in rem, which follows the type size).
MAP_HEIGHT_PRESENT = "calc(100vh - 7.8rem)"
MAP_HEIGHT_NORMAL = "calc(100vh - 14.5rem)"
MAP_MIN_HEIGHT = "300px"


def map_css(theme: Theme) -> str:
    """Style sheet inside the map's iframe: full height, theme background, legend colours."""
    c = checked_colours(theme)
    m = map_colours(theme.name)
    return (
        f"<style>html,body{{margin:0;overflow:hidden}}#{ST_FOLIUM_MAP_DIV}{{height:100vh !important}}"
        f".leaflet-container{{background:{c['map_bg']}}}"
        f".bd-legend{{background:{c['legend_bg']} !important;color:{c['legend_text']};"
        "font-size:clamp(12px, 2.2vh, 16px) !important;"
        "max-width:300px !important}"
        ".bd-legend b{font-size:clamp(13px, 2.4vh, 17px) !important}"
        ".bd-legend .note{font-size:.85em !important}"
        f".bd-legend .n,.bd-legend .note{{color:{c['legend_muted']} !important}}"
        f".bd-callout .bd-callout-box{{background:{c['legend_bg']};color:{c['legend_text']};"
        f"border-color:{c['legend_text']}}}.bd-leader line{{stroke:{c['legend_text']}}}"
        f".bd-leader circle{{fill:{c['legend_text']};stroke:{c['legend_bg']}}}"
        ".bd-ring-icon{background:none;border:none}"
        # A thin edge in the theme's marker-edge colour outlines every ring against whatever fill it sits on.
        ".bd-ring{display:block;width:22px;height:22px;border-radius:50%;box-sizing:border-box;border:5px solid;"
        f"box-shadow:0 0 0 1.5px {m.site_edge},0 1px 4px rgba(0,0,0,.5)}}"
        "</style>"
    )
