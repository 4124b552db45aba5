"""Programme map: symbol sizing, basemap registry and datum shift, and the map's HTML."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pyproj
import pytest
from folium.plugins import MarkerCluster
from shapely.geometry import Point

from geo import settings
from geo.model import basemaps
from geo.model.classify import Legend, LegendEntry
from geo.model.palette import SITE_PALETTE
from geo.render.leaflet import layers, tiles
from geo.render.leaflet.assets import PACKAGES, asset_url
from geo.render.leaflet.compact import elements_in
from geo.render.leaflet.maps import LegendControl, asset_links
from geo.views import programmes as pg
from geo.views.mapview import CountyFill, MapView, Site, Symbol

ROOT = Path(__file__).resolve().parents[1]
GEOD = pyproj.Geod(ellps="WGS84")
# SVG's namespace and the attribution's link to Leaflet (an anchor the viewer may follow, nothing loaded) aside.
CDN = re.compile(r"https?://(?!www\.w3\.org/|leafletjs\.com\\?\")", re.I)
HOSTILE = "<img src=x onerror=alert(1)>"
OFFLINE = basemaps.resolve("none", {})


def _html(m) -> str:
    return m.get_root().render()


def _decoded(m) -> str:
    """The page as the browser reads its JSON strings (folium writes non-ASCII and <>& as \\uXXXX)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda x: chr(int(x.group(1), 16)), _html(m))


# ---------------------------------------------------------------- proportional symbols


def test_circle_area_is_proportional_to_value():
    scale = layers.SymbolScale(400.0, max_radius=20.0)
    assert scale.radius(400) == pytest.approx(20.0)
    assert scale.radius(100) == pytest.approx(10.0)  # a quarter of the value, half the radius
    values = [3.0, 50.0, 120.0, 400.0]
    areas = [math.pi * scale.radius(v) ** 2 for v in values]
    ratios = [a / v for a, v in zip(areas, values)]
    assert max(ratios) == pytest.approx(min(ratios))


def test_no_value_no_circle():
    scale = layers.SymbolScale(10.0)
    assert scale.radius(0) == 0.0 and scale.radius(float("nan")) == 0.0
    assert layers.SymbolScale(0.0).radius(5) == 0.0


@pytest.mark.parametrize(
    ("max_value", "expected"),
    [(6300, [5000, 1000, 200]), (120, [100, 20, 5]), (33, [20, 5, 2]), (1, [1, 0.2, 0.05]), (7.58, [5, 1, 0.2])],
)
def test_reference_values_are_round_and_nested(max_value, expected):
    assert layers.reference_values(max_value) == pytest.approx(expected)


def test_size_legend_draws_reference_circles_with_the_map_scale():
    scale = layers.SymbolScale(6300.0)
    svg = layers.size_legend_svg(scale, "zh")
    radii = [float(r) for r in re.findall(r"<circle [^>]*r='([\d.]+)'", svg)]
    assert radii == pytest.approx([scale.radius(v) for v in (5000, 1000, 200)], abs=0.05)
    assert ">5000<" in svg and ">200<" in svg


# ---------------------------------------------------------------- basemaps


def test_unknown_basemap_lists_the_valid_ones():
    with pytest.raises(KeyError, match="valid: none, osm, amap, tianditu, custom"):
        basemaps.get_basemap("google")


def test_default_basemap_is_offline():
    assert basemaps.DEFAULT_BASEMAP == "none"
    assert OFFLINE.tiles == () and OFFLINE.unavailable is None


def test_tianditu_disabled_without_key_and_key_fills_the_urls():
    assert basemaps.resolve("tianditu", {}).unavailable == "TIANDITU_KEY"
    choice = basemaps.resolve("tianditu", {"TIANDITU_KEY": "abc123"})
    assert choice.unavailable is None and len(choice.tiles) == 2  # vector map + labels
    assert all("tk=abc123" in t.url for t in choice.tiles)
    assert choice.datum == "wgs84"  # CGCS2000: centimetres from WGS-84


