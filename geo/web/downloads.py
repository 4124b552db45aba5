"""The download menus (Streamlit edge): the overview's map and view data; the briefing's slide as PNG,
its map, its data, and the whole deck as PDF or PPTX with progress. Each file is drawn from the
screen's view result and built when asked for, not on every rerun (a click, the presenter's → key).
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from geo.i18n import t
from geo.model import indicators as ind
from geo.model.slides import Deck
from geo.render import tables
from geo.render.export import deck as export
from geo.render.export import figure, fonts
from geo.render.export import pptx as deck_pptx
from geo.views import briefing
from geo.views import overview as views
from geo.views.briefing import SlideView
from geo.views.mapview import MapView
from geo.web import loaders
from geo.web import session_keys as K

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _font_problem(lang: str) -> str | None:
    """Why PNG/PDF/PPTX cannot be made here (no Chinese font), said on screen; None when they can."""
    problem = fonts.font_problem()  # the tables need no font
    if problem:
        st.error(f"{t('export_font_missing', lang)} {problem}", icon=":material/font_download_off:")
    return problem


def overview_menu(
    view: views.OverviewView,
    mapv: MapView,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    lang: str,
    context: gpd.GeoDataFrame | None,
) -> None:
    """The map as PNG (what the screen shows, outlines and labels too) and the view's data as CSV/XLSX."""
    name = f"baoding-{view.indicator.indicator_id}-{view.period_slug()}-{lang}"
    no_font = _font_problem(lang)
    st.download_button(
        t("download_view_png", lang),
        disabled=bool(no_font),
        on_click="ignore",
        icon=":material/map:",
        data=lambda: figure.overview_png(view, ds, counties, lang, context=context, mapv=mapv),
        file_name=f"{name}.png",
        mime="image/png",
    )
    data = lambda: views.download_table(view, ds, lang)  # noqa: E731
    st.download_button(
        t("download_view_csv", lang),
        lambda: tables.table_csv(data()),
        file_name=f"{name}.csv",
        mime="text/csv",
        icon=":material/table_view:",
        on_click="ignore",
    )
    st.download_button(
        t("download_view_xlsx", lang),
        lambda: tables.table_xlsx(data(), view.indicator.indicator_id[:31]),
        file_name=f"{name}.xlsx",
        mime=XLSX,
        icon=":material/grid_on:",
        on_click="ignore",
    )


def briefing_menu(
    deck: Deck,
    view: SlideView,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    lang: str,
    theme: str,
    context: gpd.GeoDataFrame | None,
) -> None:
    """The download menu's buttons; the deck files are made on a button press, with a progress bar."""
    n = len(deck)
    no_font = _font_problem(lang)
    qr_base = loaders.public_url()  # each slide carries a QR code of its light view when the address is known
    name = f"baoding-{view.number:02d}-{view.slide.id}-{lang}"
    source = lambda: briefing.sources_line(view, ds, lang) + " · " + t("export_boundaries", lang)  # noqa: E731
    table = lambda: briefing.data_table(view, ds, counties, lang)  # noqa: E731
    st.download_button(
        t("download_slide_png", lang),
        lambda: export.slide_png(view, ds, counties, lang, theme, context, qr_base=qr_base),
        file_name=f"{name}.png",
        mime="image/png",
        icon=":material/slideshow:",
        on_click="ignore",
        disabled=bool(no_font),
    )
    map_title = briefing.map_title(view, lang)
    map_png = lambda: figure.map_png(view.map, counties, map_title, source(), lang, theme, context)  # noqa: E731
    st.download_button(
        t("download_map_png", lang),
        map_png,
        file_name=f"{name}-map.png",
        mime="image/png",
        icon=":material/map:",
        on_click="ignore",
        disabled=bool(no_font),
    )
    st.download_button(
        t("download_data_csv", lang),
        lambda: tables.table_csv(table()),
        file_name=f"{name}.csv",
        mime="text/csv",
        icon=":material/table_view:",
        on_click="ignore",
    )
    st.download_button(
        t("download_data_xlsx", lang),
        lambda: tables.table_xlsx(table(), view.slide.id),
        file_name=f"{name}.xlsx",
        mime=XLSX,
        icon=":material/grid_on:",
        on_click="ignore",
    )
    with_notes = st.checkbox(t("deck_notes_pages", lang), key=K.DECK_NOTES_PAGES)
    deck_key = (lang, theme, deck.slides, loaders.data_key(), qr_base, with_notes)  # a new data version makes new files

    def progress_bar():
        bar = st.progress(0.0, text=t("deck_progress", lang, n=0, total=n))
        return lambda done, total: bar.progress(done / total, t("deck_progress", lang, n=done, total=total))

    if st.button(t("make_deck_pdf", lang), icon=":material/picture_as_pdf:", disabled=bool(no_font)):
        pdf = export.deck_pdf(
            deck,
            ds,
            counties,
            sites,
            lang,
            theme,
            context=context,
            notes=with_notes,
            progress=progress_bar(),
            qr_base=qr_base,
        )
        K.DECK_PDF.set((deck_key, pdf))
    made = K.DECK_PDF.get()
    if made and made[0] == deck_key:
        st.download_button(
            t("download_deck_pdf", lang, n=n * (2 if with_notes else 1), size=f"{len(made[1]) / 1e6:.1f} MB"),
            made[1],
            file_name=f"baoding-briefing-{lang}.pdf",
            mime="application/pdf",
            icon=":material/download:",
            on_click="ignore",
            type="primary",
        )
    if st.button(t("make_deck_pptx", lang), icon=":material/co_present:", disabled=bool(no_font)):
        pptx = deck_pptx.deck_pptx(
            deck, ds, counties, sites, lang, theme, context=context, progress=progress_bar(), qr_base=qr_base
        )
        K.DECK_PPTX.set((deck_key[:-1], pptx))
    made = K.DECK_PPTX.get()
    if made and made[0] == deck_key[:-1]:
        st.download_button(
            t("download_deck_pptx", lang, n=n, size=f"{len(made[1]) / 1e6:.1f} MB"),
            made[1],
            file_name=f"baoding-briefing-{lang}.pptx",
            mime=deck_pptx.MIME,
            icon=":material/download:",
            on_click="ignore",
            type="primary",
        )
