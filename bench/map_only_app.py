"""The overview's map and nothing else: what st_folium alone costs on a first view (bench only).

run.py copies this file into a temporary folder next to a link to the app's static/
folder (Streamlit serves static files from beside the main script) and serves it like the app.
"""

import os
import sys

sys.path.insert(0, os.environ["BAODING_ROOT"])

from streamlit_folium import st_folium

from geo.render.leaflet import screens as leaflet
from geo.render.leaflet.assets import ensure_static_assets
from geo.views import overview as views
from geo.web import loaders

ensure_static_assets()
ds, counties = loaders.load_dataset(), loaders.load_counties()
view = views.overview(ds, counties, views.DEFAULT_INDICATOR, None, "quantiles", "zh", context=loaders.load_context())
shown = views.with_overlays(ds, counties, view, views.Overlays(), lang="zh")
st_folium(
    leaflet.overview_frame(counties, loaders.load_context(), "zh"),
    key="overview_map",
    height=640,
    use_container_width=True,
    returned_objects=["last_active_drawing", "last_object_clicked"],
    feature_group_to_add=leaflet.overview_layers(shown, counties),
)