def test_custom_tiles_come_from_settings():
    assert basemaps.resolve("custom", {}).unavailable == "BAODING_TILE_URL"
    cfg = {"BAODING_TILE_URL": "http://tiles.intranet/{z}/{x}/{y}.png", "BAODING_TILE_DATUM": "GCJ-02"}
    choice = basemaps.resolve("custom", cfg)
    assert choice.datum == "gcj02" and choice.attribution == "tiles.intranet"
    assert basemaps.resolve("custom", {**cfg, "BAODING_TILE_DATUM": "mars"}).unavailable == "BAODING_TILE_DATUM"
    named = basemaps.resolve("custom", {**cfg, "BAODING_TILE_ATTRIBUTION": "© 保定测绘 <b>"})
    layer = tiles.tile_layers(named)[0]
    assert "&lt;b&gt;" in layer.options["attribution"]


def test_unavailable_basemap_cannot_draw():
    with pytest.raises(ValueError, match="TIANDITU_KEY"):
        tiles.tile_layers(basemaps.resolve("tianditu", {}))


def test_shift_to_amap_moves_every_vertex_about_550_m(tiny_counties):
    shifted = basemaps.to_datum(tiny_counties, basemaps.resolve("amap", {}))
    a = np.concatenate([np.asarray(g.exterior.coords) for g in tiny_counties.geometry])
    b = np.concatenate([np.asarray(g.exterior.coords) for g in shifted.geometry])
    d = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]
    assert 500 < d.min() and d.max() < 600
    assert (b[:, 0] > a[:, 0]).all() and (b[:, 1] > a[:, 1]).all()  # east-north-east
    same = basemaps.to_datum(tiny_counties, basemaps.resolve("osm", {}))
    assert same.geometry.geom_equals(tiny_counties.geometry).all()


def test_basemap_settings_are_registered_and_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [
        basemaps.TIANDITU_SETTING,
        basemaps.TILE_URL_SETTING,
        basemaps.TILE_DATUM_SETTING,
        basemaps.TILE_ATTRIBUTION_SETTING,
    ]
    for name in names:
        assert name in settings.SETTINGS, name
        assert readme.count(f"`{name}`") >= 2, name  # Chinese and English sections


def test_urls_in_app_code_are_only_tile_templates():
    """No CDN script anywhere: the only remote URLs in app code are the basemaps' tile templates."""
    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "geo").rglob("*.py")]
    for path in files:
        for url in re.findall(r"https?://[^\s\"'<>)]+", path.read_text(encoding="utf-8")):
            if path.name == "basemaps.py":
                assert "{z}" in url or "TILEMATRIX={z}" in url or url.endswith("&LAYER=vec") or "LAYER=" in url, url
            else:
                assert not re.search(r"\.(js|css)(\?|$)", url), (path.name, url)


# ---------------------------------------------------------------- the map


def _sites(points: list[tuple[float, float]], names: list[str], programmes: list[str], precisions: list[str]):
    gdf = gpd.GeoDataFrame(
        {
            "name_zh": names,
            "name_en": names,
            "programme": programmes,
            "precision": precisions,
            "adcode": ["000001"] * len(names),
        },
        geometry=[Point(p) for p in points],
        crs="EPSG:4326",
    )
    return gdf.assign(rows=[[("来源", "<script>alert(2)</script>")] for _ in names])


def _map_sites(sites: gpd.GeoDataFrame, colors: dict[str, str], names: dict[str, str]):
    """The view's sites and site legend, in the order of ``colors`` (as geo.views.programmes.map_sites)."""
    drawn = [
        Site(g.x, g.y, p, colors[p], pr, (n,), a, tuple(r))
        for g, p, pr, n, a, r in zip(
            sites.geometry, sites["programme"], sites["precision"], sites["name_zh"], sites["adcode"], sites["rows"]
        )
    ]
    drawn.sort(key=lambda s: list(colors).index(s.programme))
    counts = sites["programme"].value_counts()
    entries = [LegendEntry(names[p], c, int(counts[p])) for p, c in colors.items() if p in counts]
    return tuple(drawn), Legend("地点", entries)


