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
- ST_FOLIUM_MAP_DIV (streamlit-folium 0.27's frame), geo/model/themes.py's map style sheet: the map fills its
  frame. Without it: the map keeps st_folium's own height inside a taller frame (an empty band under it).
- SCRIPT_STATE_ATTR, SCRIPT_NOT_RUNNING (streamlit 1.67 frontend), the browser tests' wait for a run's end
  (tests/browser_support.run_over). Without them: those tests wait out their timeout and fail.
- FOLIUM_CHILDREN (folium 0.20 / branca 0.8), geo/render/leaflet: walk and replace a map's elements.
  Without it: the map-fitting and asset checks raise at once (no silent failure).
- UVICORN_TRANSPORT (uvicorn 0.55's websockets-sansio protocol, the one Streamlit 1.67 serves its websocket with),
  geo/server/budgets.py: a flooder that reads nothing is dropped at once (its socket aborted). Without it: its
  session still ends and nothing more of it is read, but the socket stays open until the flooder goes (uvicorn
  closes a connection only once its unsent bytes are out).
- TEST_IDS, CLASS_NAMES, KEY_CLASS_PREFIX, ACTIVE_KIND_MARK (streamlit 1.67 frontend), geo/web/styles.py's style
  sheets and the browser tests' selectors. Without them: the rules that name them stop applying (the
  page keeps Streamlit's own look there: captions lighter, presenter chrome shown, the map frame's
  height and title unset); the browser tests fail to find the element.
- APP_SESSION_*, MEDIA_*, DATAFRAME_SOURCES (streamlit 1.67's AppSession, MediaFileManager, fragment
  and dataframe-source stores), geo/server/firstview.py: a new session's first view sent from memory, with the
  session state and download buttons of the run that drew it. Without them: the server refuses to start with
  first views on (the check at install names the entry); BAODING_FIRST_VIEWS=0 serves every view by a script run.
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
# streamlit.runtime.app_session.AppSession: the methods geo/server/firstview.py wraps (a back message from the
# browser; a message to it; a script runner's event, on the script thread; a stop, e.g. as the browser leaves:
# the stopped run still ends "with success") and what it reads and sets.
APP_SESSION_HOOKS = ("handle_backmsg", "_enqueue_forward_msg", "_on_scriptrunner_event", "request_script_stop")
APP_SESSION_ON_LOOP = "_handle_scriptrunner_event_on_event_loop"  # a runner's event, handled on the event loop
APP_SESSION_STATE = "_session_state"  # the SessionState a new ScriptRunner is given
# streamlit.runtime.state.session_state.SessionState: the frontend's widget values and each widget's metadata
# (WidgetMetadata, a frozen dataclass) by widget id.
SESSION_WIDGET_STATE = "_new_widget_state"
WIDGET_METADATA = "widget_metadata"
APP_SESSION_CLIENT_STATE = "_client_state"  # the last run's ClientState (page, query string)
APP_SESSION_FRAGMENTS = "_fragment_storage"  # MemoryFragmentStorage (its tables are dicts, under ``_lock``)
APP_SESSION_BROWSER_QUEUE = "_browser_queue"  # the ForwardMsgQueue the event loop flushes to the browser
# called after each enqueued message: the runtime's call_soon_threadsafe wake-up (a self-pipe write each time)
APP_SESSION_ENQUEUED_CALLBACK = "_message_enqueued_callback"
# streamlit.runtime.media_file_manager.MediaFileManager: per-session file references and deferred downloads.
MEDIA_FILES_BY_SESSION = "_files_by_session_and_coord"
MEDIA_DEFERRED = "_deferred_callables"
MEDIA_DEFERRED_BY_SESSION = "_deferred_ids_by_session"
MEDIA_LOCK = "_lock"
# streamlit.runtime.dataframe_source_manager: lazily loaded dataframes, per session and element.
DATAFRAME_SOURCES = "_sources_by_session_and_coord"
# Streamlit 1.67's data-testid attributes the app styles or its tests find.
TEST_IDS = (
    "stApp", "stAppViewContainer", "stMain", "stMainBlockContainer", "stVerticalBlock", "stElementContainer",
    "stSidebar", "stExpandSidebarButton", "stHeader", "stToolbar",
    "stStatusWidget", "stBottom", "stCaptionContainer", "stMetric", "stMetricLabel", "stMetricValue",
    "stMetricDelta", "stMarkdownContainer", "stTooltipIcon", "stPopoverBody", "stCustomComponentV1",
    "stException", "stAlert", "stDataFrame", "stIconMaterial", "stMultiSelect", "stPagination", "stSelectbox",
    "stSidebarNav", "stDataFrameResizable", "stTable", "stCode", "stImageCaption", "stExpander", "stPopover",
    "stStatusWidgetRunningIcon", "stSkeleton", "stButtonGroup",
)  # fmt: skip

# Streamlit 1.67's class names the style sheets select where an element has no test id of its own.
CLASS_NAMES = ("stApp", "stElementContainer", "block-container", "stPopover")
# An element given ``key=`` (st.container, widgets) carries the class ``st-key-<key>``.
KEY_CLASS_PREFIX = "st-key-"
# The ``kind`` of a chosen option's button (st.pills, st.segmented_control): the sheets match ``kind*='Active'``.
ACTIVE_KIND_MARK = "Active"
ACTIVE_KINDS = ("pillsActive", "segmented_controlActive")
# Streamlit's own end-to-end hook: the app element's attribute saying whether a script run is going on.
SCRIPT_STATE_ATTR = "data-test-script-state"
SCRIPT_NOT_RUNNING = "notRunning"
# streamlit-folium's frame draws the Leaflet map into the element with this id (its style sheet sizes it).
ST_FOLIUM_MAP_DIV = "map_div"


def test_id(name: str) -> str:
    """A CSS selector for Streamlit's ``data-testid`` ``name``; raises for a name not listed (and canaried) here."""
    if name not in TEST_IDS:
        raise KeyError(f"unknown Streamlit test id {name!r}; add it to geo.internals.TEST_IDS (its canary checks it)")
    return f"[data-testid='{name}']"


def class_name(name: str) -> str:
    """A CSS selector for Streamlit's class ``name``; raises for a name not listed (and canaried) here."""
    if name not in CLASS_NAMES:
        raise KeyError(f"unknown Streamlit class {name!r}; add it to geo.internals.CLASS_NAMES (its canary checks it)")
    return f".{name}"


def key_class(key: str) -> str:
    """A CSS selector for the element Streamlit drew with ``key=key``."""
    return f".{KEY_CLASS_PREFIX}{key}"


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


def app_session_check(app_session_class: Any, media_manager_class: Any) -> list[str]:
    """The names first views need that this Streamlit lacks (empty: all there)."""
    methods = (*APP_SESSION_HOOKS, APP_SESSION_ON_LOOP)
    missing = [n for n in methods if not callable(getattr(app_session_class, n, None))]
    init = getattr(app_session_class, "__init__", None)
    source = getattr(getattr(init, "__code__", None), "co_names", ())
    kept = (
        APP_SESSION_STATE,
        APP_SESSION_CLIENT_STATE,
        APP_SESSION_FRAGMENTS,
        APP_SESSION_BROWSER_QUEUE,
        APP_SESSION_ENQUEUED_CALLBACK,
    )
    missing += [n for n in kept if n not in source]
    mgr_init = getattr(getattr(media_manager_class, "__init__", None), "__code__", None)
    names = getattr(mgr_init, "co_names", ())
    media = (MEDIA_FILES_BY_SESSION, MEDIA_DEFERRED, MEDIA_DEFERRED_BY_SESSION, MEDIA_LOCK)
    missing += [n for n in media if n not in names]
    return missing


def widget_metadata(session_state: Any) -> list[Any]:
    """The WidgetMetadata a SessionState holds (none if this Streamlit keeps them elsewhere)."""
    return list(getattr(getattr(session_state, SESSION_WIDGET_STATE, None), WIDGET_METADATA, {}).values())


def state_of(app_session: Any) -> Any:
    """The AppSession's SessionState (widget values and metadata, the app's keys)."""
    return getattr(app_session, APP_SESSION_STATE)


def set_state_of(app_session: Any, state: Any) -> None:
    setattr(app_session, APP_SESSION_STATE, state)


def client_state(app_session: Any) -> Any:
    return getattr(app_session, APP_SESSION_CLIENT_STATE)


def set_client_state(app_session: Any, state: Any) -> None:
    setattr(app_session, APP_SESSION_CLIENT_STATE, state)


def enqueue_many(app_session: Any, msgs: Any) -> None:
    """Messages into the session's browser queue as ``_enqueue_forward_msg`` puts them, with one wake-up of
    the event loop for all of them instead of one per message (on the loop's own thread, each is a syscall)."""
    queue = getattr(app_session, APP_SESSION_BROWSER_QUEUE)
    for msg in msgs:
        queue.enqueue(msg)
    notify = getattr(app_session, APP_SESSION_ENQUEUED_CALLBACK)
    if notify:
        notify()


def handle_on_loop(app_session: Any, *args: Any, **kwargs: Any) -> None:
    """A script runner's event as the event loop handles it (new_session, script_finished, status)."""
    getattr(app_session, APP_SESSION_ON_LOOP)(*args, **kwargs)


def fragments(app_session: Any) -> Any:
    return getattr(app_session, APP_SESSION_FRAGMENTS)


def copy_fragment_store(store: Any) -> Any:
    """A fragment store's copy for another session: the fragments themselves are shared (a fragment runs in
    whichever session's thread calls it), every table of the store is the copy's own."""
    import threading

    new = object.__new__(type(store))  # the store refuses copy.copy (its lock)
    with store._lock:
        for name, value in vars(store).items():
            if isinstance(value, dict):
                value = {k: (dict(v) if isinstance(v, dict) else v) for k, v in value.items()}
            new.__dict__[name] = value
    new._lock = threading.Lock()
    return new


def set_fragments(app_session: Any, store: Any) -> None:
    setattr(app_session, APP_SESSION_FRAGMENTS, store)


def has_dataframe_sources(manager: Any, session_id: str) -> bool:
    return bool(getattr(manager, DATAFRAME_SOURCES, {}).get(session_id))


def session_files(manager: Any, session_id: str) -> list[tuple[str, str]]:
    """The files a session's elements refer to, (coordinates, file id): images, the page icon, download buttons
    (made when clicked or up front)."""
    with getattr(manager, MEDIA_LOCK):
        return list(getattr(manager, MEDIA_FILES_BY_SESSION).get(session_id, {}).items())


def adopt_files(manager: Any, owner: str, refs: list[tuple[str, str]]) -> None:
    """Make ``owner`` (a name of the caller's, not a session) hold these files: they stay while it refers to
    them, whatever the session that made them does next (a deferred download's callable moves to it)."""
    with getattr(manager, MEDIA_LOCK):
        deferred, by_session = getattr(manager, MEDIA_DEFERRED), getattr(manager, MEDIA_DEFERRED_BY_SESSION)
        files = getattr(manager, MEDIA_FILES_BY_SESSION)
        for coord, fid in refs:
            files[owner][coord] = fid
            entry = deferred.get(fid)
            if entry is None:
                continue
            old = by_session.get(entry["session_id"])
            if old is not None:
                old.discard(fid)
            entry["session_id"] = owner
            by_session[owner].add(fid)


def share_files(manager: Any, session_id: str, refs: list[tuple[str, str]]) -> None:
    """Let a session refer to files another owner holds (as if its own run had drawn those elements)."""
    with getattr(manager, MEDIA_LOCK):
        files = getattr(manager, MEDIA_FILES_BY_SESSION)
        for coord, fid in refs:
            files[session_id][coord] = fid
