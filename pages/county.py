"""县域 County profile: one county, everything the sources say about it, and what they do not."""

import streamlit as st

from geo.i18n import colon, join_list, md_literal, t
from geo.views import county as profile
from geo.web import frame, loaders, mapelement, results, widgets
from geo.web import session_keys as K
from geo.web.mapspecs import LocatorMap
from geo.web.urlstate import seed_from_url, selected_counties, set_selection, write_to_url

lang = frame.page()
ds, counties = loaders.load_dataset(), loaders.load_counties()
adcodes = counties["adcode"].tolist()
names = results.county_names(lang).to_dict()
seed_from_url(K.COMPARE, ["", *adcodes], "", label="compare_with")

selection = selected_counties()
current = selection[0] if selection else results.richest_county()
st.title(md_literal(f"{t('page_county', lang)} · {names[current]}"))
c1, c2 = st.columns(2)
choice = c1.selectbox(t("county", lang), adcodes, index=adcodes.index(current), format_func=names.get)
if choice != current or not selection:
    set_selection([choice])
    if choice != current:
        st.rerun()
others = ["", *[a for a in adcodes if a != current]]
compare = c2.selectbox(
    t("compare_with", lang),
    others,
    key=K.COMPARE,
    persist_state="session",
    format_func=lambda a: names.get(a) or t("compare_none", lang),
)
write_to_url(K.COMPARE, compare or None)

p = results.county_profile(current, lang)
frame.name_maps(t("map_frame_title", lang, what=f"{t('locator_map', lang)} · {names[current]}"))
left, right = st.columns([2, 1], gap="medium")
with right:
    st.markdown(f"**{t('locator_map', lang)}**")
    mapelement.show_map(K.LOCATOR_MAP, LocatorMap(current, lang), height=300, returned_objects=[])
with left:
    m1, m2, m3 = st.columns([5, 3, 2])
    for col, fact in ((m1, p.designation), (m2, p.exit_year)):
        if fact:
            card = col.container(border=True)
            card.caption(md_literal(fact.label))
            card.markdown(f"**{md_literal(fact.value)}**")
            card.caption(md_literal(f"{t('source', lang)}{colon(lang)}{fact.source}"))
    m3.metric(t("profile_known", lang), p.table["indicator_id"].nunique() if not p.table.empty else 0, border=True)
    st.info(md_literal(profile.missing_text(p, len(ds.indicators), lang)), icon=":material/info:")
    if p.programmes:
        st.markdown(f"**{t('profile_programmes', lang)}**{colon(lang)}" + md_literal(join_list(p.programmes, lang)))

widgets.section("profile_all_figures", t("profile_all_figures", lang))
for mark in p.marks:  # weak or disputed figures, said above the table and not only in a column of it
    st.warning(md_literal(mark), icon=":material/warning:")
if p.table.empty:
    st.caption(t("profile_no_figures", lang))
else:
    st.dataframe(
        widgets.arrow(p.table, "shown", lambda f: f.drop(columns="indicator_id")), hide_index=True, width="stretch"
    )

widgets.section("profile_sites", t("profile_sites", lang))
places = results.county_sites(current, lang)
if places.empty:
    st.caption(t("profile_no_sites", lang))
else:
    st.dataframe(widgets.arrow(places), hide_index=True, width="stretch")

widgets.section("profile_ranks", t("profile_ranks", lang), help=t("profile_ranks_help", lang))
if p.ranks.empty:
    st.caption(t("profile_no_ranks", lang))
else:
    st.dataframe(widgets.arrow(p.ranks), hide_index=True, width="stretch")

if compare:
    other = results.county_profile(compare, lang)
    widgets.section("compare", f"{t('compare_title', lang)}{colon(lang)}{p.name} · {other.name}")
    st.dataframe(profile.compare_table(p, other, lang), hide_index=True, width="stretch")
