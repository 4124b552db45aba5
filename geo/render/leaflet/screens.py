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
    FitClear(bounds_of(counties), on_add=False).add_to(m)
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
# leaving room either beside them or below them, whichever lets the map zoom in further; then kept so
# while the legends arrive or change size and the frame is laid out or resized (``bdFollowFit``).
PAD_PX = 14  # between the fitted counties and the map's edge or a legend
LEGEND_GAP_PX = 10  # between a legend and the room left for the counties
# While the frame is still being laid out a legend can measure absurdly (wrapped to one character per
# line): room for it that would leave the counties under 40 % of the map is ignored, and the fit runs
# again once the sizes settle.
MAX_LEGEND_SHARE = 0.6
SETTLE_MS = 1500  # the frame's own animated first zoom is over by then: later moves are the user's
WATCH_MS = 2500  # a slide's fit follows its legends' sizes this long after the slide changed, no longer

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
    w = Math.max(w, box.right - r.left + {GAP});
    h = Math.max(h, r.bottom - box.top + {GAP});
  });
  var size = map.getSize();
  if (w > {SHARE} * size.x) { w = 0; }
  if (h > {SHARE} * size.y) { h = 0; }
  var options = {animate: false, padding: [{PAD}, {PAD}]};
  if (w && h) {
    var beside = map.getBoundsZoom(bounds, false, L.point(2 * {PAD} + w, 2 * {PAD}));
    var below = map.getBoundsZoom(bounds, false, L.point(2 * {PAD}, 2 * {PAD} + h));
    options = beside >= below
      ? {animate: false, paddingTopLeft: [{PAD}, {PAD}], paddingBottomRight: [{PAD} + w, {PAD}]}
      : {animate: false, paddingTopLeft: [{PAD}, {PAD} + h], paddingBottomRight: [{PAD}, {PAD}]};
  }
  map.fitBounds(bounds, options);
}

// Fit ``bounds`` clear of the legends now (``opts.now``) or once the map is ready, and again whenever the
// legends' corner or the frame changes size (for ``opts.watch`` ms; 0: as long as the page lives) and
// when the frame's own animated first zoom ends. ``opts.yieldToUser``: stop for good once the user
// moves the map (wheel, drag, keys, zoom buttons, a click, or any move once the frame has settled).
function bdFollowFit(map, bounds, opts) {
  var container = map.getContainer(), moved = false, fitting = false, settled = false;
  if (opts.yieldToUser) {
    ["wheel", "mousedown", "touchstart", "keydown", "dblclick"].forEach(function (kind) {
      container.addEventListener(kind, function () { moved = true; }, {capture: true, passive: true});
    });
    // Once the frame has settled, any move that is not this fit is the user's (or a script's) own.
    setTimeout(function () { settled = true; }, {SETTLE});
    map.on("movestart", function () { if (settled && !fitting) { moved = true; } });
  }
  function fit() {
    if (moved) { return; }
    fitting = true;
    try { bdFitClear(map, bounds); } finally { fitting = false; }
  }
  if (opts.now) { fit(); }
  var corner = container.querySelector(".leaflet-top.leaflet-right");
  if (corner && window.ResizeObserver) {
    var size = function () {
      return [corner.offsetWidth, corner.offsetHeight, container.offsetWidth, container.offsetHeight].join();
    };
    var seen = opts.now ? size() : "";  // the sizes already fitted for
    var watch = new ResizeObserver(function () {
      var now = size();
      if (now !== seen) { seen = now; fit(); }
    });
    watch.observe(corner);
    watch.observe(container);
    if (opts.watch) { setTimeout(function () { watch.disconnect(); }, opts.watch); }
  }
  if (opts.now) { setTimeout(fit, 0); } else { map.whenReady(function () { setTimeout(fit, 0); }); }
  // On a fresh map the frame's own animated first zoom ends after the first fit: fit once more then.
  var refit = function () { map.off("zoomend", refit); fit(); };
  map.on("zoomend", refit);
  setTimeout(function () { map.off("zoomend", refit); }, {SETTLE});
}
"""
for _key, _value in {
    "{ANIMATING}": internals.LEAFLET_ANIMATING_ZOOM,
    "{PAD}": PAD_PX,
    "{GAP}": LEGEND_GAP_PX,
    "{SHARE}": MAX_LEGEND_SHARE,
    "{SETTLE}": SETTLE_MS,
}.items():
    FIT_CLEAR_JS = FIT_CLEAR_JS.replace(_key, str(_value))


class FitClear(MacroElement):
    """Fits the map to ``bounds`` clear of the legends (``bdFollowFit``), in one of two ways.

    ``on_add=False`` (the overview's constant frame): the first view, kept so while the legend changes
    size, until the user moves the map; from then on the user's view stays across reruns. Part of the
    frame, so it does not itself change the map's identity.

    ``on_add=True`` (a slide's layers): a Leaflet layer that fits whenever its feature group is added.
    st_folium re-adds the swappable feature groups only when they change, so a new slide moves the map,
    a rerun of the same slide leaves the presenter's zoom alone, and the fit follows the legends only
    for ``WATCH_MS`` after the slide changed (the presenter's own zooming is never undone).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          {{ this.fit_js }}
          var bounds = L.latLngBounds({{ this.bounds_json }});
          {% if this.on_add %}
          var Fit = L.Layer.extend({
            onAdd: function (map) { bdFollowFit(map, bounds, {{ this.options_json }}); return this; },
            onRemove: function () { return this; }
          });
          new Fit().addTo({{ this._parent.get_name() }});
          {% else %}
          bdFollowFit({{ this._parent.get_name() }}, bounds, {{ this.options_json }});
          {% endif %}
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]], *, on_add: bool):
        super().__init__()
        self._name = "FitOnAdd" if on_add else "FitClearOfLegend"
        self.on_add = on_add
        self.bounds_json = json.dumps([[round(v, 5) for v in corner] for corner in bounds])
        options = (
            {"now": True, "watch": WATCH_MS, "yieldToUser": False}
            if on_add
            else {"now": False, "watch": 0, "yieldToUser": True}
        )
        self.options_json = json.dumps(options)
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
    FitClear(bounds_of(extent), on_add=True).add_to(fit)
    layers.append(fit)
    return layers
