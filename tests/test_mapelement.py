"""geo/web/mapelement.py: st_folium's own arguments, built once per question, sent unchanged."""

from __future__ import annotations

import pytest
import streamlit_folium
from streamlit_folium import st_folium

from geo.render.leaflet import screens as leaflet
from geo.render.leaflet.instant import instant_click_group
from geo.web import loaders, mapelement, results

FLAGS = (("labels", True), ("poor", False), ("values", False), ("yt", False))
RETURNED = ["last_active_drawing", "last_object_clicked"]


def overview_build(question):
    counties, context = loaders.load_counties(), loaders.load_context()
    lang = question[3]

    def build():
        layers = leaflet.overview_layers(results.overview_map(question), counties)
        return leaflet.overview_frame(counties, context, lang), [*layers, instant_click_group()]

    return build


def st_folium_sends(build, key: str) -> dict:
    """What st_folium itself hands its component for this map (recorded the plain way)."""
    fig, layers = build()
    seen: dict = {}
    real = streamlit_folium._component_func
    streamlit_folium._component_func = lambda **kwargs: seen.update(kwargs)
    try:
        st_folium(fig, key=key, height=640, use_container_width=True, feature_group_to_add=layers,
                  returned_objects=RETURNED)  # fmt: skip
    finally:
        streamlit_folium._component_func = real
    return seen


def test_the_arguments_are_st_folium_own(bundled):
    question = ("poor_county_type", None, "quantiles", "zh", FLAGS, ())
    build = overview_build(question)
    ours = mapelement.args_for("overview_map", question, build, RETURNED)
    theirs = st_folium_sends(build, "overview_map")
    assert theirs.pop("height") == 640 and theirs.pop("width") is None and callable(theirs.pop("on_change"))
    assert ours == theirs
    # The component's key is a hash of the frame's script: the same map keeps its browser state.
    assert ours["key"] == theirs["key"] and ours["feature_group"]


def test_one_question_one_build_and_different_questions_different_maps(bundled):
    calls = []
    plain = ("registered_poor_population", None, "quantiles", "zh", FLAGS, ())
    selected = (*plain[:5], ("130624",))

    def counted(question):
        build = overview_build(question)

        def wrapped():
            calls.append(question)
            return build()

        return wrapped

    first = mapelement.args_for("test_map", plain, counted(plain), RETURNED)
    again = mapelement.args_for("test_map", plain, counted(plain), RETURNED)
    other = mapelement.args_for("test_map", selected, counted(selected), RETURNED)
    assert calls == [plain, selected]  # the second ask of the same question built nothing
    assert again is first
    # Same frame (same component key: zoom and centre survive), other layers (the selection outline).
    assert other["key"] == first["key"] and other["feature_group"] != first["feature_group"]


def test_the_component_is_restored_when_a_build_fails(bundled):
    def broken():
        return object(), []  # not a folium map: st_folium raises while rendering it

    with pytest.raises(AttributeError):
        mapelement._captured_args(broken, "broken_map", None)
    assert streamlit_folium._component_func is mapelement._COMPONENT


def test_st_folium_still_declares_the_component_we_call():
    """streamlit-folium's module global that st_folium calls (pinned 0.27): if it goes, this module must change."""
    assert mapelement._COMPONENT is streamlit_folium._component_func
    assert "_component_func" in st_folium.__code__.co_names


def test_without_a_browser_the_page_is_drawn_whole(steady_navigation):
    """AppTest sends no User-Agent: no frame would report, so nothing waits for one."""
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="indicator") is not None  # the page's own controls, first run
    assert len(at.metric) >= 4 and at.get("segmented_control")


def test_a_prepared_map_is_ready_when_asked_for(bundled):
    """The briefing prepares the next slide's map in the background: pressing → then builds nothing."""
    question = ("registered_poor_population", None, "quantiles", "en", FLAGS, ("130681",))
    mapelement.prepare("prepared_map", lambda: (question, overview_build(question)), RETURNED).join(timeout=60)

    def must_not_build():
        raise AssertionError("built again")

    args = mapelement.args_for("prepared_map", question, must_not_build, RETURNED)
    assert args["feature_group"] and "130681" in args["feature_group"]


def test_a_failing_preparation_is_left_for_the_page(bundled):
    def broken():
        raise ValueError("bad slide")

    mapelement.prepare("failing_map", broken).join(timeout=10)  # no exception escapes the thread
    with pytest.raises(ValueError, match="bad slide"):
        mapelement.args_for("failing_map", "q", lambda: broken())
