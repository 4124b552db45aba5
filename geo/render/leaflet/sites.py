"""The one site-marker renderer: a dot for a located place, a hollow ring for a place known only
to its county; its name and facts as an escaped tooltip or popup.

Two looks of the same marker: the programmes page's small dots (clustered, with a popup) and
the briefing's larger rings lifted above their point, so the county name under them stays
readable (style sheet in geo.model.themes.map_css).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo.i18n import t
from geo.model.palette import FILLED_PRECISIONS, LIGHT_MAP, MapColours
from geo.render.leaflet.compact import to_json
from geo.render.leaflet.markup import popup_html, ring_style, text
from geo.views.mapview import Site


@dataclass(frozen=True)
class Look:
    css: str  # the marker's own class
    icon_class: str  # the Leaflet DivIcon's class
    px: int
    anchor: tuple[int, int]  # the pixel of the icon that sits on the point
    popup: bool  # facts in a popup (click) and the name as tooltip; else all in the tooltip


DOT = Look("bd-site", "bd-site-icon", 16, (8, 8), popup=True)
RING = Look("bd-ring", "bd-ring-icon", 22, (11, 22 + 4), popup=False)  # 4 px above the point


class BoundText(MacroElement):
    """Binds a popup and/or tooltip (already-escaped HTML) to its parent marker."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}
        {%- if this.popup %}.bindPopup({{ this.popup }}, {maxWidth: 340}){% endif %}
        {%- if this.tooltip %}.bindTooltip({{ this.tooltip }}, {direction: "top", sticky: true}){% endif %};
        {% endmacro %}
        """
    )

    def __init__(self, popup: str | None = None, tooltip: str | None = None):
        super().__init__()
        self._name = "BoundText"
        self.popup = to_json(popup) if popup else None
        self.tooltip = to_json(tooltip) if tooltip else None


def marker_html(look: Look, color: str, precision: str, colours: MapColours = LIGHT_MAP) -> str:
    """Filled for a located place, hollow (the theme's inside colour) for a place known only to its county."""
    filled = precision in FILLED_PRECISIONS
    if look is RING:
        return f"<span class='bd-ring' style='{ring_style(color, precision, colours)}'></span>"
    kind = "bd-filled" if filled else "bd-hollow"
    fill = f"background:{color};" if filled else ""
    return f"<span class='bd-site {kind}' style='{fill}border-color:{color}'></span>"


def site_marker(
    site: Site,
    look: Look,
    lat: float | None = None,
    lon: float | None = None,
    *,
    lang: str,
    colours: MapColours = LIGHT_MAP,
):
    """One marker; ``lat``/``lon`` when the map is in another datum than the site's WGS-84."""
    marker = folium.Marker(
        [site.lat if lat is None else lat, site.lon if lon is None else lon],
        title=" / ".join(site.names),  # the focusable marker's accessible name (Leaflet sets it as text, not HTML)
        icon=folium.DivIcon(
            html=marker_html(look, site.color, site.precision, colours),
            class_name=look.icon_class,
            icon_size=(look.px, look.px),
            icon_anchor=look.anchor,
        ),
    )
    name = " / ".join(site.names)
    if look.popup:
        marker.add_child(BoundText(popup_html(name, site.rows), text(name)))
    else:
        rows = site.rows or ((t("site_location", lang), t(f"precision_{site.precision}", lang)),)
        marker.add_child(BoundText(tooltip=popup_html(name, rows)))
    return marker


def sites_group(
    sites: Sequence[Site], look: Look = RING, *, lang: str, name: str = "sites", colours: MapColours = LIGHT_MAP
) -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=name)
    for site in sites:
        site_marker(site, look, lang=lang, colours=colours).add_to(fg)
    return fg


def marker_precisions(sites: Sequence[Site]) -> dict[str, str]:
    """Colour -> how its legend swatch is drawn: filled when any place of that colour is located, else hollow."""
    out: dict[str, str] = {}
    for s in sites:
        if s.precision in FILLED_PRECISIONS:
            out[s.color] = s.precision
        else:
            out.setdefault(s.color, s.precision)
    return out
