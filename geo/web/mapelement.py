"""Every map on the app's pages: st_folium's arguments built once per spec, then only sent.

st_folium renders the folium map to Leaflet script on every call: for the overview that is
30-90 ms of each rerun (jinja templates compiled for every element, the encoded rings written
out again), spent before the map's element can leave the server. What it sends depends only
on what the map shows (data version, view, language, options: its spec), so the arguments
are computed once per spec, kept in a bounded shared cache, and handed to
streamlit-folium's own component on every later run. They are st_folium's own output,
captured by running st_folium with its component function swapped for a recorder (under a
lock; this module is the only caller of st_folium, which tests/test_mapelement.py and the
import contracts check), so the frame's script, the component's key and hence the browser's
map state are exactly what st_folium would have made.

Maps are described by specs (geo.web.mapspecs): frozen dataclasses whose fields are the cache key and
whose ``build`` draws the map, so a key cannot leave out what the map depends on.

Map first (the overview, ``map_first``): a browser session's first view draws the map alone, and
the rest once the map's frame reports its counties painted; the rest of the page's elements then
no longer compete with the map's frame for the browser's connections and main thread. A browser
that never reports (a failed frame) gets the rest after ``FALLBACK_SECONDS``; sessions without a
browser (AppTest, scripts) draw everything at once.

Head start (``show_map``): a map whose arguments changed goes ``HEAD_START_SECONDS`` ahead of the
elements after it. Prepared maps (``prepare``): the briefing builds the next slide's map in the
background. bench/NOTES.md has what each of these gave.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import folium
import streamlit as st
import streamlit_folium
from streamlit_folium import st_folium

from geo import internals
from geo.web import loaders

_COMPONENT = internals.component_func(streamlit_folium)  # the component st_folium declares (streamlit-folium 0.27)
_CAPTURE_LOCK = threading.Lock()
_PAINTED = "_map_painted"
_FIRST_RUN = "_map_first_run"
_SENT = "_maps_sent"
# A page waits at most this long for the map's frame to report before drawing the rest.
FALLBACK_SECONDS = 3.0
# How long a changed map goes ahead of the elements after it (bench/NOTES.md: 0, 15 and 40 ms measured).
HEAD_START_SECONDS = 0.04
# Read by geo/render/leaflet/instant.py's script: report once the counties are painted.
PAINTED_META = '<meta name="bd-report-painted" content="1">'


class MapSpec(Protocol):
    """What a map shows (geo.web.mapspecs): a frozen dataclass whose fields, language included, are the
    map's cache key, and whose ``build`` draws it from those fields and the data alone."""

    lang: str

    def build(self) -> tuple[folium.Map, Sequence[folium.FeatureGroup]]: ...


def spec_key(spec: MapSpec) -> tuple:
    """The cache key of ``spec``: its type and every field. Refuses what cannot be a complete key."""
    if not dataclasses.is_dataclass(spec) or isinstance(spec, type) or not spec.__dataclass_params__.frozen:
        raise TypeError(f"a map spec is a frozen dataclass, not {type(spec).__name__}")
    hash(spec)  # every field hashable (a list would raise here, not slip into the key by identity)
    kind = f"{type(spec).__module__}.{type(spec).__qualname__}"
    return kind, tuple((f.name, getattr(spec, f.name)) for f in dataclasses.fields(spec))


def _captured_args(spec: MapSpec, key: str, returned_objects: tuple[str, ...] | None) -> dict:
    """What st_folium passes to its component for this map (height and change callback set per call)."""
    fig, layers = spec.build()
    seen: dict = {}

    def record(**kwargs):
        seen.update(kwargs)

    with _CAPTURE_LOCK:
        internals.set_component_func(streamlit_folium, record)
        try:
            st_folium(
                fig, key=key, use_container_width=True, feature_group_to_add=list(layers) or None,
                returned_objects=None if returned_objects is None else list(returned_objects),
            )  # fmt: skip
        finally:
            internals.set_component_func(streamlit_folium, _COMPONENT)
    for per_call in ("on_change", "height", "width"):
        seen.pop(per_call, None)
    return seen


