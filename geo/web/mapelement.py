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

Map first (``map_first_page``, the overview): a browser session's first view draws the map alone, and
the rest once the map's frame reports its counties painted; the rest of the page's elements then
no longer compete with the map's frame for the browser's connections and main thread. A browser
that never reports (a failed frame) gets the rest after ``FALLBACK_SECONDS``; sessions without a
browser (AppTest, scripts) and pages run without app.py's ``run_page`` draw everything at once.

Head start (``show_map``): a map whose arguments changed goes ``HEAD_START_SECONDS`` ahead of the
elements after it. Prepared maps (``prepare``): the briefing builds the next slide's map in the
background. bench/NOTES.md has what each of these gave.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import folium
import streamlit as st
import streamlit_folium
from streamlit_folium import st_folium

from geo import internals, settings
from geo.render.leaflet import geomlink
from geo.render.leaflet.instant import PAINTED_FLAG, painted_report_group
from geo.web import frame, loaders
from geo.web import session_keys as K
from geo.web.memo import shared

_COMPONENT = internals.component_func(streamlit_folium)  # the component st_folium declares (streamlit-folium 0.27)
_CAPTURE_LOCK = threading.Lock()
# A page waits at most this long for the map's frame to report before drawing the rest.
FALLBACK_SECONDS = 3.0
# How long a changed map goes ahead of the elements after it (bench/NOTES.md: 0, 15 and 40 ms measured).
HEAD_START_SECONDS = 0.04

Build = Callable[[], tuple[folium.Map, Sequence[folium.FeatureGroup]]]


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


def _captured_args(
    build: Build, key: str, returned_objects: tuple[str, ...] | None, geometry: geomlink.Shared | None = None
) -> dict:
    """What st_folium passes to its component for this map (height and change callback set per call).

    ``geometry``: the boundary set's script; the layers whose rings it holds name it instead of sending them,
    and the frame loads it with Leaflet (``js_links``).
    """
    fig, layers = build()
    if geometry is not None and geomlink.link([fig, *layers], geometry):
        fig.default_js = [*fig.default_js, ("bd_geometry", geometry.url)]
    seen: dict = {}

    def record(**kwargs):
        seen.update(kwargs)

    returned = None if returned_objects is None else list(returned_objects)
    with _CAPTURE_LOCK:
        internals.set_component_func(streamlit_folium, record)
        try:
            st_folium(
                fig,
                key=key,
                use_container_width=True,
                feature_group_to_add=list(layers) or None,
                returned_objects=returned,
            )
        finally:
            internals.set_component_func(streamlit_folium, _COMPONENT)
    for per_call in ("on_change", "height", "width"):
        seen.pop(per_call, None)
    return seen


def _reporting(build: Build) -> Build:
    """``build`` with the frame's painted report as its last layer: it runs once the others are on the map."""

    def with_report():
        fig, layers = build()
        return fig, [*layers, painted_report_group()]

    return with_report


@shared(max_entries=4)
def _geometry(label: str, version: int, context: tuple[str, float]) -> geomlink.Shared:
    made = geomlink.shared_geometry(loaders.load_counties(), loaders.load_context())
    geomlink.remember(made)  # answered by this worker's edge from memory
    geomlink.keep(settings.cache_dir() / geomlink.FOLDER, made)  # and by the other workers from the folder
    return made


def shared_geometry() -> geomlink.Shared:
    """The current boundary set's script (geo.render.leaflet.geomlink), made once per data version."""
    return _geometry(*loaders.data_key(), loaders.context_key())


@shared(max_entries=48)
def _args(key: str, spec_key: tuple, returned: tuple[str, ...] | None, reports: bool, label: str, version: int, _spec):
    build = _reporting(_spec.build) if reports else _spec.build
    return _captured_args(build, key, returned, shared_geometry())


def args_for(
    key: str,
    spec: MapSpec,
    returned_objects: Sequence[str] | None = None,
    *,
    report_painted: bool = False,
) -> dict:
    """st_folium's component arguments for map ``key`` showing ``spec`` (cached per spec and data version).

    ``report_painted``: the map's frame reports its counties painted (``map_first_page``).
    """
    returned = None if returned_objects is None else tuple(returned_objects)
    return _args(str(key), spec_key(spec), returned, report_painted, *loaders.data_key(), spec)


