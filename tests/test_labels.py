"""County labels: every county named, none overlapping at any zoom where both show."""

import re

import pytest

from geo.boundaries import read_counties
from geo.labels import anchor_points, collisions, place_labels, short_name, text_width_px, to_pixels
from geo.maps import TextMarkers, labels_group, offline_map, standalone
from tests.conftest import DATA


@pytest.fixture(scope="module")
def anchors():
    return anchor_points(read_counties(DATA / "counties.geojson"))


def test_short_names():
    assert [short_name(n) for n in ("阜平县", "高碑店市", "唐县", "竞秀区")] == ["阜平", "高碑店", "唐县", "竞秀"]
    assert short_name("Fuping County", "en") == "Fuping" and short_name("Zhuozhou City", "en") == "Zhuozhou"


def test_pixels_double_per_zoom_level():
    x1, y1 = to_pixels(115.0, 38.8, 8)
    x2, y2 = to_pixels(115.0, 38.8, 9)
    assert x2 == pytest.approx(2 * x1) and y2 == pytest.approx(2 * y1)


def test_cjk_text_is_wider_than_latin():
    assert text_width_px("阜平") > text_width_px("Fu")


@pytest.mark.parametrize("lines", [1, 2])
def test_labels_never_collide(anchors, lines):
    texts = {a: "阜平\n10.81万人" if lines == 2 else "阜平县" for a in anchors["adcode"]}
    labels = place_labels(anchors, texts, lines=lines)
    assert len(labels) == 24
    for zoom in [7 + 0.25 * i for i in range(29)]:
        assert collisions(labels, zoom) == [], zoom
    assert max(lb.min_zoom for lb in labels) <= 11  # every name readable once zoomed in a little


def test_most_names_show_at_the_default_view(anchors):
    labels = place_labels(anchors)
    assert sum(lb.min_zoom <= 8.25 for lb in labels) >= 20


def test_label_layer_has_24_permanent_escaped_labels(anchors):
    texts = dict.fromkeys(anchors["adcode"], "<b>x</b>")
    m = standalone(offline_map([[38.2, 113.7], [40.0, 116.4]]), [labels_group(place_labels(anchors, texts))])
    html = m.get_root().render().replace("\\u0027", "'").replace("\\u003c", "<").replace("\\u003e", ">")
    html = html.replace("\\u0026", "&")  # JSON escapes, as the browser decodes them
    (markers,) = [el for el in m._children.values() for el in el._children.values() if isinstance(el, TextMarkers)]
    assert len(markers.rows) == 24 and "bd-label" in html
    assert len(re.findall(r"data-minzoom='\d", html)) == 24
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
