"""folium map builders: they draw a geo.views.mapview.MapView and never render the map.

Everything a map loads comes from the app's own static folder (see geo.render.leaflet.assets):
no tiles by default, Leaflet from a pip package, legend and no-data hatch drawn here
rather than through branca colormaps (which pull d3 from fixed CDN URLs). Colours come
from the view (fills, legend) and geo.model.palette (borders, outlines, surroundings).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.i18n import field_for
from geo.model.classify import NO_DATA_FILL
from geo.model.palette import (
    CONTEXT_FILL,
    CONTEXT_LINE,
    CONTEXT_TEXT,
    LIGHT_MAP,
    LOCATOR_OTHER,
    SELECTED,
    XIONGAN_LINE,
    MapColours,
)
from geo.render.leaflet.assets import IFRAME_PREFIX, asset_url
from geo.render.leaflet.compact import CompactGeoJson, elements_in, payload, single, to_json, topo_payload
from geo.render.leaflet.markup import legend_html, rows_html, text
from geo.views.mapview import SIDES, Callout, CountyFill, MapView, Outline


def offline_map(bounds: list[list[float]], prefix: str = IFRAME_PREFIX, colours: MapColours = LIGHT_MAP) -> folium.Map:
    """An empty Leaflet map with no tiles, whose scripts and styles are local files (``colours``: the
    theme's background, names, callouts and legend swatches)."""
    c = colours
    m = folium.Map(
        location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
        zoom_start=8,
        tiles=None,
        control_scale=False,  # MapFurniture adds a metric-only one
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    MapFurniture().add_to(m)
    # Instance attributes: the class lists are shared by every session of the server.
    m.default_js = [("leaflet", asset_url("leaflet", "leaflet.js", prefix))]
    m.default_css = [("leaflet_css", asset_url("leaflet", "leaflet.css", prefix))]
    m.get_root().header.add_child(
        Element(
            f"<style>.leaflet-container{{background:{c.ground};font-family:"
            "'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif}"
            ".bd-legend{background:rgba(255,255,255,.94);padding:8px 10px;border-radius:6px;"
            "box-shadow:0 1px 4px rgba(0,0,0,.3);font-size:13px;line-height:1.5;max-width:260px}"
            ".bd-legend b{display:block;margin-bottom:4px;font-size:14px}"
            ".bd-legend i{display:inline-block;width:18px;height:12px;margin-right:6px;"
            f"vertical-align:middle;border:1px solid {c.swatch_edge}}}"
            # A place's legend swatch: the marker itself, a ring (hollow) or a dot, with its edge.
            ".bd-legend i.bd-ring-swatch{width:14px;height:14px;box-sizing:border-box;border-radius:50%;"
            f"border:3.5px solid;box-shadow:0 0 0 1.5px {c.site_edge};margin:2px 8px 2px 2px}}"
            ".bd-legend .n{color:#555;margin-left:4px}"
            ".bd-legend .note{margin-top:4px;color:#444;font-size:12px}"
            ".leaflet-tooltip{max-width:340px;white-space:normal;font-size:13px}"
            "@media (max-width:480px){.bd-legend{font-size:11px;max-width:190px;padding:5px 7px}"
            ".bd-legend b{font-size:12px}.bd-legend i{width:14px;height:10px}}"
            ".bd-label{pointer-events:none}"
            f".bd-context-label div{{font-size:12px;color:{CONTEXT_TEXT};text-align:center;white-space:nowrap}}"
            f".bd-label div{{font-weight:600;font-size:13px;line-height:1.3;color:{c.label_text};text-align:center;"
            f"white-space:nowrap;text-shadow:0 0 3px {c.label_halo},0 0 3px {c.label_halo},0 0 2px {c.label_halo}}}"
            f".bd-label small{{display:block;font-weight:500;font-size:.9em;color:{c.label_small}}}"
            # A callout: a 0×0 marker at the county's point, the box centred on it (below it under a
            # place marker); names it covers are hidden (bd-covered) rather than drawn through it.
            ".bd-callout{pointer-events:none}"
            ".bd-callout .bd-callout-box{position:absolute;left:0;top:0;transform:translate(-50%,-50%);"
            f"white-space:nowrap;text-align:center;background:rgba(255,255,255,.96);color:{c.label_text};"
            f"border:1.5px solid {c.label_text};border-radius:6px;padding:3px 9px 4px;"
            "box-shadow:0 1px 5px rgba(0,0,0,.35);font-size:clamp(14px, 2.5vh, 22px);line-height:1.25}"
            ".bd-callout .bd-callout-box.below{transform:translate(-50%,2px)}"
            f".bd-leader{{position:absolute;left:0;top:0;overflow:visible}}.bd-leader line{{stroke:{c.label_text};"
            f"stroke-width:1.8}}.bd-leader circle{{fill:{c.label_text};stroke:{c.label_halo};stroke-width:1.5}}"
            ".bd-callout b{display:block;font-size:.85em;font-weight:600}"
            ".bd-callout strong{display:block;font-weight:800}"
            ".bd-covered{visibility:hidden}"
            ".leaflet-tooltip th{white-space:nowrap;vertical-align:top;text-align:left;padding-right:8px}</style>"
        )
    )
    m.fit_bounds(bounds)
    return m


# Leaflet 1.9's own prefix carries a national flag before the name: the plain link instead.
ATTRIBUTION_PREFIX = '<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">Leaflet</a>'


class MapFurniture(MacroElement):
    """What every map has in its corners: the attribution prefix as the plain Leaflet link, and a
    metric-only scale bar (kilometres; no miles on a Chinese map)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          if (map.attributionControl) { map.attributionControl.setPrefix({{ this.prefix_json }}); }
          L.control.scale({imperial: false, metric: true}).addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "MapFurniture"
        self.prefix_json = to_json(ATTRIBUTION_PREFIX)


def hatch_fill(tint: str | None) -> str:
    """The SVG fill of a county without data: the grey hatch, on ``tint`` (a #rrggbb colour) if given.

    The pattern of a tint is made in the browser from its id (HatchPattern), so a view may bring any tint.
    """
    if tint is None:
        return NO_DATA_FILL
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", tint):
        raise ValueError(f"a hatch tint must be a #rrggbb colour, not {tint!r}")
    return f"url(#nodata-hatch-{tint[1:].lower()})"


def county_properties(adcode: str, style: CountyFill) -> dict:
    """What a county feature carries to the browser; every text is escaped before it enters.

    No name of its own: the tooltip names the county in the page's language (a name in one fixed
    language here would be the other language's on half the pages).
    """
    return {
        "adcode": adcode,
        "fill": style.fill or hatch_fill(style.tint),
        "nodata": style.fill is None,
        "planned": style.planned,
        "tip": rows_html(style.rows),
    }


def style_for(colours: MapColours = LIGHT_MAP):
    """A county's Leaflet style in the theme's colours: its fill, the border, a dashed outline when planned."""

    def style(properties: dict) -> dict:
        out = {
            "fillColor": properties["fill"],
            "fillOpacity": 1.0 if properties["nodata"] else colours.fill_opacity,
            "color": colours.border,
            "weight": 0.8,
        }
        if properties.get("planned"):
            out.update(color=colours.planned_line, weight=2.2, dashArray="6 4")
        return out

    return style


_style = style_for(LIGHT_MAP)


def highlight_for(colours: MapColours = LIGHT_MAP) -> dict:
    return {"weight": 3, "color": colours.highlight}


HIGHLIGHT = highlight_for(LIGHT_MAP)


def county_geojson(
    gdf: gpd.GeoDataFrame,
    styles: dict[str, CountyFill],
    name: str,
    style_of=_style,
    highlight: dict | None = HIGHLIGHT,
) -> CompactGeoJson:
    """Counties filled per ``styles``, each with an HTML tooltip that was escaped when built."""
    items = []
    for row in gdf.itertuples():
        props = county_properties(row.adcode, styles[row.adcode])
        items.append((row.geometry, props, style_of(props)))
    return CompactGeoJson(topo_payload(items), name=name, highlight=highlight)


def outline_layer(geometry, name: str, color: str, weight: float, tooltip: str | None = None) -> CompactGeoJson:
    """A non-filled outline that never takes clicks unless it has a tooltip."""
    tip = text(tooltip) if tooltip else None
    return single(geometry, {"fill": False, "color": color, "weight": weight}, tip=tip, name=name)


class HatchPattern(MacroElement):
    """Defines the SVG pattern that no-data counties are filled with."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          function pattern(svg, defs, id, background, stripe) {
            var ns = svg.namespaceURI;
            var p = document.createElementNS(ns, "pattern");
            p.setAttribute("id", id);
            p.setAttribute("patternUnits", "userSpaceOnUse");
            p.setAttribute("width", "8"); p.setAttribute("height", "8");
            p.setAttribute("patternTransform", "rotate(45)");
            var bg = document.createElementNS(ns, "rect");
            bg.setAttribute("width", "8"); bg.setAttribute("height", "8");
            bg.setAttribute("fill", background);
            var line = document.createElementNS(ns, "rect");
            line.setAttribute("width", "2.5"); line.setAttribute("height", "8");
            line.setAttribute("fill", stripe);
            p.appendChild(bg); p.appendChild(line); defs.appendChild(p);
          }
          function addHatch() {
            var svg = map.getPanes().overlayPane.querySelector("svg");
            if (!svg) { return; }
            var defs = svg.querySelector("defs#nodata-defs");
            if (!defs) {
              defs = document.createElementNS(svg.namespaceURI, "defs");
              defs.setAttribute("id", "nodata-defs");
              svg.insertBefore(defs, svg.firstChild);
              pattern(svg, defs, "nodata-hatch", {{ this.bg_json }}, {{ this.line_json }});
            }
            // A tinted hatch (url(#nodata-hatch-rrggbb)) gets its pattern the first time a county asks for it.
            svg.querySelectorAll("path[fill^='url(#nodata-hatch-']").forEach(function (path) {
              var id = path.getAttribute("fill").slice(5, -1);
              if (/^nodata-hatch-[0-9a-f]{6}$/.test(id) && !defs.querySelector("#" + id)) {
                pattern(svg, defs, id, "#" + id.slice(13), {{ this.tint_line_json }});
              }
            });
          }
          addHatch();
          map.on("layeradd", addHatch);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, colours: MapColours = LIGHT_MAP):
        super().__init__()
        self._name = "HatchPattern"
        self.bg_json = to_json(colours.hatch_bg)
        self.line_json = to_json(colours.hatch_line)
        self.tint_line_json = to_json(colours.hatch_tint_line)


class LegendControl(MacroElement):
    """The one legend control: escaped legend HTML (geo.render.leaflet.markup) in a Leaflet
    control, shown while this layer is on the map.

    Being a layer, it can live in a FeatureGroup that st_folium swaps in and out
    (``feature_group_to_add``): the old legend leaves with the old indicator.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var LegendLayer = L.Layer.extend({
            onAdd: function (map) {
              var control = L.control({position: {{ this.position_json }}});
              control.onAdd = function () {
                var div = L.DomUtil.create("div", "bd-legend");
                div.setAttribute("role", "figure");
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
              };
              this._control = control.addTo(map);
              return this;
            },
            onRemove: function () { if (this._control) { this._control.remove(); } return this; }
          });
          new LegendLayer().addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, markup: str, position: str = "topright"):
        super().__init__()
        self._name = "LegendControl"
        self.markup = markup
        self.html_json = to_json(markup)
        self.position_json = to_json(position)


def base_map(
    counties: gpd.GeoDataFrame,
    *,
    lang: str,
    prefix: str = IFRAME_PREFIX,
    context: gpd.GeoDataFrame | None = None,
    colours: MapColours = LIGHT_MAP,
) -> folium.Map:
    """The part of the map that never changes with the indicator: frame, hatch pattern, grey context.

    Keeping its script identical across reruns keeps st_folium from remounting the map,
    so the user's zoom and centre survive a change of indicator.
    """
    m = offline_map(bounds_of(counties), prefix, colours)
    HatchPattern(colours).add_to(m)
    if context is not None and not context.empty:
        surroundings_group(context, counties, lang).add_to(m)
    return m


def surroundings_group(context: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, lang: str) -> folium.FeatureGroup:
    """Neighbours, Beijing and Tianjin in grey with their names, and the Xiong'an outline; none takes clicks."""
    from geo.model.context import label_points, xiongan_outline

    fg = folium.FeatureGroup(name="context", control=False)
    style = {"fillColor": CONTEXT_FILL, "fillOpacity": 1, "color": CONTEXT_LINE, "weight": 0.8}
    CompactGeoJson(payload([(g, {}) for g in context.geometry], [style]), name="context", interactive=False).add_to(fg)
    name_col = field_for("name", lang)
    rows = [
        (point.y, point.x, f"<div>{text(name)}</div>", 90, 18)
        for point, name in zip(label_points(context).geometry, context[name_col])
    ]
    TextMarkers(rows, "bd-context-label").add_to(fg)
    xiongan = xiongan_outline(counties)
    if not xiongan.is_empty:
        xiongan_style = {"fill": False, "color": XIONGAN_LINE, "weight": 2, "dashArray": "2 5"}
        single(xiongan, xiongan_style, name="xiongan").add_to(fg)
    return fg


def choropleth_group(
    counties: gpd.GeoDataFrame, view: MapView, name: str = "", colours: MapColours = LIGHT_MAP
) -> folium.FeatureGroup:
    """The view's counties coloured (hatched where there is no data), or the city as one unit, with the legend.

    ``view`` in the theme's colours already (geo.views.mapview.themed); ``colours`` draws the rest."""
    fg = folium.FeatureGroup(name=name or view.title)
    if view.mode == "city" and view.city is not None:
        city = counties.geometry.union_all()
        city_style = {"fillColor": view.city.fill, "fillOpacity": 0.8, "color": colours.border, "weight": 2}
        single(city, city_style, tip=rows_html(view.city.rows), name=fg.layer_name).add_to(fg)
        # The counties stay outlined and clickable (their names as tooltips) over the city's fill.
        outline = {"fillOpacity": 0.0, "fillColor": "#ffffff", "color": colours.border, "weight": 0.6}
        styles = {a: CountyFill("transparent", c.rows) for a, c in view.counties.items()}
        county_geojson(counties, styles, "counties", style_of=lambda _p: outline).add_to(fg)
    else:
        county_geojson(
            counties, view.counties, fg.layer_name, style_of=style_for(colours), highlight=highlight_for(colours)
        ).add_to(fg)
    if view.legend is not None:
        LegendControl(legend_html(view.legend, colours)).add_to(fg)
    return fg


def locator_group(
    counties: gpd.GeoDataFrame, adcodes: list[str], *, lang: str, name: str = "locator"
) -> folium.FeatureGroup:
    """All counties quiet grey, the chosen ones in the selection colour: where is this county?

    Tooltips name each county in ``lang`` (the page's language).
    """
    fills = {
        a: CountyFill(SELECTED if a in adcodes else LOCATOR_OTHER, (("", str(n)),))
        for a, n in zip(counties["adcode"], counties[field_for("name", lang)])
    }
    return choropleth_group(counties, MapView("county", name, fills, None), name)


def selection_group(counties: gpd.GeoDataFrame, adcodes: Sequence[str], name: str = "selection") -> folium.FeatureGroup:
    """Strong outlines of the selected counties, for st_folium's feature_group_to_add.

    Passed that way, changing the selection does not rebuild the map (no flicker, zoom kept).
    """
    fg = folium.FeatureGroup(name=name)
    for geom in counties[counties["adcode"].isin(adcodes)].geometry:
        outline_layer(geom, name, SELECTED, 4).add_to(fg)
    return fg


def bounds_of(gdf: gpd.GeoDataFrame) -> list[list[float]]:
    minx, miny, maxx, maxy = gdf.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def asset_links(m: folium.Map) -> list[str]:
    """Every JS/CSS URL any element of the map asks the page to load (what st_folium loads)."""
    links: list[str] = []
    for el in elements_in(m):
        links.extend(src for _, src in getattr(el, "default_js", []))
        links.extend(href for _, href in getattr(el, "default_css", []))
    return list(dict.fromkeys(links))


class LabelZoom(MacroElement):
    """Shows each label from its own zoom on (no collisions) and grows the type as the map zooms in."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var group = {{ this._parent.get_name() }};
          function update() {
            var map = group._map; if (!map) { return; }
            var z = map.getZoom();
            var size = Math.max(12, Math.min(20, 13 + 2 * (z - {{ this.base_zoom }})));
            group.eachLayer(function (layer) {
              var el = layer.getElement && layer.getElement();
              if (!el || !el.firstChild) { return; }
              var min = parseFloat(el.firstChild.getAttribute("data-minzoom"));
              el.style.display = z + 1e-6 >= min ? "" : "none";
              el.firstChild.style.fontSize = size + "px";
            });
          }
          group.on("add", function () { update(); group._map.on("zoomend", update); });
          group.on("remove", function (e) { if (e.target._map) { e.target._map.off("zoomend", update); } });
          if (group._map) { update(); group._map.on("zoomend", update); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, base_zoom: float = 8.25):
        super().__init__()
        self._name = "LabelZoom"
        self.base_zoom = base_zoom


class TextMarkers(MacroElement):
    """Non-interactive text on the map: one JSON row per label, markers made in a loop.

    Each row is [lat, lon, html, width, height]; the HTML is escaped by the caller. The
    same markers written by folium one by one cost ~600 bytes each in the map script.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var group = {{ this._parent.get_name() }};
          {{ this.rows_json }}.forEach(function (r) {
            var icon = L.divIcon({html: r[2], className: {{ this.class_json }}, iconSize: [r[3], r[4]],
                                  iconAnchor: [r[3] / 2, r[4] / 2]});
            L.marker([r[0], r[1]], {icon: icon, interactive: false, keyboard: false}).addTo(group);
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[tuple[float, float, str, int, int]], class_name: str):
        super().__init__()
        self._name = "TextMarkers"
        self.rows = [[round(lat, 5), round(lon, 5), body, w, h] for lat, lon, body, w, h in rows]
        self.rows_json = to_json(self.rows)
        self.class_json = to_json(class_name)


def labels_group(labels, name: str = "labels") -> folium.FeatureGroup:
    """Permanent county names (and values), placed by geo.model.labels so they never overlap."""
    fg = folium.FeatureGroup(name=name)
    rows = []
    for lb in labels:
        first, *rest = lb.text.split("\n")
        extra = "".join(f"<small>{text(line)}</small>" for line in rest)
        body = f"<div data-minzoom='{lb.min_zoom:g}' data-adcode='{text(lb.adcode)}'>{text(first)}{extra}</div>"
        rows.append((lb.lat, lb.lon, body, 2 * round(lb.width_px / 2) + 8, 2 * round(lb.height_px / 2)))
    TextMarkers(rows, "bd-label").add_to(fg)
    LabelZoom().add_to(fg)
    return fg


class Callouts(MacroElement):
    """Counties' figures in boxes on the map; the names they cover are hidden while they are shown.

    Each row is [lat, lon, html, adcode] (HTML escaped by the caller, see ``callout_html``). The
    county names (and any label) that a box would cover get the class bd-covered, measured again
    after each zoom.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var group = {{ this._parent.get_name() }};
          var rows = {{ this.rows_json }};
          var boxes = rows.map(function (r) {
            var icon = L.divIcon({html: r[2], className: "bd-callout", iconSize: [0, 0], iconAnchor: [0, 0]});
            return L.marker([r[0], r[1]], {icon: icon, interactive: false, keyboard: false, zIndexOffset: 1000})
              .addTo(group);
          });
          var mine = rows.map(function (r) { return r[3]; });
          function covered(a, b) {
            return a.left < b.right + 3 && b.left < a.right + 3 && a.top < b.bottom + 3 && b.top < a.bottom + 3;
          }
          function update() {
            var map = group._map; if (!map) { return; }
            var rects = boxes.map(function (m) {
              var el = m.getElement() && m.getElement().querySelector(".bd-callout-box");
              return el ? el.getBoundingClientRect() : null;
            }).filter(Boolean);
            map.getPane("markerPane").querySelectorAll(".bd-label").forEach(function (label) {
              var inner = label.firstChild;
              label.classList.remove("bd-covered");
              if (!inner) { return; }
              var r = inner.getBoundingClientRect();
              var hide = mine.indexOf(inner.getAttribute("data-adcode")) >= 0
                || (r.width > 0 && rects.some(function (b) { return covered(r, b); }));
              if (hide) { label.classList.add("bd-covered"); }
            });
          }
          function later() { setTimeout(update, 0); }
          group.on("add", function () { later(); group._map.on("zoomend", later); });
          group.on("remove", function (e) {
            var map = e.target._map;  // still set while "remove" fires
            if (!map) { return; }
            map.off("zoomend", later);
            map.getPane("markerPane").querySelectorAll(".bd-covered").forEach(function (el) {
              el.classList.remove("bd-covered");
            });
          });
          if (group._map) { later(); group._map.on("zoomend", later); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list]):
        super().__init__()
        self._name = "Callouts"
        self.rows = rows
        self.rows_json = to_json(rows)


def callouts_group(
    callouts: Sequence[Callout], marked: Collection[str] = (), name: str = "callouts"
) -> folium.FeatureGroup:
    """The view's callouts: name and value of each county that has a figure, in large type on the map.

    ``marked``: adcodes whose point carries a place marker (the box then hangs below it).
    """
    fg = folium.FeatureGroup(name=name)
    rows = [
        [round(c.lat, 5), round(c.lon, 5), callout_html(c, below=c.adcode in marked), text(c.adcode)] for c in callouts
    ]
    Callouts(rows).add_to(fg)
    return fg


LEADER_PX = 30  # how far a callout that stands off its county sits from the county's point


def callout_html(c: Callout, *, below: bool = False) -> str:
    """A callout's box (escaped name and value), at the point, below it (``below``: a place marker sits
    there) or, when the view says so, off to one side at the end of a leader line from the point."""
    body = f"<b>{text(c.name)}</b><strong>{text(c.value)}</strong>"
    if not c.side:
        return f"<div class='bd-callout-box{' below' if below else ''}'>{body}</div>"
    east, north = SIDES[c.side]
    x, y = round(east * LEADER_PX), round(-north * LEADER_PX)  # the screen's y grows downwards
    # The box's edge (or corner) facing the point touches the leader's end.
    tx = "-50%" if abs(east) < 0.01 else ("0" if east > 0 else "-100%")
    ty = "-50%" if abs(north) < 0.01 else ("-100%" if north > 0 else "0")
    leader = f"<svg class='bd-leader' width='1' height='1'><line x1='0' y1='0' x2='{x}' y2='{y}'/><circle r='4'/></svg>"
    style = f"left:{x}px;top:{y}px;transform:translate({tx},{ty})"
    return f"{leader}<div class='bd-callout-box' style='{style}'>{body}</div>"


def group_outline(counties: gpd.GeoDataFrame, outline: Outline) -> folium.FeatureGroup:
    """One strong outline around a group of counties (e.g. the nine poor counties)."""
    fg = folium.FeatureGroup(name=outline.name)
    chosen = counties[counties["adcode"].isin(outline.adcodes)]
    if not chosen.empty:
        outline_layer(chosen.geometry.union_all(), outline.name, outline.color, 3.5).add_to(fg)
    return fg