def show_map(
    key: str,
    spec: MapSpec,
    *,
    height: int,
    returned_objects: Sequence[str] | None = None,
    on_change: Callable[[], None] | None = None,
):
    """Draw map ``key`` as st_folium would (same element, same returned value in the session under ``key``).

    A page that draws its map first shows it with ``map_first_page``'s ``show_map`` instead.
    """
    return _show(key, spec, height=height, returned_objects=returned_objects, on_change=on_change)


def _show(
    key: str,
    spec: MapSpec,
    *,
    height: int,
    returned_objects: Sequence[str] | None = None,
    on_change: Callable[[], None] | None = None,
    report: bool = False,
):
    args = dict(args_for(key, spec, returned_objects, report_painted=report))
    args["default"] = copy.deepcopy(args["default"])
    returned = K.Key(str(key))  # what the map returned, under the page's own key
    component = K.Key(args["key"])  # the component's own state (its key is a hash of the frame's script)

    def changed() -> None:
        value = component.get() or {}
        returned.set(value)
        if isinstance(value, dict) and value.get(PAINTED_FLAG):
            K.MAP_PAINTED.set(True)
        if on_change is not None:
            on_change()

    value = _COMPONENT(**args, height=height, width=None, on_change=changed)
    # A head start when the map changed: Streamlit's frontend draws the deltas that arrive within a few
    # milliseconds of each other in one React pass, and passes a component its new arguments only after
    # that pass. Pausing here lets the map's pass (and the frame's restyle) go before the heavier elements
    # that follow (ranking chart and table, sidebar controls). The script thread waits; no CPU is spent.
    sent = (args["key"], hash(args["feature_group"] or ""), args["header"])
    maps_sent = K.MAPS_SENT.setdefault({})
    if maps_sent.get(str(key)) != sent:
        maps_sent[str(key)] = sent
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


class MapFirstPage:
    """A page drawn map first (``map_first_page``): ``alone`` in the run that draws the map alone."""

    def __init__(self, alone: bool) -> None:
        self.alone = alone
        self.shown = False

    def show_map(
        self,
        key: str,
        spec: MapSpec,
        *,
        height: int,
        returned_objects: Sequence[str] | None = None,
        on_change: Callable[[], None] | None = None,
    ):
        """``show_map`` for the page's map, whose frame reports its counties painted.

        On every run of the page, not only the one that draws the map alone: its arguments then stay the
        same between that run and the next, so Streamlit sends the second copy as a reference to the
        first, not the map again.
        """
        if self.shown:
            raise RuntimeError("a map-first page draws one map first")
        self.shown = True
        return _show(key, spec, height=height, returned_objects=returned_objects, on_change=on_change, report=True)


@contextmanager
def map_first_page() -> Iterator[MapFirstPage]:
    """The whole of a page that draws its map first: ``with mapelement.map_first_page() as page:``.

    In a browser session's first view of the page (``page.alone``), the page draws its map with
    ``page.show_map`` and leaves out what it can draw later; at the end of the block, the rest follows once
    the frame has reported its counties painted (the report reruns the page), or after ``FALLBACK_SECONDS``,
    and app.py (``run_page``) leaves its own extras to that run too. Later runs draw everything.
    """
    page = MapFirstPage(
        alone=K.MAP_ALONE.is_set() and not K.MAP_PAINTED.get() and frame.in_browser()  # inside run_page only
    )
    yield page
    if not page.shown:
        raise RuntimeError("map_first_page() without page.show_map(): nothing would report the map painted")
    if page.alone:
        _rest_after_map()
        K.MAP_ALONE.set(True)


def run_page(run: Callable[[], None]) -> bool:
    """Run the page (app.py: ``nav.run``); True when it drew its map alone (app.py then leaves its own
    extras, the language switch and the link, to the next run, which the map's report starts)."""
    K.MAP_ALONE.set(False)  # set only while a page runs: a page run outside (AppTest) draws everything
    try:
        run()
        return K.MAP_ALONE.get()
    finally:
        K.MAP_ALONE.pop()


def _rest_after_map() -> None:
    """In a map-first run: draw the rest anyway if the frame has not reported within ``FALLBACK_SECONDS``."""
    calls: list[int] = []

    @st.fragment(run_every=FALLBACK_SECONDS)
    def fallback() -> None:
        calls.append(1)
        if len(calls) > 1:  # a timed rerun, not the script's own call: the frame has not reported
            K.MAP_PAINTED.set(True)
            st.rerun()

    fallback()
