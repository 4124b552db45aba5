"""The HTML that goes into tooltips, popups and legends: every text escaped here, once.

Whatever a map shows as HTML passes through these builders, so a county, site or source
name carrying markup is shown as text (folium's own tooltips would run it).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from geo.model.classify import Legend
from geo.model.palette import (
    FILLED_PRECISIONS,
    HATCH_POOR,
    HATCH_POOR_SWATCH,
    LIGHT_MAP,
    PLANNED_SWATCH,
    XIONGAN_LINE,
    XIONGAN_SWATCH,
    MapColours,
)


def hatch_css(tint: str, stripe: str) -> str:
    """The no-data hatch as a CSS background (the map's own hatch is an SVG pattern of the same colours)."""
    return f"repeating-linear-gradient(45deg,{stripe} 0 2px,{tint} 2px 6px)"


# The hatch on the poor counties' tint, as the light legend shows it.
HATCH_POOR_CSS = hatch_css(HATCH_POOR, LIGHT_MAP.hatch_tint_line)


def text(value: object) -> str:
    """Any value as HTML text."""
    return html.escape(str(value))


def rows_html(rows: Sequence[tuple[str, str]]) -> str:
    """Label/value rows (a tooltip or popup) as an HTML table, every text escaped."""
    cells = "".join(f"<tr><th>{text(k)}</th><td>{text(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def popup_html(title: str, rows: Sequence[tuple[str, str]]) -> str:
    return f"<div class='bd-popup'><b>{text(title)}</b>{rows_html(rows)}</div>"


def legend_html(legend: Legend, colours: MapColours = LIGHT_MAP, places: dict[str, str] | None = None) -> str:
    """The legend as escaped HTML in the theme's colours; the no-data rows show the same hatch as the map.

    ``places``: a legend of places (colour -> precision of its markers), whose swatches are the markers
    themselves (geo.render.leaflet.sites' ring: filled for located places, hollow for county-level ones)."""
    rows = []
    for e in legend.entries:
        if places is not None:
            style = ring_style(e.color, places.get(e.color, "county"), colours)
            swatch = f"<i class='bd-ring-swatch' style='{style}'></i>"
        elif e.swatch == PLANNED_SWATCH:
            swatch = f"<i style='background:{colours.site_hollow};border:2px dashed {colours.planned_line}'></i>"
        elif e.swatch == XIONGAN_SWATCH:
            swatch = f"<i style='background:{colours.site_hollow};border:2px dotted {XIONGAN_LINE}'></i>"
        elif e.swatch == "hatch":
            swatch = f"<i style='background:{hatch_css(colours.hatch_bg, colours.hatch_line)}'></i>"
        elif e.swatch == HATCH_POOR_SWATCH:
            tint = colours.data.get(HATCH_POOR, HATCH_POOR)
            swatch = f"<i style='background:{hatch_css(tint, colours.hatch_tint_line)}'></i>"
        else:
            swatch = f"<i style='background:{e.color}'></i>"
        count = f"<span class='n'>({e.count})</span>" if e.count is not None else ""
        rows.append(f"<div>{swatch}{text(e.label)}{count}</div>")
    note = f"<div class='note'>{text(legend.note)}</div>" if legend.note else ""
    return f"<b>{text(legend.title)}</b>{''.join(rows)}{note}"


def ring_style(color: str, precision: str, colours: MapColours = LIGHT_MAP) -> str:
    """A place's ring (map marker and legend swatch alike): the programme's colour, filled for a located
    place, hollow (the theme's inside colour) for a place known only to its county."""
    inside = color if precision in FILLED_PRECISIONS else colours.site_hollow
    return f"border-color:{color};background:{inside}"
