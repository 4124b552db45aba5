"""AppTest of every page on the bundled data: no exception, sourced figures, bad links handled."""

import json
import shutil
from pathlib import Path

import pytest
from conftest import HOSTILE_LINK_VALUES, shown
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from geo.i18n import STRINGS, t
from geo.views import overview as views

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


def run(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def test_overview_renders_key_figures_with_sources():
    at = run()
    assert not at.exception
    assert len(at.metric) >= 4
    for metric in at.metric:
        assert metric.proto.help.startswith("来源")
    assert any("保定市革命老区精准脱贫地图" in shown(md.value) for md in at.markdown)


def test_overview_every_indicator_renders():
    at = run()
    options = at.selectbox(key="indicator").options
    assert len(options) >= 40
    for option in options:
        at.selectbox(key="indicator").select(option).run()
        assert not at.exception, option
        assert not at.error, option


def link_note(param: str, value: str, lang: str = "zh") -> str:
    """The note a page shows for a link value it cannot use (geo.web.urlstate.notify), as the reader sees it."""
    label = t(param, lang) if param in STRINGS else param
    return shown(t("unknown_param", lang, param=label, value=value))


@pytest.mark.parametrize(
    ("params", "param", "value"),
    [
        ({"indicator": "no_such_thing"}, "indicator", "no_such_thing"),
        ({"county": "999999"}, "county", "999999"),
        ({"lang": "fr"}, "language", "fr"),
        ({"indicator": "poor_population_remaining", "year": "1999"}, "year", "1999"),
    ],
)
def test_a_link_asking_for_what_does_not_exist_falls_back_with_one_note(params, param, value):
    at = run(**params)
    assert not at.exception
    assert [shown(w.value) for w in at.warning] == [link_note(param, value)]
    if param == "indicator":
        assert at.selectbox(key="indicator").value == views.DEFAULT_INDICATOR


def test_page_opens_on_the_default_indicator():
    at = run()
    assert at.selectbox(key="indicator").value == views.DEFAULT_INDICATOR
    assert not at.warning


@pytest.mark.parametrize("bad", HOSTILE_LINK_VALUES)
def test_link_values_are_shown_as_text(bad):
    """A notice quotes what the link asked for literally: no link, image or emphasis on the app's own domain."""
    at = run(indicator=bad)
    assert not at.exception
    notice = next(w.value for w in at.warning if "indicator" in w.value or "指标" in w.value)
    assert bad in shown(notice)
    assert not any(tag in MarkdownIt().render(notice) for tag in ("<a ", "<img", "<strong>", "<em>"))


def test_hidden_characters_in_a_link_are_shown_as_escapes_and_the_notice_reads_in_order():
    """A right-to-left override in a link value would flip the rest of the app's own sentence."""
    at = run(indicator="abc\u202edef\u200b")
    notice = shown(next(w.value for w in at.warning if "abc" in w.value))
    assert notice == "链接中的指标“abc<U+202E>def<U+200B>”无效，已改用默认值。"
    assert not any(c in notice for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b")


@pytest.mark.parametrize(
    "lang, tail", [("zh", "…（共 100000 个字符）”无效"), ("en", "…(100000 characters)” is not valid")]
)
def test_a_long_link_value_is_cut_in_its_notice(lang, tail):
    at = run(indicator="x" * 100_000, lang=lang)
    notice = shown(next(w.value for w in at.warning if "xxx" in w.value))
    assert tail in notice and len(notice) < 200, notice


HOSTILE_NAME = "**粗体** <img src=x onerror=alert(1)> [l](https://evil.example) {{7*7}} $x$"


@pytest.fixture
def hostile_county(tmp_path, monkeypatch):
    """The bundled data with 阜平县 (130624) renamed to a name full of Markdown and HTML."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    path = data / "counties.geojson"
    geo = json.loads(path.read_text(encoding="utf-8"))
    for feature in geo["features"]:
        if feature["properties"]["adcode"] == "130624":
            feature["properties"]["name_zh"] = HOSTILE_NAME
    path.write_text(json.dumps(geo, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("BAODING_DATA_DIR", str(data))


@pytest.mark.parametrize("page", [None, "pages/county.py"])
def test_names_from_the_data_are_shown_as_text(hostile_county, page):
    at = run(page, county="130624")
    assert not at.exception
    elements = [*at.markdown, *at.info, *at.title, *at.warning]
    quoting = [e.value for e in elements if "粗体" in e.value]
    assert quoting, "the county's name is shown somewhere"
    for source in quoting:
        assert HOSTILE_NAME in shown(source)
        assert not any(tag in MarkdownIt().render(source) for tag in ("<a ", "<img", "<strong>", "<em>"))


def test_indicator_in_link_is_shown():
    at = run(indicator="registered_poor_population")
    assert at.selectbox(key="indicator").value == "registered_poor_population"
    assert any("占全市合计" in shown(md.value) for md in at.markdown)


def test_county_in_link_is_selected():
    at = run(county="130624")
    assert not at.exception
    assert any("阜平县" in shown(md.value) for md in at.markdown)


def test_english_interface():
    at = run(lang="en")
    assert not at.exception
    assert any("Baoding poverty-alleviation map" in shown(md.value) for md in at.markdown)
    assert at.selectbox(key="indicator").label == "Indicator"


def test_sources_page_lists_every_value():
    at = run("pages/sources.py")
    assert not at.exception
    assert len(at.dataframe) == 1  # the values; the list of sources is text with links to listed outlets only
    assert len(at.dataframe[0].value) >= 60
    listed = [md.value for md in at.markdown if "来源等级 A" in md.value]
    assert listed and "](http://www.gov.cn/gzdt/2012-03/02/content_2081207.htm)" in listed[0]
    assert "afdelivr" not in listed[0].split("](")[-1]


@pytest.mark.parametrize("broken", ["values.csv", "counties.geojson", "sources.csv"])
def test_broken_data_file_stops_with_a_message(tmp_path, monkeypatch, broken):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / broken).write_text("garbage", encoding="utf-8")
    monkeypatch.setenv("BAODING_DATA_DIR", str(data))
    at = run()
    assert not at.exception
    assert at.error and broken in at.error[0].value
    assert not at.metric  # the app stopped before drawing anything


def test_several_counties_in_link_are_all_selected():
    at = run(county="130624,130630,bogus")
    assert not at.exception
    text = " ".join(shown(md.value) for md in at.markdown)
    assert "阜平县" in text and "涞源县" in text
    assert any("bogus" in shown(w.value) for w in at.warning)


COUNTIES = [
    "130602", "130606", "130607", "130608", "130609", "130623", "130624", "130626", "130627", "130628", "130629",
    "130630", "130631", "130632", "130633", "130634", "130635", "130636", "130637", "130638", "130681", "130682",
    "130683", "130684",
]  # fmt: skip


NAMES = {
    f["properties"]["adcode"]: f["properties"]["name_zh"]
    for f in json.loads((ROOT / "data" / "counties.geojson").read_text(encoding="utf-8"))["features"]
}


@pytest.mark.parametrize("adcode", COUNTIES)
def test_county_profile_for_every_county(adcode):
    at = run("pages/county.py", county=adcode)
    assert not at.exception
    assert not at.error
    assert at.title[0].value.endswith(NAMES[adcode])
    # Every figure in the county table has a source.
    table = at.dataframe[0].value if at.dataframe else None
    if table is not None and "来源" in table.columns:
        assert table["来源"].str.len().gt(0).all()
    assert any("在现有资料中有" in shown(i.value) for i in at.info)  # says plainly what is known and missing


def test_county_profile_compare_shows_two_columns():
    at = run("pages/county.py", county="130624", compare="130630")
    assert not at.exception
    compare = at.dataframe[-1].value
    assert {"阜平县", "涞源县"} <= set(compare.columns)


def test_county_profile_bad_compare_param_has_a_note():
    at = run("pages/county.py", county="130624", compare="nowhere")
    assert not at.exception
    notes = [shown(w.value) for w in at.warning]  # the page also warns of a disputed figure
    assert notes.count(link_note("compare_with", "nowhere")) == 1


def _view_state(at: AppTest) -> dict:
    state = {"indicator": at.selectbox(key="indicator").value}
    for key in ("year", "scheme"):
        try:
            state[key] = at.selectbox(key=key).value
        except KeyError:
            state[key] = None
    state["county"] = at.session_state["county"]
    return state


@pytest.mark.parametrize(
    "params",
    [
        {"indicator": "poor_population_remaining", "year": "latest", "county": "130624,130630", "lang": "en"},
        {"indicator": "poor_villages_press", "scheme": "equal_interval", "year": "2017"},
        {"indicator": "exit_year", "county": "130633"},
        {"indicator": "pv_grid_connected_mw"},
    ],
)
def test_url_round_trip_reproduces_the_view(params):
    """state -> URL -> state: a copied link opened in a fresh session shows the same view."""
    first = run(**params)
    assert not first.exception and not first.warning
    url = {k: v for k, v in first.query_params.items()}
    url = {k: (v[0] if isinstance(v, list) else v) for k, v in url.items()}
    second = run(**url)
    assert not second.exception
    assert _view_state(second) == _view_state(first)
    for k, v in params.items():
        assert url.get(k, v) == v  # defaults may be left out of the link, nothing else changes


def test_year_control_changes_the_view():
    at = run(indicator="poor_population_remaining")
    year = at.selectbox(key="year")
    assert year.value == "latest" and {"2016", "2018"} <= set(year.options)
    year.select("2016").run()
    assert not at.exception
    assert at.query_params["year"] in (["2016"], "2016")
    # The same view as a link to 2016 opens: in 2016 only 阜平 has a figure (2.84万人).
    linked = run(indicator="poor_population_remaining", year="2016")
    assert _shown(at) == _shown(linked)
    values = next(df.value for df in at.dataframe if "数值" in df.value.columns)
    assert values[["县（市、区）", "数值", "年份"]].astype(str).values.tolist() == [["阜平县", "2.84万人", "2016"]]


def _shown(at: AppTest) -> dict[str, list]:
    """What the page shows as text: its key figures, its Markdown and its tables."""
    return {
        "metrics": [(m.label, m.value) for m in at.metric],
        "markdown": [shown(md.value) for md in at.markdown],
        "tables": [df.value.astype(str).to_dict("list") for df in at.dataframe],
    }


def test_play_steps_through_every_year_and_stops():
    at = run(indicator="poor_population_remaining")
    play = next(b for b in at.button if "播放" in b.label)
    play.click().run(timeout=60)
    assert not at.exception
    assert at.session_state["playing"] is False
    assert at.selectbox(key="year").value == at.selectbox(key="year").options[-1]


def test_overview_offers_map_png_and_data_downloads():
    at = run(indicator="poor_population_remaining", lang="en")
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert {"This map (PNG)", "Data behind this view (CSV)", "Data behind this view (XLSX)"} <= set(labels)


def test_overview_png_export_has_the_map(tmp_path):
    from geo.model.boundaries import read_counties
    from geo.model.indicators import load_dataset
    from geo.render.export import figure, fonts
    from geo.views import overview as views

    if fonts.font_problem():
        pytest.skip(fonts.font_problem())
    counties = read_counties(ROOT / "data" / "counties.geojson")
    ds = load_dataset(ROOT / "data", set(counties["adcode"]))
    view = views.overview(ds, counties, "poor_county_type", 2016, "quantiles", "zh")
    png = figure.overview_png(view, ds, counties, "zh")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
