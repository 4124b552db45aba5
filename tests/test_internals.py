"""Canaries: each library internal the app relies on (geo/internals.py) still exists in the installed version.

Run these first after upgrading streamlit, streamlit-folium, folium or Leaflet; a failure names the entry in
geo/internals.py, whose docstring says what the app loses until it is fixed.
"""

from __future__ import annotations

import re
from pathlib import Path

import folium
import pytest
import streamlit
import streamlit_folium
import xstatic.pkg.leaflet as xleaflet
from streamlit.runtime.pages_manager import PagesManager

from geo import internals

ROOT = Path(__file__).resolve().parents[1]


def _bundle(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.js")))


def test_st_folium_still_calls_a_module_level_component_function():
    func = internals.component_func(streamlit_folium)
    assert callable(func)
    # st_folium looks the name up when it is called, so a swap is seen (the recording relies on it).
    source = Path(streamlit_folium.__file__).read_text(encoding="utf-8")
    assert re.search(rf"\b{internals.ST_FOLIUM_COMPONENT}\(", source)


def test_the_st_folium_frame_still_has_the_globals_the_instant_script_reads():
    js = _bundle(Path(streamlit_folium.__file__).parent / "frontend" / "build" / "static" / "js")
    for name in internals.FRONTEND_GLOBALS:
        assert name in js, f"{name} is gone from streamlit-folium's frame bundle"
    assert re.search(rf"function {internals.UPDATE_COMPONENT_VALUE}\b|{internals.UPDATE_COMPONENT_VALUE}\s*=", js)


def test_pages_manager_still_has_the_pages_directory_flag():
    assert isinstance(internals.uses_pages_directory(PagesManager), bool)


def test_leaflet_still_marks_a_running_zoom_animation():
    js = (Path(xleaflet.BASE_DIR) / "leaflet-src.js").read_text(encoding="utf-8")
    assert f"this.{internals.LEAFLET_ANIMATING_ZOOM} = true" in js
    assert f"this.{internals.LEAFLET_ANIMATING_ZOOM} = false" in js


def test_folium_elements_still_keep_their_children_in_order():
    m = folium.Map()
    marker = folium.Marker([0, 0]).add_to(m)
    kids = internals.children(m)
    assert isinstance(kids, dict) and list(kids.values())[-1] is marker


@pytest.fixture(scope="module")
def streamlit_js() -> str:
    return _bundle(Path(streamlit.__file__).parent / "static" / "static" / "js")


def _quoted(name: str, js: str) -> bool:
    """``name`` as a whole string literal of the bundle (quoted or a template literal)."""
    return any(f"{q}{name}{q}" in js for q in "\"'`")


@pytest.mark.parametrize("name", internals.TEST_IDS)
def test_the_streamlit_test_id_is_in_the_installed_frontend(name, streamlit_js):
    assert _quoted(name, streamlit_js), f"data-testid {name!r} is gone from streamlit {streamlit.__version__}"
    assert internals.test_id(name) == f"[data-testid='{name}']"


@pytest.mark.parametrize("name", internals.CLASS_NAMES)
def test_the_streamlit_class_name_is_in_the_installed_frontend(name, streamlit_js):
    # A class name stands alone or among others in a className string: `stMainBlockContainer block-container`.
    assert re.search(rf"[`\"' ]{re.escape(name)}[`\"' ]", streamlit_js), f"class {name!r} is gone"
    assert internals.class_name(name) == f".{name}"


def test_an_element_with_a_key_still_carries_the_key_class(streamlit_js):
    assert _quoted(internals.KEY_CLASS_PREFIX, streamlit_js)
    assert internals.key_class("qr_corner") == ".st-key-qr_corner"


@pytest.mark.parametrize("kind", internals.ACTIVE_KINDS)
def test_a_chosen_options_button_kind_still_says_active(kind, streamlit_js):
    assert internals.ACTIVE_KIND_MARK in kind and _quoted(kind, streamlit_js), f"button kind {kind!r} is gone"


def test_the_app_element_still_says_whether_a_script_runs(streamlit_js):
    assert f'"{internals.SCRIPT_STATE_ATTR}"' in streamlit_js and _quoted(internals.SCRIPT_NOT_RUNNING, streamlit_js)


def test_the_st_folium_frame_still_draws_into_the_map_div():
    js = _bundle(Path(streamlit_folium.__file__).parent / "frontend" / "build" / "static" / "js")
    assert f'getElementById("{internals.ST_FOLIUM_MAP_DIV}")' in js


def test_every_test_id_in_the_code_is_listed_and_canaried():
    """Every Streamlit test id the app, its tests or its benchmarks name is one of the canaried TEST_IDS."""
    used: set[str] = set()
    files = [*ROOT.joinpath("geo").rglob("*.py"), *ROOT.joinpath("pages").glob("*.py"), ROOT / "app.py"]
    files += [*ROOT.joinpath("tests").glob("*.py"), *ROOT.joinpath("bench").glob("*.py")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"data-testid\s*=\s*['\"]?(st[A-Za-z0-9]+)", text))
        used |= set(re.findall(r"get_by_test_id\(\s*['\"](st[A-Za-z0-9]+)", text))
    assert sorted(used - set(internals.TEST_IDS)) == []


