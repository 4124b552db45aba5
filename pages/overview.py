"""总览 Overview: one indicator on the map, the city's key figures, counties ranked."""

import time

import streamlit as st
from streamlit_folium import st_folium

from geo.i18n import colon, t
from geo.model import indicators as ind
from geo.model.classify import DEFAULT_SCHEME, SCHEMES
from geo.render import charts, tables
from geo.render.export import figure, fonts
from geo.render.leaflet import screens as leaflet
from geo.views import overview as views
from geo.web import loaders
from geo.web.params import clicked_county, fresh, next_step
from geo.web.urlstate import (
    ensure_router,
    seed_flag,
    seed_from_url,
    seed_selection,
    selected_counties,
    set_selection,
    write_flag,
    write_to_url,
)

ensure_router()
LATEST = views.LATEST
PLAY_SECONDS = 1.8

lang = st.session_state.get("lang") or "zh"
ds, counties = loaders.load_dataset(), loaders.load_counties()
ids = ind.indicator_ids(ds)
adcodes = counties["adcode"].tolist()
names = views.county_names(counties, lang)

notices = {
    "indicator": seed_from_url("indicator", ids, views.DEFAULT_INDICATOR),
    "scheme": seed_from_url("scheme", list(SCHEMES), DEFAULT_SCHEME),
    "county": ",".join(seed_selection(adcodes)),
}
for key, bad in notices.items():
    if bad:
        st.warning(t("unknown_param", lang, param=t(key, lang), value=bad), icon=":material/link_off:")
set_selection(selected_counties())  # keeps the selection in the URL after a page switch


def indicator_label(i: str) -> str:
    entry = ind.get_indicator(ds, i)
    return entry.name(lang) + ("" if entry.level == "county" else t("city_only_suffix", lang))


with st.sidebar:
    indicator_id = st.selectbox(
        t("indicator", lang), ids, format_func=indicator_label, key="indicator", persist_state="session"
    )
    write_to_url("indicator", indicator_id, views.DEFAULT_INDICATOR)
    options, default = views.year_options(ds, indicator_id)
    bad_year = seed_from_url("year", options, default)
    if bad_year:
        st.warning(t("unknown_param", lang, param=t("year", lang), value=bad_year), icon=":material/link_off:")
    if st.session_state.get("_play_next") in options:
        st.session_state.year = st.session_state.pop("_play_next")
    chosen = default
    steps = [o for o in options if o != LATEST]
    if len(options) > 1:
        chosen = st.selectbox(
            t("year", lang), options, key="year", persist_state="session",
            format_func=lambda y: t("latest_year", lang) if y == LATEST else y,
        )  # fmt: skip
    if len(steps) > 1:
        playing = st.session_state.get("playing", False)
        if st.button(
            t("stop" if playing else "play", lang), icon=":material/stop:" if playing else ":material/play_arrow:"
        ):
            st.session_state.playing = not playing
            if not playing:
                st.session_state._play_next = steps[0]
            st.rerun()
    write_to_url("year", chosen, default)
    year = None if chosen == LATEST else int(chosen)
    scheme = DEFAULT_SCHEME
    entry = ind.get_indicator(ds, indicator_id)
    if entry.kind == "numeric" and entry.level == "county":
        scheme = st.selectbox(
            t("scheme", lang), list(SCHEMES), format_func=lambda s: t(f"scheme_{s}", lang),
            key="scheme", persist_state="session",
        )  # fmt: skip
        write_to_url("scheme", scheme, DEFAULT_SCHEME)

    st.markdown(f"**{t('map_options', lang)}**")
    flags = {}
    for key, default in (("labels", True), ("values", False), ("poor", False), ("yt", False)):
        if seed_flag(key, default):
            st.warning(t("unknown_param", lang, param=key, value=st.query_params.get(key)), icon=":material/link_off:")
        label = {"labels": "show_labels", "values": "show_values", "poor": "outline_poor", "yt": "outline_yt"}[key]
        flags[key] = st.toggle(t(label, lang), key=f"flag_{key}", persist_state="session")
        write_flag(key, flags[key], default)

context = loaders.load_context()
view = views.overview(ds, counties, indicator_id, year, scheme, lang, context=context)
st.markdown(f"### {t('app_title', lang)}")
left, right = st.columns([3, 2], gap="medium")
with right:
    figures = loaders.key_figures(lang)
    for row in range(0, len(figures), 2):
        for col, fig in zip(st.columns(2), figures[row : row + 2]):
            col.metric(
                fig.label, fig.value, delta=fig.note, delta_color="off", delta_arrow="off", border=True,
                help=f"{t('source', lang)}{colon(lang)}{fig.source}",
            )  # fmt: skip
