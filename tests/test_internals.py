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


def test_every_streamlit_test_id_the_app_uses_is_in_the_installed_frontend():
    js = _bundle(Path(streamlit.__file__).parent / "static" / "static" / "js")
    missing = [name for name in internals.TEST_IDS if not any(f"{q}{name}{q}" in js for q in "\"'`")]
    assert missing == [], f"data-testid values gone from streamlit {streamlit.__version__}: {missing}"


def test_every_test_id_in_the_code_is_listed_and_canaried():
    used: set[str] = set()
    for path in [*ROOT.joinpath("geo").rglob("*.py"), *ROOT.joinpath("tests").glob("*.py")]:
        used |= set(re.findall(r"data-testid=['\"]?(st[A-Za-z0-9]+)", path.read_text(encoding="utf-8")))
    assert sorted(used - set(internals.TEST_IDS)) == []


def test_an_unlisted_test_id_is_refused():
    with pytest.raises(KeyError, match="TEST_IDS"):
        internals.test_id("stNoSuchThing")
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
