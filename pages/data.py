"""数据管理 Data: version history and diffs for everyone; import and rollback for administrators."""

import streamlit as st

from geo.i18n import t
from geo.store import admin, importer
from geo.store import core as gs
from geo.web import frame, loaders

lang = frame.page()
store, ds, counties = loaders.get_store(), loaders.load_dataset(), loaders.load_counties()
backend = "postgis" if isinstance(store, gs.PostGISStore) else "gpkg"

st.title(t("page_data", lang))
st.caption(t("data_intro", lang, backend=t(f"backend_{backend}", lang)))
if message := st.session_state.pop("_data_message", None):
    st.success(message, icon=":material/check_circle:")
st.download_button(
    t("template_download", lang), importer.build_template(ds, counties), file_name="baoding_template.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
    help=t("template_help", lang),
)  # fmt: skip

user = loaders.current_admin()
if user is None:
    with st.expander(t("admin_login", lang), icon=":material/lock:"), st.form("login"):
        name = st.text_input(t("admin_name", lang), key="login_name")
        password = st.text_input(t("password", lang), type="password", key="login_password")
        if st.form_submit_button(t("login", lang)):
            result = loaders.try_login(name, password)
            if result.admin:
                st.rerun()
            reasons = {"wrong": "login_wrong", "wait": "login_wait", "not_configured": "login_not_configured"}
            st.error(t(reasons[result.reason], lang, s=round(result.wait_s)), icon=":material/error:")
else:
    st.caption(t("logged_in_as", lang, name=user.name))
    if st.button(t("logout", lang), icon=":material/logout:"):
        loaders.logout()
        st.rerun()

    st.header(t("import_title", lang))
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox(t("import_kind", lang), importer.KINDS, format_func=lambda k: t(f"kind_{k}", lang))
    year = c2.number_input(t("file_year", lang), min_value=1949, max_value=2100, value=None, step=1)
    sources = ["", *ds.sources["source_id"], "+"]
    titles = dict(zip(ds.sources["source_id"], ds.sources["title"]))
    labels = {"": t("no_file_source", lang), "+": t("new_source", lang), **titles}
    source_id = c3.selectbox(t("file_source", lang), sources, format_func=lambda s: labels.get(s, s))
    spec = importer.SourceSpec(source_id if source_id != "+" else "")
    if source_id == "+":
        s1, s2, s3 = st.columns(3)
        spec = importer.SourceSpec(
            "", s1.text_input(t("source_title", lang)), s2.text_input(t("source_publisher", lang)),
            s3.text_input(t("source_date", lang)),
        )  # fmt: skip
    datum, mode = "", "extend"
    if kind in ("sites", "boundaries", "auto"):
        d1, d2 = st.columns(2)
        datums = ["", "WGS-84", "CGCS2000", "GCJ-02", "BD-09"]
        datum = d1.selectbox(t("datum", lang), datums, format_func=lambda d: d or t("datum_default", lang))
        mode = d2.radio(t("boundary_mode", lang), importer.BOUNDARY_MODES, format_func=lambda m: t(f"mode_{m}", lang))
    upload = st.file_uploader(t("upload", lang), key=f"upload_{st.session_state.get('_uploads', 0)}")
    if upload is not None:
        options = importer.ImportOptions(kind, int(year) if year else None, "reported", spec, datum, mode)
        cache_key = (upload.file_id, options)
        if st.session_state.get("_import_key") != cache_key:
            bar = st.progress(0.0)
            report = lambda f, text: bar.progress(f, text=t("checking", lang, text=text))  # noqa: E731
            result = importer.prepare_import(upload.getvalue(), upload.name, ds, counties, options, report)
            bar.empty()
            st.session_state.update(_import_key=cache_key, _import=result)
        result = st.session_state["_import"]
        if result.problems:
            st.error(t("problems_found", lang, n=len(result.problems)), icon=":material/error:")
            cols = {
                "row": t("problem_row", lang),
                "column": t("problem_column", lang),
                "reason": t("problem_reason", lang),
            }
            st.dataframe(
                importer.problems_frame(result.problems).rename(columns=cols), hide_index=True, width="stretch"
            )
        else:
            st.subheader(t("preview_title", lang))
            for table, diff in store.preview(result.changeset).items():
                st.markdown(f"**{t('table_name', lang, name=table)}**")
                m1, m2, m3 = st.columns(3)
                m1.metric(t("added", lang), len(diff.added))
                m2.metric(t("changed", lang), len(diff.changed))
                m3.metric(t("unchanged", lang), diff.unchanged)
                st.dataframe(gs.diff_frame(table, diff), hide_index=True, width="stretch")
            if st.button(t("commit", lang), type="primary", icon=":material/save:"):
                version = admin.commit_import(user, store, result)
                loaders.data_changed()
                st.session_state["_uploads"] = st.session_state.get("_uploads", 0) + 1
                st.session_state.pop("_import_key", None)
                done = t("committed", lang, n=version.id) if version else t("nothing_changed", lang)
                st.session_state["_data_message"] = done
                st.rerun()

st.header(t("history_title", lang))
versions = store.versions()
st.caption(t("current_version", lang, n=versions[0].id if versions else 0))
headers = {
    "id": t("version", lang), "who": t("who", lang), "at": t("when_utc", lang), "file_name": t("file", lang),
    "added": t("added", lang), "changed": t("changed", lang), "removed": t("removed", lang), "note": t("note", lang),
    "file_sha256": t("sha256", lang),
}  # fmt: skip
st.dataframe(gs.versions_frame(versions).rename(columns=headers), hide_index=True, width="stretch")

ids = [v.id for v in versions]
if len(ids) > 1:
    st.subheader(t("diff_title", lang))
    d1, d2 = st.columns(2)
    older = d1.selectbox(t("diff_from", lang), ids, index=1, key="diff_from")
    newer = d2.selectbox(t("diff_to", lang), ids, index=0, key="diff_to")
    diffs = store.diff(older, newer)
    if not diffs:
        st.caption(t("no_differences", lang))
    for table, diff in diffs.items():
        st.markdown(f"**{t('table_name', lang, name=table)}**")
        st.dataframe(gs.diff_frame(table, diff), hide_index=True, width="stretch")
    if user is not None:
        st.subheader(t("rollback_title", lang))
        target = st.selectbox(t("rollback_to", lang), ids[1:], key="rollback_to")
        sure = st.checkbox(t("rollback_confirm", lang), key="rollback_confirm")
        if st.button(t("rollback_button", lang), disabled=not sure, icon=":material/history:"):
            version = admin.rollback(user, store, target)
            loaders.data_changed()
            done = t("rolled_back", lang, n=version.id, v=target) if version else t("nothing_changed", lang)
            st.session_state["_data_message"] = done
            st.rerun()
