"""A MapView (geo.views.mapview) as inline SVG: the light view's map, with no script and no tiles.

The fourth renderer beside folium (screen), matplotlib (paper) and the tables: it reads only the view
result and the counties, and the colours the others share (geo.model.palette). Drawn in the export's
metric projection (UTM 50N), so shapes match the PDF; the view box frames the view's extent.

Every county is one ``<path>`` with a ``<title>``: its name and the rows the screen's tooltip shows
(value with unit, year and status, source). Stroke widths do not scale with the map
(``vector-effect``); the type is sized in CSS from ``--u`` (view-box units per CSS pixel at a phone's
width), so names stay readable on a phone and modest on a desktop.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo.i18n import field_for, paren
from geo.model.boundaries import METRIC_CRS, per_boundaries
from geo.model.colour import HEX
from geo.model.context import label_points, xiongan_outline
from geo.model.labels import FONT_PX, Label, anchor_points, place_labels, short_name, text_width_px
from geo.model.palette import (
    DARK_MAP,
    FILLED_PRECISIONS,
    HATCH_POOR,
    LIGHT_MAP,
    POOR_OUTLINE,
    SELECTED,
    XIONGAN_LINE,
    XIONGAN_SWATCH,
    YT_OUTLINE,
    MapColours,
)
from geo.views.mapview import SIDES, CountyFill, MapView, themed

WIDTH = 1000.0  # view-box units across the whole boundary set
PHONE_PX = 340.0  # the map's width on a 390-pixel phone (the page's margins off): labels are chosen for it
PAD = 0.04  # of the framed extent, on each side
SYMBOL_MAX_PX = 26.0


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------------------
# Colours that follow the page's theme
#
# The page says its theme on <html data-theme>: light, dark, or auto (the phone's own setting, which the
# server cannot know). Every colour of the map is therefore a CSS custom property with a light and a dark
# value: the fixed ones (border, hatch, names, places...) from the presenter themes' map colours
# (geo.model.palette.MAP_COLOURS, as the Leaflet map and the exports draw them), and the view's own
# colours (class fills, tints, outlines, places and their legend swatches) as ``--c<rrggbb>``, named after
# the light colour, set to the dark theme's colour for it (geo.views.mapview.themed, as the slides use).

DARK_SELECTOR = ":root[data-theme=dark]"
AUTO_DARK = "@media (prefers-color-scheme:dark){:root[data-theme=auto]{%s}}"

# Lines only the light view draws in both themes (the briefing's dark map has no Xiong'an line): a lighter
# purple on the dark ground, 3:1 as WCAG 1.4.11 asks (tests/test_theme_contrast.py).
XIONGAN_DARK = "#b9a3e8"
SYMBOLS = {"light": ("#737373", "#252525"), "dark": ("#8d9bb0", "#0b1320")}  # proportional circles: fill, edge


def map_vars(name: str) -> dict[str, str]:
    """The map's fixed colours in theme ``name`` (light or dark), as CSS custom properties."""
    m: MapColours = {"light": LIGHT_MAP, "dark": DARK_MAP}[name]
    return {
        "--m-border": m.border, "--m-hatch-bg": m.hatch_bg, "--m-hatch-line": m.hatch_line,
        "--m-hatch-tint": m.hatch_tint_line, "--m-label": m.label_text, "--m-label-halo": m.label_halo,
        "--m-label-small": m.label_small, "--m-planned": m.planned_line, "--m-site-hollow": m.site_hollow,
        "--m-site-edge": m.site_edge, "--m-swatch-edge": m.swatch_edge,
        "--m-xiongan": XIONGAN_LINE if name == "light" else XIONGAN_DARK,
        "--m-symbol": SYMBOLS[name][0], "--m-symbol-edge": SYMBOLS[name][1],
    }  # fmt: skip


