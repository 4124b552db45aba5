"""数据与来源 Data and sources: every figure the app can show, with where it comes from."""

import streamlit as st

from geo.i18n import field_for, t
from geo.model.outlets import GRADES
from geo.render import charts, tables
from geo.views import overview as views
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

table = results.values_table(lang)
if chosen:
    table = table[table["programme"].isin(chosen)]
if where:
    table = table[table["adcode"].isin(where)]
if grades:
    table = table[table["grade"].isin(grades)]
if marked_only:
    table = table[table["mark"] != ""]
table = table.assign(
    programme=table["programme"].map(prog_names), status=table["status"].map(lambda s: views.status_text(s, lang))
)
headers = {
    "indicator": t("indicator", lang), "programme": t("programme", lang), "place": t("county", lang),
    "year": t("year", lang), "value": t("value", lang), "unit": t("unit", lang), "status": t("status", lang),
    "grade": t("grade", lang), "mark": t("mark", lang), "source": t("source", lang),
    "publisher": t("publisher", lang), "locator": t("locator", lang), "url": t("link", lang),
    "unreviewed_host": t("unreviewed_host", lang), "note": t("note", lang),
}  # fmt: skip
for column in ("mark", "unreviewed_host"):  # said only where there is something to say
    if not table[column].any():
        headers.pop(column)
shown = table[list(headers)].rename(columns=headers).reset_index(drop=True)
st.caption(t("rows_shown", lang, n=len(shown)))
marked = charts.highlight_rows(shown, table["adcode"].reset_index(drop=True), selection)
st.dataframe(
    marked, hide_index=True, width="stretch", height=520,
    column_config={headers["url"]: st.column_config.LinkColumn(headers["url"])},
)  # fmt: skip
st.download_button(
    t("download_csv", lang), lambda: tables.table_csv(shown), on_click="ignore",
    file_name="baoding_values.csv", mime="text/csv", icon=":material/download:",
)  # fmt: skip

widgets.section("source_list", t("source_list", lang))
src = ds.sources if not grades else ds.sources[ds.sources["grade"].isin(grades)]
st.caption(t("rows_shown", lang, n=len(src)))
# Each source as a line of text, its link a real anchor only when the URL is on a reviewed outlet's own domain.
st.markdown("\n".join(f"- {widgets.source_entry(row, lang)}" for row in src.to_dict("records")))
