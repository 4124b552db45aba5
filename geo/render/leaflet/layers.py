"""Map layers for the programmes page: clustered site points per programme, proportional
symbols for county counts, basemaps in their own datum, and the legend for all of it.

New builders next to geo.render.leaflet.maps (whose functions keep their behaviour). Same rules: every
script and style sheet is a local file, every text is escaped before it enters the page,
and texts reach Leaflet as JSON strings (folium's Popup needs jQuery, which st_folium
would fetch from a CDN, and its Tooltip puts text inside a JS template literal).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from folium.map import FitBounds
from folium.plugins import MarkerCluster
from jinja2 import Template

from geo.i18n import format_number, paren, t
from geo.model.classify import CATEGORICAL, Legend
from geo.render.leaflet.assets import IFRAME_PREFIX, asset_url
from geo.render.leaflet.basemaps import Choice, tile_layers, to_datum
from geo.render.leaflet.compact import CompactGeoJson, single
from geo.render.leaflet.maps import (
    BORDER,
    SELECTED,
    FeatureStyle,
    HatchPattern,
    bounds_of,
    county_geojson,
    legend_html,
    offline_map,
)

# Okabe–Ito with the yellow last: a yellow ring on a pale map is the hardest to see.
SITE_PALETTE = [c for c in CATEGORICAL if c.upper() != "#F0E442"] + ["#F0E442"]
SYMBOL_FILL = "#737373"
SYMBOL_STROKE = "#252525"
DIM_FILL = "#e4e4e4"  # counties outside the selection: context, not data
BASE_FILL = "#ffffff"
MAX_RADIUS_PX = 28.0
LEGEND_WIDTH_PX = 210
MAX_ZOOM = 18  # MarkerCluster needs a finite max zoom; a map without tiles has none
SITE_ICON_PX = 16
FILLED_PRECISIONS = ("exact", "township")

CSS = (
    "<style>.bd-site-icon{background:none;border:none}"
    ".bd-site{display:block;width:16px;height:16px;border-radius:50%;box-sizing:border-box;border:3.5px solid;"
    "box-shadow:0 0 0 1.5px rgba(255,255,255,.95),0 1px 3px rgba(0,0,0,.45)}"
    ".bd-hollow{background:rgba(255,255,255,.9)}"
    ".bd-legend .dot{display:inline-block;width:13px;height:13px;border-radius:50%;box-sizing:border-box;"
    "border:3px solid;margin-right:6px;vertical-align:middle}"
    ".bd-legend{font-size:12px;line-height:1.35;max-width:210px;padding:6px 8px}.bd-legend b{font-size:13px}"
    ".bd-legend .sec{margin-top:5px;font-weight:600}"
    ".bd-legend svg{display:block;margin-top:2px}"
    ".marker-cluster-small,.marker-cluster-medium,.marker-cluster-large{background:rgba(37,37,37,.25)}"
    ".marker-cluster-small div,.marker-cluster-medium div,.marker-cluster-large div"
    "{background:rgba(37,37,37,.82);color:#fff;font-weight:600}"
    ".bd-popup{font-size:13px;line-height:1.45}.bd-popup b{font-size:14px}"
    ".bd-popup th{text-align:left;vertical-align:top;white-space:nowrap;padding-right:8px}</style>"
)


def _js(text: str) -> str:
    """A Python string as a JS string literal that cannot close the surrounding <script>."""
    return json.dumps(text, ensure_ascii=False).replace("</", "<\\/")


def rows_html(rows: Sequence[tuple[str, str]]) -> str:
    """Label/value rows as an HTML table, every text escaped."""
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def popup_html(title: str, rows: Sequence[tuple[str, str]]) -> str:
    return f"<div class='bd-popup'><b>{html.escape(title)}</b>{rows_html(rows)}</div>"


class BoundText(MacroElement):
    """Binds a popup and/or tooltip (already-escaped HTML) to its parent marker."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}
        {%- if this.popup %}.bindPopup({{ this.popup }}, {maxWidth: 340}){% endif %}
        {%- if this.tooltip %}.bindTooltip({{ this.tooltip }}, {direction: "top", sticky: true}){% endif %};
        {% endmacro %}
        """
    )

    def __init__(self, popup: str | None = None, tooltip: str | None = None):
        super().__init__()
        self._name = "BoundText"
        self.popup = _js(popup) if popup else None
        self.tooltip = _js(tooltip) if tooltip else None


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


class HtmlLegend(MacroElement):
    """A Leaflet control holding legend HTML that the caller escaped."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var legend = L.control({position: {{ this.position_json }}});
          legend.onAdd = function () {
            var div = L.DomUtil.create("div", "bd-legend");
            div.setAttribute("role", "figure");
            div.innerHTML = {{ this.html_json }};
            L.DomEvent.disableScrollPropagation(div);
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, legend_markup: str, position: str = "topright"):
        super().__init__()
        self._name = "HtmlLegend"
        self.html_json = _js(legend_markup)
        self.position_json = _js(position)


# ---------------------------------------------------------------------------
# Colours and sizes


