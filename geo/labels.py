"""Permanent county labels that do not collide: which label shows from which zoom.

Labels sit at each county's pole of inaccessibility. Bigger counties claim their
place first; a label that would overlap one already placed waits for a zoom level at
which it fits. The map shows a label once the zoom reaches its ``min_zoom``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import geopandas as gpd

from geo.boundaries import METRIC_CRS, representative_points

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


_ANCHORS: dict[str, gpd.GeoDataFrame] = {}


def anchor_points(counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Label anchors and areas, computed once per boundary set (poles of inaccessibility take ~0.5 s)."""
    key = hashlib.sha256(b"".join(counties.geometry.to_wkb()) + "|".join(counties["adcode"]).encode()).hexdigest()
    if key not in _ANCHORS:
        points = representative_points(counties)[["adcode", "name_zh", "geometry"]]
        _ANCHORS[key] = points.assign(area=counties.geometry.to_crs(METRIC_CRS).area.to_numpy())
    return _ANCHORS[key]


def place_labels(
    anchors: gpd.GeoDataFrame, texts: dict[str, str] | None = None, lines: int = 1, start_zoom: float = 7.0
) -> list[Label]:
    """Labels with the zoom from which each shows without overlapping a label placed before it."""
    counties, points, area = anchors, anchors, anchors["area"]
    order = area.sort_values(ascending=False).index
    placed: list[Label] = []
    for i in order:
        adcode = str(counties.at[i, "adcode"])
        text = (texts or {}).get(adcode) or short_name(str(counties.at[i, "name_zh"]))
        p = points.geometry[i]
        width = max(text_width_px(line) for line in text.split("\n"))
        label = Label(adcode, text, p.x, p.y, start_zoom, width, FONT_PX * LINE * max(lines, text.count("\n") + 1))
        zoom = start_zoom
        # Points spread apart as the zoom grows while boxes keep their size, so two labels that do not
        # overlap at the zoom where both first show never overlap after it.
        while zoom < MAX_ZOOM and any(_clash(label, o, max(zoom, o.min_zoom)) for o in placed):
            zoom += ZOOM_STEP
        placed.append(Label(**{**label.__dict__, "min_zoom": zoom}))
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