def colour_var(colour: str) -> str:
    """A view's colour as the page draws it: its custom property, falling back to the colour itself."""
    if not HEX.match(colour):
        return colour
    return f"var(--c{colour[1:].lower()},{colour.lower()})"


def dark_pairs(view: MapView) -> dict[str, str]:
    """Each light colour the view (and its legends) draws -> the dark theme's colour for it."""
    dark = themed(view, DARK_MAP)
    pairs: dict[str, str] = {}

    def add(a: str | None, b: str | None) -> None:
        if a and b and HEX.match(a) and HEX.match(b):
            pairs.setdefault(a.lower(), b.lower())

    for adcode, fill in view.counties.items():
        other = dark.counties.get(adcode)
        if other is not None:
            add(fill.fill, other.fill)
            add(fill.tint, other.tint)
    for light_lg, dark_lg in ((view.legend, dark.legend), (view.site_legend, dark.site_legend)):
        if light_lg is not None and dark_lg is not None:
            for a, b in zip(light_lg.entries, dark_lg.entries):
                add(a.color, b.color)
    for a, b in zip(view.outlines, dark.outlines):
        add(a.color, b.color)
    for a, b in zip(view.sites, dark.sites):
        add(a.color, b.color)
    if view.city is not None and dark.city is not None:
        add(view.city.fill, dark.city.fill)
    for fixed in (SELECTED, POOR_OUTLINE, YT_OUTLINE, HATCH_POOR):  # selection, optional outlines, legend key
        add(fixed, DARK_MAP.data.get(fixed.lower(), fixed))
    return pairs


def declarations(values: dict[str, str]) -> str:
    return ";".join(f"{k}:{v}" for k, v in values.items())


def theme_rules(light: dict[str, str], dark: dict[str, str]) -> str:
    """CSS giving these custom properties their light values, and their dark ones under theme=dark or auto."""
    return f":root{{{declarations(light)}}}{DARK_SELECTOR}{{{declarations(dark)}}}" + AUTO_DARK % declarations(dark)


def view_style(view: MapView) -> str:
    """The view's own colours as custom properties (the SVG's ``<style>``; the legend beside it uses them too)."""
    pairs = dark_pairs(view)
    return theme_rules({f"--c{a[1:]}": a for a in pairs}, {f"--c{a[1:]}": b for a, b in pairs.items()})


@dataclass(frozen=True)
class Frame:
    """The counties projected once per boundary set: SVG path data per adcode and the transform."""

    paths: dict[str, str]
    boxes: dict[str, tuple[float, float, float, float]]  # x0, y0, x1, y1 in view-box units
    city: str
    x0: float
    y1: float
    scale: float  # view-box units per metre

    def to_svg(self, xy: np.ndarray) -> np.ndarray:
        """Metric coordinates (n × 2) to view-box units."""
        return np.column_stack(((xy[:, 0] - self.x0) * self.scale, (self.y1 - xy[:, 1]) * self.scale))

    def path(self, geom_metric) -> str:
        return path_data(geom_metric, self.to_svg)

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = _TO_METRIC.transform(lon, lat)
        return (x - self.x0) * self.scale, (self.y1 - y) * self.scale


_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def _num(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:.1f}".rstrip("0").rstrip(".")


def path_data(geom, to_svg) -> str:
    """``M x y l dx dy …z`` for every ring, in whole view-box units, repeated points dropped."""
    geom = shapely.transform(geom, to_svg)
    out: list[str] = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            pts = np.rint(np.asarray(ring.coords)).astype(int)
            keep = np.ones(len(pts), dtype=bool)
            keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
            pts = pts[keep]
            if len(pts) < 4:  # a ring smaller than a unit: nothing to see
                continue
            steps = " ".join(f"{dx} {dy}" for dx, dy in np.diff(pts[:-1], axis=0))  # z closes the ring
            out.append(f"M{pts[0][0]} {pts[0][1]}l{steps}z".replace(" -", "-"))
    return "".join(out)


