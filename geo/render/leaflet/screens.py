"""One entry point per screen: the folium layers that draw that screen's MapView.

Each map is split in two so st_folium never remounts it: a constant frame (its script is
the same on every rerun, so zoom and centre survive) and layers passed as
``feature_group_to_add``, which st_folium swaps in when they change.
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from jinja2 import Template

from geo import internals
from geo.i18n import field_for
from geo.model.labels import anchor_points, place_labels, short_name
from geo.model.palette import map_colours
from geo.model.themes import DEFAULT_THEME, Theme, map_css
from geo.render.leaflet.assets import IFRAME_PREFIX
from geo.render.leaflet.maps import (
    LegendControl,
    base_map,
    bounds_of,
    callouts_group,
    choropleth_group,
    group_outline,
    labels_group,
    outline_layer,
    selection_group,
)
from geo.render.leaflet.markup import legend_html
from geo.render.leaflet.sites import RING, marker_precisions, sites_group
from geo.views.mapview import MapView, themed


def overview_frame(
    counties: gpd.GeoDataFrame,
    context: gpd.GeoDataFrame | None,
    lang: str,
    prefix: str = IFRAME_PREFIX,
) -> folium.Map:
    """The overview's constant frame: background, hatch pattern, grey surroundings, and a first view
    with the counties clear of the legend."""
    m = base_map(counties, lang=lang, prefix=prefix, context=context)
    FitClearOfLegend(bounds_of(counties)).add_to(m)
    return m


def overview_layers(view: MapView, counties: gpd.GeoDataFrame) -> list[folium.FeatureGroup]:
    """The choropleth with its legend, the outlined groups, the names, and the selection outline."""
    groups = [choropleth_group(counties, view)]
    groups += [group_outline(counties, outline) for outline in view.outlines]
    if view.labels:
        groups.append(labels_group(view.labels))
    if view.callouts:
        groups.append(callouts_group(view.callouts))
    groups.append(selection_group(counties, view.selection))
    return groups


# The fit both maps use: ``bounds`` in view with the counties clear of the legends at the top right,
# leaving room either beside them or below them, whichever lets the map zoom in further.
FIT_CLEAR_JS = """
function bdFitClear(map, bounds) {
  // A view set while a zoom animation runs leaves the markers (names, places, callouts) where that
  // animation would have put them, off their counties: fit once it has ended.
  if (map.{ANIMATING}) {
    map.once("zoomend", function () { bdFitClear(map, bounds); });
    return;
  }
  map.invalidateSize(false);
  map.bdFitBounds = bounds;  // what the map is about (tests check the legend leaves it clear)
  var box = map.getContainer().getBoundingClientRect(), w = 0, h = 0;
  map.getContainer().querySelectorAll(".leaflet-top.leaflet-right .bd-legend").forEach(function (el) {
    var r = el.getBoundingClientRect();  // legends stack down the right edge
    w = Math.max(w, box.right - r.left + 10);
    h = Math.max(h, r.bottom - box.top + 10);
  });
  // While the frame is still being laid out a legend can measure absurdly (wrapped to one character
  // per line): room that would leave under 40 % of the map is ignored, and the fit runs again once
  // the sizes settle.
  var size = map.getSize();
  if (w > 0.6 * size.x) { w = 0; }
  if (h > 0.6 * size.y) { h = 0; }
  var options = {animate: false, padding: [14, 14]};
  if (w && h) {
    var beside = map.getBoundsZoom(bounds, false, L.point(28 + w, 28));
    var below = map.getBoundsZoom(bounds, false, L.point(28, 28 + h));
    options = beside >= below
      ? {animate: false, paddingTopLeft: [14, 14], paddingBottomRight: [14 + w, 14]}
      : {animate: false, paddingTopLeft: [14, 14 + h], paddingBottomRight: [14, 14]};
  }
  map.fitBounds(bounds, options);
}
""".replace("{ANIMATING}", internals.LEAFLET_ANIMATING_ZOOM)


class FitOnAdd(MacroElement):
    """A Leaflet layer that fits the map to ``bounds`` when its feature group is added.

    st_folium re-adds the swappable feature groups only when they change, so a new slide
    moves the map and a rerun of the same slide leaves the presenter's zoom alone.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          {{ this.fit_js }}
          var Fit = L.Layer.extend({
            onAdd: function (map) {
              var bounds = L.latLngBounds({{ this.bounds_json }});
              function fit() { bdFitClear(map, bounds); }
              fit();
              // Fit again when the legends arrive or change size (they are layers of their own, added
              // after this one or on a later tick) or when the frame is resized (the presenter view
              // stretches it) -- only just after the slide changed, so that the presenter's own
              // zooming is never undone.
              var container = map.getContainer();
              var corner = container.querySelector(".leaflet-top.leaflet-right");
              if (corner && window.ResizeObserver) {
                var size = function () {
                  var c = container;
                  return [corner.offsetWidth, corner.offsetHeight, c.offsetWidth, c.offsetHeight].join();
                };
                var seen = size();
                var watch = new ResizeObserver(function () {
                  var now = size();
                  if (now !== seen) { seen = now; fit(); }
                });
                watch.observe(corner);
                watch.observe(container);
                setTimeout(function () { watch.disconnect(); }, 2500);
              }
              setTimeout(fit, 0);
              // On a fresh map the frame's own animated first zoom ends after this one: fit once more then.
              var refit = function () { map.off("zoomend", refit); fit(); };
              map.on("zoomend", refit);
              setTimeout(function () { map.off("zoomend", refit); }, 1500);
              return this;
            },
            onRemove: function () { return this; }
          });
          new Fit().addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "FitOnAdd"
        self.bounds = bounds
        self.bounds_json = json.dumps([[round(v, 5) for v in corner] for corner in bounds])
        self.fit_js = FIT_CLEAR_JS


