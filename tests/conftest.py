"""Shared fixtures: a tiny three-county world with an explicit CRS, and its indicator tables."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cached_property
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
        ["source_id", "title", "publisher", "date", "url", "grade", "note"],
        ["rep", "报告", "老促会", "2016-12-25", "", "B", ""],
        ["web", "<script>alert(1)</script>", "某报", "2017-01-01", "http://example.org/x", "C", ""],
    ],
    "outlets.csv": [
        ["outlet_id", "name_zh", "name_en", "domains", "kind", "note"],
        ["example", "示例报", "Example Daily", "example.org", "press", ""],
    ],
}  # fmt: skip


# What a link may carry that must come back as text: a Markdown link and image, a template, emphasis,
# and HTML. The app's notices (tests/test_pages.py) and the light view's (tests/test_light.py) both use them.
HOSTILE_LINK_VALUES = [
    "[x](https://evil.example)",
    "![i](https://evil.example/i.png)",
    "{{7*7}}",
    "**b**",
    '"><img src=x onerror=alert(1)>',
    "<script>alert(1)</script>",
]


def write_tables(folder: Path, tables: dict[str, list[list[str]]] = TINY_TABLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with open(folder / name, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return folder


def shown(markdown: str) -> str:
    """The text a reader sees of a Markdown element (AppTest gives its source): rendered, tags and the
    invisible word joiners (geo.i18n.md_literal) dropped."""
    import html
    import re

    from markdown_it import MarkdownIt

    from geo.i18n import WORD_JOINER

    text = html.unescape(re.sub(r"<[^>]+>", "", MarkdownIt().render(markdown)))
    return text.replace(WORD_JOINER, "").strip()


@pytest.fixture(autouse=True)
def steady_navigation(monkeypatch):
    """Run AppTest as the app runs after its first request: through app.py's st.navigation.

    AppTest resets Streamlit's "pages folder" flag before every run, so each run takes the
    legacy multipage path, whose extra page switch drops button clicks (triggers). On a real
    server that path is taken at most once (geo.web.urlstate.ensure_router; browser-tested).
    """
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.pages_manager import PagesManager

    monkeypatch.setattr(app_test_module, "PagesManager", type("SteadyPagesManager", (PagesManager,), {}))
    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)


@pytest.fixture(scope="session")
def bundled():
    """The bundled indicator tables and counties, read once per test run: (dataset, counties)."""
    from geo.model.boundaries import read_counties
    from geo.model.indicators import load_dataset

    counties = read_counties(DATA / "counties.geojson")
    return load_dataset(DATA, set(counties["adcode"])), counties


class Real:
    """The bundled data (data/), each part read at most once per test run: dataset, counties, adcodes,
    sites, slide deck and surroundings. Shared by every test: treat it as read-only."""

    def __init__(self, ds, counties: gpd.GeoDataFrame):
        self.ds, self.counties = ds, counties
        self.adcodes = set(counties["adcode"])

    @cached_property
    def sites(self):
        from geo.model.sites import read_sites

        ids = set(self.ds.programmes["programme_id"]), set(self.ds.sources["source_id"])
        return read_sites(DATA / "sites.csv", self.counties, *ids)

    @cached_property
    def deck(self):
        from geo.model import slides

        return slides.load_deck(DATA / "slides.toml", self.ds, self.adcodes)

    @cached_property
    def context(self):
        from geo.model.context import cached_context

        return cached_context(DATA / "context.geojson")


@pytest.fixture(scope="session")
def real(bundled) -> Real:
    return Real(*bundled)


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
    from geo.model.indicators import load_dataset

    return load_dataset(tiny_data_dir, {"000001", "000002", "000003"})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can save screenshots of failures."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


# ---------------------------------------------------------------------------
# Data store: every test gets its own GeoPackage; PostGIS only where a test asks for it.

PG_URL_ENV = "DATABASE_URL_TEST"
# The administrator password of every app the tests start (AppTest, and the browser tests' server).
TEST_ADMIN_PASSWORD = "test-admin-password"


def _test_environment() -> None:
    """Set before any fixture: the session-scoped browser server inherits it (never var/ nor a real DB)."""
    import os
    import tempfile

    from geo.store.auth import hash_password

    os.environ["BAODING_STORE"] = str(Path(tempfile.mkdtemp(prefix="baoding-test-")) / "baoding.gpkg")
    os.environ["BAODING_ADMIN_PASSWORD_HASH"] = hash_password(TEST_ADMIN_PASSWORD)
    os.environ.pop("DATABASE_URL", None)


_test_environment()


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path_factory, monkeypatch):
    """Each test's app reads a fresh temporary GeoPackage."""
    monkeypatch.setenv("BAODING_STORE", str(tmp_path_factory.mktemp("store") / "baoding.gpkg"))


def postgis_url() -> str:
    """DATABASE_URL_TEST when its server answers; skips otherwise, except in CI, where it fails."""
    import os

    url = os.environ.get(PG_URL_ENV, "")
    reason = f"{PG_URL_ENV} is not set (bash .ci/postgis starts a local PostGIS)"
    if url:
        import psycopg

        try:
            psycopg.connect(url, connect_timeout=3).close()
            return url
        except psycopg.OperationalError as exc:
            reason = f"PostGIS at {PG_URL_ENV} not reachable: {exc}"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path):
    """An empty store of each backend, seeded from data/ (PostGIS: a throwaway schema)."""
    import uuid

    from geo import store as st

    if request.param == "gpkg":
        s = st.GeoPackageStore(tmp_path / "var" / "baoding.gpkg")
    else:
        s = st.PostGISStore(postgis_url(), f"test_{uuid.uuid4().hex[:12]}")
    s.ensure(DATA)
    yield s
    if request.param == "postgis":
        s.drop()


# Property tests (hypothesis): a bounded number of examples keeps the suite within minutes;
# HYPOTHESIS_PROFILE=thorough throws many more at the importer.
try:
    from hypothesis import HealthCheck
    from hypothesis import settings as _hypothesis_settings

    _quiet = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
    _hypothesis_settings.register_profile("default", max_examples=400, deadline=None, suppress_health_check=_quiet)
    _hypothesis_settings.register_profile("thorough", max_examples=5000, deadline=None, suppress_health_check=_quiet)
    import os as _os

    _hypothesis_settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "default"))
except ImportError:  # requirements-dev.txt not installed: the property tests are skipped by importorskip
    pass


@dataclass(frozen=True)
class BlankMap:
    """A map spec (geo/web/mapspecs.py's shape) for tests of the map element: an empty map, one layer."""

    lang: str = "zh"
    name: str = "counties"

    def build(self):
        import folium

        return folium.Map(), [folium.FeatureGroup(name=self.name)]


# ---------------------------------------------------------------------------------------------
# Browser tests (marked ``browser``): one app server and one Playwright for the whole run.


@pytest.fixture(scope="session")
def app_url():
    from browser_support import serve_app

    yield from serve_app()


@pytest.fixture
def offline_page(browser, app_url, request):
    """A page whose requests outside the app's host are aborted and listed in ``page.external``; a failing
    test leaves a screenshot of it in tests/artifacts/."""
    from browser_support import ARTIFACTS, offline_context

    context, external = offline_context(browser, app_url)
    page = context.new_page()
    page.external = external
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def browser():
    from browser_support import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
