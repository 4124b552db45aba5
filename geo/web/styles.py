"""The app's style sheets: the theme colours of geo.model.themes applied to Streamlit's page.

Streamlit's elements are found by names of its frontend (``data-testid`` values, class names, the
``st-key-`` class of an element with a key), not by a public API. Every such name here is built by
geo.internals (``test_id``, ``class_name``, ``key_class``), which lists each with a canary in
tests/test_internals.py: an upgrade that renames one fails there instead of leaving a rule that no
longer applies. The CSS is assembled only from those names and the checked theme constants, so
nothing a user types can reach the unsafe-HTML style element.
"""

from __future__ import annotations

from geo.internals import ACTIVE_KIND_MARK, class_name, key_class, test_id
from geo.model.themes import (
    APP_CAPTION,
    MAP_HEIGHT_NORMAL,
    MAP_HEIGHT_PRESENT,
    MAP_MIN_HEIGHT,
    PRESENT_FONT,
    Theme,
    checked_colours,
)

# streamlit-folium's frame (the app's only custom component); its title is set per map by geo/web/frame.py.
MAP_IFRAME = f"iframe{test_id('stCustomComponentV1')}"
QR_CORNER_KEY = "qr_corner"  # the container of the presenter's QR code (geo.web.widgets.qr_corner)
# Section headings (h2 under a page's h1) carry this anchor prefix and keep st.subheader's size.
SECTION_ANCHOR = "section-"
# The briefing's bar and the widgets in it the sheet sizes (pages/briefing.py draws them with these keys).
BRIEFING_BAR_KEY = "briefing_bar"
PREV_SLIDE_KEY, NEXT_SLIDE_KEY, SLIDE_PAGE_KEY = "prev_slide", "next_slide", "slide_page"

APP = class_name("stApp")
CAPTION = test_id("stCaptionContainer")
METRIC = test_id("stMetric")
METRIC_LABEL = test_id("stMetricLabel")
METRIC_VALUE = test_id("stMetricValue")
METRIC_DELTA = test_id("stMetricDelta")
MAIN = test_id("stMain")
VIEW = test_id("stAppViewContainer")
BLOCK = test_id("stMainBlockContainer")
MARKDOWN = test_id("stMarkdownContainer")
QR = key_class(QR_CORNER_KEY)
# The presenter view hides the app's chrome.
CHROME = (
    test_id("stSidebar"), test_id("stExpandSidebarButton"), test_id("stHeader"), test_id("stToolbar"),
    test_id("stStatusWidget"), test_id("stBottom"), "footer",
)  # fmt: skip


