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

from geo import internals

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
    return _encode_points([(round(x * scale), round(y * scale)) for x, y, *_ in coords])


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


def _quantised_rings(geom: BaseGeometry, scale: int) -> list[list[list[tuple[int, int]]]]:
    """Polygons -> rings of grid points, closed, without repeated consecutive points."""
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    polygons = []
    for poly in getattr(geom, "geoms", []):
        rings = []
        for ring in (poly.exterior, *poly.interiors):
            pts: list[tuple[int, int]] = []
            for x, y, *_ in ring.coords:
                q = (round(x * scale), round(y * scale))
                if not pts or pts[-1] != q:
                    pts.append(q)
            if len(pts) >= 4:
                rings.append(pts)
        if rings:
            polygons.append(rings)
    return polygons


def _encode_points(points: Sequence[tuple[int, int]]) -> str:
    parts = []
    px = py = 0
    for ix, iy in points:
        parts.append(_encode_number(iy - py))
        parts.append(_encode_number(ix - px))
        px, py = ix, iy
    return "".join(parts)


def topology(geoms: Sequence[BaseGeometry], scale: int = SCALE) -> tuple[list[str], list[list[list[list[int]]]]]:
    """Shared borders sent once: (encoded arcs, per geometry [polygon [ring [arc refs]]]).

    As in TopoJSON, rings are cut at junctions (grid points where more than two border
    directions meet) into arcs; an arc that a neighbour already uses is referenced, not
    repeated (``~i``, i.e. ``-i-1``, when it runs the other way). A ring with no junction
    (an island, or a unit inside another) starts at its smallest point, so that the
    enclosing unit's hole finds the same arc.
    """
    shapes = [_quantised_rings(g, scale) for g in geoms]
    neighbours: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for polygons in shapes:
        for rings in polygons:
            for ring in rings:
                n = len(ring) - 1  # closed: ring[0] == ring[-1]
                for k in range(n):
                    point = ring[k]
                    nb = neighbours.setdefault(point, set())
                    nb.add(ring[k - 1] if k else ring[n - 1])
                    nb.add(ring[k + 1])
    junction = {p for p, nb in neighbours.items() if len(nb) > 2}
    arcs: list[tuple[tuple[int, int], ...]] = []
    index: dict[tuple[tuple[int, int], ...], int] = {}

    def ref(arc: tuple[tuple[int, int], ...]) -> int:
        if arc in index:
            return index[arc]
        backwards = arc[::-1]
        if backwards in index:
            return ~index[backwards]
        index[arc] = len(arcs)
        arcs.append(arc)
        return index[arc]

    out = []
    for polygons in shapes:
        geom_refs = []
        for rings in polygons:
            poly_refs = []
            for ring in rings:
                open_ring = ring[:-1]
                cuts = [k for k, p in enumerate(open_ring) if p in junction]
                if not cuts:
                    start = open_ring.index(min(open_ring))
                    forwards = open_ring[start:] + open_ring[:start]
                    backwards = [forwards[0], *forwards[:0:-1]]
                    canonical = min(forwards, backwards)
                    r = ref(tuple([*canonical, canonical[0]]))
                    poly_refs.append([r if forwards == canonical else ~r])
                    continue
                rotated = open_ring[cuts[0] :] + open_ring[: cuts[0]] + [open_ring[cuts[0]]]
                refs, current = [], [rotated[0]]
                for p in rotated[1:]:
                    current.append(p)
                    if p in junction:
                        refs.append(ref(tuple(current)))
                        current = [p]
                poly_refs.append(refs)
            geom_refs.append(poly_refs)
        out.append(geom_refs)
    return [_encode_points(a) for a in arcs], out


@functools.lru_cache(maxsize=32)
def _topology_cached(geoms: tuple[BaseGeometry, ...]) -> tuple[list[str], list]:
    # The same boundaries on every run: the topology is built once per process (read-only after).
    return topology(list(geoms))


