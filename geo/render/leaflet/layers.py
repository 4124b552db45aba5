"""The programmes page's map: clustered site points per programme, proportional symbols for
county counts, basemaps in their own datum, and the legend for all of it, drawn from the
page's MapView (geo.views.programmes).

Same rules as geo.render.leaflet.maps: every script and style sheet is a local file, every
text is escaped before it enters the page (geo.render.leaflet.markup), and texts reach
Leaflet as JSON strings (folium's Popup needs jQuery, which st_folium would fetch from a
CDN, and its Tooltip puts text inside a JS template literal).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from folium.map import FitBounds
from folium.plugins import MarkerCluster
from jinja2 import Template
from shapely.geometry import Point

from geo import internals
from geo.i18n import format_number, paren, t
from geo.model.basemaps import Choice, to_datum
from geo.model.classify import Legend
from geo.model.palette import BASE_FILL, BORDER, SELECTED
from geo.render.leaflet.assets import IFRAME_PREFIX, asset_url
from geo.render.leaflet.compact import CompactGeoJson, single
from geo.render.leaflet.maps import HatchPattern, LegendControl, bounds_of, county_geojson, offline_map
from geo.render.leaflet.markup import legend_html, rows_html, text
from geo.render.leaflet.sites import DOT, BoundText, site_marker
from geo.render.leaflet.tiles import tile_layers
from geo.views.mapview import CountyFill, MapView, Site, Symbol

SYMBOL_FILL = "#737373"
SYMBOL_STROKE = "#252525"
MAX_RADIUS_PX = 28.0
LEGEND_WIDTH_PX = 210  # the legend's widest; the first view keeps the counties clear of that strip
# Fill opacities of the counties: a county without a figure shows its hatch plainly; context (dimmed)
# counties and plain backgrounds let the tiles show through, when there are tiles; class and category
# colours are lighter than on the overview, so they do not swallow the site dots.
NO_DATA_OPACITY = 0.9
PLAIN_OPACITY_TILES = 0.35
DIM_OPACITY = 0.75
PLAIN_OPACITY = 0.55
DATA_OPACITY_TILES = 0.45
DATA_OPACITY = 0.55
SYMBOL_OPACITY = 0.38  # a proportional circle's fill: the counties and sites under it stay visible
MAX_ZOOM = 18  # MarkerCluster needs a finite max zoom; a map without tiles has none

CSS = (
    "<style>.bd-site-icon{background:none;border:none}"
    ".bd-site{display:block;width:16px;height:16px;border-radius:50%;box-sizing:border-box;border:3.5px solid;"
    "box-shadow:0 0 0 1.5px rgba(255,255,255,.95),0 1px 3px rgba(0,0,0,.45)}"
    ".bd-hollow{background:rgba(255,255,255,.9)}"
    ".bd-legend .dot{display:inline-block;width:13px;height:13px;border-radius:50%;box-sizing:border-box;"
    "border:3px solid;margin-right:6px;vertical-align:middle}"
    f".bd-legend{{font-size:12px;line-height:1.35;max-width:{LEGEND_WIDTH_PX}px;padding:6px 8px}}"
    ".bd-legend b{font-size:13px}"
    ".bd-legend .sec{margin-top:5px;font-weight:600}"
    ".bd-legend svg{display:block;margin-top:2px}"
    ".marker-cluster-small,.marker-cluster-medium,.marker-cluster-large{background:rgba(37,37,37,.25)}"
    ".marker-cluster-small div,.marker-cluster-medium div,.marker-cluster-large div"
    "{background:rgba(37,37,37,.82);color:#fff;font-weight:600}"
    ".bd-popup{font-size:13px;line-height:1.45}.bd-popup b{font-size:14px}"
    ".bd-popup th{text-align:left;vertical-align:top;white-space:nowrap;padding-right:8px}</style>"
)


class ClusterSubGroups(MacroElement):
    """Routes the markers of several feature groups through one MarkerCluster.

    Each programme stays its own layer in the layer control, but sites of different
    programmes at one spot (several places known only to the same county) still gather
    into one cluster, which spiderfies on click instead of hiding each other. This is
    what Leaflet.FeatureGroup.SubGroup does, in a few lines, without another plugin.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          var cluster = {{ this.cluster.get_name() }};
          var groups = [{% for g in this.groups %}{{ g.get_name() }}{{ "," if not loop.last }}{% endfor %}];
          groups.forEach(function (group) {
            var shown = map.hasLayer(group);
            if (shown) { map.removeLayer(group); }
            group.onAdd = function () { cluster.addLayers(group.getLayers()); };
            group.onRemove = function () { cluster.removeLayers(group.getLayers()); };
            if (shown) { map.addLayer(group); }
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, cluster: MarkerCluster, groups: Sequence[folium.FeatureGroup]):
        super().__init__()
        self._name = "ClusterSubGroups"
        self.cluster = cluster
        self.groups = list(groups)


# ---------------------------------------------------------------------------
# Sizes


@dataclass(frozen=True)
class SymbolScale:
    """Circle radius for a value such that circle AREA is proportional to the value."""

    max_value: float
    max_radius: float = MAX_RADIUS_PX

    def radius(self, value: float) -> float:
        if not self.max_value > 0 or not value > 0:
            return 0.0
        return self.max_radius * math.sqrt(value / self.max_value)


def _nice_floor(x: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above x."""
    if x <= 0:
        return 0.0
    k = math.floor(math.log10(x))
    for m in (5, 2, 1):
        if m * 10**k <= x:
            return float(m * 10**k)
    return float(10 ** (k - 1) * 5)


def reference_values(max_value: float) -> list[float]:
    """Two or three round values for the size legend: near the largest, a quarter and a sixteenth.

    A quarter of the value is half the radius, so the circles nest visibly apart.
    """
    refs: list[float] = []
    for x in (max_value, max_value / 4, max_value / 16):
        v = _nice_floor(x)
        if v > 0 and v not in refs:
            refs.append(v)
    return refs[:3]


def size_legend_svg(scale: SymbolScale, lang: str) -> str:
    """Nested reference circles, bottom-aligned, each labelled with its value."""
    refs = reference_values(scale.max_value)
    r_max = max((scale.radius(v) for v in refs), default=0.0)
    if r_max <= 0:
        return ""
    pad = 8  # room for the top label above the largest circle
    height = 2 * r_max + 3 + pad
    cx = r_max + 3
    label_x = 2 * r_max + 16
    parts = []
    for v in refs:
        r = scale.radius(v)
        cy = height - 3 - r
        top = cy - r
        parts.append(
            f"<circle cx='{cx:.1f}' cy='{cy:.1f}' r='{r:.1f}' fill='{SYMBOL_FILL}' fill-opacity='0.25' "
            f"stroke='{SYMBOL_STROKE}' stroke-width='1'/>"
            f"<line x1='{cx:.1f}' y1='{top:.1f}' x2='{label_x - 3:.1f}' y2='{top:.1f}' stroke='#888' "
            "stroke-dasharray='2,2'/>"
            f"<text x='{label_x:.1f}' y='{top + 4:.1f}' font-size='12'>{text(format_number(v, lang))}</text>"
        )
    width = label_x + 60
    return f"<svg width='{width:.0f}' height='{height:.0f}' aria-hidden='true'>{''.join(parts)}</svg>"


# ---------------------------------------------------------------------------
# Layers


def _shifted(points: Sequence[Site] | Sequence[Symbol], basemap: Choice) -> list[tuple[float, float]]:
    """(lat, lon) of each point in the basemap's datum."""
    if not points:
        return []
    gdf = gpd.GeoDataFrame(geometry=[Point(p.lon, p.lat) for p in points], crs="EPSG:4326")
    return [(g.y, g.x) for g in to_datum(gdf, basemap).geometry]


def add_sites(
    m: folium.Map, sites: Sequence[Site], legend: Legend, basemap: Choice, lang: str, prefix: str = IFRAME_PREFIX
) -> list[folium.FeatureGroup]:
    """One layer per programme (the order of ``legend``'s entries, one per programme), all clustered together."""
    if not sites:
        return []
    cluster = MarkerCluster(
        control=False,
        options={"showCoverageOnHover": False, "maxClusterRadius": 36, "spiderfyDistanceMultiplier": 1.8},
    )
    # Instance attributes: the class lists point at cdnjs and are shared by every session.
    cluster.default_js = [("markerclusterjs", asset_url("markercluster", "leaflet.markercluster.js", prefix))]
    cluster.default_css = [
        ("markerclustercss", asset_url("markercluster", "MarkerCluster.css", prefix)),
        ("markerclusterdefaultcss", asset_url("markercluster", "MarkerCluster.Default.css", prefix)),
    ]
    cluster.add_to(m)
    where = _shifted(sites, basemap)
    programmes = list(dict.fromkeys(s.programme for s in sites))  # the view orders sites as its legend
    groups = []
    for programme, entry in zip(programmes, legend.entries, strict=True):
        color = entry.color
        label = f"{entry.label}{paren(entry.count, lang)}"
        swatch = f"<span class='bd-site bd-filled' style='display:inline-block;width:11px;height:11px;background:{color};border-color:{color};box-shadow:none'></span> "  # noqa: E501
        group = folium.FeatureGroup(name=swatch + text(label), overlay=True, control=True)
        for site, (lat, lon) in zip(sites, where):
            if site.programme == programme:
                site_marker(site, DOT, lat, lon, lang=lang).add_to(group)
        group.add_to(m)
        groups.append(group)
    ClusterSubGroups(cluster, groups).add_to(m)
    return groups


def add_symbols(m: folium.Map, view: MapView, scale: SymbolScale, basemap: Choice) -> folium.FeatureGroup:
    """Proportional circles, largest first so small ones stay on top and reachable."""
    group = folium.FeatureGroup(name=text(view.symbol_title), overlay=True, control=True)
    ranked = sorted(zip(view.symbols, _shifted(view.symbols, basemap)), key=lambda pair: -pair[0].value)
    for symbol, (lat, lon) in ranked:
        r = scale.radius(symbol.value)
        if r <= 0:
            # A reported zero is a value, not a missing one: a small ring, never an invisible circle.
            r, fill_opacity = 3.0, 0.0
        else:
            fill_opacity = SYMBOL_OPACITY
        circle = folium.CircleMarker(
            [lat, lon],
            radius=r,
            color=SYMBOL_STROKE,
            weight=1.2,
            fill=True,
            fill_color=SYMBOL_FILL,
            fill_opacity=fill_opacity,
        )
        circle.add_child(BoundText(tooltip=rows_html(symbol.rows)))
        circle.add_to(group)
    group.add_to(m)
    return group


def county_layer(
    counties: gpd.GeoDataFrame, styles: dict[str, CountyFill], in_view: set[str], tiles: bool
) -> CompactGeoJson:
    """Counties in view filled per ``styles`` (None = no data, hatched); the rest dimmed as context."""

    def style_of(p: dict) -> dict:
        dim = p["adcode"] not in in_view
        if p["nodata"]:
            opacity = NO_DATA_OPACITY
        elif dim or p["fill"] == BASE_FILL:
            opacity = PLAIN_OPACITY_TILES if tiles else (DIM_OPACITY if dim else PLAIN_OPACITY)
        else:
            opacity = DATA_OPACITY_TILES if tiles else DATA_OPACITY
        return {"fillColor": p["fill"], "fillOpacity": opacity, "color": BORDER, "weight": 0.8}

    highlight = {"weight": 2.5, "color": "#111111"}
    return county_geojson(counties, styles, "counties", style_of=style_of, highlight=highlight)


def legend_markup(view: MapView, lang: str, scale: SymbolScale | None = None) -> str:
    """The legend: programme colours, filled vs hollow, then symbol sizes or fill classes."""
    parts = []
    if view.sites and view.site_legend is not None:
        parts.append(f"<b>{text(view.site_legend.title)}</b>")
        for e in view.site_legend.entries:
            dot = f"<span class='dot' style='background:{e.color};border-color:{e.color}'></span>"
            parts.append(f"<div>{dot}{text(e.label)}<span class='n'>({e.count})</span></div>")
        filled = "<span class='dot' style='background:#555;border-color:#555'></span>"
        hollow = "<span class='dot' style='background:#fff;border-color:#555'></span>"
        parts.append(f"<div class='sec'></div><div>{filled}{text(t('legend_filled', lang))}</div>")
        parts.append(f"<div>{hollow}{text(t('legend_hollow', lang))}</div>")
    if scale is not None:
        parts.append(f"<div class='sec'>{text(view.symbol_title)}</div>")
        parts.append(size_legend_svg(scale, lang))
        parts.append(f"<div class='note'>{text(t('legend_area', lang))}</div>")
        if view.no_data:
            parts.append(f"<div class='note'>{text(t('legend_no_circle', lang, n=len(view.no_data)))}</div>")
    if view.legend is not None:
        parts.append(f"<div class='sec'></div>{legend_html(view.legend)}")
    return "".join(parts)


def programme_map(
    view: MapView, counties: gpd.GeoDataFrame, basemap: Choice, lang: str, prefix: str = IFRAME_PREFIX
) -> folium.Map:
    """Counties, proportional symbols and programme sites, all shifted to the basemap's datum.

    The view is WGS-84. Its ``in_view`` counties are drawn with their data (the others are
    dimmed context) and fitted; its ``selection`` gets the selection outline.
    """
    in_view = set(view.in_view or view.counties)
    shifted = to_datum(counties, basemap)
    bounds = bounds_of(shifted[shifted["adcode"].isin(in_view)])
    m = offline_map(bounds, prefix)
    m.options["max_zoom"] = MAX_ZOOM
    # Keep the legend's strip on the right clear of the counties in view, so no circle or
    # place starts out hidden under it.
    for key in [k for k, child in internals.children(m).items() if isinstance(child, FitBounds)]:
        del internals.children(m)[key]
    m.fit_bounds(bounds, padding_bottom_right=(LEGEND_WIDTH_PX + 16, 0), padding_top_left=(8, 8))
    m.get_root().header.add_child(Element(CSS))
    for tiles in tile_layers(basemap):
        tiles.add_to(m)
    if any(c.fill is None for a, c in view.counties.items() if a in in_view):
        HatchPattern().add_to(m)
    county_layer(shifted, view.counties, in_view, bool(basemap.tiles)).add_to(m)
    for geom in shifted[shifted["adcode"].isin(view.selection)].geometry:
        single(geom, {"fill": False, "color": SELECTED, "weight": 2.5}, name="selected").add_to(m)

    scale = None
    if view.symbols:
        scale = SymbolScale(max(s.value for s in view.symbols))
        add_symbols(m, view, scale, basemap)
    if view.site_legend is not None:
        add_sites(m, view.sites, view.site_legend, basemap, lang, prefix)
    markup = legend_markup(view, lang, scale)
    if markup:
        LegendControl(markup, "bottomright").add_to(m)
    folium.LayerControl(position="topleft", collapsed=True).add_to(m)
    return m