@pytest.fixture
def site_map(tiny_counties):
    sites = _sites(
        [(115.05, 38.85), (115.15, 38.85), (115.15, 38.85)],
        [HOSTILE, "乙点", "丙点"],
        ["pv", "tourism", "pv"],
        ["exact", "county", "township"],
    )
    drawn, legend = _map_sites(
        sites, {"pv": SITE_PALETTE[0], "tourism": SITE_PALETTE[1]}, {"pv": "光伏扶贫", "tourism": "旅游扶贫"}
    )
    fills = {a: CountyFill("#ffffff", (("", n),)) for a, n in zip(tiny_counties.adcode, tiny_counties.name_zh)}
    symbols = (
        Symbol("000001", 115.05, 38.85, 400.0, (("v", "400"),)),
        Symbol("000002", 115.15, 38.85, 100.0, (("v", "100"),)),
    )
    view = MapView(
        "context",
        "测试（个）",
        fills,
        None,
        ("000003",),
        sites=drawn,
        site_legend=legend,
        symbols=symbols,
        symbol_title="测试（个）",
        selection=("000001", "000002"),
        in_view=("000001", "000002"),
    )
    return layers.programme_map(view, tiny_counties, OFFLINE, "zh")


def test_every_asset_is_local_including_markercluster(site_map):
    links = asset_links(site_map)
    local = {asset_url(p, f) for p, (_, files, _) in PACKAGES.items() for f in files}
    assert set(links) <= local
    assert asset_url("markercluster", "leaflet.markercluster.js") in links
    assert asset_url("markercluster", "MarkerCluster.Default.css") in links
    html = _html(site_map)
    assert not CDN.findall(html), CDN.findall(html)[:5]
    assert "$(" not in html  # no jQuery popups: st_folium would fetch jQuery from a CDN


def _markers(m) -> dict[str, str]:
    """Each site marker's accessible name -> its icon's markup."""
    sites = [mk for mk in elements_in(m, folium.Marker) if "bd-site" in getattr(mk.icon, "options", {}).get("html", "")]
    return {marker.options["title"]: marker.icon.options["html"] for marker in sites}


def _legend(m) -> LegendControl:
    (legend,) = elements_in(m, LegendControl)
    return legend


def test_one_layer_per_programme_clustered_together(site_map):
    (cluster,) = elements_in(site_map, MarkerCluster)
    (routed,) = elements_in(site_map, layers.ClusterSubGroups)
    assert routed.cluster is cluster  # every programme's markers go through the one cluster
    # One layer per programme, named in the layer control with its count, holding its own sites.
    names = [re.sub(r"<[^>]*>", "", group.layer_name).strip() for group in routed.groups]
    assert names == ["光伏扶贫（2）", "旅游扶贫（1）"]
    assert [sorted(_markers(group)) for group in routed.groups] == [sorted([HOSTILE, "丙点"]), ["乙点"]]
    assert all(group.control for group in routed.groups) and len(elements_in(site_map, folium.LayerControl)) == 1
    assert site_map.options["max_zoom"] == layers.MAX_ZOOM  # MarkerCluster refuses a map without a max zoom


def test_hollow_for_county_precision_filled_otherwise(site_map):
    looks = {name: "hollow" if "bd-hollow" in icon else "filled" for name, icon in _markers(site_map).items()}
    assert looks == {HOSTILE: "filled", "乙点": "hollow", "丙点": "filled"}  # exact, county, township