def topo_payload(items: Iterable[tuple[BaseGeometry, Mapping, Mapping]]) -> dict:
    """A payload from (geometry, properties, style) triples of areas that share borders.

    Each border is sent once (:func:`topology`) and equal styles are sent once.
    """
    items = list(items)
    styles: list[Mapping] = []
    index: dict[str, int] = {}
    features = []
    arcs, refs = _topology_cached(tuple(geom for geom, _props, _style in items))
    for (_geom, props, style), rings in zip(items, refs):
        key = json.dumps(style, sort_keys=True)
        if key not in index:
            index[key] = len(styles)
            styles.append(style)
        features.append({"t": "T", "r": rings, "p": dict(props), "i": index[key]})
    return {"k": SCALE, "s": [dict(s) for s in styles], "a": arcs, "f": features}


def decode_payload(data: Mapping) -> dict:
    """The GeoJSON FeatureCollection the browser builds from a payload (for tests)."""
    k = data["k"]
    features = []
    arcs = [decode_ring(a, k) for a in data.get("a", [])]

    def ring_of(refs: list[int]) -> list[tuple[float, float]]:
        ring: list[tuple[float, float]] = []
        for r in refs:
            arc = arcs[r] if r >= 0 else arcs[~r][::-1]
            ring.extend(arc if not ring else arc[1:])
        return ring

    for f in data["f"]:
        if f["t"] == "T":
            geometry = {"type": "MultiPolygon", "coordinates": [[ring_of(r) for r in p] for p in f["r"]]}
        elif f["t"] == "L":
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
          {% if this.geometry_link %}
          data = (function (data) {
            // The rings live in the boundary set's script (geo/render/leaflet/geomlink.py), which the frame
            // loaded before this script; a frame opened before the boundaries changed fetches it now.
            var G = window.BD_GEOM = window.BD_GEOM || {};
            if (!G[data.G]) {
              var x = new XMLHttpRequest();
              x.open("GET", data.u, false);
              x.send();
              if (x.status === 200) { (new Function(x.responseText))(); }
            }
            var g = G[data.G];
            if (!g) { throw new Error("map geometry not loaded: " + data.u); }
            if (g.a) { data.a = g.a; }
            data.f.forEach(function (f, n) { f[f.t === "T" ? "r" : "g"] = g.f[n]; });
            return data;
          })(data);
          {% endif %}
          var arcs = (data.a || []).map(function (s) { return dec(s, data.k); });
          function ring(refs) {
            var out = [];
            refs.forEach(function (r) {
              var arc = r >= 0 ? arcs[r] : arcs[~r].slice().reverse();
              for (var i = out.length ? 1 : 0; i < arc.length; i++) { out.push(arc[i]); }
            });
            return out;
          }
          var features = data.f.map(function (f) {
            var geometry = f.t === "T"
              ? {type: "MultiPolygon", coordinates: f.r.map(function (p) { return p.map(ring); })}
              : f.t === "L"
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
        self.geometry_link: tuple[str, str] | None = None

    def link(self, part: str, url: str) -> None:
        """Send the rings as a reference: part ``part`` of the script at ``url`` (geo.render.leaflet.geomlink)."""
        rest = {k: v for k, v in self.data.items() if k != "a"}
        rest["f"] = [{k: v for k, v in f.items() if k not in ("r", "g")} for f in self.data["f"]]
        rest["G"], rest["u"] = part, url
        self.data_json = to_json(rest)
        self.geometry_link = (part, url)


def single(geom: BaseGeometry, style: Mapping, *, tip: str | None = None, name: str = "outline") -> CompactGeoJson:
    """One geometry with one style; clickable only when it has a tooltip."""
    props = {"tip": tip} if tip else {}
    return CompactGeoJson(payload([(geom, props)], [style]), name=name, interactive=tip is not None)


def elements_in(element, kind: type = object) -> list:
    """Every element of ``kind`` under a folium element (itself included), in drawing order."""
    found = [element] if isinstance(element, kind) else []
    for child in internals.children(element).values():
        found.extend(elements_in(child, kind))
    return found


def layers_in(element) -> list[CompactGeoJson]:
    """Every CompactGeoJson under a folium element, in drawing order (for tests and exports)."""
    return elements_in(element, CompactGeoJson)
