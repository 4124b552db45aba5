"""Router and frame: page config, shared sidebar, data check, navigation over pages/.

One file, two roles. Streamlit runs it as a script for every session (``__name__ == "__main__"``):
that is ``main()``. The server imports it as a module (``streamlit run app.py`` finds the ``st.App``
below, and ``uvicorn app:app`` in the deployment): then it defines only ``app``, the ASGI application
with the project's own routes and middleware (geo/server/), so ``make run``, the deployment and the
tests all serve the same edge.
"""

import streamlit as st


def main() -> None:
    # Imported here: the server role (below) needs none of the page code.
    from geo.i18n import DEFAULT_LANG, LANGS, t
    from geo.model.boundaries import BoundaryDataError
    from geo.model.indicators import DataError
    from geo.render.leaflet.assets import STATIC_DIR
    from geo.views.links import light_url
    from geo.web import firstviews, frame, loaders, login, mapelement, uploads
    from geo.web import session_keys as K
    from geo.web.params import share_link
    from geo.web.urlstate import notify, seed_quietly, write_to_url

    st.set_page_config(
        page_title=t("app_title", DEFAULT_LANG),
        # A local file: a Material icon as page icon is fetched from Google's font servers.
        page_icon=str(STATIC_DIR / "icon.png"),
        layout="wide",
        # Open on desktops, folded away on phones; closed in the briefing's presenter view (present=1).
        initial_sidebar_state="collapsed" if st.query_params.get("present") == "1" else "auto",
    )
    frame.static_assets()
    frame.style()

    bad_lang = seed_quietly(K.LANG, LANGS, DEFAULT_LANG)
    # The language switch sits at the top of the sidebar but is drawn after the page, so that a
    # page's map leaves the server first; its value is in the session already (seeded above).
    lang_slot = st.sidebar.empty()
    lang = K.LANG.get() or DEFAULT_LANG
    write_to_url(K.LANG, lang, DEFAULT_LANG)
    notify("language", bad_lang)  # said in the language the page is shown in

    try:
        counties = loaders.load_counties()
        loaders.load_dataset()
        loaders.load_sites()
    except (DataError, BoundaryDataError) as exc:
        frame.stop_with_file_error(t("data_error_title", lang), exc.path, exc.reason)
    if login.admin_password_hash():
        login.hash_problem()  # a weak or broken stored hash is refused from the start, logged once with how to fix it

    pages = [
        st.Page(
            "pages/overview.py",
            title=t("page_overview", lang),
            icon=":material/map:",
            url_path="overview",
            default=True,
        ),
        st.Page("pages/county.py", title=t("page_county", lang), icon=":material/location_city:", url_path="county"),
        st.Page(
            "pages/programmes.py", title=t("page_programmes", lang), icon=":material/category:", url_path="programmes"
        ),
        st.Page("pages/briefing.py", title=t("page_briefing", lang), icon=":material/slideshow:", url_path="briefing"),
        st.Page("pages/sources.py", title=t("page_sources", lang), icon=":material/table_view:", url_path="sources"),
        st.Page("pages/data.py", title=t("page_data", lang), icon=":material/database:", url_path="data"),
    ]
    nav = st.navigation(pages)
    admin = login.current_admin()
    uploads.settle(nav.url_path == "data", admin)  # who may send files (geo/server/uploads.py)
    if admin or nav.url_path == "data":
        firstviews.keep_out()  # an administrator's view and the data page are never another session's first view
    with st.sidebar:
        st.caption(t("app_subtitle", lang))
    frame.before_page(nav.url_path, nav.title, lang, counties["adcode"].tolist())
    map_alone = mapelement.run_page(nav.run)
    frame.after_page(lang)
    if map_alone:
        st.stop()  # the page drew its map alone; the switch and the link come with the rest, once it is painted
    with lang_slot:
        st.segmented_control(
            t("language"),
            LANGS,
            key=K.LANG,
            format_func=lambda code: t(f"lang_{code}"),
            required=True,
            persist_state="session",
        )
    # After the page ran, the URL holds the whole view; offer it as a link to copy.
    link = share_link(st.context.url, st.query_params.to_dict())
    if link:
        # In a popover: st.code's copy button needs a 1.5 MB syntax-highlighter bundle, which the
        # browser then fetches only when the popover is opened, not on every first view.
        # Both ways into the view: the app itself, and its light version for phones and chat apps.
        with st.sidebar, st.popover(t("copy_link", lang), icon=":material/link:", width="stretch"):
            st.caption(t("link_interactive", lang))
            st.code(link, language=None, wrap_lines=True)
            st.caption(t("link_light", lang))
            st.code(light_url(st.context.url, st.query_params.to_dict()), language=None, wrap_lines=True)


if __name__ == "__main__":
    main()
else:
    from geo.server import edge

    app = st.App(__file__, **edge.options())
