"""Colours people can tell apart (also with deuteranopia/protanopia) and text people can read."""

import itertools

import pytest

from geo.model import classify as cl
from geo.model.colour import contrast, delta_e
from geo.model.palette import BACKGROUND, CONTEXT_FILL, CONTEXT_TEXT, SELECTED

KINDS = [None, "deuteranopia", "protanopia"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(cl.PALETTES))
@pytest.mark.parametrize("k", [3, 4, 5, 6, 7])
def test_sequential_classes_stay_distinct(name, k, kind):
    colours = cl.palette(name, k)
    for a, b in itertools.pairwise(colours):
        assert delta_e(a, b, kind) >= 7, (a, b, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_category_colours_used_on_maps_stay_distinct(kind):
    # The largest categorical legend: exit years 2017–2020 plus "not a poor county".
    colours = list(cl.category_colors(["2017", "2018", "2019", "2020", "not_poor"]).values())
    for a, b in itertools.combinations(colours, 2):
        assert delta_e(a, b, kind) >= 12, (a, b, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_selection_outline_differs_from_every_fill(kind):
    fills = cl.CATEGORICAL[:5] + cl.palette("YlGnBu", 7) + [cl.NOT_APPLICABLE]
    assert min(delta_e(SELECTED, f, kind) for f in fills) >= 10


def test_text_contrast_meets_wcag_aa():
    assert contrast("#1a1a1a", "#ffffff") >= 4.5  # county names on their white halo
    assert contrast("#1a1a1a", "#f0f0f0") >= 4.5  # legend text on the legend box
    assert contrast("#555555", "#ffffff") >= 4.5  # legend counts
    assert contrast(CONTEXT_TEXT, CONTEXT_FILL) >= 4.5  # neighbours' names
    assert contrast("#444444", "#ffffff") >= 4.5  # legend notes


def test_no_data_hatch_is_visible_against_the_background():
    assert contrast("#9e9e9e", "#f2f2f2") >= 2.0  # stripes against their ground
    assert contrast("#9e9e9e", BACKGROUND) >= 2.0


def test_the_simulation_would_catch_a_red_green_palette():
    assert delta_e("#d62728", "#2ca02c") > 100
    assert delta_e("#d62728", "#2ca02c", "deuteranopia") < 12  # what the category test would reject
