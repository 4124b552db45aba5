"""Compact GeoJSON for the map script: quantised, delta-encoded rings decoded in the browser.

folium.GeoJson inlines every coordinate as a full-precision JSON float (~21 bytes per
vertex here), and streamlit-folium re-sends the whole map script over the websocket on
every rerun. ``CompactGeoJson`` sends each ring as one encoded-polyline string instead
(integers at 1e-4 degrees, about 10 m, deltas in base-32 ASCII: ~3 bytes per vertex) and a
short decoder turns it back into an ordinary ``L.geoJson`` layer *synchronously*, in the
same script, so streamlit-folium's click hooks, tooltips and ``last_active_drawing``
(the clicked feature's properties) work as with folium's own layer.

Quantisation is to a fixed grid, so a vertex shared by two neighbours lands on the same
grid point in both: the coverage stays free of gaps and overlaps.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence

from branca.element import MacroElement
from jinja2 import Template
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

# 1e-4 degrees: 11 m north-south, 8.6 m east-west at Baoding; under a pixel up to zoom 13 and
# well inside the boundaries' own simplification error (median 30 m, max 94 m).
SCALE = 10_000


def _encode_number(v: int) -> str:
    v = ~(v << 1) if v < 0 else v << 1
    out = []
    while v >= 0x20:
        out.append(chr((0x20 | (v & 0x1F)) + 63))
        v >>= 5
    out.append(chr(v + 63))
    return "".join(out)


def encode_ring(coords: Iterable[Sequence[float]], scale: int = SCALE) -> str:
    """(lon, lat) pairs -> one encoded-polyline string (lat first, as Google's algorithm)."""
    parts = []
    px = py = 0
    for x, y, *_ in coords:
        ix, iy = round(x * scale), round(y * scale)
        parts.append(_encode_number(iy - py))
        parts.append(_encode_number(ix - px))
        px, py = ix, iy
    return "".join(parts)


def decode_ring(s: str, scale: int = SCALE) -> list[tuple[float, float]]:
    """The inverse of :func:`encode_ring` (the browser runs the same loop in JS)."""
    out: list[tuple[float, float]] = []
    i = lat = lng = 0
    while i < len(s):
        deltas = []
        for _ in range(2):
            result = shift = 0
            while True:
                b = ord(s[i]) - 63
                i += 1
                result |= (b & 0x1F) << shift
                shift += 5
                if b < 0x20:
                    break
            deltas.append(~(result >> 1) if result & 1 else result >> 1)
        lat += deltas[0]
        lng += deltas[1]
        out.append((lng / scale, lat / scale))
    return out


def encode_geometry(geom: BaseGeometry) -> tuple[str, list]:
    """("P", [[ring, hole, ...], ...]) for areas, ("L", [line, ...]) for lines."""
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if isinstance(geom, LineString):
        geom = MultiLineString([geom])
    if isinstance(geom, MultiPolygon):
        return "P", [
            [encode_ring(p.exterior.coords), *(encode_ring(r.coords) for r in p.interiors)]
            for p in geom.geoms
            if not p.is_empty
        ]
    if isinstance(geom, MultiLineString):
        return "L", [encode_ring(line.coords) for line in geom.geoms if not line.is_empty]
    if hasattr(geom, "geoms"):  # a GeometryCollection: areas only (what a union can leave behind)
        polys = [g for g in geom.geoms if isinstance(g, (Polygon, MultiPolygon))]
        parts = [q for g in polys for q in (g.geoms if isinstance(g, MultiPolygon) else [g])]
        return encode_geometry(MultiPolygon(parts))
    raise TypeError(f"cannot encode {geom.geom_type}")


# Boundaries are the same objects run after run: each is encoded once per process.
_encode_cached = functools.lru_cache(maxsize=4096)(encode_geometry)


def payload(
    features: Iterable[tuple[BaseGeometry, Mapping]],
    styles: Sequence[Mapping],
    style_of: Sequence[int] | None = None,
) -> dict:
    """{"k": scale, "s": [Leaflet path options...], "f": [{"t", "g", "p", "i"}...]}."""
    out = []
    for n, (geom, props) in enumerate(features):
        kind, parts = _encode_cached(geom)
        out.append({"t": kind, "g": parts, "p": dict(props), "i": style_of[n] if style_of else 0})
    return {"k": SCALE, "s": [dict(s) for s in styles], "f": out}


def styled_payload(items: Iterable[tuple[BaseGeometry, Mapping, Mapping]]) -> dict:
    """A payload from (geometry, properties, style) triples; equal styles are sent once."""
    styles: list[Mapping] = []
    index: dict[str, int] = {}
    features, style_of = [], []
    for geom, props, style in items:
        key = json.dumps(style, sort_keys=True)
        if key not in index:
            index[key] = len(styles)
            styles.append(style)
        features.append((geom, props))
        style_of.append(index[key])
    return payload(features, styles, style_of)


def decode_payload(data: Mapping) -> dict:
    """The GeoJSON FeatureCollection the browser builds from a payload (for tests)."""
    k = data["k"]
    features = []
    for f in data["f"]:
        if f["t"] == "L":
            geometry = {"type": "MultiLineString", "coordinates": [decode_ring(s, k) for s in f["g"]]}
        else:
            geometry = {"type": "MultiPolygon", "coordinates": [[decode_ring(s, k) for s in p] for p in f["g"]]}
        features.append({"type": "Feature", "properties": f["p"], "geometry": geometry, "style": data["s"][f["i"]]})
    return {"type": "FeatureCollection", "features": features}


_JINJA_OPENERS = re.compile(r"\{(?=[{%#])")


def to_json(obj) -> str:
    """Compact JSON that is safe inside a <script> element and inside a Jinja template.

    branca wraps each rendered script in a new Template, so a ``{{``, ``{%`` or ``{#``
    in the data (encoded rings can produce ``{{``) would be read as Jinja; the brace is
    written as the JSON escape ``\\u007b`` instead, which JavaScript reads back as ``{``.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return _JINJA_OPENERS.sub(r"\\u007b", text)


class CompactGeoJson(MacroElement):
    """An ``L.geoJson`` layer built in the browser from :func:`payload`.

    Properties named ``tip`` become a sticky tooltip (HTML, escaped by whoever built it);
    ``highlight`` is the style a hovered feature takes; ``interactive=False`` lets clicks
    through (outlines, grey surroundings).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
          function dec(s, k) {
            var out = [], i = 0, lat = 0, lng = 0, n = s.length;
            while (i < n) {
              var r = 0, sh = 0, b;
              do { b = s.charCodeAt(i++) - 63; r |= (b & 31) << sh; sh += 5; } while (b >= 32);
              lat += (r & 1) ? ~(r >> 1) : (r >> 1);
              r = 0; sh = 0;
              do { b = s.charCodeAt(i++) - 63; r |= (b & 31) << sh; sh += 5; } while (b >= 32);
              lng += (r & 1) ? ~(r >> 1) : (r >> 1);
              out.push([lng / k, lat / k]);
            }
            return out;
          }
          var data = {{ this.data_json }};
          var features = data.f.map(function (f) {
            var geometry = f.t === "L"
              ? {type: "MultiLineString", coordinates: f.g.map(function (s) { return dec(s, data.k); })}
              : {type: "MultiPolygon", coordinates: f.g.map(function (p) {
                  return p.map(function (s) { return dec(s, data.k); }); })};
            f.p._style = f.i;
            return {type: "Feature", properties: f.p, geometry: geometry};
          });
          var highlight = {{ this.highlight_json }};
          var layer = L.geoJson({type: "FeatureCollection", features: features}, {
            interactive: {{ "true" if this.interactive else "false" }},
            style: function (f) { return data.s[f.properties._style]; },
            onEachFeature: function (f, l) {
              if (f.properties.tip) { l.bindTooltip(f.properties.tip, {sticky: true}); }
              if (highlight) {
                l.on("mouseover", function () { l.setStyle(highlight); });
                l.on("mouseout", function () { layer.resetStyle(l); });
              }
            }
          });
          return layer;
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict,
        *,
        name: str = "geojson",
        interactive: bool = True,
        highlight: Mapping | None = None,
    ):
        super().__init__()
        self._name = "CompactGeoJson"
        self.layer_name = name
        self.data = data
        self.interactive = interactive
        self.data_json = to_json(data)
        self.highlight_json = to_json(dict(highlight)) if highlight else "null"


def single(geom: BaseGeometry, style: Mapping, *, tip: str | None = None, name: str = "outline") -> CompactGeoJson:
    """One geometry with one style; clickable only when it has a tooltip."""
    props = {"tip": tip} if tip else {}
    return CompactGeoJson(payload([(geom, props)], [style]), name=name, interactive=tip is not None)


def layers_in(element) -> list[CompactGeoJson]:
    """Every CompactGeoJson under a folium element, in drawing order (for tests and exports)."""
    found: list[CompactGeoJson] = []

    def walk(el):
        if isinstance(el, CompactGeoJson):
            found.append(el)
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(element)
    return found
