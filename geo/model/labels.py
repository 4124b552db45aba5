"""Permanent county labels that do not collide: which label shows from which zoom.

Labels sit at each county's pole of inaccessibility. Bigger counties claim their
place first; a label that would overlap one already placed waits for a zoom level at
which it fits. The map shows a label once the zoom reaches its ``min_zoom``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd

from geo.model.boundaries import METRIC_CRS, per_boundaries, representative_points

FONT_PX = 13  # label size at the default view
LINE = 1.35
PAD_PX = 3
MAX_ZOOM = 14.0
ZOOM_STEP = 0.25


@dataclass(frozen=True)
class Label:
    adcode: str
    text: str
    lon: float
    lat: float
    min_zoom: float
    width_px: float
    height_px: float


def short_name(name: str, lang: str = "zh") -> str:
    """阜平县 -> 阜平, 高碑店市 -> 高碑店 (a one-character stem keeps its suffix: 唐县, 易县);
    "Fuping County" -> "Fuping"."""
    if lang == "en":
        for suffix in (" County", " City", " District"):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name
    stem = name[:-1] if name[-1:] in "县市区" else name
    return stem if len(stem) >= 2 else name


def text_width_px(text: str, font_px: float = FONT_PX) -> float:
    """Approximate rendered width: CJK glyphs are square, Latin ones about half as wide."""
    return sum(font_px if ord(ch) > 0x2E80 else font_px * 0.58 for ch in text)


def to_pixels(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web-Mercator pixel coordinates at ``zoom`` (Leaflet's default CRS)."""
    scale = 256 * 2**zoom
    x = (lon + 180.0) / 360.0 * scale
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale
    return x, y


def _box(label: Label, zoom: float) -> tuple[float, float, float, float]:
    x, y = to_pixels(label.lon, label.lat, zoom)
    w, h = label.width_px / 2 + PAD_PX, label.height_px / 2 + PAD_PX
    return x - w, y - h, x + w, y + h


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _clash(a: Label, b: Label, zoom: float) -> bool:
    return _overlap(_box(a, zoom), _box(b, zoom))


def anchor_points(counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Label anchors and areas, computed once per boundary set (poles of inaccessibility take ~0.5 s)."""

    def compute():
        points = representative_points(counties)[["adcode", "name_zh", "geometry"]]
        return points.assign(area=counties.geometry.to_crs(METRIC_CRS).area.to_numpy())

    return per_boundaries("anchors", counties, compute, *counties["adcode"])


def _separation_zoom(a: Label, b: Label) -> float:
    """The zoom from which the boxes of ``a`` and ``b`` no longer overlap (-inf: never do, inf: always).

    Pixel distances double with each zoom level while the boxes keep their size, so boxes
    apart in x *or* y by at least the sum of their half-sizes stay apart from then on.
    """
    ax, ay = to_pixels(a.lon, a.lat, 0.0)
    bx, by = to_pixels(b.lon, b.lat, 0.0)
    w = a.width_px / 2 + b.width_px / 2 + 2 * PAD_PX
    h = a.height_px / 2 + b.height_px / 2 + 2 * PAD_PX
    zx = math.log2(w / abs(ax - bx)) if ax != bx else math.inf
    zy = math.log2(h / abs(ay - by)) if ay != by else math.inf
    return min(zx, zy)


def place_labels(
    anchors: gpd.GeoDataFrame, texts: dict[str, str] | None = None, lines: int = 1, start_zoom: float = 7.0
) -> list[Label]:
    """Labels with the zoom from which each shows without overlapping a label placed before it.

    Bigger units claim their place first. A label that clashes with one placed before it
    waits, in steps of ZOOM_STEP, until both show apart. Only labels near enough to clash
    at ``start_zoom`` are compared (a grid over zoom-0 pixels), so a country's 2,875 units
    take about as long per label as a city's 24.
    """
    counties, points, area = anchors, anchors, anchors["area"]
    order = area.sort_values(ascending=False).index
    entries = []
    for i in order:
        adcode = str(counties.at[i, "adcode"])
        text = (texts or {}).get(adcode) or short_name(str(counties.at[i, "name_zh"]))
        p = points.geometry[i]
        width = max(text_width_px(line) for line in text.split("\n"))
        height = FONT_PX * LINE * max(lines, text.count("\n") + 1)
        entries.append(Label(adcode, text, p.x, p.y, start_zoom, width, height))
    if not entries:
        return []
    # Two labels can clash at start_zoom or later only if they are this close at zoom 0.
    reach_x = (max(e.width_px for e in entries) + 2 * PAD_PX) / 2**start_zoom
    reach_y = (max(e.height_px for e in entries) + 2 * PAD_PX) / 2**start_zoom
    grid: dict[tuple[int, int], list[Label]] = {}
    placed: list[Label] = []
    for label in entries:
        x, y = to_pixels(label.lon, label.lat, 0.0)
        cx, cy = math.floor(x / reach_x), math.floor(y / reach_y)
        near = [o for dx in (-1, 0, 1) for dy in (-1, 0, 1) for o in grid.get((cx + dx, cy + dy), ())]
        need = start_zoom
        for o in near:
            apart = _separation_zoom(label, o)
            if o.min_zoom < apart:  # both would show while still overlapping
                need = max(need, apart)
        if need >= MAX_ZOOM:
            zoom = MAX_ZOOM
        else:
            zoom = start_zoom + max(0, math.ceil((need - start_zoom) / ZOOM_STEP - 1e-9)) * ZOOM_STEP
        # The closed form above and pixel arithmetic can differ in the last bit: settle on the grid.
        while zoom < MAX_ZOOM and any(_clash(label, o, max(zoom, o.min_zoom)) for o in near):
            zoom += ZOOM_STEP
        done = Label(**{**label.__dict__, "min_zoom": zoom})
        placed.append(done)
        grid.setdefault((cx, cy), []).append(done)
    return sorted(placed, key=lambda lb: lb.adcode)


def collisions(labels: list[Label], zoom: float) -> list[tuple[str, str]]:
    """Pairs of labels both visible at ``zoom`` whose boxes overlap (should be none)."""
    shown = [lb for lb in labels if lb.min_zoom <= zoom]
    return [
        (a.adcode, b.adcode)
        for i, a in enumerate(shown)
        for b in shown[i + 1 :]
        if _overlap(_box(a, zoom), _box(b, zoom))
    ]
