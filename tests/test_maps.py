"""The folium output as HTML: local assets only, every feature, legend, escaping."""

import re

import pytest
from shapely.geometry import shape

from geo.model.classify import NO_DATA_FILL, Legend, LegendEntry
from geo.render.leaflet import screens
from geo.render.leaflet.assets import asset_url, ensure_static_assets
from geo.render.leaflet.compact import SCALE, decode_payload, elements_in, layers_in
from geo.render.leaflet.maps import HatchPattern, LegendControl, asset_links, selection_group
from geo.render.leaflet.markup import legend_html
from geo.views import overview as views

# SVG's namespace and the attribution's link to Leaflet (an anchor the viewer may follow, nothing loaded) aside.
CDN = re.compile(r"https?://(?!www\.w3\.org/|leafletjs\.com\\?\")", re.I)


def _html(m) -> str:
    return m.get_root().render()


def _decoded(m) -> str:
    """The page as the browser reads the embedded JSON strings."""
    return _html(m).replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")


def standalone(view: views.OverviewView, counties):
    """The overview's frame with its layers added for good, as one HTML page."""
    m = screens.overview_frame(counties, None, "zh")
    for layer in screens.overview_layers(view.map, counties):
        layer.add_to(m)
    return m


@pytest.fixture
def numeric_view(tiny_dataset, tiny_counties):
    return views.overview(tiny_dataset, tiny_counties, "poor_villages", 2014, "quantiles", "zh")


def test_map_loads_only_local_assets(numeric_view, tiny_counties):
    links = asset_links(standalone(numeric_view, tiny_counties))
    assert links == [asset_url("leaflet", "leaflet.js"), asset_url("leaflet", "leaflet.css")]
    assert not [u for u in links if CDN.match(u)]


def test_rendered_html_has_no_remote_url(numeric_view, tiny_counties):
    html = _html(standalone(numeric_view, tiny_counties))
    assert not CDN.findall(html), CDN.findall(html)[:5]
    assert "d3" not in re.findall(r"<script[^>]*src=\"([^\"]+)\"", html)


def test_every_county_is_a_feature_and_no_data_is_hatched(numeric_view, tiny_counties):
    m = standalone(numeric_view, tiny_counties)
    (layer,) = [g for g in layers_in(m) if g.interactive]  # the counties; the rest are outlines
    fc = decode_payload(layer.data)
    props = {f["properties"]["adcode"]: f for f in fc["features"]}
    assert sorted(props) == sorted(tiny_counties["adcode"])
    assert [a for a, f in props.items() if f["properties"]["nodata"]] == ["000003"]  # no figure
    assert props["000003"]["style"]["fillColor"] == NO_DATA_FILL
    assert len(elements_in(m, HatchPattern)) == 1  # the pattern NO_DATA_FILL points at
    # The shapes survive the compact encoding to within the grid (half a cell, diagonally).
    for row in tiny_counties.itertuples():
        decoded = shape(props[row.adcode]["geometry"])
        assert decoded.hausdorff_distance(row.geometry) <= 0.71 / SCALE


def test_legend_rows_and_no_data_entry(numeric_view):
    labels = [e.label for e in numeric_view.legend.entries]
    assert labels == ["10", "30", "无数据"]  # two distinct values: one class each, named by value
    assert numeric_view.legend.entries[-1].count == 1


def test_hostile_names_and_sources_are_escaped(numeric_view, tiny_counties):
    html = _decoded(standalone(numeric_view, tiny_counties))
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_legend_html_escapes_labels():
    out = legend_html(Legend("<b>t</b>", [LegendEntry("<i>x</i>", "#fff", 1)], note="<s>"))
    assert "<b>t</b>" not in out.replace("<b>&lt;b&gt;t&lt;/b&gt;</b>", "")
    assert "&lt;i&gt;x&lt;/i&gt;" in out and "&lt;s&gt;" in out


def test_city_only_indicator_draws_the_city_as_one_unit(tiny_dataset, tiny_counties):
    view = views.overview(tiny_dataset, tiny_counties, "pv_mw", None, "quantiles", "zh")
    assert view.mode == "city" and view.year == 2018
    assert view.table.empty
    assert "全市合计" in _html(standalone(view, tiny_counties))
    assert "500" in view.city_text and "目标" in view.city_text