def test_site_names_and_popups_are_escaped(site_map):
    # A marker's title (its accessible name) is the one place a name stays as it is: Leaflet sets it
    # as the element's title text, which is never read as HTML.
    assert f'"title": "{HOSTILE}"' in _decoded(site_map)
    html = re.sub(r'"title": "[^"]*"', "", _decoded(site_map))
    assert HOSTILE not in html and "<script>alert(2)</script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_symbols_and_size_legend(site_map):
    big, small = layers.SymbolScale(400.0).radius(400), layers.SymbolScale(400.0).radius(100)
    # Largest first, so the small circle stays on top and reachable.
    assert [c.options["radius"] for c in elements_in(site_map, folium.CircleMarker)] == [big, small]
    legend = _legend(site_map)
    assert json.loads(legend.position_json) == "bottomright"  # the strip the first view is fitted clear of
    assert "圆的面积与数值成正比" in legend.markup and "无数据：1 个县（市、区），不画圆" in legend.markup


def test_amap_basemap_shifts_sites_and_adds_tiles(tiny_counties):
    drawn, legend = _map_sites(
        _sites([(115.05, 38.85)], ["甲点"], ["pv"], ["exact"]), {"pv": "#000000"}, {"pv": "光伏"}
    )
    fills = {a: CountyFill("#ffffff", (("", a),)) for a in tiny_counties.adcode}
    view = MapView("context", "", fills, None, sites=drawn, site_legend=legend)
    m = layers.programme_map(view, tiny_counties, basemaps.resolve("amap", {}), "zh")
    tile_layers = elements_in(m, folium.TileLayer)
    assert tile_layers and all("autonavi.com" in layer.tiles for layer in tile_layers)
    assert any("高德地图 AutoNavi" in layer.options["attribution"] for layer in tile_layers)
    (marker,) = elements_in(m, folium.Marker)
    lat, lon = marker.location
    assert 500 < GEOD.inv(115.05, 38.85, lon, lat)[2] < 600


def test_page_view_draws_only_the_selected_countys_sites(tiny_dataset, tiny_counties):
    sites = _sites([(115.05, 38.85), (115.15, 38.85)], ["甲点", "乙点"], ["pv", "pv"], ["exact", "exact"])
    sites = sites.assign(
        adcode=["000001", "000002"],
        source_id="rep",
        locator="x",
        note="",
        facts_zh="",
        facts_en="",
        location_source_id="",
    )
    view = pg.programmes_view(tiny_dataset, tiny_counties, sites, [], ["000002"], "poor_villages", None, "zh")
    m = layers.programme_map(view.map, tiny_counties, OFFLINE, "zh")
    assert list(_markers(m)) == ["乙点"]
    assert view.mode == "symbols" and len(elements_in(m, folium.CircleMarker)) == 1  # 乙县's 10 villages
    assert view.no_data == [] and view.n_sites == 1
    assert list(view.sums["合计"]) == ["10个"] and list(view.sums["有数据的县"]) == ["1/1"]


def test_no_data_counties_get_no_circle_and_are_listed(tiny_dataset, tiny_counties):
    sites = _sites([], [], [], []).assign(source_id=[], locator=[], note=[], facts_zh=[], facts_en=[])
    view = pg.programmes_view(tiny_dataset, tiny_counties, sites, [], [], "poor_villages", None, "en")
    m = layers.programme_map(view.map, tiny_counties, OFFLINE, "en")
    assert len(elements_in(m, folium.CircleMarker)) == 2  # 000001 and 000002; 000003 has no figure
    assert view.no_data == ["Bad County"]
    assert "No data: 1 county, no circle" in _legend(m).markup  # English singular (geo.i18n en_one)


def test_rates_and_categories_stay_choropleth(tiny_dataset, tiny_counties):
    sites = _sites([], [], [], []).assign(source_id=[], locator=[], note=[], facts_zh=[], facts_en=[])
    view = pg.programmes_view(tiny_dataset, tiny_counties, sites, [], [], "county_type", None, "zh")
    assert view.mode == "fill"
    assert elements_in(layers.programme_map(view.map, tiny_counties, OFFLINE, "zh"), folium.CircleMarker) == []
