"""The HTML that goes into tooltips, popups and legends: every text escaped here, once.

Whatever a map shows as HTML passes through these builders, so a county, site or source
name carrying markup is shown as text (folium's own tooltips would run it).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from geo.model.classify import NO_DATA_SWATCH, Legend
from geo.model.palette import (
    HATCH_POOR,
    HATCH_POOR_SWATCH,
    HATCH_TINT_LINE,
    PLANNED_LINE,
    PLANNED_SWATCH,
    XIONGAN_LINE,
    XIONGAN_SWATCH,
)

# The hatch on the poor counties' tint, as the legend shows it (the map's own hatch is an SVG pattern).
HATCH_POOR_CSS = f"repeating-linear-gradient(45deg,{HATCH_TINT_LINE} 0 2px,{HATCH_POOR} 2px 6px)"


def text(value: object) -> str:
    """Any value as HTML text."""
    return html.escape(str(value))


def rows_html(rows: Sequence[tuple[str, str]]) -> str:
    """Label/value rows (a tooltip or popup) as an HTML table, every text escaped."""
    cells = "".join(f"<tr><th>{text(k)}</th><td>{text(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def popup_html(title: str, rows: Sequence[tuple[str, str]]) -> str:
    return f"<div class='bd-popup'><b>{text(title)}</b>{rows_html(rows)}</div>"


def legend_html(legend: Legend) -> str:
    """The legend as escaped HTML; the no-data row shows the same hatch as the map."""
    rows = []
    for e in legend.entries:
        if e.color == PLANNED_SWATCH:
            swatch = f"<i style='background:#fff;border:2px dashed {PLANNED_LINE}'></i>"
        elif e.color == XIONGAN_SWATCH:
            swatch = f"<i style='background:#fff;border:2px dotted {XIONGAN_LINE}'></i>"
        else:
            background = {"hatch": NO_DATA_SWATCH, HATCH_POOR_SWATCH: HATCH_POOR_CSS}.get(e.color, e.color)
            swatch = f"<i style='background:{background}'></i>"
        count = f"<span class='n'>({e.count})</span>" if e.count is not None else ""
        rows.append(f"<div>{swatch}{text(e.label)}{count}</div>")
    note = f"<div class='note'>{text(legend.note)}</div>" if legend.note else ""
    return f"<b>{text(legend.title)}</b>{''.join(rows)}{note}"
