"""总览 Overview: one indicator on the map, the city's key figures, counties ranked."""

from functools import partial

import streamlit as st

from geo.i18n import t
from geo.model import indicators as ind
from geo.model.classify import DEFAULT_SCHEME, SCHEMES
from geo.views import overview as views
from geo.web import downloads, frame, loaders, mapelement, playback, results, widgets
from geo.web import urlstate as us
from geo.web.mapspecs import OverviewMap

lang = frame.page()
LATEST = views.LATEST
ds, counties = loaders.load_dataset(), loaders.load_counties()
ids = results.indicator_ids()
names = results.county_names(lang)
us.seed_from_url("indicator", ids, views.DEFAULT_INDICATOR)
us.seed_from_url("scheme", list(SCHEMES), DEFAULT_SCHEME)
FLAGS = views.MAP_FLAGS


def indicator_label(i: str) -> str:
    entry = ind.get_indicator(ds, i)
    return entry.name(lang) + ("" if entry.level == "county" else t("city_only_suffix", lang))


# What the sidebar's widgets hold for this run (their state is set before the run starts, seeded
# from the link above): read first, so that the map goes out before the sidebar is drawn.
indicator_id = st.session_state.indicator
options, default = results.year_options(indicator_id)
us.seed_from_url("year", options, default)
playback.take_step("year", options)
steps = [o for o in options if o != LATEST]
chosen = st.session_state.year if len(options) > 1 else default
year = None if chosen == LATEST else int(chosen)
entry = ind.get_indicator(ds, indicator_id)
has_scheme = entry.kind == "numeric" and entry.level == "county"
scheme = st.session_state.scheme if has_scheme else DEFAULT_SCHEME
flags = {}
for key, (_label, default_on) in FLAGS.items():
    us.seed_flag(key, default_on)
    flags[key] = st.session_state[f"flag_{key}"]
overlays = views.Overlays(**flags)


def sidebar() -> None:
    """The sidebar's controls, drawn after the map and the notes beside it."""
    with st.sidebar:
        st.selectbox(t("indicator", lang), ids, format_func=indicator_label, key="indicator", persist_state="session")
        us.write_to_url("indicator", indicator_id, views.DEFAULT_INDICATOR)
        if len(options) > 1:
            st.selectbox(
                t("year", lang), options, key="year", persist_state="session",
                format_func=lambda y: t("latest_year", lang) if y == LATEST else y,
            )  # fmt: skip
        playback.button(steps, lang)
        us.write_to_url("year", chosen, default)
        if has_scheme:
            st.selectbox(
                t("scheme", lang), list(SCHEMES), format_func=lambda s: t(f"scheme_{s}", lang),
                key="scheme", persist_state="session",
            )  # fmt: skip
            us.write_to_url("scheme", scheme, DEFAULT_SCHEME)
        st.markdown(f"**{t('map_options', lang)}**")
        for key, (label, default_on) in FLAGS.items():
            st.toggle(t(label, lang), key=f"flag_{key}", persist_state="session")
            us.write_flag(key, flags[key], default_on)


context = loaders.load_context()
view = results.overview(indicator_id, year, scheme, lang)
frame.name_maps(t("map_frame_title", lang, what=f"{view.indicator.name(lang)} · {view.period(lang)}"))
st.markdown(f"### {t('app_title', lang)}")
left, right = st.columns([3, 2], gap="medium")
selection = us.selected_counties()
take_click = partial(widgets.take_map_click, "overview_map")
spec = OverviewMap(indicator_id, year, scheme, lang, overlays, tuple(selection))
# A browser's first view: the map alone, the rest once its counties are painted (geo/web/mapelement.py).
first = mapelement.map_first()

if not first:
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
    mapelement.show_map(
        "overview_map", spec, height=640, returned_objects=["last_active_drawing", "last_object_clicked"],
        on_change=take_click, report_painted=True,
    )  # fmt: skip
    st.caption(t("click_hint", lang))
if first:
    mapelement.rest_after_map()
else:
    sidebar()
    with left:
        with st.popover(t("downloads", lang), icon=":material/download:"):
            downloads.overview_menu(view, spec.view(), ds, counties, lang, context)
        with st.expander(t("map_as_table", lang)):
            st.dataframe(view.classes, hide_index=True, width="stretch")

    st.divider()
    widgets.ranking(view, selection, lang)
    playback.advance(steps, chosen)