class FitClearOfLegend(MacroElement):
    """The overview's first view: the city fitted clear of the legend (top right), kept so while the
    legend changes size, until the user moves the map (wheel, drag, keys, zoom buttons, a click, or
    any move once the frame has settled); from then on the user's view stays across reruns.

    Part of the constant frame, so it does not itself change the map's identity.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          {{ this.fit_js }}
          var map = {{ this._parent.get_name() }};
          var bounds = L.latLngBounds({{ this.bounds_json }});
          var container = map.getContainer(), moved = false, fitting = false, settled = false;
          ["wheel", "mousedown", "touchstart", "keydown", "dblclick"].forEach(function (kind) {
            container.addEventListener(kind, function () { moved = true; }, {capture: true, passive: true});
          });
          // Once the frame has settled, any move that is not this fit is the user's (or a script's) own.
          setTimeout(function () { settled = true; }, 1500);
          map.on("movestart", function () { if (settled && !fitting) { moved = true; } });
          function fit() {
            if (moved) { return; }
            fitting = true;
            try { bdFitClear(map, bounds); } finally { fitting = false; }
          }
          var corner = container.querySelector(".leaflet-top.leaflet-right");
          if (corner && window.ResizeObserver) {
            var seen = "";
            var watch = new ResizeObserver(function () {
              var now = [corner.offsetWidth, corner.offsetHeight, container.offsetWidth, container.offsetHeight].join();
              if (now !== seen) { seen = now; fit(); }
            });
            watch.observe(corner);
            watch.observe(container);
          }
          map.whenReady(function () { setTimeout(fit, 0); });
          // The frame's own animated first zoom ends after the first fit: fit once more then.
          var refit = function () { map.off("zoomend", refit); fit(); };
          map.on("zoomend", refit);
          setTimeout(function () { map.off("zoomend", refit); }, 1500);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "FitClearOfLegend"
        self.bounds_json = json.dumps([[round(v, 5) for v in corner] for corner in bounds])
        self.fit_js = FIT_CLEAR_JS


def briefing_frame(
    counties: gpd.GeoDataFrame,
    theme: Theme,
    lang: str,
    context: gpd.GeoDataFrame | None = None,
    prefix: str = IFRAME_PREFIX,
) -> folium.Map:
    """The constant part of the briefing map for a theme and language: background, hatch,
    grey surroundings (light theme), city outline and county names.

    The names sit in Leaflet's marker pane, above whatever layer a slide adds.
    """
    colours = map_colours(theme.name)
    shown = context if theme.name == "light" else None
    m = base_map(counties, lang=lang, prefix=prefix, context=shown, colours=colours)
    m.get_root().header.add_child(Element(map_css(theme)))
    outline_layer(counties.geometry.union_all(), "city", theme.halo, 5).add_to(m)
    names = counties.set_index("adcode")[field_for("name", lang)]
    texts = {a: short_name(n, lang) for a, n in names.items()}
    labels_group(place_labels(anchor_points(counties), texts), "names").add_to(m)
    return m


def slide_layers(
    view: MapView, counties: gpd.GeoDataFrame, lang: str, theme_name: str = DEFAULT_THEME
) -> list[folium.FeatureGroup]:
    """A slide's layers in the theme's colours: the counties with their legend, the places with theirs (each
    swatch the marker itself), the callouts, and the fit to the extent."""
    colours = map_colours(theme_name)
    view = themed(view, colours)
    layers = [choropleth_group(counties, view, colours=colours)]
    if view.sites:
        group = sites_group(view.sites, RING, lang=lang, colours=colours)
        if view.site_legend is not None:
            legend = legend_html(view.site_legend, colours, places=marker_precisions(view.sites))
            LegendControl(legend).add_to(group)
        layers.append(group)
    if view.callouts:
        layers.append(callouts_group(view.callouts, {s.adcode for s in view.sites}))
    fit = folium.FeatureGroup(name="fit")
    extent = counties[counties["adcode"].isin(view.extent)] if view.extent else counties
    FitOnAdd(bounds_of(extent)).add_to(fit)
    layers.append(fit)
    return layers
