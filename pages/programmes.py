"""专项 Programmes: one choice of programmes and counties drives map, key figures, chart and table."""

import streamlit as st

from geo.i18n import field_for, md_literal, t
from geo.model import basemaps
from geo.model import indicators as ind
from geo.render import charts, tables
from geo.views import programmes as pg
from geo.web import frame, loaders, mapelement, results, widgets
from geo.web import session_keys as K
from geo.web import urlstate as us
from geo.web.mapspecs import ProgrammesMap

lang = frame.page()
ds, counties, sites = loaders.load_dataset(), loaders.load_counties(), loaders.load_sites()
adcodes = counties["adcode"].tolist()
county_name = dict(zip(adcodes, counties[field_for("name", lang)]))
pnames = pg.programme_names(ds, lang)
options = basemaps.choices(loaders.basemap_config())
usable = [k for k, c in options.items() if not c.unavailable]

bad_basemap = us.seed_quietly(K.BASEMAP, usable, basemaps.DEFAULT_BASEMAP)
us.seed_list_from_url(K.PROGRAMME, pg.programme_ids(ds))
if bad_basemap:
    st.warning(md_literal(pg.basemap_link_notice(bad_basemap, options, lang)), icon=":material/link_off:")
# The county widget mirrors the app-wide selection, which other pages change too.
K.COUNTY_PICK.set(us.selected_counties())

st.markdown(f"### {t('programmes_title', lang)}")
st.caption(t("programmes_intro", lang))
c1, c2 = st.columns(2)
programmes = c1.multiselect(
    t("programme", lang),
    pg.programme_ids(ds),
    format_func=pnames.get,
    key=K.PROGRAMME,
    persist_state="session",
    placeholder=t("all_programmes", lang),
)
us.write_to_url(K.PROGRAMME, ",".join(programmes) or None)
c2.multiselect(
    t("county", lang),
    adcodes,
    format_func=county_name.get,
    key=K.COUNTY_PICK,
    placeholder=t("all_counties", lang),
    on_change=lambda: us.set_selection(K.COUNTY_PICK.value()),
)
quick = results.quick_choices()
with c2:
    for col, (choice, codes) in zip(st.columns(len(quick)), quick.items()):
        label = t(f"quick_{choice}", lang)
        col.button(label, key=K.quick_pick(choice), on_click=us.set_selection, args=(codes,), width="stretch")
selection = us.selected_counties()

with st.sidebar:
    ids, first_indicator = results.map_indicators(programmes)
    indicator_id = year = None
    if ids:
        if K.PROGRAMME_INDICATOR.get() not in ids:
            K.PROGRAMME_INDICATOR.set(first_indicator)
        indicator_id = st.selectbox(
            t("map_indicator", lang),
            ids,
            key=K.PROGRAMME_INDICATOR,
            format_func=lambda i: ind.get_indicator(ds, i).name(lang),
        )
        years = results.county_years(indicator_id)
        if len(years) > 1:
            year = st.selectbox(t("year", lang), years, index=len(years) - 1, key=K.programme_year(indicator_id))
    basemap = st.selectbox(
        t("basemap", lang),
        usable,
        key=K.BASEMAP,
        format_func=lambda k: t(f"basemap_{k}", lang),
        persist_state="session",
    )
    us.write_to_url(K.BASEMAP, basemap, basemaps.DEFAULT_BASEMAP)
    for hint in pg.basemap_hints(options, lang):
        st.caption(hint)
    if basemap != basemaps.DEFAULT_BASEMAP:
        st.info(t("basemap_online", lang, name=t(f"basemap_{basemap}", lang), datum=options[basemap].datum))

view = results.programmes_view(programmes, selection, indicator_id, year, lang)
frame.name_maps(t("map_frame_title", lang, what=t("programmes_title", lang)))
st.markdown(f"#### {t('key_figures_programmes', lang)}")
for col, fig in widgets.in_columns(view.figures, 3):
    widgets.figure(col, fig.label, fig.value, fig.source, lang, fig=fig)
if view.more_figures:
    st.caption(t("more_figures", lang, n=view.more_figures))

spec = ProgrammesMap(tuple(programmes), tuple(selection), indicator_id, year, basemap, lang)
mapelement.show_map(K.PROGRAMMES_MAP, spec, height=620, returned_objects=[])
st.caption(t("sites_count", lang, n=view.n_sites, k=view.n_county_precision))
with st.popover(t("downloads", lang), icon=":material/download:"):
    data = lambda: pg.download_table(view, ds, counties, lang)  # noqa: E731 - built when asked for
    st.download_button(
        t("download_view_csv", lang),
        lambda: tables.table_csv(data()),
        file_name=f"baoding-programmes-{lang}.csv",
        mime="text/csv",
        icon=":material/table_view:",
        on_click="ignore",
    )
    st.download_button(
        t("download_view_xlsx", lang),
        lambda: tables.table_xlsx(data(), "programmes"),
        file_name=f"baoding-programmes-{lang}.xlsx",
        on_click="ignore",
        icon=":material/grid_on:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
if not ids:
    st.caption(t("no_county_indicator", lang))
elif view.no_data:
    st.caption(md_literal(pg.no_data_text(view, lang)))

left, right = st.columns([3, 2], gap="medium")
with left:
    st.markdown(f"#### {t('county_sums_title', lang)}")
    if view.sums.empty:
        st.caption(t("no_county_sums", lang))
    else:
        st.caption(t("county_sums_caption", lang, total=len(selection) or len(adcodes)))
        st.dataframe(
            widgets.arrow(view.sums), hide_index=True, width="stretch", height=widgets.table_height(len(view.sums))
        )
with right:
    if (rank := view.ranking) is not None:  # every bar is in view: none singled out
        widgets.text(f"{t('chart_title', lang, indicator=view.indicator.name(lang))} · {view.year}", heading=4)
        spec = charts.ranking_spec(list(rank.names), list(rank.values), list(rank.adcodes), [], rank.unit)
        st.echarts_chart(spec, key=K.PROGRAMMES_CHART, height=widgets.chart_height(len(rank.names), 140, axis=40))

st.markdown(f"#### {t('county_values_title', lang)}")
if view.table.empty:
    st.caption(t("county_values_empty", lang))
else:
    st.dataframe(widgets.arrow(view.table), hide_index=True, width="stretch")
