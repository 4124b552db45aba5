"""Classification, palettes, legends; number formatting; URL state resolution."""

import math

import pytest

from geo.i18n import STRINGS, format_number, format_value, t
from geo.model import classify as cl
from geo.web.params import clicked_county, resolve


def test_quantiles_five_classes_cover_all_values():
    values = list(range(1, 25))
    classes = cl.classify(values, "quantiles", 5)
    assert len(classes.bins) == 5 and classes.bins[-1] == 24
    assert [classes.index_of(v) for v in (1, 24)] == [0, 4]
    assert len({classes.color_of(v) for v in values}) == 5


@pytest.mark.parametrize("scheme", list(cl.SCHEMES))
def test_every_scheme_classifies(scheme):
    classes = cl.classify([1, 5, 9, 40, 41, 100, 230, 231], scheme, 4)
    assert classes.bins[-1] == 231 and len(classes.colors) == len(classes.bins)


def test_few_distinct_values_get_one_class_each():
    classes = cl.classify([164.0, 126.0], "quantiles", 5)
    assert classes.bins == [126.0, 164.0]
    assert classes.color_of(126.0) != classes.color_of(164.0)


def test_missing_value_has_no_colour():
    classes = cl.classify([1.0, 2.0])
    assert classes.color_of(float("nan")) is None and classes.color_of(None) is None


def test_unknown_scheme_and_palette_list_valid_ones():
    with pytest.raises(KeyError, match="valid: quantiles, natural_breaks, equal_interval"):
        cl.classify([1, 2], "jenks")
    with pytest.raises(KeyError, match="valid: YlGnBu, YlOrBr"):
        cl.palette("rainbow", 3)


def test_numeric_legend_counts_and_no_data_row():
    values = [1.0, 2.0, 3.0, 4.0]
    classes = cl.classify(values, "equal_interval", 2)
    legend = cl.numeric_legend(classes, values, "贫困村", "个", "zh", n_missing=20)
    assert [e.count for e in legend.entries] == [2, 2, 20]
    assert legend.entries[-1].swatch == "hatch" and legend.entries[-1].color is None
    assert legend.entries[-1].label == "无数据"
    assert legend.title == "贫困村（个）"


def test_category_colours_distinct_and_not_applicable_grey():
    colors = cl.category_colors(["a", "b", "not_poor", "c"])
    assert colors["not_poor"] == cl.NOT_APPLICABLE
    assert len({colors[c] for c in "abc"}) == 3


def test_format_number_chinese_and_english():
    assert format_number(911200, "zh") == "91.12万"
    assert format_number(102000000, "zh") == "1.02亿"
    assert format_number(445, "zh") == "445"
    assert format_number(911200, "en") == "911,200"
    assert format_value(445, "兆瓦", "zh") == "445兆瓦"
    assert format_value(445, "MW", "en") == "445 MW"


def test_missing_is_no_data_never_zero():
    assert format_number(None, "zh") == "无数据"
    assert format_value(float("nan"), "MW", "en") == "No data"
    assert not math.isnan(0.0) and format_number(0, "zh") == "0"


def test_every_ui_string_has_both_languages():
    for key, entry in STRINGS.items():
        assert entry.get("zh") and entry.get("en"), key


def test_unknown_string_key_raises():
    with pytest.raises(KeyError):
        t("no_such_key")


def test_resolve_url_values():
    assert resolve(None, ["a"], "a").rejected is None
    assert resolve("a", ["a", "b"], "b").value == "a"
    r = resolve("<script>", ["a"], "a")
    assert (r.value, r.rejected) == ("a", "<script>")


def test_clicked_county_only_on_a_new_click():
    result = {"last_object_clicked": {"lat": 1, "lng": 2}, "last_active_drawing": {"properties": {"adcode": "130624"}}}
    adcode, last = clicked_county(result, None)
    assert adcode == "130624"
    assert clicked_county(result, last) == (None, last)  # same click on rerun
    assert clicked_county(None, last) == (None, last)


def test_parse_county_list_keeps_order_drops_repeats_reports_bad():
    from geo.web.params import parse_county_list

    valid = {"130624", "130630"}
    assert parse_county_list("130630,130624,130630", valid) == (["130630", "130624"], [])
    assert parse_county_list("130624,,x<y", valid) == (["130624"], ["x<y"])
    assert parse_county_list(None, valid) == ([], [])


def test_share_link_is_stable_and_keeps_commas_readable():
    from geo.web.params import share_link

    url = share_link("http://host/county", {"lang": "en", "county": "130624,130630", "compare": ""})
    assert url == "http://host/county?county=130624,130630&lang=en"
    assert share_link("http://host/", {}) == "http://host/"
    assert share_link(None, {"a": "b"}) is None