def frame(counties: gpd.GeoDataFrame) -> Frame:
    """The projected counties, computed once per boundary set."""

    def compute() -> Frame:
        metric = counties.geometry.to_crs(METRIC_CRS)
        minx, _, maxx, maxy = metric.total_bounds
        scale = WIDTH / (maxx - minx)

        def to_svg(xy):
            return np.column_stack(((xy[:, 0] - minx) * scale, (maxy - xy[:, 1]) * scale))

        paths, boxes = {}, {}
        for adcode, geom in zip(counties["adcode"], metric):
            paths[str(adcode)] = path_data(geom, to_svg)
            bx0, by0, bx1, by1 = geom.bounds
            boxes[str(adcode)] = (
                (bx0 - minx) * scale,
                (maxy - by1) * scale,
                (bx1 - minx) * scale,
                (maxy - by0) * scale,
            )
        city = path_data(shapely.union_all(metric.to_numpy()), to_svg)
        return Frame(paths, boxes, city, float(minx), float(maxy), float(scale))

    return per_boundaries("svg_frame", counties, compute, *counties["adcode"])


def _outline(fr: Frame, counties: gpd.GeoDataFrame, adcodes: tuple[str, ...]) -> str:
    """The outer edge of a group of counties (their union), as path data."""

    def compute() -> str:
        group = counties[counties["adcode"].isin(adcodes)].geometry.to_crs(METRIC_CRS)
        return fr.path(shapely.union_all(group.to_numpy())) if not group.empty else ""

    return per_boundaries("svg_outline", counties, compute, *sorted(adcodes))


def _context_paths(fr: Frame, context: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, lang: str):
    """The grey neighbours: (name, path data, label point) each."""

    def compute():
        metric = context.geometry.to_crs(METRIC_CRS)
        pts = label_points(context).geometry
        return [(i, fr.path(geom), fr.point(pts.iloc[i].x, pts.iloc[i].y)) for i, geom in enumerate(metric)]

    drawn = per_boundaries("svg_context", context, compute, *counties["adcode"])
    names = context[field_for("name", lang)].tolist()
    return [(names[i], d, xy) for i, d, xy in drawn]


def _xiongan(fr: Frame, counties: gpd.GeoDataFrame) -> str:
    xa = xiongan_outline(counties)
    if xa.is_empty:
        return ""
    return fr.path(gpd.GeoSeries([xa], crs=counties.crs).to_crs(METRIC_CRS).iloc[0])


