"""AppTest of the programmes page: selections, shared county choice, links with bad values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import shown
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/programmes.py"


def run(**params: str) -> AppTest:
    """Open the page straight from a link, as a browser would (``/programmes?...``)."""
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_page_renders_everything_for_all_programmes():
    at = run()
    assert at.multiselect(key="programme").value == []
    assert len(at.metric) >= 4
    for metric in at.metric:
        assert metric.proto.help.startswith("来源")
    assert "地图上有 11 个地点，其中 11 个位置只精确到县" in texts(at)
    assert len(at.dataframe) >= 2  # county sums and county values
    assert not at.error


def test_three_programmes_and_nine_poor_counties():
    at = run(programme="agri_forestry,pv,tourism")
    assert at.multiselect(key="programme").value == ["agri_forestry", "pv", "tourism"]
    at.button(key="quick_poor9").click().run()
    assert not at.exception
    assert len(at.session_state["county"]) == 9
    assert at.query_params["county"].count(",") == 8
    assert "地图上有 7 个地点" in texts(at)  # 天生桥, 2×光伏, 南峪 and 京西百渡×3
    sums = at.dataframe[0].value
    assert (sums["有数据的县"].str.endswith("/9")).all()


def test_selecting_one_county_narrows_sites_sums_and_table():
    at = run(county="130634")  # 曲阳
    assert "地图上有 2 个地点" in texts(at)
    table = at.dataframe[-1].value
    assert set(table["县（市、区）"]) == {"曲阳县"}
    at.multiselect(key="county_pick").set_value(["130624"]).run()  # 阜平
    assert at.session_state["county"] == ["130624"]
    assert "地图上有 2 个地点" in texts(at)
    assert set(at.dataframe[-1].value["县（市、区）"]) == {"阜平县"}


def test_indicator_and_year_choices_render():
    at = run(programme="baseline")
    options = at.selectbox(key="programme_indicator").options
    assert len(options) >= 10
    for option in options:
        at.selectbox(key="programme_indicator").select(option).run()
        assert not at.exception, option


def test_selection_is_shared_with_the_other_pages():
    at = run(programme="pv", county="130624,130630")
    at.button(key="quick_yantai").click().run()
    at.switch_page("pages/sources.py").run()
    assert not at.exception
    assert len(at.session_state["county"]) == 8
    at.switch_page(PAGE).run()
    assert at.multiselect(key="programme").value == ["pv"]
    assert len(at.multiselect(key="county_pick").value) == 8


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"programme": "pv,<b>x</b>"}, "<b>x</b>"),
        ({"basemap": "google"}, "google"),
        ({"basemap": "tianditu"}, "TIANDITU_KEY"),
        ({"county": "999999"}, "999999"),
    ],
)
def test_bad_values_in_the_link_give_a_visible_note(params, expected):
    at = run(**params)
    assert any(expected in shown(w.value) for w in at.warning), [w.value for w in at.warning]
    assert at.selectbox(key="basemap").value == "none"


def test_tianditu_option_disabled_without_key_and_offered_with_it(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    at = run()
    assert "tianditu" not in at.selectbox(key="basemap").options
    assert any("TIANDITU_KEY" in c.value for c in at.sidebar.caption)
    monkeypatch.setenv("TIANDITU_KEY", "test-key")
    at = run(basemap="tianditu")
    assert at.selectbox(key="basemap").value == "tianditu"
    assert not at.warning


def test_english_page():
    at = run(lang="en", programme="education")
    assert "Programmes: places and county figures" in texts(at)
    assert at.multiselect(key="programme").label == "Programme"


def test_broken_sites_file_stops_the_app_with_its_line(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    path = data / "sites.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",130624,,,county,", ",130624,114.1,38.8,county,", 1))
    monkeypatch.setenv("BAODING_DATA_DIR", str(data))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.error and "sites.csv" in at.error[0].value and "line 2" in at.error[0].value
