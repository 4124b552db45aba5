"""Where the export's legend, scale bar and north arrow go (geo.render.export.figure.place and its
clutter scores), tested on a bare axes: no counties, no map drawn."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from shapely.affinity import translate
from shapely.geometry import box

from geo.model.themes import get_theme
from geo.render.export import figure, fonts

KM = 1000


@pytest.fixture
def ax():
    """A 100 km × 100 km map on a 4 × 4 inch axes, measured by an Agg canvas."""
    fonts.configure()  # the arrow's 北
    fig = Figure(figsize=(4, 4), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100 * KM)
    ax.set_ylim(0, 100 * KM)
    FigureCanvasAgg(fig)
    return ax


def px(ax, x0: float, y0: float, x1: float, y1: float) -> Bbox:
    """A box given in km, in display pixels."""
    return Bbox(ax.transData.transform([(x0 * KM, y0 * KM), (x1 * KM, y1 * KM)]))


def km_box(x0: float, y0: float, x1: float, y1: float):
    """A shape given in km, in metres."""
    return box(x0 * KM, y0 * KM, x1 * KM, y1 * KM)


def test_place_takes_the_least_clutter_and_the_first_of_equals():
    assert figure.place(["a", "b", "c"], {"a": 2, "b": 1, "c": 3}.get) == "b"
    assert figure.place(["a", "b", "c"], {"a": 1, "b": 0, "c": 0}.get) == "b"  # order of preference breaks ties
    assert figure.rank(["a", "b", "c"], {"a": 1, "b": 0, "c": 0}.get) == ["b", "c", "a"]


def test_box_clutter_counts_land_and_what_is_taken(ax):
    land = km_box(0, 0, 50, 100)  # the western half
    taken = [px(ax, 80, 80, 100, 100)]  # a name in the north-east corner
    clutter = figure.BoxClutter(ax.transData, land, taken)
    assert clutter(px(ax, 60, 0, 80, 20)) == pytest.approx(0.0)  # over water, over nothing drawn
    assert clutter(px(ax, 0, 0, 20, 20)) == pytest.approx(1.0)  # all land
    assert clutter(px(ax, 40, 0, 60, 20)) == pytest.approx(0.5)
    assert clutter(px(ax, 85, 85, 95, 95)) == pytest.approx(1.0)  # over the name
    taken.append(px(ax, 60, 0, 80, 20))  # what is placed later is avoided too
    assert clutter(px(ax, 60, 0, 80, 20)) == pytest.approx(1.0)


def test_legend_corner_avoids_the_framed_counties_and_any_callout(ax):
    limits = (0, 100 * KM, 0, 100 * KM)
    shown = km_box(0, 50, 100, 100)  # the counties fill the northern half
    ranked = figure.rank(figure.LEGEND_CORNERS, figure.corner_clutter(ax, limits, shown, []))
    assert set(ranked[:2]) == {"lower left", "lower right"}
    assert ranked[:2] == ["lower left", "lower right"]  # the order of preference between equals
    callout = px(ax, 5, 5, 15, 15)  # a callout in the south-west corner weighs a whole corner
    ranked = figure.rank(figure.LEGEND_CORNERS, figure.corner_clutter(ax, limits, shown, [callout]))
    assert ranked[0] == "lower right" and ranked[-1] == "lower left"


def test_scale_bar_and_north_arrow_go_where_they_hide_least(ax):
    theme = get_theme("light")
    land = km_box(0, 0, 50, 100)
    taken: list[Bbox] = []
    clutter = figure.BoxClutter(ax.transData, land, taken)
    renderer = ax.figure.canvas.get_renderer()
    corners = ["upper left", "lower left", "lower right"]
    bar = figure._draw_scale_bar(ax, theme, "zh", (0, 100 * KM, 0, 100 * KM), corners, 9.5, clutter, renderer)
    assert bar.loc == 4 and len(ax.artists) == 1  # "lower right", off the land; the others removed
    taken.append(bar.get_window_extent(renderer))
    shown = translate(km_box(40, 40, 60, 60), 400 * KM, 4300 * KM)  # true north is worked out near Baoding
    figure._draw_north_arrow(ax, theme, "zh", shown, 9.5, 34, clutter, renderer)
    (arrow,) = ax.texts
    x, y = arrow.xy
    assert x > 0.5 and y > 0.5  # the east half and away from the scale bar at the bottom right
