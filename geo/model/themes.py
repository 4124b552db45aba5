"""Presenter themes: colours checked for contrast, and the fixed style sheets built from them.

Two themes for the briefing: a light one for projectors (washed-out blacks, bright rooms)
and a dark "大屏" one for large screens. Text colours meet WCAG AA (4.5:1) on every
background they are used on; tests/test_themes.py checks the pairs numerically. The map
keeps the colour-blind-safe palettes of geo.model.classify in both themes.

The CSS is assembled only from the constants here (colours are checked as hex codes), so
nothing a user types can reach the unsafe-HTML style element.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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
# Section headings (h2 under a page's h1) carry this anchor prefix and keep st.subheader's size.
SECTION_ANCHOR = "section-"
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


def _checked(theme: Theme) -> dict[str, str]:
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
# streamlit-folium's frame (the app's only custom component); its title is set per map by geo/web/frame.py.
MAP_IFRAME = "iframe[data-testid='stCustomComponentV1']"
QR_CORNER_KEY = "qr_corner"  # the container of the presenter's QR code (geo.web.widgets.qr_corner)
# The briefing's bar and the widgets in it the sheet sizes (geo.web.session_keys takes their keys from here).
BRIEFING_BAR_KEY = "briefing_bar"
PREV_SLIDE_KEY, NEXT_SLIDE_KEY, SLIDE_PAGE_KEY = "prev_slide", "next_slide", "slide_page"

_CHROME = (
    "[data-testid='stSidebar']", "[data-testid='stExpandSidebarButton']",
    "[data-testid='stHeader']", "[data-testid='stToolbar']",
    "[data-testid='stStatusWidget']", "[data-testid='stBottom']", "footer",
)  # fmt: skip


def page_css(theme: Theme, presenting: bool) -> str:
    """The briefing page's style sheet: theme colours, map height, and in presenter view no chrome."""
    c = _checked(theme)
    rules = [
        # The map fills the rest of the screen, so a slide never scrolls.
        f"{MAP_IFRAME}{{height:{MAP_HEIGHT_PRESENT if presenting else MAP_HEIGHT_NORMAL} !important;"
        f"min-height:{MAP_MIN_HEIGHT};border-radius:6px;border:1px solid {c['border']}}}",
        f".stApp,[data-testid='stAppViewContainer'],[data-testid='stMain']{{background:{c['bg']};color:{c['text']}}}",
        f".stApp h1,.stApp h2,.stApp h3,.stApp p,.stApp li,.stApp label{{color:{c['text']}}}",
        f"[data-testid='stCaptionContainer'],[data-testid='stCaptionContainer'] p{{color:{c['muted']} !important}}",
        f"[data-testid='stMetric']{{background:{c['surface']};border-color:{c['border']} !important;"
        "padding:.3rem .75rem .25rem !important}",
        "[data-testid='stMetric'] > div{gap:0 !important;padding:.35rem .1rem !important}",
        f"[data-testid='stMetricLabel'] p{{color:{c['muted']} !important;font-size:.9rem !important;"
        "white-space:normal !important}",
        f"[data-testid='stMetricValue']{{color:{c['text']} !important;font-size:2.05rem !important;"
        "line-height:1.15 !important}",
        f"[data-testid='stMetricDelta'],[data-testid='stMetricDelta'] div{{color:{c['muted']} !important;"
        "font-size:.8rem !important;background:transparent !important;padding-left:0 !important}",
        # Style-only elements (this sheet, app.py's) take no room in the layout.
        ".stElementContainer:has(style),[data-testid='stElementContainer']:has(style){display:none}",
        f".st-key-{BRIEFING_BAR_KEY}{{gap:.4rem .6rem !important}}",
        # The arrow icons say which way; Streamlit's shortcut hint would draw a second arrow ("← 上一张 ←").
        # The keys are named in the buttons' help.
        f".st-key-{PREV_SLIDE_KEY} kbd,.st-key-{NEXT_SLIDE_KEY} kbd{{display:none}}",
        # The page numbers (arrows, five numbers, an ellipsis, the last) grow with the type: a width in
        # pixels cut off the last arrow in the presenter's large type. The widget shows as many as fit.
        f".st-key-{SLIDE_PAGE_KEY}{{flex:0 0 20.5rem !important;width:20.5rem !important}}",
        f".bd-slide-no{{color:{c['accent']};font-weight:700;white-space:nowrap}}",
        f".bd-source{{color:{c['muted']};font-size:.7rem;line-height:1.3;margin:-.55rem 0 .1rem .2rem}}",
        ".bd-caption{font-size:1.05rem;line-height:1.45;margin-top:.3rem}",
        # Streamlit pulls the block after a Markdown element up by its paragraph margin; these blocks have
        # none, so a two-line source ran into the next card.
        "[data-testid='stMarkdownContainer']:has(> .bd-source),[data-testid='stMarkdownContainer']:has(> .bd-caption)"
        "{margin-bottom:0 !important}",
        ".stApp h2{padding:.1rem 0 .2rem 0 !important;font-size:1.85rem !important;line-height:1.2}",
        # Every button but the small help icons, which sit on the cards' own background.
        f".stApp button:not([data-testid='stTooltipIcon'] button)"
        f"{{color:{c['text']};background:{c['surface']};border-color:{c['border']}}}",
        f".stApp button[aria-current='page'],.stApp button[aria-selected='true'],.stApp button[kind*='Active']"
        f"{{background:{c['accent']} !important;color:{c['bg']} !important;border-color:{c['accent']} !important}}",
        f"[data-testid='stPopoverBody'],[data-baseweb='popover'] > div{{background:{c['surface']};color:{c['text']}}}",
        # The light view's QR code (geo.web.widgets.qr_corner): under the caption, dark on white in both themes.
        f".st-key-{QR_CORNER_KEY}{{width:100% !important;max-width:11rem;background:#ffffff;padding:.4rem .4rem .15rem;"
        "border-radius:8px;gap:0 !important;margin-top:.4rem}",
        f".st-key-{QR_CORNER_KEY} img{{width:100% !important;height:auto}}",
        f".st-key-{QR_CORNER_KEY} [data-testid='stCaptionContainer'] p,.st-key-{QR_CORNER_KEY} "
        "[data-testid='stImageCaption']{color:#111111 !important;font-size:.62rem;line-height:1.25;"
        "text-align:center;margin:.2rem 0 0}",
    ]
    if presenting:
        rules += [
            f"{','.join(_CHROME)}{{display:none !important}}",
            f"html{{font-size:{PRESENT_FONT}}}",
            "[data-testid='stMainBlockContainer']{max-width:100% !important;padding:1.1vh 2vw 0 2vw !important}",
            "[data-testid='stAppViewContainer'],[data-testid='stMain']{padding-top:0 !important}",
            "[data-testid='stMainBlockContainer'] [data-testid='stVerticalBlock']{gap:.55rem}",
        ]
    return "<style>" + "".join(rules) + "</style>"


def app_css() -> str:
    """The style sheet every page gets (app.py's frame): readable captions, room for the content, whole figures."""
    return (
        "<style>.block-container{padding-top:3.2rem}"
        f"[data-testid='stCaptionContainer'],[data-testid='stCaptionContainer'] p{{color:{APP_CAPTION};opacity:1}}"
        "[data-testid='stMetricValue']{font-size:1.9rem}"
        f"h2[id^='{SECTION_ANCHOR}']{{font-size:1.75rem;line-height:1.2;padding:.75rem 0 1rem}}"
        # Metric values and labels wrap instead of ending in "…" (English units are long: "911,200 persons").
        "[data-testid='stMetricValue'],[data-testid='stMetricValue'] *,[data-testid='stMetricLabel'] p"
        "{white-space:normal!important;overflow:visible!important;text-overflow:clip!important;line-height:1.15}"
        "</style>"
    )


def map_css(theme: Theme) -> str:
    """Style sheet inside the map's iframe: full height, theme background, legend colours."""
    c = _checked(theme)
    m = map_colours(theme.name)
    return (
        "<style>html,body{margin:0;overflow:hidden}#map_div{height:100vh !important}"
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