selection = selected_counties()


def follow(key: str, picked: list[str]) -> None:
    """A new pick in a table or chart becomes the app-wide selection (map, tables, other pages)."""
    if fresh(picked, st.session_state.get(key)):
        st.session_state[key] = picked
        if picked and picked != selection:
            set_selection(picked)
            st.rerun()


def take_click() -> None:
    """A click on a county selects it before the rerun starts: one run, not two, until it shows."""
    adcode, st.session_state.last_click = clicked_county(
        st.session_state.get("overview_map"), st.session_state.get("last_click")
    )
    if adcode:
        set_selection([adcode])


with left:
    st.markdown(f"#### {view.indicator.name(lang)} · {view.period(lang)}")
    mapv = views.with_overlays(
        ds, counties, view, flags["labels"], flags["values"], flags["poor"], lang, flags["yt"], selection
    )
    st_folium(
        leaflet.overview_frame(counties, context, lang), key="overview_map", height=640, use_container_width=True,
        returned_objects=["last_active_drawing", "last_object_clicked"],
        feature_group_to_add=leaflet.overview_layers(mapv, counties), on_change=take_click,
    )  # fmt: skip
    st.caption(t("click_hint", lang))
    with st.popover(t("downloads", lang), icon=":material/download:"):
        name = f"baoding-{indicator_id}-{view.year or 'latest'}-{lang}"
        no_font = fonts.font_problem()
        if no_font:
            st.error(f"{t('export_font_missing', lang)} {no_font}", icon=":material/font_download_off:")
        st.download_button(
            t("download_view_png", lang), disabled=bool(no_font), on_click="ignore", icon=":material/map:",
            data=lambda: figure.overview_png(view, ds, counties, lang, context=context, mapv=mapv),
            file_name=f"{name}.png", mime="image/png",
        )  # fmt: skip
        data = views.download_table(view, ds, lang)
        st.download_button(
            t("download_view_csv", lang), tables.table_csv(data), file_name=f"{name}.csv", mime="text/csv",
            icon=":material/table_view:", on_click="ignore",
        )  # fmt: skip
        st.download_button(
            t("download_view_xlsx", lang), lambda: tables.table_xlsx(data, indicator_id[:31]), file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/grid_on:",
            on_click="ignore",
        )  # fmt: skip
    with st.expander(t("map_as_table", lang)):
        st.dataframe(view.classes, hide_index=True, width="stretch")
with right:
    st.caption(view.indicator.description(lang))
    if view.mode == "city":
        st.info(t("city_only_info", lang), icon=":material/info:")
    if view.city_text:
        st.markdown(f"**{view.city_text}**")
    st.markdown(view.coverage_text)
    for adcode in selection:
        st.markdown(f"#### {t('selected_county', lang)}{colon(lang)}{names[adcode]}")
        for k, v in view.county_info.get(adcode, [(t("value", lang), t("no_value_for_county", lang))]):
            st.markdown(f"- **{k}**{colon(lang)}{v}")
    if selection and st.button(t("clear_selection", lang), icon=":material/close:"):
        set_selection([])
        st.rerun()

st.divider()
if view.table.empty:
    st.caption(t("ranking_empty", lang))
else:
    title = "ranking_title" if view.indicator.kind == "numeric" else "categories_title"
    st.markdown(f"#### {t(title, lang)}")
    chart_col, table_col = st.columns([2, 3]) if view.indicator.kind == "numeric" else (None, st.container())
    adcodes_in_table = view.table["adcode"]
    if chart_col is not None:
        with chart_col:
            numbers = view.table["number"].astype(float).tolist()
            spec = charts.ranking_spec(
                view.table[t("county", lang)].tolist(), numbers, adcodes_in_table.tolist(), selection,
                view.indicator.unit_for(lang),
            )  # fmt: skip
            state = st.echarts_chart(spec, key="rank_chart", on_select="rerun", height=max(160, 34 * len(numbers)))
            follow("_rank_chart", charts.picked(state, adcodes_in_table.tolist()))
    with table_col:
        shown = charts.highlight_rows(view.table.drop(columns=["adcode", "number"]), adcodes_in_table, selection)
        event = st.dataframe(
            shown, hide_index=True, width="stretch", key="rank_table", on_select="rerun", selection_mode="single-row"
        )
        follow("_rank_table", [adcodes_in_table.iloc[i] for i in event.selection.rows])

# Playing through the years: show each year for a moment, then the next, until the last.
if st.session_state.get("playing"):
    following = next_step(steps, chosen)
    if following is None or len(steps) < 2:
        st.session_state.playing = False
    else:
        time.sleep(PLAY_SECONDS)
        st.session_state._play_next = following
        st.rerun()
