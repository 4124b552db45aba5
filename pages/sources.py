"""数据与来源 Data and sources: every figure the app can show, with where it comes from."""

import streamlit as st

from geo.i18n import field_for, t
from geo.model.outlets import GRADES
from geo.render import charts, tables
from geo.web import frame, loaders, results, widgets
from geo.web import session_keys as K
from geo.web.urlstate import selected_counties

lang = frame.page()
ds, counties = loaders.load_dataset(), loaders.load_counties()
names = {lang: results.county_names(lang).to_dict()}
selection = selected_counties()  # rows of the app-wide selection are marked, as on the map

st.title(t("page_sources", lang))
st.caption(t("sources_intro", lang))
st.caption(t("indicators_count", lang, n=len(ds.indicators), v=len(ds.values), s=len(ds.sources)))
st.caption(t("grades_explained", lang))

programmes = ds.programmes["programme_id"].tolist()
prog_names = dict(zip(ds.programmes["programme_id"], ds.programmes[field_for("name", lang)]))
c1, c2, c3 = st.columns([2, 2, 1])
chosen = c1.multiselect(
    t("programme", lang), programmes, format_func=prog_names.get, placeholder=t("all_programmes", lang)
)
places = ["130600", *counties["adcode"].tolist()]
place_names = {"130600": t("whole_city", lang), **names[lang]}
where = c2.multiselect(t("county", lang), places, format_func=place_names.get, placeholder=t("all_counties", lang))
grades = c3.multiselect(t("grade_filter", lang), list(GRADES), placeholder=t("all_grades", lang), key=K.GRADE_FILTER)
marked_only = st.toggle(t("marked_only", lang), key=K.MARKED_ONLY)

shown, adcodes = results.sources_table(lang, chosen, where, grades, marked_only)
link = t("link", lang)
st.caption(t("rows_shown", lang, n=len(shown)))
# The selected counties' rows marked (a Styler, made per run); without a selection the shared table.
marked = charts.highlight_rows(shown, adcodes, selection) if adcodes.isin(selection).any() else widgets.arrow(shown)
st.dataframe(
    marked,
    hide_index=True,
    width="stretch",
    height=520,
    column_config={link: st.column_config.LinkColumn(link)},
)
st.download_button(
    t("download_csv", lang),
    lambda: tables.table_csv(shown),
    on_click="ignore",
    file_name="baoding_values.csv",
    mime="text/csv",
    icon=":material/download:",
)

widgets.section("source_list", t("source_list", lang))
st.caption(t("rows_shown", lang, n=widgets.source_count(grades)))
# Each source as a line of text, its link a real anchor only when the URL is on a reviewed outlet's own domain.
st.markdown(widgets.source_list(grades, lang))
