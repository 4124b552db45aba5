"""Every name this project uses from a library's private surface, in one place.

Libraries change their internals without notice. Each name below is one the app reaches past a
library's public API for, with what it buys and what happens when an upgrade renames it; each has a
canary in tests/test_internals.py that fails on the upgrade instead of letting the app degrade
silently. The module imports no library: callers pass the objects in, so every stage (the model's
theme CSS, the Leaflet renderer, the Streamlit edge) can use it without breaking the import contracts.

Upgrade checklist (README, "For developers"): run ``pytest tests/test_internals.py``; a failing canary
names the entry here; the fallback column says what the app loses until it is fixed.

Each entry: the library, who uses it, and what the app loses while it is broken (the fallback):
- ST_FOLIUM_COMPONENT (streamlit-folium 0.27), geo/web/mapelement.py records st_folium's arguments once per
  question. Without it: every run renders the folium map again (30-90 ms); maps still draw.
- FRONTEND_GLOBALS (streamlit-folium 0.27's frame bundle), geo/render/leaflet/instant.py: clicks without the
  250 ms debounce; the "painted" report. Without them: clicks 250 ms later; a first view's rest waits 3 s.
- PAGES_DIRECTORY_FLAG (streamlit 1.67 PagesManager), geo/web/urlstate.py: a page opened directly runs app.py's
  router. Without it: the language switch and the frame missing on a directly opened page.
- LEAFLET_ANIMATING_ZOOM (Leaflet 1.9), geo/render/leaflet/screens.py: fit once a zoom animation ended.
  Without it: names and callouts may sit off their counties after a fit during a zoom.
- FOLIUM_CHILDREN (folium 0.20 / branca 0.8), geo/render/leaflet: walk and replace a map's elements.
  Without it: the map-fitting and asset checks raise at once (no silent failure).
- UVICORN_TRANSPORT (uvicorn 0.55's websockets-sansio protocol, the one Streamlit 1.67 serves its websocket with),
  geo/server/budgets.py: a flooder that reads nothing is dropped at once (its socket aborted). Without it: its
  session still ends and nothing more of it is read, but the socket stays open until the flooder goes (uvicorn
  closes a connection only once its unsent bytes are out).
- TEST_IDS (streamlit 1.67 frontend), geo/model/themes.py's CSS and the browser tests' selectors.
  Without them: theme and presenter styles stop applying (the page keeps Streamlit's own look).
"""

from __future__ import annotations

from typing import Any

# streamlit-folium: the component function ``st_folium`` calls (module attribute).
ST_FOLIUM_COMPONENT = "_component_func"
# Globals of streamlit-folium's frame script: the undebounced sender, the frame's data, its last value.
UPDATE_COMPONENT_VALUE = "updateComponentValue"
GLOBAL_DATA = "__GLOBAL_DATA__"
PREVIOUS_DATA = "previous_data"
FRONTEND_GLOBALS = (UPDATE_COMPONENT_VALUE, GLOBAL_DATA, PREVIOUS_DATA)
# streamlit.runtime.pages_manager.PagesManager: a class attribute Streamlit sets for a pages/ directory.
PAGES_DIRECTORY_FLAG = "uses_pages_directory"
# Leaflet 1.9: true on a map while a zoom animation runs.
LEAFLET_ANIMATING_ZOOM = "_animatingZoom"
# folium/branca: an element's children, name -> element, in drawing order.
FOLIUM_CHILDREN = "_children"
# uvicorn: the ASGI ``send`` of a websocket is a method of the connection's protocol, which holds its transport.
UVICORN_TRANSPORT = "transport"
# Streamlit 1.67's data-testid attributes the app styles or its tests find.
TEST_IDS = (
    "stApp", "stAppViewContainer", "stMain", "stMainBlockContainer", "stVerticalBlock", "stElementContainer",
    "stSidebar", "stExpandSidebarButton", "stHeader", "stToolbar",
    "stStatusWidget", "stBottom", "stCaptionContainer", "stMetric", "stMetricLabel", "stMetricValue",
    "stMetricDelta", "stMarkdownContainer", "stTooltipIcon", "stPopoverBody", "stCustomComponentV1",
    "stException", "stAlert", "stDataFrame", "stIconMaterial", "stMultiSelect", "stPagination", "stSelectbox",
    "stSidebarNav", "stDataFrameResizable", "stTable", "stCode", "stImageCaption",
)  # fmt: skip


def test_id(name: str) -> str:
    """A CSS selector for Streamlit's ``data-testid`` ``name``; raises for a name not listed (and canaried) here."""
    if name not in TEST_IDS:
        raise KeyError(f"unknown Streamlit test id {name!r}; add it to geo.internals.TEST_IDS (its canary checks it)")
    return f"[data-testid='{name}']"


def component_func(streamlit_folium_module: Any) -> Any:
    return getattr(streamlit_folium_module, ST_FOLIUM_COMPONENT)


def set_component_func(streamlit_folium_module: Any, func: Any) -> None:
    setattr(streamlit_folium_module, ST_FOLIUM_COMPONENT, func)


def uses_pages_directory(pages_manager: Any) -> bool:
    return bool(getattr(pages_manager, PAGES_DIRECTORY_FLAG))


def set_uses_pages_directory(pages_manager: Any, value: bool) -> None:
    setattr(pages_manager, PAGES_DIRECTORY_FLAG, value)


def children(element: Any) -> dict:
    """A folium element's children (name -> element); an element without any gives an empty dict."""
    return getattr(element, FOLIUM_CHILDREN, {})


def abort_connection(send: Any) -> bool:
    """Drop the connection behind an ASGI websocket ``send`` at once, unsent bytes and all (uvicorn's
    ``transport.close()`` would wait for a peer that reads nothing); False when ``send`` is not uvicorn's."""
    transport = getattr(getattr(send, "__self__", None), UVICORN_TRANSPORT, None)
    abort = getattr(transport, "abort", None)
    if abort is None:
        return False
    abort()
    return True
