"""The frame every page runs in (app.py calls it; a page calls only ``page()`` and ``name_maps``).

Once per run, not once per page: the language, the app-wide county selection taken from
and kept in the link (its rejected parts reported by geo.web.urlstate), the tab title per
page and language, ``<html lang>``, the style sheet, and a title for each map frame.
"""

from __future__ import annotations

from collections.abc import Collection

import streamlit as st

from geo.i18n import HTML_LANG, md_literal, t
from geo.render.leaflet.assets import STATIC_DIR, ensure_static_assets
from geo.render.leaflet.compact import to_json
from geo.web import firstviews, styles
from geo.web import session_keys as K
from geo.web.memo import shared
from geo.web.urlstate import current_lang, ensure_router, sync_selection

# Pages whose view follows the app-wide county selection (the others leave it out of their links);
# "" is the default page (the overview) as st.navigation names it.
SELECTION_PAGES = frozenset({"", "overview", "county", "programmes", "sources"})


def page() -> str:
    """First line of every page: run through app.py's frame (see ensure_router); the language."""
    ensure_router()
    return current_lang()


@shared(max_entries=1)
def _static_assets(static_dir: str) -> int:
    return len(ensure_static_assets())


def static_assets() -> None:
    """The vendored Leaflet files in static/ (copied when missing or stale): checked once per process."""
    _static_assets(str(STATIC_DIR))


def in_browser() -> bool:
    """Whether a browser runs this session (AppTest and scripts send no User-Agent): only a browser draws
    a map's frame, and only a browser's timers rerun a fragment (``st.fragment(run_every=...)``)."""
    return bool(st.context.headers.get("User-Agent"))


def style() -> None:
    # st.html, not st.markdown(unsafe_allow_html=True): that one loads a 190 KB HTML parser.
    st.html(styles.app_css())


def stop_with_file_error(title: str, path: str, reason: str) -> None:
    """Stop the run with a message naming the broken file; the reason (which may quote the file) as text."""
    st.error(f"**{md_literal(title)}**\n\n`{path}`: {md_literal(reason)}")
    firstviews.keep_out()  # the next session looks again, and sees the fixed file
    st.stop()


def before_page(url_path: str, title: str, lang: str, adcodes: Collection[str]) -> None:
    """What every page needs before it runs: its tab title, and the selection if it uses one."""
    st.set_page_config(page_title=f"{title} · {t('app_title', lang)}")
    K.MAP_TITLES.set([])
    if url_path in SELECTION_PAGES:
        sync_selection(adcodes)


def name_maps(*titles: str) -> None:
    """Titles for the page's map frames, in page order: what a screen reader announces for each map."""
    K.MAP_TITLES.set(list(titles))


def after_page(lang: str) -> None:
    """``<html lang>`` for this language and the map frames' titles, kept as maps are redrawn.

    Streamlit writes ``lang="en"`` into its page and titles every component frame with the
    component's name (``streamlit_folium.st_folium``), and st_folium takes no title: a small
    script sets both, and watches for map frames that Streamlit mounts later.
    """
    titles = to_json(list(K.MAP_TITLES.get()))
    script = (
        "<script>(() => {"
        f"const lang = {to_json(HTML_LANG.get(lang, lang))}, titles = {titles};"
        "document.documentElement.lang = lang;"
        f"const name = () => document.querySelectorAll({to_json(styles.MAP_IFRAME)})"
        ".forEach((f, i) => { if (i < titles.length && f.title !== titles[i]) f.title = titles[i]; });"
        "if (window.bdMapTitles) window.bdMapTitles.disconnect();"
        "window.bdMapTitles = new MutationObserver(name);"
        "window.bdMapTitles.observe(document.body, {childList: true, subtree: true});"
        "name();"
        "})();</script>"
    )
    st.html(script, unsafe_allow_javascript=True)
