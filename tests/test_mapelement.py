"""geo/web/mapelement.py: st_folium's own arguments, built once per spec, sent unchanged."""

from __future__ import annotations

import pytest
import streamlit_folium
from streamlit_folium import st_folium

from geo.render.leaflet import geomlink
from geo.views.overview import Overlays
from geo.web import mapelement, mapspecs

RETURNED = ["last_active_drawing", "last_object_clicked"]


def overview_spec(indicator_id: str, lang: str = "zh", selection: tuple[str, ...] = ()) -> mapspecs.OverviewMap:
    return mapspecs.OverviewMap(indicator_id, None, "quantiles", lang, Overlays(), selection)


def st_folium_sends(spec, key: str) -> dict:
    """What st_folium itself hands its component for this map (recorded the plain way), its rings named in
    the boundary set's script as the live app sends them (tests/test_geomlink.py)."""
    fig, layers = spec.build()
    geometry = mapelement.shared_geometry()
    assert geomlink.link([fig, *layers], geometry)
    fig.default_js = [*fig.default_js, ("bd_geometry", geometry.url)]
    seen: dict = {}
    real = streamlit_folium._component_func
    streamlit_folium._component_func = lambda **kwargs: seen.update(kwargs)
    try:
        st_folium(
            fig, key=key, height=640, use_container_width=True, feature_group_to_add=layers, returned_objects=RETURNED
        )
    finally:
        streamlit_folium._component_func = real
    return seen


def test_the_arguments_are_st_folium_own(bundled):
    spec = overview_spec("poor_county_type")
    ours = mapelement.args_for("overview_map", spec, RETURNED)
    theirs = st_folium_sends(spec, "overview_map")
    assert theirs.pop("height") == 640 and theirs.pop("width") is None and callable(theirs.pop("on_change"))
    assert ours == theirs
    # The component's key is a hash of the frame's script: the same map keeps its browser state.
    assert ours["key"] == theirs["key"] and ours["feature_group"]


def test_one_spec_one_build_and_different_specs_different_maps(bundled, monkeypatch):
    calls = []
    build = mapspecs.OverviewMap.build

    def counted(self):
        calls.append(self)
        return build(self)

    monkeypatch.setattr(mapspecs.OverviewMap, "build", counted)
    plain = overview_spec("registered_poor_population")
    selected = overview_spec("registered_poor_population", selection=("130624",))
    first = mapelement.args_for("test_map", plain, RETURNED)
    again = mapelement.args_for("test_map", overview_spec("registered_poor_population"), RETURNED)
    other = mapelement.args_for("test_map", selected, RETURNED)
    assert calls == [plain, selected]  # the second ask of an equal spec built nothing
    assert again is first
    # Same frame (same component key: zoom and centre survive), other layers (the selection outline).
    assert other["key"] == first["key"] and other["feature_group"] != first["feature_group"]


def test_the_key_is_the_whole_spec():
    """Every field, and the spec's type, is in the key; what cannot be a complete key is refused."""
    spec = mapspecs.LocatorMap("130624", "zh")
    assert mapelement.spec_key(spec) == ("geo.web.mapspecs.LocatorMap", (("adcode", "130624"), ("lang", "zh")))
    assert mapelement.spec_key(mapspecs.LocatorMap("130624", "en")) != mapelement.spec_key(spec)
    with pytest.raises(TypeError, match="frozen dataclass"):
        mapelement.spec_key(("130624", "zh"))  # a free-form question
    with pytest.raises(TypeError):
        mapelement.spec_key(mapspecs.ProgrammesMap(["pv"], (), None, None, "offline", "zh"))  # a list: unhashable


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


def test_a_prepared_map_is_ready_when_asked_for(bundled, monkeypatch):
    """The briefing prepares the next slide's map in the background: pressing → then builds nothing."""
    spec = overview_spec("registered_poor_population", "en", ("130681",))
    mapelement.prepare("prepared_map", spec, RETURNED).join(timeout=60)

    def must_not_build(self):
        raise AssertionError("built again")

    monkeypatch.setattr(mapspecs.OverviewMap, "build", must_not_build)
    args = mapelement.args_for("prepared_map", overview_spec("registered_poor_population", "en", ("130681",)), RETURNED)
    assert args["feature_group"] and "130681" in args["feature_group"]


def test_a_failing_preparation_is_left_for_the_page(bundled, monkeypatch):
    def broken(self):
        raise ValueError("bad slide")

    monkeypatch.setattr(mapspecs.LocatorMap, "build", broken)
    spec = mapspecs.LocatorMap("failing", "zh")
    mapelement.prepare("failing_map", spec).join(timeout=10)  # no exception escapes the thread
    with pytest.raises(ValueError, match="bad slide"):
        mapelement.args_for("failing_map", spec)
