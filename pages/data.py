"""数据管理 Data: version history and diffs for everyone; import and rollback for administrators."""

import streamlit as st

from geo.i18n import t
from geo.model.outlets import unreviewed_hosts
from geo.web import frame, imports, loaders, login
from geo.web import session_keys as K

lang = frame.page()
store, ds, counties = loaders.get_store(), loaders.load_dataset(), loaders.load_counties()

st.title(t("page_data", lang))
st.caption(t("data_intro", lang, backend=t(f"backend_{imports.backend_name(store)}", lang)))
if message := K.DATA_MESSAGE.pop():
    st.success(message, icon=":material/check_circle:")
st.download_button(
    t("template_download", lang),
    imports.template_bytes(ds, counties),
    file_name="baoding_template.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    help=t("template_help", lang),
)

user = login.current_admin()
if user is None:
    with st.expander(t("admin_login", lang), icon=":material/lock:"), st.form(K.LOGIN_FORM):
        name = st.text_input(t("admin_name", lang), key=K.LOGIN_NAME)
        password = st.text_input(t("password", lang), type="password", key=K.LOGIN_PASSWORD)
        if st.form_submit_button(t("login", lang)):
            result = login.try_login(name, password)
            if result.admin:
                st.rerun()
            st.error(login.refusal(result, lang), icon=":material/error:")
else:
    st.caption(t("logged_in_as", lang, name=user.name))
    if st.button(t("logout", lang), icon=":material/logout:"):
        login.logout()
        st.rerun()
    st.header(t("import_title", lang))
    options = imports.import_options(ds, lang)
    upload = st.file_uploader(t("upload", lang), key=K.upload_widget(K.UPLOADS.get()))
    if upload is not None:
        imports.show_result(imports.checked_upload(upload, options, ds, counties, lang), store, user, lang)

st.header(t("unreviewed_hosts", lang))
hosts = unreviewed_hosts(ds.sources)
if hosts.empty:
    st.caption(t("no_unreviewed_hosts", lang))
else:
    st.caption(t("unreviewed_hosts_intro", lang))
    st.dataframe(
        hosts.rename(columns={"host": t("host", lang), "sources": "source_id", "titles": t("title", lang)}),
        hide_index=True,
        width="stretch",
    )

st.header(t("history_title", lang))
versions = store.versions()
st.caption(t("current_version", lang, n=versions[0].id if versions else 0))
st.dataframe(imports.versions_table(versions, lang), hide_index=True, width="stretch")

ids = [v.id for v in versions]
if len(ids) > 1:
    st.subheader(t("diff_title", lang))
    d1, d2 = st.columns(2)
    older = d1.selectbox(t("diff_from", lang), ids, index=1, key=K.DIFF_FROM)
    newer = d2.selectbox(t("diff_to", lang), ids, index=0, key=K.DIFF_TO)
    imports.show_diff(store, older, newer, lang)
    if user is not None:
        st.subheader(t("rollback_title", lang))
        target = st.selectbox(t("rollback_to", lang), ids[1:], key=K.ROLLBACK_TO)
        sure = st.checkbox(t("rollback_confirm", lang), key=K.ROLLBACK_CONFIRM)
        if st.button(t("rollback_button", lang), disabled=not sure, icon=":material/history:"):
            imports.rollback(store, user, target, lang)