def view_box(fr: Frame, view: MapView) -> tuple[float, float, float, float]:
    """x, y, width, height around the view's extent (all counties when it has none)."""
    boxes = [fr.boxes[a] for a in (view.extent or fr.boxes) if a in fr.boxes]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    w, h = x1 - x0, y1 - y0
    pad = PAD * max(w, h)
    # A phone holds a map about as tall as wide: a very flat extent gets more sky.
    if h < 0.62 * w:
        grow = (0.62 * w - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return x0 - pad, y0 - pad, (x1 - x0) + 2 * pad, (y1 - y0) + 2 * pad


def _title(rows) -> str:
    lines = []
    for label, value in rows:
        if not label and not value:
            continue
        lines.append(f"{label}：{value}" if label and value else str(label or value))
    return "\n".join(lines)


def _fill(c: CountyFill | None) -> str:
    """A county's paint: ``fill="url(#hatch…)"`` for no data, else a style with its class colour, themed."""
    if c is None or c.fill is None:
        tint = c.tint if c is not None else None
        return f'fill="url(#hatch-{tint.lstrip("#").lower()})"' if tint else 'fill="url(#hatch)"'
    return f'style="fill:{esc(colour_var(c.fill))}"'


def _hatch(pid: str, bg: str, line: str, size: float) -> str:
    """A stripe pattern; ``bg`` and ``line`` are CSS colours (custom properties: they follow the theme)."""
    return (
        f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="{_num(size)}" height="{_num(size)}" '
        f'patternTransform="rotate(45)"><rect width="{_num(size)}" height="{_num(size)}" style="fill:{bg}"/>'
        f'<rect width="{_num(size * 0.32)}" height="{_num(size)}" style="fill:{line}"/></pattern>'
    )


def _zoom_for(fr: Frame, vb_width: float, lat: float) -> float:
    """The Leaflet zoom at which the framed width spans PHONE_PX: labels placed by geo.model.labels show from it."""
    metres = vb_width / fr.scale
    metres_per_px = metres / PHONE_PX
    return math.log2(156543.03 * math.cos(math.radians(lat)) / metres_per_px)


def _labels(view: MapView, counties: gpd.GeoDataFrame, lang: str) -> list[Label]:
    if view.labels:
        return list(view.labels)
    names = counties.set_index("adcode")[field_for("name", lang)]
    texts = {a: short_name(str(n), lang) for a, n in names.items()}
    return per_boundaries("svg_names", counties, lambda: place_labels(anchor_points(counties), texts), lang)


def map_svg(
    view: MapView,
    counties: gpd.GeoDataFrame,
    lang: str,
    label: str,
    context: gpd.GeoDataFrame | None = None,
    names: bool = True,
) -> str:
    """The map as one ``<svg>`` element (``label``: what a screen reader hears for the whole map).

    Every colour follows the page's theme (see ``map_vars`` and ``view_style``): the page's own variables
    (--map-bg, --halo, --ctx-*), the map's fixed ones (--m-*), and the view's colours as ``--c<rrggbb>``,
    set by the ``<style>`` the SVG carries (light values, and the dark theme's under theme=dark or auto).
    """
    fr = frame(counties)
    marked = {s.adcode for s in view.sites}
    vx, vy, vw, vh = _fit_callouts(view_box(fr, view), view, fr, marked)
    unit = vw / PHONE_PX  # view-box units per CSS pixel on a phone
    lat = float(counties.geometry.union_all().centroid.y)
    zoom = _zoom_for(fr, vw, lat)
    hatch = unit * 6
    tints = sorted({c.tint for c in view.counties.values() if c.fill is None and c.tint})
    defs = [_hatch("hatch", "var(--m-hatch-bg)", "var(--m-hatch-line)", hatch)]
    defs += [
        _hatch(f"hatch-{tint.lstrip('#').lower()}", colour_var(tint), "var(--m-hatch-tint)", hatch) for tint in tints
    ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="{_num(vx)} {_num(vy)} {_num(vw)} {_num(vh)}" '
        f'role="img" aria-label="{esc(label)}" style="--u:{unit:.3f}" preserveAspectRatio="xMidYMid meet">',
        f"<style>{view_style(view)}</style>",
        f"<defs>{''.join(defs)}</defs>",
        f'<rect class="bg" x="{_num(vx)}" y="{_num(vy)}" width="{_num(vw)}" height="{_num(vh)}"/>',
    ]
    if context is not None and not context.empty:
        ctx = _context_paths(fr, context, counties, lang)
        parts.append('<g class="ctx">' + "".join(f'<path d="{d}"/>' for _, d, _ in ctx) + "</g>")
        parts.append(
            '<g class="ctx-names">'
            + "".join(
                f'<text x="{_num(x)}" y="{_num(y)}">{esc(n)}</text>'
                for n, _, (x, y) in ctx
                if vx <= x <= vx + vw and vy <= y <= vy + vh
            )
            + "</g>"
        )
    parts.append(f'<path class="halo" d="{fr.city}"/>')
    if view.mode == "city" and view.city is not None:
        parts.append(
            f'<path class="city" d="{fr.city}" style="fill:{esc(colour_var(view.city.fill or "#cccccc"))}">'
            f"<title>{esc(_title(view.city.rows))}</title></path>"
        )
    parts.append('<g class="counties">')
    for adcode, d in fr.paths.items():
        c = view.counties.get(adcode)
        paint = 'fill="none"' if view.mode == "city" else _fill(c)
        title = _title(c.rows) if c is not None else adcode
        parts.append(f'<path id="c{esc(adcode)}" d="{d}" {paint}><title>{esc(title)}</title></path>')
    parts.append("</g>")
    for adcode in sorted(view.planned):
        if adcode in fr.paths:
            parts.append(f'<path class="planned" d="{fr.paths[adcode]}"/>')
    for outline in view.outlines:
        d = _outline(fr, counties, tuple(outline.adcodes))
        if d:
            parts.append(f'<path class="group" d="{d}" style="stroke:{esc(colour_var(outline.color))}"/>')
    legend_keys = {e.swatch for e in view.legend.entries} if view.legend is not None else set()
    if XIONGAN_SWATCH in legend_keys:
        d = per_boundaries("svg_xiongan", counties, lambda: _xiongan(fr, counties))
        if d:
            parts.append(f'<path class="xiongan" d="{d}"/>')
    for adcode in view.selection:
        if adcode in fr.paths:
            parts.append(f'<path class="sel" d="{fr.paths[adcode]}" style="stroke:{colour_var(SELECTED)}"/>')
    if view.symbols:
        top = max((s.value for s in view.symbols), default=0) or 1
        parts.append('<g class="symbols">')
        for s in sorted(view.symbols, key=lambda s: -s.value):
            x, y = fr.point(s.lon, s.lat)
            r = SYMBOL_MAX_PX * unit * math.sqrt(max(s.value, 0) / top)
            parts.append(
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}"><title>{esc(_title(s.rows))}</title></circle>'
            )
        parts.append("</g>")
    called = {c.adcode for c in view.callouts}
    if names:
        boxes = [(b.bx, b.by, b.bx + b.w, b.by + b.h) for b in _callout_boxes(view, fr, unit, marked)]
        parts.append(_name_layer(view, counties, lang, fr, (vx, vy, vw, vh), unit, zoom, marked, called, boxes))
    if view.sites:
        parts.append('<g class="sites">')
        for s in view.sites:
            x, y = fr.point(s.lon, s.lat)
            filled = s.precision in FILLED_PRECISIONS
            where = (
                "；".join(f"{k}：{v}" for k, v in s.rows) if lang == "zh" else "; ".join(f"{k}: {v}" for k, v in s.rows)
            )
            tip = "、".join(s.names) if lang == "zh" else ", ".join(s.names)
            tip += paren(where, lang) if where else ""
            ring = esc(colour_var(s.color))
            fill = ring if filled else "var(--m-site-hollow)"
            parts.append(f'<circle class="edge" cx="{_num(x)}" cy="{_num(y)}" r="{_num(5.5 * unit)}"/>')
            parts.append(
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(5.5 * unit)}" style="stroke:{ring};fill:{fill}">'
                f"<title>{esc(tip)}</title></circle>"
            )
        parts.append("</g>")
    if view.callouts:
        parts.append(_callouts(view, fr, unit, marked))
    parts.append("</svg>")
    return "".join(parts)