@st.cache_resource(show_spinner=False, max_entries=48)
def _args(key: str, spec_key: tuple, returned: tuple[str, ...] | None, label: str, version: int, _spec: MapSpec):
    return _captured_args(_spec, key, returned)


def args_for(key: str, spec: MapSpec, returned_objects: Sequence[str] | None = None) -> dict:
    """st_folium's component arguments for map ``key`` showing ``spec`` (cached per spec and data version)."""
    returned = None if returned_objects is None else tuple(returned_objects)
    return _args(key, spec_key(spec), returned, *loaders.data_key(), spec)


def show_map(
    key: str,
    spec: MapSpec,
    *,
    height: int,
    returned_objects: Sequence[str] | None = None,
    on_change: Callable[[], None] | None = None,
    report_painted: bool = False,
):
    """Draw map ``key`` as st_folium would (same element, same returned value in ``st.session_state[key]``).

    ``report_painted``: the frame tells the server once its counties are painted (see ``map_first``); the
    browser reports once per tab. Pass it on every run of the page, not only the map-first one: the map's
    arguments then stay the same between the map-first run and the next, so Streamlit sends the second
    copy as a reference to the first, not the map again.
    """
    args = dict(args_for(key, spec, returned_objects))
    args["default"] = copy.deepcopy(args["default"])
    if report_painted:
        args["header"] = (args.get("header") or "") + PAINTED_META
    state_key = args["key"]

    def changed() -> None:
        value = st.session_state.get(state_key, {})
        st.session_state[key] = value
        if isinstance(value, dict) and value.get("bd_painted"):
            st.session_state[_PAINTED] = True
        if on_change is not None:
            on_change()

    value = _COMPONENT(**args, height=height, width=None, on_change=changed)
    # A head start when the map changed: Streamlit's frontend draws the deltas that arrive within a few
    # milliseconds of each other in one React pass, and passes a component its new arguments only after
    # that pass. Pausing here lets the map's pass (and the frame's restyle) go before the heavier elements
    # that follow (ranking chart and table, sidebar controls). The script thread waits; no CPU is spent.
    sent = (state_key, hash(args["feature_group"] or ""), args["header"])
    if st.session_state.get(_SENT, {}).get(key) != sent:
        st.session_state.setdefault(_SENT, {})[key] = sent
        time.sleep(HEAD_START_SECONDS)
    return value


def prepare(key: str, spec: MapSpec, returned_objects: Sequence[str] | None = None) -> threading.Thread:
    """Build a map's arguments in the background (the next slide's, while the presenter talks), so that
    asking for them later is a cache hit. Errors are left for the page to meet (and report) when it asks
    for that map itself."""

    def work() -> None:
        try:
            args_for(key, spec, returned_objects)
        except Exception:  # the page's own call for that map raises it again, in the page, where it is shown
            pass

    thread = threading.Thread(target=work, name=f"prepare {key}", daemon=True)
    thread.start()
    return thread


def map_first() -> bool:
    """True when this run should draw the map alone: a browser's first map view in this session."""
    first = not st.session_state.get(_PAINTED) and bool(st.context.headers.get("User-Agent"))
    st.session_state[_FIRST_RUN] = first
    return first


def begin_page() -> None:
    """Before each page runs: forget a map-first mark left by a run that ended early (an error)."""
    st.session_state.pop(_FIRST_RUN, None)


def drew_map_first() -> bool:
    """Whether this run's page drew its map alone (app.py then leaves its own extras to the next run)."""
    return bool(st.session_state.pop(_FIRST_RUN, False))


def rest_after_map() -> None:
    """In a map-first run: draw the rest anyway if the frame has not reported within ``FALLBACK_SECONDS``."""
    calls: list[int] = []

    @st.fragment(run_every=FALLBACK_SECONDS)
    def fallback() -> None:
        calls.append(1)
        if len(calls) > 1:  # a timed rerun, not the script's own call: the frame has not reported
            st.session_state[_PAINTED] = True
            st.rerun()

    fallback()
