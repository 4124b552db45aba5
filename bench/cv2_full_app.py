"""The app's whole overview with only its map swapped for the components-v2 element (bench only, issue 13).

bench/cv2_map_app.py's page is lighter than the overview (a title, one selectbox, the map), so
its first-map gain over st_folium could not be told apart from the page's weight. This script
runs the app itself (app.py: page config, style, sidebar, language switch, navigation, then
pages/overview.py unchanged: heading, key figures, notes, sidebar controls, downloads, the map
as a table, ranking) with geo.web.mapelement's map drawing (_show) replaced for the overview's map only:
the element gets the same question's fills (geo.web.results.overview_map), a click reaches the
page's own handler in st_folium's shape, and the map-first flow of mapelement holds (the
element reports painted with a trigger, the page draws the rest on the rerun it causes).

bench/cv2_compare.py copies this file and cv2_map_app.py into a folder beside links to the
app's static/ and pages/ (st.navigation finds pages beside the served script) and serves it.
"""

import os
import runpy
import sys
from pathlib import Path

sys.path.insert(0, os.environ["BAODING_ROOT"])

import streamlit as st
from cv2_map_app import NO_DATA, cv2_map, geometry

from geo.views.common import county_names
from geo.web import loaders, mapelement
from geo.web import session_keys as K

ROOT = Path(os.environ["BAODING_ROOT"])
ELEMENT = "cv2_overview_map"  # not "overview_map": that key holds the click in st_folium's shape
# This script runs again on every rerun, the module stays patched: keep st_folium's _show once.
ST_FOLIUM = getattr(mapelement._show, "st_folium", mapelement._show)


def show_map(key, spec, *, height, returned_objects=None, on_change=None, report=False):
    """mapelement._show's contract, drawn by the element for the overview; other maps as before."""
    if key != K.OVERVIEW_MAP:
        return ST_FOLIUM(
            key, spec, height=height, returned_objects=returned_objects, on_change=on_change, report=report
        )
    shown, counties = spec.view(), loaders.load_counties()
    city = shown.city.fill if shown.city else None  # city mode: the city is one unit, one fill
    data: dict = {
        "fills": {a: shown.fills.get(a) or city or NO_DATA for a in counties["adcode"]},
        "report": report and not K.MAP_PAINTED.get(),
    }
    if not st.session_state.get("cv2_rings_sent"):
        data["geometry"] = geometry(counties, county_names(counties, spec.lang))
        st.session_state.cv2_rings_sent = True

    def clicked() -> None:
        # geo.web.params.clicked_county tells clicks apart by their position; a count does it here.
        n = st.session_state["cv2_clicks"] = st.session_state.get("cv2_clicks", 0) + 1
        adcode = st.session_state[ELEMENT].clicked
        st.session_state[key] = {
            "last_object_clicked": {"n": n},
            "last_active_drawing": {"properties": {"adcode": adcode}},
        }
        if on_change is not None:
            on_change()

    def painted() -> None:
        K.MAP_PAINTED.set(True)

    return cv2_map(data=data, key=ELEMENT, on_clicked_change=clicked, on_painted_change=painted)


show_map.st_folium = ST_FOLIUM
mapelement._show = show_map
runpy.run_path(str(ROOT / "app.py"))
