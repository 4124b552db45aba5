"""geo/web/mapelement.py's map_first_page: one construct, both runs right (the browser's side is in
tests/test_mapfirst_browser.py). AppTest sends no User-Agent, so these tests say it is a browser."""

from __future__ import annotations

import pytest
from conftest import ROOT, BlankMap
from streamlit.testing.v1 import AppTest

from geo.web import frame, mapelement
from geo.web import session_keys as K


@pytest.fixture
def as_browser(monkeypatch):
    monkeypatch.setattr(frame, "in_browser", lambda: True)


def _page_script():
    """A page drawn map first, run the way app.py runs pages (mapelement.run_page), with app.py's extras."""
    import streamlit as st
    from conftest import BlankMap

    from geo.web import mapelement

    def page() -> None:
        with mapelement.map_first_page() as first:
            st.markdown("title")
            first.show_map("test_first_map", BlankMap(), height=200, returned_objects=[])
            if not first.alone:
                st.markdown("the rest")

    alone = mapelement.run_page(page)
    st.markdown(f"after the page, alone={alone}")
    if alone:
        st.stop()
    st.markdown("app extras")


def _texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def test_the_first_run_draws_the_map_alone_and_the_report_brings_the_rest(as_browser):
    at = AppTest.from_function(_page_script, default_timeout=30)
    at.run()
    assert not at.exception
    assert _texts(at) == ["title", "after the page, alone=True"]  # no rest, no app extras
    assert K.MAP_ALONE.name not in at.session_state  # set only while a page runs
    # The frame reports its counties painted (mapelement's change handler sets this mark), and reruns.
    at.session_state[K.MAP_PAINTED.name] = True
    at.run()
    assert not at.exception
    assert _texts(at) == ["title", "the rest", "after the page, alone=False", "app extras"]
    at.run()  # and so on, for every later run of the session
    assert _texts(at)[-1] == "app extras"


def test_without_a_browser_the_page_is_whole_from_the_first_run():
    at = AppTest.from_function(_page_script, default_timeout=30)
    at.run()
    assert not at.exception
    assert _texts(at) == ["title", "the rest", "after the page, alone=False", "app extras"]


def test_a_page_run_outside_run_page_is_drawn_whole(as_browser):
    """A page run on its own (not through app.py) has nobody to stop its extras: it never draws its map alone."""

    def script():
        import streamlit as st
        from conftest import BlankMap

        from geo.web import mapelement

        with mapelement.map_first_page() as first:
            first.show_map("test_first_map", BlankMap(), height=200, returned_objects=[])
        st.markdown(f"alone={first.alone}")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert not at.exception
    assert _texts(at) == ["alone=False"]


def test_a_map_first_page_without_its_map_is_refused(as_browser):
    def script():
        import streamlit as st

        from geo.web import mapelement

        def page() -> None:
            with mapelement.map_first_page():
                pass

        try:
            mapelement.run_page(page)
        except RuntimeError as exc:  # the app would show it (its details redacted by the server's setting)
            st.markdown(f"refused: {exc}")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert not at.exception
    assert at.markdown[0].value.startswith("refused: map_first_page() without page.show_map()")


def test_a_page_that_failed_in_its_map_first_run_leaves_no_mark(as_browser):
    """A page that raised during its map-first run must not make the next page's run stop early in app.py."""

    def script():
        import streamlit as st
        from conftest import BlankMap

        from geo.web import mapelement

        def broken() -> None:
            with mapelement.map_first_page() as first:
                first.show_map("test_first_map", BlankMap(), height=200, returned_objects=[])
                raise ValueError("the page broke")

        def other() -> None:
            st.markdown("another page")

        try:
            mapelement.run_page(broken)
        except ValueError:
            pass
        st.markdown(f"next page alone={mapelement.run_page(other)}")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert not at.exception
    assert _texts(at) == ["another page", "next page alone=False"]


def test_the_app_draws_the_overview_map_first_then_everything(as_browser, steady_navigation):
    """app.py and pages/overview.py together: the map alone, without the sidebar's controls, the language
    switch or the link; after the report, the whole page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert len(at.metric) == 0 and not at.get("segmented_control") and not at.sidebar.selectbox
    at.session_state[K.MAP_PAINTED.name] = True
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key=K.INDICATOR.name) is not None
    assert len(at.metric) >= 4 and at.get("segmented_control")


def test_the_map_first_page_reports_on_every_run_and_other_maps_do_not(bundled):
    """The report's script is the last layer of a map-first page's map, and only there."""
    reporting = mapelement.args_for("test_report_map", BlankMap(), [], report_painted=True)
    plain = mapelement.args_for("test_report_map", BlankMap(), [])
    assert "bdPaintedReported" in reporting["feature_group"]
    assert "bdPaintedReported" not in plain["feature_group"]
    assert reporting["feature_group"].rindex("bdPaintedReported") > reporting["feature_group"].rindex("counties")