def programme_colors(programmes: Sequence[str]) -> dict[str, str]:
    """A colour per programme, in the order given (the catalogue order of programmes with sites).

    Derived from the data, not from the current selection, so a programme keeps its colour
    while the user switches others on and off. More than eight programmes reuse colours.
    """
    return {p: SITE_PALETTE[i % len(SITE_PALETTE)] for i, p in enumerate(programmes)}


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
            f"<text x='{label_x:.1f}' y='{top + 4:.1f}' font-size='12'>{html.escape(format_number(v, lang))}</text>"
        )
    width = label_x + 60
    return f"<svg width='{width:.0f}' height='{height:.0f}' aria-hidden='true'>{''.join(parts)}</svg>"


# ---------------------------------------------------------------------------
# Layers


@dataclass(frozen=True)
class SymbolLayer:
    """Proportional circles: WGS-84 points with columns ``adcode``, ``number``, ``rows``."""

    points: gpd.GeoDataFrame
    title: str  # indicator name with unit, for the legend and the layer control
    n_no_data: int  # counties in view without a figure: no circle, said in the legend


def site_marker_html(color: str, precision: str) -> str:
    """Filled dot for a located place, hollow ring for a place known only to its county."""
    kind = "bd-filled" if precision in FILLED_PRECISIONS else "bd-hollow"
    fill = f"background:{color};" if kind == "bd-filled" else ""
    return f"<span class='bd-site {kind}' style='{fill}border-color:{color}'></span>"


def precision_text(precision: str, lang: str) -> str:
    return t(f"precision_{precision}", lang)


