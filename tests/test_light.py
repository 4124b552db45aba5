"""The light view (/light/P?Q, geo/server/light.py, geo/render/svg): a plain page for any phone.

Served by the app's own server (``streamlit run app.py``, as ``make run``), opened in Chromium with
JavaScript off: 24 county shapes with titles, the legend, the figures with their sources; its weight
on the wire; its ETag following the data version (an import through the store) and nothing else; bad
and hostile links shown as text with the defaults; axe-core on both themes and languages.
"""

from __future__ import annotations

import gzip
import re
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from browser_support import CHROMIUM, closed_after, offline_context, serve_app
from conftest import HOSTILE_LINK_VALUES

from geo import store as st
from geo.i18n import t
from geo.server import data as server_data
from geo.views import overview as views

MAX_WIRE_BYTES = 150_000
VIEWS = {
    "overview": "overview?indicator=registered_poor_population&poor=1&county=130624",
    "county": "county?county=130624",
    "slide": "briefing?slide=3",
}
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")


@pytest.fixture(scope="module")
def light_store(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("light") / "baoding.gpkg"


@pytest.fixture(scope="module")
def light_url(light_store):
    """The app on its own store, so a test can import into it."""
    yield from serve_app({"BAODING_STORE": str(light_store), "BAODING_PUBLIC_URL": "http://192.0.2.7:8501"})


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


class Attributes(HTMLParser):
    """Every tag and attribute of a page, to check that nothing from a link became markup."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def parsed(body: bytes) -> Attributes:
    p = Attributes()
    p.feed(body.decode("utf-8"))
    return p


# ---------------------------------------------------------------------------
# In a browser with JavaScript off


@pytest.mark.browser
@needs_browser
@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_light_view_works_without_javascript(browser, light_url, name, lang):
    context, external = offline_context(
        browser, light_url, java_script_enabled=False, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    with closed_after(context, page, f"light-{name}-{lang}"):
        page.goto(f"{light_url}/light/{VIEWS[name]}&lang={lang}")
        shapes = page.locator("svg.map .counties path")
        assert shapes.count() == 24
        titles = [shapes.nth(i).locator("title").text_content() for i in range(24)]
        assert all(title.strip() for title in titles)
        assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
        legend = page.locator("section.legend li")
        assert legend.count() >= 2
        cards = page.locator(".card")
        assert cards.count() >= 1
        for i in range(cards.count()):
            assert cards.nth(i).locator(".src").inner_text().startswith(t("source", lang))
        link = page.locator("a.open")
        assert link.inner_text().startswith(t("light_open_app", lang))
        assert page.locator("script").count() == 0
        assert external == []


def test_county_titles_give_value_year_and_source(light_url):
    """Each county's title: name, the figure with its unit, year and status, and the source."""
    _, _, body = fetch(f"{light_url}/light/overview?indicator=registered_poor_population")
    titles = re.findall(r'<path id="c(\d{6})"[^>]*><title>(.*?)</title>', body.decode(), re.S)
    assert len(titles) == 24
    fuping = dict(titles)["130624"]
    assert fuping.startswith("阜平县") and "人" in fuping and "年份：" in fuping and "来源：" in fuping


def test_no_data_counties_are_hatched_not_zero(light_url):
    _, _, body = fetch(f"{light_url}/light/briefing?slide=3")
    html = body.decode()
    hatched = re.findall(r'<path id="c\d{6}" d="[^"]*" fill="url\(#hatch(?:-[0-9a-f]{6})?\)"', html)
    assert len(hatched) >= 20
    assert '<pattern id="hatch"' in html and t("legend_hatch_not_zero", "zh") in html


# ---------------------------------------------------------------------------
# On the wire


@pytest.mark.parametrize("name", VIEWS)
def test_light_view_weighs_under_the_budget_gzipped(light_url, name):
    status, headers, zipped = fetch(f"{light_url}/light/{VIEWS[name]}", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert len(zipped) <= MAX_WIRE_BYTES
    _, plain_headers, plain = fetch(f"{light_url}/light/{VIEWS[name]}")
    assert "content-encoding" not in plain_headers
    assert gzip.decompress(zipped) == plain
    assert headers["content-type"].startswith("text/html") and "public" in headers["cache-control"]


def _import_one_value(path: Path) -> int:
    s = st.GeoPackageStore(path)
    row = {
        "indicator_id": "village_exits",
        "adcode": "130624",
        "year": "2016",
        "value": "5",
        "status": "reported",
        "source_id": "report2016",
        "locator": "",
        "note": "",
    }
    version = s.commit({"values": st.Change(pd.DataFrame([row]))}, st.Meta("test", "light.csv"))
    assert version is not None
    return version.id


def test_etag_follows_the_data_version_and_nothing_else(light_url, light_store):
    url = f"{light_url}/light/{VIEWS['overview']}"
    _, first, _ = fetch(url)
    time.sleep(server_data.VERSION_TTL_S + 0.5)
    _, again, _ = fetch(url)
    assert first["etag"] == again["etag"]
    status, _, empty = fetch(url, {"If-None-Match": first["etag"]})
    assert status == 304 and empty == b""
    _, other, _ = fetch(f"{light_url}/light/{VIEWS['county']}")
    assert other["etag"] != first["etag"]

    version = _import_one_value(light_store)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        _, after, new_body = fetch(url)
        if after["etag"] != first["etag"]:
            break
        time.sleep(0.5)
    assert after["etag"] != first["etag"]
    assert t("light_data_version", "zh", v=version) in new_body.decode()
    status, _, _ = fetch(url, {"If-None-Match": first["etag"]})
    assert status == 200


# ---------------------------------------------------------------------------
# Bad and hostile links


@pytest.mark.parametrize("bad", HOSTILE_LINK_VALUES)
@pytest.mark.parametrize(
    "page,param,label",
    [
        ("overview", "indicator", "indicator"),
        ("overview", "year", "year"),
        ("overview", "county", "county"),
        ("overview", "lang", "language"),
        ("county", "compare", "compare_with"),
        ("briefing", "slide", "slide"),
        ("briefing", "theme", "theme"),
    ],
)
def test_bad_link_values_get_defaults_and_a_notice_as_text(light_url, bad, page, param, label):
    from urllib.parse import urlencode

    status, _, body = fetch(f"{light_url}/light/{page}?{urlencode({param: bad})}")
    assert status == 200
    html = body.decode()
    notice = t("unknown_param", "zh", param=t(label, "zh"), value=bad)
    import html as html_lib

    assert html_lib.escape(notice, quote=True) in html
    tags = parsed(body).tags
    assert not any(tag in ("img", "script", "iframe", "object") for tag, _ in tags)
    assert not any("evil.example" in v or v.startswith("javascript:") for _, attrs in tags for v in attrs.values())
    if page == "overview" and param == "indicator":
        assert f"<h1>{html_lib.escape(t('page_overview', 'zh'))}" not in html  # the heading is the indicator's
        assert "贫困县类型" in re.search(r"<h1>(.*?)</h1>", html).group(1)


def test_default_view_has_no_notice(light_url):
    _, _, body = fetch(f"{light_url}/light")
    assert b'class="notice"' not in body
    assert views.DEFAULT_INDICATOR and "贫困县类型" in re.search(r"<h1>(.*?)</h1>", body.decode()).group(1)


def test_unknown_light_page_is_not_found(light_url):
    status, _, _ = fetch(f"{light_url}/light/nothing-here")
    assert status == 404


def test_links_lead_back_to_the_same_view(light_url):
    _, _, body = fetch(f"{light_url}/light/briefing?slide=5&lang=en&theme=dark&present=1")
    tags = parsed(body).tags
    opens = [a["href"] for tag, a in tags if tag == "a" and a.get("class") == "open"]
    assert opens == ["/briefing?lang=en&slide=5&theme=dark"]
    # The same slide in the other language and the other colours, without the presenter's own parameter.
    assert re.search(r'<a href="/light/briefing\?slide=5&amp;theme=dark">中文</a>', body.decode())
    assert re.search(r'<a href="/light/briefing\?lang=en&amp;slide=5&amp;theme=light">Light</a>', body.decode())


# ---------------------------------------------------------------------------
# axe-core, both languages and themes


@pytest.mark.browser
@needs_browser
@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_nothing_serious(browser, light_url, name, theme):
    from test_axe_browser import serious_violations

    for lang in ("zh", "en"):
        context, external = offline_context(browser, light_url, viewport={"width": 390, "height": 844})
        page = context.new_page()
        with closed_after(context, page, f"light-axe-{name}-{theme}-{lang}"):
            page.goto(f"{light_url}/light/{VIEWS[name]}&lang={lang}&theme={theme}")
            assert serious_violations(page) == []
            assert external == []


@pytest.mark.browser
@needs_browser
def test_copy_link_popover_offers_both_links(browser, light_url):
    """The app's sidebar: the link into the app and the link to its light view, with the same parameters."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    with closed_after(context, page, "light-copy-link"):
        page.goto(f"{light_url}/?indicator=registered_poor_population")
        page.get_by_role("button", name=t("copy_link", "zh")).click(timeout=120_000)
        codes = page.locator("[data-testid='stPopoverBody'] [data-testid='stCode'] code")
        codes.nth(1).wait_for(timeout=30_000)
        app_link, light_link = codes.nth(0).inner_text().strip(), codes.nth(1).inner_text().strip()
        query = app_link.split("?", 1)[1]
        assert app_link.startswith(light_url) and "indicator=registered_poor_population" in query
        assert light_link == f"{light_url}/light/overview?{query}"