def _name_layer(view, counties, lang, fr, box, unit, zoom, marked, called, taken) -> str:
    """County names (with values when the view has them), each where geo.model.labels lets it show at a phone's
    scale, none under a callout box (``taken``)."""
    vx, vy, vw, vh = box
    out = ['<g class="names">']
    for lb in _labels(view, counties, lang):
        if lb.min_zoom > zoom + 1e-6 or lb.adcode in called:
            continue
        x, y = fr.point(lb.lon, lb.lat)
        if not (vx <= x <= vx + vw and vy <= y <= vy + vh):
            continue
        lines = lb.text.split("\n")
        if lb.adcode in marked:
            y += 13 * unit  # below the place marker at the county's point
        first = y - (len(lines) - 1) * 0.6 * FONT_PX * unit
        half_w = max(text_width_px(line, FONT_PX) for line in lines) * unit / 2
        half_h = 0.6 * FONT_PX * unit * len(lines)
        if any(x - half_w < b[2] and b[0] < x + half_w and y - half_h < b[3] and b[1] < y + half_h for b in taken):
            continue
        spans = "".join(
            f'<tspan x="{_num(x)}" y="{_num(first + i * 1.2 * FONT_PX * unit)}"{" class=v" if i else ""}>'
            f"{esc(line)}</tspan>"
            for i, line in enumerate(lines)
        )
        out.append(f"<text>{spans}</text>")
    out.append("</g>")
    return "".join(out)


