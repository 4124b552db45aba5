"""Shared fixtures: a tiny three-county world with an explicit CRS, and its indicator tables."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

TINY_TABLES = {
    "programmes.csv": [
        ["programme_id", "name_zh", "name_en", "group_id", "group_zh", "group_en", "order"],
        ["baseline", "贫困底数", "Baseline", "targeting", "精准识别", "Targeting", "1"],
        ["pv", "光伏扶贫", "Solar PV", "industry", "产业扶贫", "Industry", "2"],
    ],
    "indicators.csv": [
        ["indicator_id", "name_zh", "name_en", "unit", "unit_en", "programme", "level", "kind", "additive",
         "description_zh", "description_en"],
        ["poor_villages", "贫困村", "Poor villages", "个", "villages", "baseline", "county", "numeric", "true",
         "d", "d"],
        ["pv_mw", "光伏并网", "PV on grid", "兆瓦", "MW", "pv", "city", "numeric", "true", "d", "d"],
        ["county_type", "贫困县类型", "Poor-county type", "", "", "baseline", "county", "category", "false", "d", "d"],
    ],
    "categories.csv": [
        ["indicator_id", "code", "label_zh", "label_en", "order"],
        ["county_type", "poor", "贫困县", "Poor county", "1"],
        ["county_type", "not_poor", "非贫困县", "Not a poor county", "2"],
    ],
    "values.csv": [
        ["indicator_id", "adcode", "year", "value", "status", "source_id", "locator", "note"],
        ["poor_villages", "130600", "2014", "100", "reported", "rep", "开篇", ""],
        ["poor_villages", "000001", "2014", "30", "reported", "rep", "开篇", ""],
        ["poor_villages", "000002", "2014", "10", "reported", "web", "", "<b>bold</b>"],
        ["pv_mw", "130600", "2016", "445", "reported", "rep", "一、二是", ""],
        ["pv_mw", "130600", "2018", "500", "target", "rep", "一、二是", ""],
        ["county_type", "000001", "2016", "poor", "reported", "rep", "开篇", ""],
        ["county_type", "000002", "2016", "not_poor", "reported", "rep", "开篇", ""],
        ["county_type", "000003", "2016", "not_poor", "reported", "rep", "开篇", ""],
    ],
    "sources.csv": [
        ["source_id", "title", "publisher", "date", "url", "note"],
        ["rep", "报告", "老促会", "2016-12-25", "", ""],
        ["web", "<script>alert(1)</script>", "某报", "2017-01-01", "http://example.org/x", ""],
    ],
}  # fmt: skip


def write_tables(folder: Path, tables: dict[str, list[list[str]]] = TINY_TABLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with open(folder / name, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return folder


@pytest.fixture(autouse=True)
def steady_navigation(monkeypatch):
    """Run AppTest as the app runs after its first request: through app.py's st.navigation.

    AppTest resets Streamlit's "pages folder" flag before every run, so each run takes the
    legacy multipage path, whose extra page switch drops button clicks (triggers). On a real
    server that path is taken at most once (geo.urlstate.ensure_router; browser-tested).
    """
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.pages_manager import PagesManager

    monkeypatch.setattr(app_test_module, "PagesManager", type("SteadyPagesManager", (PagesManager,), {}))
    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)


@pytest.fixture
def tiny_counties() -> gpd.GeoDataFrame:
    """Three adjacent 0.1° squares near Baoding, one with a hostile name."""
    return gpd.GeoDataFrame(
        {
            "adcode": ["000001", "000002", "000003"],
            "name_zh": ["甲县", "乙县", "<img src=x onerror=alert(1)>"],
            "name_en": ["Jia County", "Yi County", "Bad County"],
        },
        geometry=[box(115.0, 38.8, 115.1, 38.9), box(115.1, 38.8, 115.2, 38.9), box(115.2, 38.8, 115.3, 38.9)],
        crs="EPSG:4326",
    )


@pytest.fixture
def tiny_data_dir(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "data")


@pytest.fixture
def tiny_dataset(tiny_data_dir: Path):
    from geo.indicators import load_dataset

    return load_dataset(tiny_data_dir, {"000001", "000002", "000003"})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can save screenshots of failures."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