def test_categorical_view_counts_each_category(tiny_dataset, tiny_counties):
    view = views.overview(tiny_dataset, tiny_counties, "county_type", 2016, "quantiles", "en")
    assert [(e.label, e.count) for e in view.legend.entries] == [("Poor county", 1), ("Not a poor county", 2)]
    assert view.coverage_text.startswith("3 of 3")


def test_selection_group_outlines_only_the_chosen_county(tiny_counties):
    (outline,) = layers_in(selection_group(tiny_counties, ["000002"]))
    (feature,) = decode_payload(outline.data)["features"]
    chosen = tiny_counties.set_index("adcode").geometry
    assert shape(feature["geometry"]).hausdorff_distance(chosen["000002"]) <= 0.71 / SCALE
    assert shape(feature["geometry"]).hausdorff_distance(chosen["000001"]) > 0.01


def test_static_assets_are_copied(tmp_path):
    copied = ensure_static_assets(tmp_path)
    assert any(p.name == "leaflet.js" for p in copied)
    assert ensure_static_assets(tmp_path) == []  # second call copies nothing


def test_base_map_is_the_same_for_every_indicator(tiny_dataset, tiny_counties):
    """st_folium remounts (losing zoom) when the map script changes; only the layers may change.

    Each indicator's map is what the overview page hands st_folium: the frame, and that view's layers
    as the feature groups it swaps in. The frame's identity (the hash st_folium keys the element by)
    stays the same while the layers differ.
    """
    from streamlit_folium import _get_map_string, generate_js_hash

    def frame_hash(counties=tiny_counties) -> str:
        return generate_js_hash(_get_map_string(screens.overview_frame(counties, None, "zh")), "overview_map")

    hashes, layers = set(), set()
    for indicator, year in (("poor_villages", 2014), ("county_type", 2016), ("pv_mw", None)):
        view = views.overview(tiny_dataset, tiny_counties, indicator, year, "quantiles", "zh")
        layers.add(_decoded_groups(screens.overview_layers(view.map, tiny_counties)))
        hashes.add(frame_hash())
    assert len(layers) == 3, "the three indicators' layers should differ"
    assert len(hashes) == 1
    assert frame_hash(tiny_counties.iloc[:2]) not in hashes  # the hash does see a change of the frame


def _decoded_groups(groups) -> str:
    """The county layers' decoded data (fills, tooltips), as a comparable text."""
    return "|".join(str(decode_payload(layer.data)) for group in groups for layer in layers_in(group))


def test_legend_lives_in_the_layer_not_the_base(numeric_view, tiny_counties):
    assert elements_in(screens.overview_frame(tiny_counties, None, "zh"), LegendControl) == []
    (choropleth, *_) = screens.overview_layers(numeric_view.map, tiny_counties)
    (legend,) = elements_in(choropleth, LegendControl)  # it leaves with its layer
    assert legend.markup == legend_html(numeric_view.legend)


def test_exit_year_as_of_a_year_shows_who_was_still_listed():
    from geo.model.boundaries import read_counties
    from geo.model.indicators import load_dataset
    from tests.conftest import DATA

    counties = read_counties(DATA / "counties.geojson")
    ds = load_dataset(DATA, set(counties["adcode"]))
    assert views.year_options(ds, "exit_year") == (["latest", "2017", "2018", "2019", "2020"], "latest")
    view = views.overview(ds, counties, "exit_year", 2018, "quantiles", "zh")
    counts = {e.label: e.count for e in view.legend.entries}
    assert counts == {"2017年退出": 1, "2018年退出": 2, "截至2018年仍在贫困县序列": 6, "非贫困县": 15}
    assert view.period("zh") == "截至2018年"
    latest = views.overview(ds, counties, "exit_year", None, "quantiles", "zh")
    assert "截至" not in " ".join(e.label for e in latest.legend.entries)


