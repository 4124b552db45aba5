"""总览 Overview: one indicator on the map, the city's key figures, counties ranked."""

from functools import partial

import streamlit as st

from geo.i18n import t
from geo.model import indicators as ind
from geo.model.classify import DEFAULT_SCHEME, SCHEMES
from geo.views import overview as views
from geo.web import downloads, frame, loaders, mapelement, playback, results, widgets
from geo.web import session_keys as K
from geo.web import urlstate as us
from geo.web.mapspecs import OverviewMap

lang = frame.page()
LATEST = views.LATEST
ds, counties = loaders.load_dataset(), loaders.load_counties()
ids = results.indicator_ids()
names = results.county_names(lang)
us.seed_from_url(K.INDICATOR, ids, views.DEFAULT_INDICATOR)
us.seed_from_url(K.SCHEME, list(SCHEMES), DEFAULT_SCHEME)
FLAGS = views.MAP_FLAGS


def indicator_label(i: str) -> str:
    entry = ind.get_indicator(ds, i)
    return entry.name(lang) + ("" if entry.level == "county" else t("city_only_suffix", lang))


# What the sidebar's widgets hold for this run (their state is set before the run starts, seeded
# from the link above): read first, so that the map goes out before the sidebar is drawn.
indicator_id = K.INDICATOR.value()
options, default = results.year_options(indicator_id)
us.seed_from_url(K.YEAR, options, default)
playback.take_step(K.YEAR, options)
steps = [o for o in options if o != LATEST]
chosen = K.YEAR.value() if len(options) > 1 else default
year = None if chosen == LATEST else int(chosen)
entry = ind.get_indicator(ds, indicator_id)
has_scheme = entry.kind == "numeric" and entry.level == "county"
scheme = K.SCHEME.value() if has_scheme else DEFAULT_SCHEME
flags = {}
for key, (_label, default_on) in FLAGS.items():
    us.seed_flag(key, default_on)
    flags[key] = K.flag(key).value()
overlays = views.Overlays(**flags)


def sidebar() -> None:
    """The sidebar's controls, drawn after the map and the notes beside it."""
    with st.sidebar:
        st.selectbox(t("indicator", lang), ids, format_func=indicator_label, key=K.INDICATOR, persist_state="session")
        us.write_to_url(K.INDICATOR, indicator_id, views.DEFAULT_INDICATOR)
        if len(options) > 1:
            st.selectbox(
                t("year", lang),
                options,
                key=K.YEAR,
                persist_state="session",
                format_func=lambda y: t("latest_year", lang) if y == LATEST else y,
            )
        playback.button(steps, lang)
        us.write_to_url(K.YEAR, chosen, default)
        if has_scheme:
            st.selectbox(
                t("scheme", lang),
                list(SCHEMES),
                format_func=lambda s: t(f"scheme_{s}", lang),
                key=K.SCHEME,
                persist_state="session",
            )
            us.write_to_url(K.SCHEME, scheme, DEFAULT_SCHEME)
        st.markdown(f"**{t('map_options', lang)}**")
        for key, (label, default_on) in FLAGS.items():
            st.toggle(t(label, lang), key=K.flag(key), persist_state="session")
            us.write_flag(key, flags[key], default_on)


context = loaders.load_context()
view = results.overview(indicator_id, year, scheme, lang)
frame.name_maps(t("map_frame_title", lang, what=f"{view.indicator.name(lang)} · {view.period(lang)}"))
st.markdown(f"### {t('app_title', lang)}")
left, right = st.columns([3, 2], gap="medium")
selection = us.selected_counties()
take_click = partial(widgets.take_map_click, K.OVERVIEW_MAP)
spec = OverviewMap(indicator_id, year, scheme, lang, overlays, tuple(selection))

# A browser's first view: the map alone, the rest once its counties are painted (geo/web/mapelement.py).
with mapelement.map_first_page() as page:
    if not page.alone:
        # Beside the map, drawn before it: a click's answer (the selected county's values) leaves the server
        # ahead of the map, which then takes its head start over the heavier elements below (mapelement).
        with right:
            for col, fig in widgets.in_columns(results.key_figures(lang), 2):
                widgets.figure(col, fig.label, fig.value, fig.source, lang, note=fig.note, fig=fig)
            widgets.view_notes(view, selection, names, lang)
            if selection and st.button(t("clear_selection", lang), icon=":material/close:"):
                us.set_selection([])
                st.rerun()
    with left:
        widgets.text(f"{view.indicator.name(lang)} · {view.period(lang)}", heading=4)
        page.show_map(
            K.OVERVIEW_MAP,
            spec,
            height=640,
            returned_objects=["last_active_drawing", "last_object_clicked"],
            on_change=take_click,
        )
        st.caption(t("click_hint", lang))
    if not page.alone:
        sidebar()
        with left:
            with st.popover(t("downloads", lang), icon=":material/download:"):
                downloads.overview_menu(view, spec.view(), ds, counties, lang, context)
            with st.expander(t("map_as_table", lang)):
                st.dataframe(widgets.arrow(view.classes), hide_index=True, width="stretch")

        st.divider()
        widgets.ranking(view, selection, lang)
        playback.advance(steps, chosen)
