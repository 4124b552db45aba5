"""A map as data: what each county looks like and says, the legend, and what lies over it.

Every screen's view builds one ``MapView``; every renderer draws it (folium for the page in
geo.render.leaflet, matplotlib for PNG/PDF in geo.render.export). Nothing in it is a
drawing object, so it pickles and caches, and no renderer reads colours out of another's
output. Geometry is not part of it: renderers take the counties (keyed by ``adcode``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, get_args

from geo.model.classify import Legend
from geo.model.colour import HEX
from geo.model.labels import Label
from geo.model.palette import MapColours, class_colours

Rows = tuple[tuple[str, str], ...]  # (label, value) pairs of a tooltip or popup, unescaped
# What a map's counties are. "county": each county coloured by its figure; "city": the city as one unit (only
# a city-wide figure exists); "context": quiet counties under what the map is about (places, circles).
MapMode = Literal["county", "city", "context"]
MAP_MODES: tuple[str, ...] = get_args(MapMode)


@dataclass(frozen=True)
class CountyFill:
    """One county (or the whole city) as drawn: fill, tooltip, class."""

    fill: str | None  # CSS colour; None = no data (hatched)
    rows: Rows  # tooltip rows, the name first
    planned: bool = False  # a target or forecast rather than a reported figure: dashed outline
    label: str = ""  # the legend class it belongs to ("" for none)
    tint: str | None = None  # no data: a CSS colour under the hatch that sets the county in context (None: plain)
    grade: str = ""  # the grade (A–D) of the figure's source; "" without a figure (the rows carry the source line)
    mark: str = ""  # "来源较弱"/"来源不一" (short, localized) when the figure is weak or disputed; the rows say more
    value_text: str = ""  # the figure as a label's second line says it (geo.views.common.FigureText.value); "" for none


@dataclass(frozen=True)
class Outline:
    """One strong outline around a group of counties (e.g. the nine poor counties)."""

    name: str
    adcodes: tuple[str, ...]
    color: str


@dataclass(frozen=True)
class Site:
    """A place on the map, in WGS-84."""

    lon: float
    lat: float
    programme: str
    color: str
    precision: str  # exact / township: a dot; county: a hollow ring at the county's point
    names: tuple[str, ...]  # several places of one programme at one point share a marker
    adcode: str
    rows: Rows = ()  # popup rows


@dataclass(frozen=True)
class Symbol:
    """A proportional circle at a county's point (area proportional to ``value``)."""

    adcode: str
    lon: float
    lat: float
    value: float
    rows: Rows


@dataclass(frozen=True)
class Callout:
    """A county's figure written on the map in large type: where only a few counties have one,
    the map says them rather than leaving the room to hover."""

    adcode: str
    name: str
    value: str  # as shown: number with unit, and the status when not a reported figure
    lon: float  # the anchor (the county's label point), WGS-84
    lat: float
    side: str = ""  # "" = the box on the point (the county holds it); else a compass point ("n", "se", …):
    # the box stands off that way with a leader line to the point, leaving a small county's colour in view


# Compass points a callout may stand off to, as (east, north) unit steps.
SIDES: dict[str, tuple[float, float]] = {
    "n": (0.0, 1.0), "ne": (0.7071, 0.7071), "e": (1.0, 0.0), "se": (0.7071, -0.7071),
    "s": (0.0, -1.0), "sw": (-0.7071, -0.7071), "w": (-1.0, 0.0), "nw": (-0.7071, 0.7071),
}  # fmt: skip


@dataclass(frozen=True)
class MapView:
    mode: MapMode
    title: str
    counties: dict[str, CountyFill]  # every county, keyed by adcode (in city mode only names)
    legend: Legend | None
    no_data: tuple[str, ...] = ()  # adcodes drawn hatched: no figure
    city: CountyFill | None = None  # city mode: the whole city's fill and tooltip
    outlines: tuple[Outline, ...] = ()
    labels: tuple[Label, ...] = ()  # permanent names (and values) placed by geo.model.labels
    sites: tuple[Site, ...] = ()
    site_legend: Legend | None = None
    symbols: tuple[Symbol, ...] = ()
    symbol_title: str = ""
    extent: tuple[str, ...] = ()  # adcodes to fit the map to; empty = all
    selection: tuple[str, ...] = ()  # adcodes outlined as selected
    in_view: tuple[str, ...] = ()  # counties whose data are drawn; empty = all (others dimmed)
    callouts: tuple[Callout, ...] = ()  # figures written on the map (a slide whose indicator few counties have)

    def __post_init__(self) -> None:
        if self.mode not in MAP_MODES:
            raise ValueError(f"unknown map mode {self.mode!r}; valid: {', '.join(MAP_MODES)}")

    @property
    def fills(self) -> dict[str, str | None]:
        """adcode -> fill (None = no data); empty in city mode, where the city is one unit."""
        return {} if self.mode == "city" else {a: c.fill for a, c in self.counties.items()}

    @property
    def planned(self) -> frozenset[str]:
        return frozenset(a for a, c in self.counties.items() if c.planned)


def themed(view: MapView, theme: MapColours) -> MapView:
    """The same view in a presenter theme's colours (geo.model.palette.MAP_COLOURS): every class fill,
    tint, legend swatch, outline and place, so the screen and the exports draw, and the legend shows,
    the same colours. The light theme's table is empty: its views come back as they are."""
    if not theme.data and not theme.ramps:
        return view
    classes = [e.color for e in view.legend.entries if e.swatch == "fill"] if view.legend else []
    table = class_colours(classes, theme)

    def c(colour: str | None) -> str | None:
        if colour is None or not HEX.match(colour):
            return colour
        key = colour.lower()
        return table.get(key) or theme.data.get(key, colour)

    def legend(lg: Legend | None) -> Legend | None:
        if lg is None:
            return None
        return replace(lg, entries=[replace(e, color=c(e.color)) for e in lg.entries])

    return replace(
        view,
        counties={a: replace(f, fill=c(f.fill), tint=c(f.tint)) for a, f in view.counties.items()},
        legend=legend(view.legend),
        city=replace(view.city, fill=c(view.city.fill)) if view.city is not None else None,
        outlines=tuple(replace(o, color=c(o.color)) for o in view.outlines),
        sites=tuple(replace(s, color=c(s.color)) for s in view.sites),
        site_legend=legend(view.site_legend),
    )