def add_sites(
    m: folium.Map,
    sites: gpd.GeoDataFrame,
    colors: Mapping[str, str],
    programme_names: Mapping[str, str],
    lang: str,
    prefix: str = IFRAME_PREFIX,
) -> list[folium.FeatureGroup]:
    """One layer per programme (catalogue order of ``colors``), all clustered together.

    ``sites`` are points in the map's datum with ``name_zh``/``name_en``, ``programme``,
    ``precision`` and ``rows`` (popup label/value pairs).
    """
    if sites.empty:
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
    name_col = "name_en" if lang == "en" else "name_zh"
    groups = []
    for programme, color in colors.items():
        mine = sites[sites["programme"] == programme]
        if mine.empty:
            continue
        label = f"{programme_names.get(programme, programme)}{paren(len(mine), lang)}"
        swatch = f"<span class='bd-site bd-filled' style='display:inline-block;width:11px;height:11px;background:{color};border-color:{color};box-shadow:none'></span> "  # noqa: E501
        group = folium.FeatureGroup(name=swatch + html.escape(label), overlay=True, control=True)
        for site in mine.itertuples(index=False):
            name = str(getattr(site, name_col) or site.name_zh)
            marker = folium.Marker(
                [site.geometry.y, site.geometry.x],
                title=name,  # the focusable marker's accessible name (Leaflet sets it as text, not HTML)
                icon=folium.DivIcon(
                    html=site_marker_html(color, site.precision),
                    icon_size=(SITE_ICON_PX, SITE_ICON_PX),
                    icon_anchor=(SITE_ICON_PX // 2, SITE_ICON_PX // 2),
                    class_name="bd-site-icon",
                ),
            )
            marker.add_child(BoundText(popup_html(name, site.rows), html.escape(name)))
            marker.add_to(group)
        group.add_to(m)
        groups.append(group)
    ClusterSubGroups(cluster, groups).add_to(m)
    return groups


def add_symbols(m: folium.Map, layer: SymbolLayer, scale: SymbolScale) -> folium.FeatureGroup:
    """Proportional circles, largest first so small ones stay on top and reachable."""
    group = folium.FeatureGroup(name=html.escape(layer.title), overlay=True, control=True)
    pts = layer.points.sort_values("number", ascending=False)
    for row in pts.itertuples(index=False):
        r = scale.radius(float(row.number))
        if r <= 0:
            # A reported zero is a value, not a missing one: a small ring, never an invisible circle.
            r, fill_opacity = 3.0, 0.0
        else:
            fill_opacity = 0.38
        circle = folium.CircleMarker(
            [row.geometry.y, row.geometry.x], radius=r, color=SYMBOL_STROKE, weight=1.2,
            fill=True, fill_color=SYMBOL_FILL, fill_opacity=fill_opacity,
        )  # fmt: skip
        circle.add_child(BoundText(tooltip=rows_html(row.rows)))
        circle.add_to(group)
    group.add_to(m)
    return group


def county_layer(
    counties: gpd.GeoDataFrame, styles: Mapping[str, FeatureStyle], in_view: set[str], tiles: bool
) -> CompactGeoJson:
    """Counties in view filled per ``styles`` (None = no data, hatched); the rest dimmed as context."""
    all_styles = {
        a: styles.get(a, FeatureStyle(DIM_FILL, [("", n)])) if a in in_view else FeatureStyle(DIM_FILL, [("", n)])
        for a, n in zip(counties["adcode"], counties["name_zh"])
    }

    def style_of(p: dict) -> dict:
        dim = p["adcode"] not in in_view
        if p["nodata"]:
            opacity = 0.9
        elif dim or p["fill"] == BASE_FILL:
            # With tiles underneath, context counties and plain backgrounds let the map show.
            opacity = 0.35 if tiles else (0.75 if dim else 0.55)
        else:
            # Lighter than on the overview: class and category colours must not swallow the site dots.
            opacity = 0.45 if tiles else 0.55
        return {"fillColor": p["fill"], "fillOpacity": opacity, "color": BORDER, "weight": 0.8}

    highlight = {"weight": 2.5, "color": "#111111"}
    return county_geojson(counties, all_styles, "counties", style_of=style_of, highlight=highlight)


def legend_markup(
    colors: Mapping[str, str],
    counts: Mapping[str, int],
    programme_names: Mapping[str, str],
    lang: str,
    symbols: tuple[SymbolLayer, SymbolScale] | None = None,
    fill: Legend | None = None,
) -> str:
    """The legend: programme colours, filled vs hollow, then symbol sizes or fill classes."""
    parts = []
    if counts:
        parts.append(f"<b>{html.escape(t('legend_sites', lang))}</b>")
        for p, color in colors.items():
            if counts.get(p):
                dot = f"<span class='dot' style='background:{color};border-color:{color}'></span>"
                parts.append(
                    f"<div>{dot}{html.escape(programme_names.get(p, p))}<span class='n'>({counts[p]})</span></div>"
                )
        filled = "<span class='dot' style='background:#555;border-color:#555'></span>"
        hollow = "<span class='dot' style='background:#fff;border-color:#555'></span>"
        parts.append(f"<div class='sec'></div><div>{filled}{html.escape(t('legend_filled', lang))}</div>")
        parts.append(f"<div>{hollow}{html.escape(t('legend_hollow', lang))}</div>")
    if symbols is not None:
        layer, scale = symbols
        parts.append(f"<div class='sec'>{html.escape(layer.title)}</div>")
        parts.append(size_legend_svg(scale, lang))
        parts.append(f"<div class='note'>{html.escape(t('legend_area', lang))}</div>")
        if layer.n_no_data:
            parts.append(f"<div class='note'>{html.escape(t('legend_no_circle', lang, n=layer.n_no_data))}</div>")
    if fill is not None:
        parts.append(f"<div class='sec'></div>{legend_html(fill)}")
    return "".join(parts)


def build_programme_map(
    counties: gpd.GeoDataFrame,
    *,
    in_view: Sequence[str],
    selected: Sequence[str],
    styles: Mapping[str, FeatureStyle],
    sites: gpd.GeoDataFrame,
    colors: Mapping[str, str],
    programme_names: Mapping[str, str],
    basemap: Choice,
    lang: str,
    symbols: SymbolLayer | None = None,
    fill_legend: Legend | None = None,
    prefix: str = IFRAME_PREFIX,
) -> folium.Map:
    """Counties, proportional symbols and programme sites, all shifted to the basemap's datum.

    Inputs are WGS-84. ``in_view`` are the counties whose data are drawn (the others are
    dimmed context); ``selected`` get the selection outline.
    """
    view = set(in_view)
    shifted = to_datum(counties, basemap)
    bounds = bounds_of(shifted[shifted["adcode"].isin(view)])
    m = offline_map(bounds, prefix)
    m.options["max_zoom"] = MAX_ZOOM
    # Keep the legend's strip on the right clear of the counties in view, so no circle or
    # place starts out hidden under it.
    for key in [k for k, child in m._children.items() if isinstance(child, FitBounds)]:
        del m._children[key]
    m.fit_bounds(bounds, padding_bottom_right=(LEGEND_WIDTH_PX + 16, 0), padding_top_left=(8, 8))
    m.get_root().header.add_child(Element(CSS))
    for tiles in tile_layers(basemap):
        tiles.add_to(m)
    if any(s.fill is None for a, s in styles.items() if a in view):
        HatchPattern().add_to(m)
    county_layer(shifted, styles, view, bool(basemap.tiles)).add_to(m)
    for geom in shifted[shifted["adcode"].isin(selected)].geometry:
        single(geom, {"fill": False, "color": SELECTED, "weight": 2.5}, name="selected").add_to(m)

    scale = None
    if symbols is not None and not symbols.points.empty:
        scale = SymbolScale(float(symbols.points["number"].max()))
        add_symbols(m, SymbolLayer(to_datum(symbols.points, basemap), symbols.title, symbols.n_no_data), scale)
    add_sites(m, to_datum(sites, basemap) if not sites.empty else sites, colors, programme_names, lang, prefix)

    counts = sites["programme"].value_counts().to_dict() if not sites.empty else {}
    markup = legend_markup(
        colors, counts, programme_names, lang,
        (symbols, scale) if symbols is not None and scale is not None else None, fill_legend,
    )  # fmt: skip
    if markup:
        HtmlLegend(markup, "bottomright").add_to(m)
    folium.LayerControl(position="topleft", collapsed=True).add_to(m)
    return m