def page_css(theme: Theme, presenting: bool) -> str:
    """The briefing page's style sheet: theme colours, map height, and in presenter view no chrome."""
    c = checked_colours(theme)
    rules = [
        # The map fills the rest of the screen, so a slide never scrolls.
        f"{MAP_IFRAME}{{height:{MAP_HEIGHT_PRESENT if presenting else MAP_HEIGHT_NORMAL} !important;"
        f"min-height:{MAP_MIN_HEIGHT};border-radius:6px;border:1px solid {c['border']}}}",
        f"{APP},{VIEW},{MAIN}{{background:{c['bg']};color:{c['text']}}}",
        f"{APP} h1,{APP} h2,{APP} h3,{APP} p,{APP} li,{APP} label{{color:{c['text']}}}",
        f"{CAPTION},{CAPTION} p{{color:{c['muted']} !important}}",
        f"{METRIC}{{background:{c['surface']};border-color:{c['border']} !important;"
        "padding:.3rem .75rem .25rem !important}",
        f"{METRIC} > div{{gap:0 !important;padding:.35rem .1rem !important}}",
        f"{METRIC_LABEL} p{{color:{c['muted']} !important;font-size:.9rem !important;white-space:normal !important}}",
        f"{METRIC_VALUE}{{color:{c['text']} !important;font-size:2.05rem !important;line-height:1.15 !important}}",
        f"{METRIC_DELTA},{METRIC_DELTA} div{{color:{c['muted']} !important;"
        "font-size:.8rem !important;background:transparent !important;padding-left:0 !important}",
        # Style-only elements (this sheet, app.py's) take no room in the layout.
        f"{class_name('stElementContainer')}:has(style),{test_id('stElementContainer')}:has(style){{display:none}}",
        f"{key_class(BRIEFING_BAR_KEY)}{{gap:.4rem .6rem !important}}",
        # The arrow icons say which way; Streamlit's shortcut hint would draw a second arrow ("← 上一张 ←").
        # The keys are named in the buttons' help.
        f"{key_class(PREV_SLIDE_KEY)} kbd,{key_class(NEXT_SLIDE_KEY)} kbd{{display:none}}",
        # The page numbers (arrows, five numbers, an ellipsis, the last) grow with the type: a width in
        # pixels cut off the last arrow in the presenter's large type. The widget shows as many as fit.
        f"{key_class(SLIDE_PAGE_KEY)}{{flex:0 0 20.5rem !important;width:20.5rem !important}}",
        f".bd-slide-no{{color:{c['accent']};font-weight:700;white-space:nowrap}}",
        f".bd-source{{color:{c['muted']};font-size:.7rem;line-height:1.3;margin:-.55rem 0 .1rem .2rem}}",
        ".bd-caption{font-size:1.05rem;line-height:1.45;margin-top:.3rem}",
        # Streamlit pulls the block after a Markdown element up by its paragraph margin; these blocks have
        # none, so a two-line source ran into the next card.
        f"{MARKDOWN}:has(> .bd-source),{MARKDOWN}:has(> .bd-caption){{margin-bottom:0 !important}}",
        f"{APP} h2{{padding:.1rem 0 .2rem 0 !important;font-size:1.85rem !important;line-height:1.2}}",
        # Every button but the small help icons, which sit on the cards' own background.
        f"{APP} button:not({test_id('stTooltipIcon')} button)"
        f"{{color:{c['text']};background:{c['surface']};border-color:{c['border']}}}",
        f"{APP} button[aria-current='page'],{APP} button[aria-selected='true'],{APP} button[kind*='{ACTIVE_KIND_MARK}']"
        f"{{background:{c['accent']} !important;color:{c['bg']} !important;border-color:{c['accent']} !important}}",
        f"{test_id('stPopoverBody')}{{background:{c['surface']};color:{c['text']}}}",
        # The light view's QR code (geo.web.widgets.qr_corner): under the caption, dark on white in both themes.
        f"{QR}{{width:100% !important;max-width:11rem;background:#ffffff;padding:.4rem .4rem .15rem;"
        "border-radius:8px;gap:0 !important;margin-top:.4rem}",
        f"{QR} img{{width:100% !important;height:auto}}",
        f"{QR} {CAPTION} p,{QR} {test_id('stImageCaption')}{{color:#111111 !important;font-size:.62rem;"
        "line-height:1.25;text-align:center;margin:.2rem 0 0}",
    ]
    if presenting:
        rules += [
            f"{','.join(CHROME)}{{display:none !important}}",
            f"html{{font-size:{PRESENT_FONT}}}",
            f"{BLOCK}{{max-width:100% !important;padding:1.1vh 2vw 0 2vw !important}}",
            f"{VIEW},{MAIN}{{padding-top:0 !important}}",
            f"{BLOCK} {test_id('stVerticalBlock')}{{gap:.55rem}}",
        ]
    return "<style>" + "".join(rules) + "</style>"


def app_css() -> str:
    """The style sheet every page gets (app.py's frame): readable captions, room for the content, whole figures."""
    return (
        f"<style>{class_name('block-container')}{{padding-top:3.2rem}}"
        f"{CAPTION},{CAPTION} p{{color:{APP_CAPTION};opacity:1}}"
        f"{METRIC_VALUE}{{font-size:1.9rem}}"
        f"h2[id^='{SECTION_ANCHOR}']{{font-size:1.75rem;line-height:1.2;padding:.75rem 0 1rem}}"
        # Metric values and labels wrap instead of ending in "…" (English units are long: "911,200 persons").
        f"{METRIC_VALUE},{METRIC_VALUE} *,{METRIC_LABEL} p"
        "{white-space:normal!important;overflow:visible!important;text-overflow:clip!important;line-height:1.15}"
        "</style>"
    )
