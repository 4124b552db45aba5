"""What each page's map shows, as a value: one frozen dataclass per map, whose fields are its cache key.

geo.web.mapelement keeps st_folium's arguments for a map in a cache shared by every session, keyed by
the map's spec (its type and fields, language included) and the data version. A spec's ``build`` draws
the map from its own fields and the data alone, so the key cannot leave out something the map depends
on: a page that needs another input adds a field, and the key has it. tests/test_map_languages.py
builds every spec in both languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import folium

from geo.model import basemaps, themes
from geo.render.leaflet import layers
from geo.render.leaflet import screens as leaflet
from geo.render.leaflet.instant import instant_click_group
from geo.render.leaflet.maps import base_map, locator_group
from geo.views.mapview import MapView
from geo.views.overview import Overlays
from geo.web import loaders, results

Built = tuple[folium.Map, Sequence[folium.FeatureGroup]]


@dataclass(frozen=True)
class OverviewMap:
    """The overview's map: one indicator's classes with the chosen overlays and the selection outlined."""

    indicator_id: str
    year: int | None
    scheme: str
    lang: str
    overlays: Overlays
    selection: tuple[str, ...] = ()

    def view(self) -> MapView:
        """The map as data (shared with the downloads, which draw the same map on paper)."""
        return results.overview_map(self.indicator_id, self.year, self.scheme, self.lang, self.overlays, self.selection)

    def build(self) -> Built:
        counties, context = loaders.load_counties(), loaders.load_context()
        frame = leaflet.overview_frame(counties, context, self.lang)
        return frame, [*leaflet.overview_layers(self.view(), counties), instant_click_group()]


@dataclass(frozen=True)
class LocatorMap:
    """The county page's locator: the city's counties with one of them marked."""

    adcode: str
    lang: str

    def build(self) -> Built:
        counties = loaders.load_counties()
        return base_map(counties, lang=self.lang), [locator_group(counties, [self.adcode], lang=self.lang)]


@dataclass(frozen=True)
class ProgrammesMap:
    """The programmes page's map (one block, on the chosen basemap): sites, and one indicator's figures."""

    programmes: tuple[str, ...]
    selection: tuple[str, ...]
    indicator_id: str | None
    year: int | None
    basemap: str
    lang: str

    def build(self) -> Built:
        view = results.programmes_view(self.programmes, self.selection, self.indicator_id, self.year, self.lang)
        choice = basemaps.choices(loaders.basemap_config())[self.basemap]
        return layers.programme_map(view.map, loaders.load_counties(), choice, self.lang), []


@dataclass(frozen=True)
class SlideMap:
    """A briefing slide's map: the theme's constant frame and the slide's layers."""

    deck: tuple[str, float]  # loaders.deck_key(): the slides file and its modification time
    number: int  # 1-based
    theme: str
    lang: str

    def build(self) -> Built:
        counties, context = loaders.load_counties(), loaders.load_context()
        shown = results.slide(loaders.load_deck(), self.number - 1, self.lang, self.theme == "light")
        frame = leaflet.briefing_frame(counties, themes.get_theme(self.theme), self.lang, context)
        return frame, leaflet.slide_layers(shown.map, counties, self.lang, self.theme)


# Every map a page draws (tests build each in both languages).
SPECS = (OverviewMap, LocatorMap, ProgrammesMap, SlideMap)