@dataclass(frozen=True)
class _Box:
    x: float  # the county's point
    y: float
    bx: float  # the box's top left corner, width and height
    by: float
    w: float
    h: float
    leader: tuple[float, float] | None  # where the leader line meets the box, for a box off to one side


def _callout_boxes(view: MapView, fr: Frame, unit: float, marked: set[str]) -> list[_Box]:
    size = 13 * unit
    out = []
    for c in view.callouts:
        x, y = fr.point(c.lon, c.lat)
        w = max(text_width_px(c.name, 13), text_width_px(c.value, 13)) * unit + 12 * unit
        h = 2 * 1.25 * size + 8 * unit
        if c.side:
            east, north = SIDES[c.side]
            lx, ly = x + east * 26 * unit, y - north * 26 * unit
            out.append(_Box(x, y, lx - w / 2 + east * w / 2, ly - h / 2 - north * h / 2, w, h, (lx, ly)))
        else:
            out.append(_Box(x, y, x - w / 2, y - h / 2 + (h / 2 + 10 * unit if c.adcode in marked else 0), w, h, None))
    return out


def _fit_callouts(box: tuple[float, float, float, float], view: MapView, fr: Frame, marked: set[str]):
    """The view box grown to hold every callout box (a small county's box stands off its edge)."""
    vx, vy, vw, vh = box
    for _ in range(2):  # the boxes are sized in phone pixels, which depend on the view box's width
        boxes = _callout_boxes(view, fr, vw / PHONE_PX, marked)
        if not boxes:
            break
        pad = 6 * vw / PHONE_PX
        x0 = min(vx, *(b.bx - pad for b in boxes))
        y0 = min(vy, *(b.by - pad for b in boxes))
        x1 = max(vx + vw, *(b.bx + b.w + pad for b in boxes))
        y1 = max(vy + vh, *(b.by + b.h + pad for b in boxes))
        vx, vy, vw, vh = x0, y0, x1 - x0, y1 - y0
    return vx, vy, vw, vh


def _callouts(view: MapView, fr: Frame, unit: float, marked: set[str]) -> str:
    """Figures written on the map: a box with the name and value at (or off, with a leader) the county's point."""
    out = ['<g class="callouts">']
    size = 13 * unit
    for c, b in zip(view.callouts, _callout_boxes(view, fr, unit, marked)):
        if b.leader is not None:
            out.append(f'<line x1="{_num(b.x)}" y1="{_num(b.y)}" x2="{_num(b.leader[0])}" y2="{_num(b.leader[1])}"/>')
            out.append(f'<circle class="anchor" cx="{_num(b.x)}" cy="{_num(b.y)}" r="{_num(3 * unit)}"/>')
        cx = b.bx + b.w / 2
        out.append(
            f'<rect x="{_num(b.bx)}" y="{_num(b.by)}" width="{_num(b.w)}" height="{_num(b.h)}" rx="{_num(4 * unit)}"/>'
            f'<text x="{_num(cx)}" y="{_num(b.by + 4 * unit + size)}">{esc(c.name)}'
            f'<tspan x="{_num(cx)}" y="{_num(b.by + 4 * unit + 2.2 * size)}">{esc(c.value)}</tspan></text>'
        )
    out.append("</g>")
    return "".join(out)
