"""Basemaps a user in China would pick, each with the datum its tiles are drawn in.

The app's data are WGS-84. Amap draws its tiles in GCJ-02, about 550 m away at Baoding,
so counties and points are shifted to the basemap's datum before drawing (``to_datum``);
on a mismatched basemap every site would sit in the wrong village.

"none" is the default and needs no network: with it the page makes no request outside
the app. Any other choice loads tiles from its server, which a meeting room without
internet cannot reach; tile URLs only ever enter a map when that basemap is chosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

import geopandas as gpd

from geo.i18n import localized
from geo.model.datum import DATUMS, convert_gdf
from geo.model.sites import normalize_datum

DEFAULT_BASEMAP = "none"
TIANDITU_SETTING = "TIANDITU_KEY"
TILE_URL_SETTING = "BAODING_TILE_URL"
TILE_DATUM_SETTING = "BAODING_TILE_DATUM"
TILE_ATTRIBUTION_SETTING = "BAODING_TILE_ATTRIBUTION"


@dataclass(frozen=True)
class Tiles:
    """One XYZ tile layer: URL template ({z}/{x}/{y}, optional {s} and {key})."""

    url: str
    subdomains: str = "abc"
    max_zoom: int = 18


@dataclass(frozen=True)
class Basemap:
    key: str
    name_zh: str
    name_en: str
    datum: str  # one of geo.model.datum.DATUMS
    attribution: str  # plain text; escaped before it reaches the map
    tiles: tuple[Tiles, ...] = field(default_factory=tuple)
    needs: str | None = None  # the setting without which the basemap is unavailable

    def name(self, lang: str) -> str:
        return localized(self, "name", lang)


BASEMAPS: dict[str, Basemap] = {
    "none": Basemap("none", "无底图(离线)", "None (offline)", "wgs84", ""),
    "osm": Basemap(
        "osm", "OpenStreetMap", "OpenStreetMap", "wgs84", "© OpenStreetMap contributors",
        (Tiles("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "", 19),),
    ),
    "amap": Basemap(
        "amap", "高德地图", "Amap (高德)", "gcj02", "© 高德地图 AutoNavi",
        (Tiles("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
               "1234", 18),),
    ),
    # CGCS2000 and WGS-84 differ by centimetres: no shift is needed for Tianditu.
    "tianditu": Basemap(
        "tianditu", "天地图", "Tianditu (天地图)", "wgs84", "© 天地图 国家地理信息公共服务平台",
        (
            Tiles("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
                  "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
                  "01234567", 18),
            Tiles("https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva"
                  "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
                  "01234567", 18),
        ),
        needs=TIANDITU_SETTING,
    ),
    # An intranet tile server: URL, datum and attribution come from the settings.
    "custom": Basemap("custom", "自定义瓦片", "Custom tiles", "wgs84", "", needs=TILE_URL_SETTING),
}  # fmt: skip


@dataclass(frozen=True)
class Choice:
    """A basemap ready to draw (URLs filled in), or why it cannot be used."""

    basemap: Basemap
    tiles: tuple[Tiles, ...]
    attribution: str
    unavailable: str | None = None  # the setting to set, when the basemap cannot be used

    @property
    def key(self) -> str:
        return self.basemap.key

    @property
    def datum(self) -> str:
        return self.basemap.datum


def get_basemap(key: str) -> Basemap:
    """The registry entry; an unknown key raises KeyError listing the valid ones."""
    try:
        return BASEMAPS[key]
    except KeyError:
        raise KeyError(f"unknown basemap {key!r}; valid: {', '.join(BASEMAPS)}") from None


def resolve(key: str, config: Mapping[str, str]) -> Choice:
    """Fill in the basemap's URLs from ``config`` (settings and secrets by name)."""
    base = get_basemap(key)
    if base.key == "custom":
        url = (config.get(TILE_URL_SETTING) or "").strip()
        if not url:
            return Choice(base, (), "", unavailable=TILE_URL_SETTING)
        datum = normalize_datum(config.get(TILE_DATUM_SETTING) or "wgs84")
        if datum not in DATUMS:
            return Choice(base, (), "", unavailable=TILE_DATUM_SETTING)
        # Leaflet needs some attribution; the server's host name is better than nothing.
        attribution = (config.get(TILE_ATTRIBUTION_SETTING) or "").strip() or urlparse(url).netloc or url
        base = Basemap("custom", base.name_zh, base.name_en, datum, attribution)
        return Choice(base, (Tiles(url),), base.attribution)
    if base.needs:
        secret = (config.get(base.needs) or "").strip()
        if not secret:
            return Choice(base, (), base.attribution, unavailable=base.needs)
        tiles = tuple(Tiles(t.url.replace("{key}", secret), t.subdomains, t.max_zoom) for t in base.tiles)
        return Choice(base, tiles, base.attribution)
    return Choice(base, base.tiles, base.attribution)


def choices(config: Mapping[str, str]) -> dict[str, Choice]:
    """Every basemap, resolved; those with ``unavailable`` set are shown disabled, with a hint."""
    return {key: resolve(key, config) for key in BASEMAPS}


def to_datum(gdf: gpd.GeoDataFrame, choice: Choice) -> gpd.GeoDataFrame:
    """WGS-84 geometries shifted to the datum the basemap's tiles are drawn in."""
    return convert_gdf(gdf, "wgs84", choice.datum)
