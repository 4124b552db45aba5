"""County labels: every county named, none overlapping at any zoom where both show."""

import re

import pytest

from geo.model.boundaries import read_counties
from geo.model.labels import anchor_points, collisions, place_labels, short_name, text_width_px, to_pixels
from geo.render.leaflet.compact import elements_in
from geo.render.leaflet.maps import TextMarkers, labels_group, offline_map
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
    m = offline_map([[38.2, 113.7], [40.0, 116.4]])
    labels_group(place_labels(anchors, texts)).add_to(m)
    html = m.get_root().render().replace("\\u0027", "'").replace("\\u003c", "<").replace("\\u003e", ">")
    html = html.replace("\\u0026", "&")  # JSON escapes, as the browser decodes them
    (markers,) = elements_in(m, TextMarkers)
    assert len(markers.rows) == 24 and "bd-label" in html
    assert len(re.findall(r"data-minzoom='\d", html)) == 24
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def _place_labels_brute_force(anchors, texts=None, lines=1, start_zoom=7.0):
    """The first implementation, kept as the reference: every label against every placed one."""
    from geo.model.labels import FONT_PX, LINE, MAX_ZOOM, ZOOM_STEP, Label, _clash, short_name, text_width_px

    placed = []
    for i in anchors["area"].sort_values(ascending=False).index:
        adcode = str(anchors.at[i, "adcode"])
        text = (texts or {}).get(adcode) or short_name(str(anchors.at[i, "name_zh"]))
        p = anchors.geometry[i]
        width = max(text_width_px(line) for line in text.split("\n"))
        label = Label(adcode, text, p.x, p.y, start_zoom, width, FONT_PX * LINE * max(lines, text.count("\n") + 1))
        zoom = start_zoom
        while zoom < MAX_ZOOM and any(_clash(label, o, max(zoom, o.min_zoom)) for o in placed):
            zoom += ZOOM_STEP
        placed.append(Label(**{**label.__dict__, "min_zoom": zoom}))
    return sorted(placed, key=lambda lb: lb.adcode)


def test_grid_placement_matches_the_brute_force_reference(anchors):
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point

    assert place_labels(anchors) == _place_labels_brute_force(anchors)
    two = {a: f"{a}\n12.3万" for a in anchors["adcode"]}
    assert place_labels(anchors, two, lines=2) == _place_labels_brute_force(anchors, two, lines=2)
    # 600 crowded points (a province's worth in a small box), two of them on the same spot.
    rng = np.random.default_rng(7)
    xy = np.column_stack([rng.uniform(114, 116, 600), rng.uniform(38, 40, 600)])
    xy[1] = xy[0]
    crowd = gpd.GeoDataFrame(
        {
            "adcode": [f"{k:06d}" for k in range(600)],
            "name_zh": [f"县{k}" for k in range(600)],
            "area": rng.uniform(1, 100, 600),
        },
        geometry=[Point(x, y) for x, y in xy],
        crs=4326,
    )
    fast = place_labels(crowd)
    assert fast == _place_labels_brute_force(crowd)
    assert collisions(fast, 10.0) == []