def test_compact_encoding_round_trips_and_survives_jinja():
    from shapely.geometry import LineString, MultiPolygon, Polygon

    from geo.render.leaflet.compact import encode_geometry, to_json

    ring = [(115.123456, 38.987654), (115.2, 39.1), (114.95, 39.05), (115.123456, 38.987654)]
    hole = [(115.1, 39.0), (115.12, 39.02), (115.09, 39.03), (115.1, 39.0)]
    poly = MultiPolygon([Polygon(ring, [hole]), Polygon([(116, 40), (116.1, 40), (116, 40.1)])])
    fc = decode_payload({"k": SCALE, "s": [{}], "f": [{"t": "P", "g": encode_geometry(poly)[1], "p": {}, "i": 0}]})
    assert shape(fc["features"][0]["geometry"]).hausdorff_distance(poly) <= 0.71 / SCALE
    kind, parts = encode_geometry(LineString([(-73.5, 45.5), (-73.6, -45.4)]))  # signs both ways
    assert kind == "L"
    line = decode_payload({"k": SCALE, "s": [{}], "f": [{"t": kind, "g": parts, "p": {}, "i": 0}]})
    assert line["features"][0]["geometry"]["coordinates"][0] == [(-73.5, 45.5), (-73.6, -45.4)]
    # branca re-reads each rendered script as a Jinja template: no "{{", "{%" or "{#" may survive.
    text = to_json({"g": "ab{{c{%d{#e</script>"})
    assert not re.search(r"\{[{%#]", text) and "</" not in text
    import json

    assert json.loads(text)["g"] == "ab{{c{%d{#e</script>"


def test_shared_borders_are_sent_once_and_islands_and_holes_close(bundled):
    from shapely.geometry import Polygon

    from geo.render.leaflet.compact import topo_payload

    counties = bundled[1]
    data = topo_payload((g, {"adcode": a}, {}) for g, a in zip(counties.geometry, counties["adcode"]))
    refs = [r for f in data["f"] for poly in f["r"] for ring in poly for r in ring]
    assert len(refs) > len(data["a"])  # some arcs serve two counties
    assert sum(r < 0 for r in refs) > 0  # ... run the other way for one of them
    for f, geom in zip(decode_payload(data)["features"], counties.geometry):
        decoded = shape(f["geometry"])
        assert decoded.is_valid and decoded.hausdorff_distance(geom) <= 0.71 / SCALE
    # A unit inside a hole of another: one junction-free ring, sent once, used both ways.
    outer = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [[(0.4, 0.4), (0.4, 0.6), (0.6, 0.6), (0.6, 0.4)]])
    inner = Polygon([(0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6)])
    island = topo_payload([(outer, {}, {}), (inner, {}, {})])
    assert len(island["a"]) == 2 and island["f"][0]["r"][0][1] == [~island["f"][1]["r"][0][0][0]]
    back = decode_payload(island)["features"]
    assert shape(back[0]["geometry"]).equals(outer) and shape(back[1]["geometry"]).equals(inner)


def test_callouts_and_tinted_hatch_on_the_slide_map(numeric_view, tiny_counties):
    """A callout carries the escaped name and value (standing off with a leader when the view says so);
    a tinted no-data county asks for its own hatch pattern, the legend shows the same tint."""
    from geo.model.palette import HATCH_POOR, HATCH_POOR_SWATCH
    from geo.model.themes import get_theme
    from geo.render.leaflet.maps import hatch_fill
    from geo.views.mapview import Callout, CountyFill, MapView

    fills = {
        "000001": CountyFill("#2c7fb8", (("", "甲县"),)),
        "000002": CountyFill(None, (("", "乙县"),), tint=HATCH_POOR),
        "000003": CountyFill(None, (("", "丙"),)),
    }
    entries = [LegendEntry("poor", count=1, swatch=HATCH_POOR_SWATCH), LegendEntry("other", count=1, swatch="hatch")]
    legend = Legend("t", entries, "not zero")
    view = MapView(
        "county",
        "t",
        fills,
        legend,
        callouts=(
            Callout("000001", "<b>甲</b>", "30个", 115.05, 38.85),
            Callout("000003", "丙", "7个", 115.25, 38.85, side="se"),
        ),
    )
    m = screens.briefing_frame(tiny_counties, get_theme("light"), "zh")
    for layer in screens.slide_layers(view, tiny_counties, "zh"):
        layer.add_to(m)
    page = _decoded(m)
    assert hatch_fill(HATCH_POOR) == f"url(#nodata-hatch-{HATCH_POOR[1:]})" and hatch_fill(None) == NO_DATA_FILL
    assert f"url(#nodata-hatch-{HATCH_POOR[1:]})" in page and NO_DATA_FILL in page
    page = page.replace("<\\/", "</")  # JSON's escaped slashes
    assert "<b>&lt;b&gt;甲&lt;/b&gt;</b>" in page and "<b><b>甲</b></b>" not in page
    assert "30个" in page and "class='bd-leader'" in page and "translate(0,0)" in page  # se: box's corner at the leader
    assert HATCH_POOR in legend_html(legend) and "not zero" in legend_html(legend)
    with pytest.raises(ValueError):
        hatch_fill("red);background:url(x")