def test_the_pure_layers_name_no_streamlit_element():
    """The model and view results are pure (.importlinter): Streamlit's DOM names live in geo/web/styles.py."""
    for folder in ("model", "views"):
        for path in ROOT.joinpath("geo", folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "data-testid" not in text and "st-key-" not in text, path.name


def test_an_unlisted_name_is_refused():
    with pytest.raises(KeyError, match="TEST_IDS"):
        internals.test_id("stNoSuchThing")
    with pytest.raises(KeyError, match="CLASS_NAMES"):
        internals.class_name("stNoSuchThing")
    assert internals.test_id("stSidebar") == "[data-testid='stSidebar']"


def test_uvicorn_websocket_send_is_still_a_method_of_a_protocol_holding_its_transport():
    """budgets.py drops a flooder's socket through ``send.__self__.transport.abort()``."""
    import inspect

    from streamlit.web.server.starlette import starlette_server
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    assert starlette_server._get_websocket_protocol() == "websockets-sansio"
    source = inspect.getsource(WebSocketsSansIOProtocol)
    assert f"self.{internals.UVICORN_TRANSPORT} = transport" in source
    assert callable(WebSocketsSansIOProtocol.send)

    class Transport:
        aborted = False

        def abort(self):
            self.aborted = True

    class Protocol:
        def __init__(self):
            self.transport = Transport()

        async def send(self, message):
            pass

    protocol = Protocol()
    assert internals.abort_connection(protocol.send) and protocol.transport.aborted
    assert not internals.abort_connection(lambda message: None)  # not uvicorn's: nothing to abort, no error


def test_first_views_still_find_the_session_internals_they_replay_through():
    """geo/server/firstview.py wraps three AppSession methods and reads its state, fragments and files."""
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.media_file_manager import MediaFileManager

    assert internals.app_session_check(AppSession, MediaFileManager) == []


def test_a_fragment_store_still_copies_table_by_table():
    from streamlit.runtime.fragment import MemoryFragmentStorage

    store = MemoryFragmentStorage()
    fragment = lambda: None  # noqa: E731 - a stand-in for a registered fragment
    store.register("f1", fragment, target_key="fallback")
    copy = internals.copy_fragment_store(store)
    assert copy.contains("f1") and copy.lookup("f1") is fragment  # the fragment itself is shared
    assert copy.resolve_target("fallback") == ["f1"]
    copy.delete("f1")
    assert store.contains("f1") and not copy.contains("f1")  # each store's tables are its own
    assert store.resolve_target("fallback") == ["f1"]


def test_media_files_can_still_be_held_by_an_owner_and_shared_with_a_session():
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    mgr = MediaFileManager(MemoryMediaFileStorage("/media"))
    file_id = mgr.add_deferred(lambda: b"csv", "text/csv", "coord-1", "x.csv")  # outside a run: session "dontcare"
    refs = internals.session_files(mgr, "dontcare")
    assert refs == [("coord-1", file_id)]
    internals.adopt_files(mgr, "owner", refs)
    mgr.clear_session_refs("dontcare")
    mgr.remove_orphaned_files()
    internals.share_files(mgr, "s2", refs)
    assert internals.session_files(mgr, "s2") == refs
    assert mgr.execute_deferred(file_id)  # still there: the owner holds it
    mgr.clear_session_refs("owner")
    mgr.clear_session_refs("s2")
    mgr.remove_orphaned_files()
    with pytest.raises(Exception, match="not found"):
        mgr.execute_deferred(file_id)


def test_a_session_states_widget_metadata_is_where_first_views_read_it():
    """geo/server/firstview.py shares a kept view's widget metadata between the sessions it serves (frozen
    dataclasses) and copies the rest: the metadata must be found, or each copy would rebuild it (slower, still right).
    """
    from streamlit.runtime.state.common import WidgetMetadata
    from streamlit.runtime.state.session_state import SessionState

    from geo.server.firstview import _own_state

    state = SessionState()
    meta = WidgetMetadata("w1", lambda v, _key=None: v, lambda v: v, "json_value")
    state._set_widget_metadata(meta)
    state["app_key"] = {"picked": ["130624"]}
    assert internals.widget_metadata(state) == [meta]
    own = _own_state(state)
    assert internals.widget_metadata(own)[0] is meta  # shared, as frozen
    own["app_key"]["picked"].append("130625")  # a session changing its own value
    assert state["app_key"] == {"picked": ["130624"]}  # the kept view's stays
