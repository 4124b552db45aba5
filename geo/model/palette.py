"""Colours every renderer of a map needs (folium on screen, matplotlib on paper).

One place, so that a renderer never imports another to learn a colour and paper and screen
cannot drift apart. Class and category colours stay in geo.model.classify.
"""

from __future__ import annotations

from collections.abc import Sequence

from geo.model.classify import CATEGORICAL

BORDER = "#4d4d4d"  # county borders
BACKGROUND = "#f4f3ef"  # the map's ground outside the counties (screen)
SELECTED = "#d7301f"  # outline of the selected counties
LOCATOR_OTHER = "#e6e6e6"  # the other counties on a county's locator map
LABEL_TEXT = "#1a1a1a"  # county names

# Targets and forecasts: a dashed dark outline; the legend names it with this key.
PLANNED_LINE = "#111111"
PLANNED_SWATCH = "dashed"
# The Xiong'an New Area: a dotted purple outline; legend key.
XIONGAN_LINE = "#5e3c99"
XIONGAN_SWATCH = "xiongan"

# No data: grey stripes on near-white (the screen's SVG pattern and the export's hatch).
HATCH_BG = "#f2f2f2"
HATCH_LINE = "#9e9e9e"
# A slide whose indicator few counties have: the poor counties without a figure keep their context
# colour under the hatch (the same as on the programme slides); the legend names it with this key.
HATCH_POOR = "#cfd6de"
HATCH_TINT_LINE = "#858585"  # stripes on a tinted ground: 2.5:1 on HATCH_POOR, as the plain hatch's 2.4:1
HATCH_POOR_SWATCH = "hatch-poor"

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
