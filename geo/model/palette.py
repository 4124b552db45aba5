"""Colours every renderer of a map needs (folium on screen, matplotlib on paper).

One place, so that a renderer never imports another to learn a colour and paper and screen
cannot drift apart. Class and category colours stay in geo.model.classify.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from geo.model.classify import CATEGORICAL, CITY_FILL, NOT_APPLICABLE, PALETTES, Swatch

BORDER = "#3d3d3d"  # county borders: 3:1 against the ground and every mid-tone fill (WCAG 1.4.11)
BACKGROUND = "#f4f3ef"  # the map's ground outside the counties (screen)
SELECTED = "#d7301f"  # outline of the selected counties
LOCATOR_OTHER = "#e6e6e6"  # the other counties on a county's locator map
LABEL_TEXT = "#1a1a1a"  # county names

# Targets and forecasts: a dashed dark outline; the legend's key for it (LegendEntry.swatch).
PLANNED_LINE = "#111111"
PLANNED_SWATCH: Swatch = "dashed"
# The Xiong'an New Area: a dotted purple outline; its legend key.
XIONGAN_LINE = "#5e3c99"
XIONGAN_SWATCH: Swatch = "xiongan"

# No data: grey stripes on near-white (the screen's SVG pattern and the export's hatch).
HATCH_BG = "#f2f2f2"
HATCH_LINE = "#9e9e9e"
# A slide whose indicator few counties have: the poor counties without a figure keep their context
# colour under the hatch (the same as on the programme slides); its legend key.
HATCH_POOR = "#cfd6de"
HATCH_TINT_LINE = "#858585"  # stripes on a tinted ground: 2.5:1 on HATCH_POOR, as the plain hatch's 2.4:1
HATCH_POOR_SWATCH: Swatch = "hatch-poor"

# Grey surroundings (neighbours, Beijing, Tianjin).
CONTEXT_FILL = "#e9e8e4"
CONTEXT_LINE = "#b5b3ad"
CONTEXT_TEXT = "#5f5d58"  # 5.4:1 on the context fill (WCAG AA), yet quieter than county names

# Briefing slides about programmes: the poor counties as quiet context under the places.
CONTEXT_POOR = HATCH_POOR
CONTEXT_OTHER = "#f7f7f5"

# Programmes page: counties in view are plain white under the places; the others dimmed as context.
BASE_FILL = "#ffffff"
DIM_FILL = "#e4e4e4"

# Outlined groups of counties over the overview's colours.
POOR_OUTLINE = "#111111"
YT_OUTLINE = "#7a4a00"

# Okabe–Ito with the yellow last: a yellow ring on a pale map is the hardest to see.
SITE_PALETTE = [c for c in CATEGORICAL if c.upper() != "#F0E442"] + ["#F0E442"]
FILLED_PRECISIONS = ("exact", "township")  # located places: filled dot; the rest: hollow ring


def programme_colors(programmes: Sequence[str]) -> dict[str, str]:
    """A colour per programme, in the order given (the catalogue order of programmes with sites).

    Derived from the data, not from the current selection, so a programme keeps its colour
    while the user switches others on and off. More than eight programmes reuse colours.
    """
    return {p: SITE_PALETTE[i % len(SITE_PALETTE)] for i, p in enumerate(programmes)}


# ---------------------------------------------------------------------------------------------
# The map's colours per presenter theme. Every renderer (folium on screen, matplotlib on paper, the
# light view's SVG) reads them here. The light theme is the constants above. The dark "大屏" theme
# draws the data brightest: class fills from a quiet blue to a bright yellow on the dark ground,
# no data as dark stripes on a dark tint, light outlines and names. tests/test_theme_contrast.py
# reads what the page and the exports draw and checks every fill, swatch and marker against what it
# sits on (WCAG 1.4.11, 3:1) and that the data outshine the no-data hatch.


@dataclass(frozen=True)
class MapColours:
    ground: str  # the map's empty background (the theme's map_bg on the briefing)
    border: str  # county borders
    fill_opacity: float  # of the class fills (no-data hatch: 1)
    hatch_bg: str
    hatch_line: str
    hatch_tint_line: str  # stripes on a tinted ground (the poor counties without a figure)
    label_text: str
    label_halo: str  # the glow around a name that keeps it readable on any fill
    label_small: str  # the value under a name
    highlight: str  # a hovered county's outline
    planned_line: str
    site_hollow: str  # inside a ring of a place known only to its county
    site_edge: str  # the thin line round every marker: its outline against any fill
    swatch_edge: str  # the line round a legend swatch
    # A light-theme colour of the views (geo.views) -> this theme's; a sequential palette by class.
    data: dict[str, str] = field(default_factory=dict)
    ramps: dict[str, dict[int, list[str]]] = field(default_factory=dict)


# Okabe–Ito lightened for a dark ground (each ≥ 3:1 on the dark context fills it sits on); black becomes
# near-white. The sequential ramps run from quiet to bright (7 steps; fewer classes take evenly spaced steps).
_DARK_CATEGORICAL = {
    "#0072B2": "#4ea1e8",
    "#E69F00": "#e69f00",
    "#009E73": "#1fb58a",
    "#CC79A7": "#d98cba",
    "#56B4E9": "#8fd0f5",
    "#D55E00": "#f0783a",
    "#F0E442": "#f0e442",
    "#000000": "#f2f2f2",
}
_DARK_RAMP_STEPS = {
    "YlGnBu": ["#4277c8", "#2f95cc", "#2bb2c2", "#52c7ae", "#8fdc9f", "#c9ec9f", "#fdf9b8"],
    "YlOrBr": ["#c45a1c", "#d8701f", "#e8882c", "#f4a23e", "#fbbd5c", "#fdd684", "#ffefb6"],
}
_SINGLE_STEP = 4  # one class: a bright step


def _spread(steps: list[str]) -> dict[int, list[str]]:
    n = len(steps)
    ramps = {1: [steps[_SINGLE_STEP]]}
    for k in range(2, n + 1):
        ramps[k] = [steps[round(i * (n - 1) / (k - 1))] for i in range(k)]
    return ramps


LIGHT_MAP = MapColours(
    ground=BACKGROUND,
    border=BORDER,
    fill_opacity=0.85,
    hatch_bg=HATCH_BG,
    hatch_line=HATCH_LINE,
    hatch_tint_line=HATCH_TINT_LINE,
    label_text=LABEL_TEXT,
    label_halo="#ffffff",
    label_small="#333333",
    highlight="#111111",
    planned_line=PLANNED_LINE,
    site_hollow="#ffffff",
    site_edge="#1a1a1a",
    swatch_edge="#3d3d3d",
)
DARK_MAP = MapColours(
    ground="#141e2c",
    border="#9fb0c6",
    fill_opacity=1.0,
    hatch_bg="#1f2b3c",
    hatch_line="#43536a",
    hatch_tint_line="#5a6c86",
    label_text="#f5f7fa",
    label_halo="#0b1320",
    label_small="#d5dde8",
    highlight="#ffffff",
    planned_line="#f5f7fa",
    site_hollow="#141e2c",
    site_edge="#0b1320",
    swatch_edge="#9fb0c6",
    data={
        **{k.lower(): v for k, v in _DARK_CATEGORICAL.items()},
        NOT_APPLICABLE: "#66778c",  # a real value drawn quietly: brighter than the hatch, quieter than the data
        CITY_FILL: "#52c7ae",
        # The poor counties a shade lighter than the others: under places and, as the tint under the
        # hatch, on a slide few counties have a figure for (HATCH_POOR is CONTEXT_POOR).
        CONTEXT_POOR: "#33455e",
        CONTEXT_OTHER: "#1e2a3b",
        POOR_OUTLINE: "#f5f7fa",
        YT_OUTLINE: "#f4a23e",
        SELECTED: "#ff6b5a",
    },
    ramps={name: _spread(steps) for name, steps in _DARK_RAMP_STEPS.items()},
)
MAP_COLOURS = {"light": LIGHT_MAP, "dark": DARK_MAP}


def map_colours(theme_name: str) -> MapColours:
    try:
        return MAP_COLOURS[theme_name]
    except KeyError:
        raise KeyError(f"unknown theme {theme_name!r}; valid: {', '.join(MAP_COLOURS)}") from None


def class_colours(colours: Sequence[str], theme: MapColours) -> dict[str, str]:
    """This theme's colour for each light-theme colour a view uses (lower-case #rrggbb keys).

    ``colours``: the legend's class colours in order. When they are one of the sequential palettes of
    geo.model.classify with that many classes, each class takes the theme's ramp step of the same rank
    (the palettes share colours across class counts, so the rank, not the colour, decides); any other
    colour the theme's table, or itself.
    """
    out: dict[str, str] = {}
    lowered = [c.lower() for c in colours]
    for name, ramps in PALETTES.items():
        k = len(lowered)
        if name in theme.ramps and k in ramps and lowered == [c.lower() for c in ramps[k]]:
            out.update(zip(lowered, theme.ramps[name][k]))
            break
    for c in lowered:
        out.setdefault(c, theme.data.get(c, c))
    return out
