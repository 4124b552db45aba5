"""The first HTML the server sends (geo/server/firsthtml.py): the page's language, title and description
before any script runs, and the way to the light view for a browser that cannot run the app."""

from __future__ import annotations

import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import CHROMIUM, closed_after, offline_context

from geo.i18n import LANGS, t
from geo.server.degrade import PAGES, WHY_PARAM, light_href, why_notice, without_why
from geo.server.firsthtml import page_title

ROOT = Path(__file__).resolve().parents[1]
browser_only = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")
# What Streamlit's frontend needs and older in-app WebViews lack; deleted before any page script runs.
OLD_BROWSER_JS = (
    "delete Object.hasOwn; delete AbortSignal.timeout; delete Array.prototype.at; delete window.structuredClone;"
)


class Head(HTMLParser):
    """<html lang>, <title>, the meta description and the noscript refresh of a document, as a browser reads them."""

    def __init__(self):
        super().__init__()
        self.lang = self.title = self.description = self.refresh = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and a.get("name") == "description":
            self.description = a.get("content")
        elif tag == "meta" and a.get("http-equiv") == "refresh":
            self.refresh = a.get("content")

    def handle_endtag(self, tag):
        self._in_title = self._in_title and tag != "title"

    def handle_data(self, data):
        if self._in_title:
            self.title = (self.title or "") + data


def first_response(url: str) -> tuple[Head, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as r:
        head = Head()
        head.feed(r.read().decode("utf-8"))
        return head, {k.lower(): v for k, v in r.headers.items()}


def same_link(landed: str, opened: str) -> bool:
    """The light view of the opened link: /light/<page> and the same query (``why`` aside)."""
    a, b = urlsplit(landed), urlsplit(opened)
    page = b.path.strip("/") or "overview"
    return a.path == f"/light/{page}" and without_why(parse_qs(a.query)) == parse_qs(b.query)


def test_pages_are_app_pys_pages():
    assert set(re.findall(r'url_path="(\w+)"', (ROOT / "app.py").read_text(encoding="utf-8"))) == set(PAGES)


def test_light_href_keeps_the_query_and_encodes_it_again():
    href = light_href("county", "county=130624&lang=en&why=old&x=%22%3E%3Cscript%3E", "browser")
    assert href == "light/county?county=130624&lang=en&x=%22%3E%3Cscript%3E&why=browser"
    assert light_href("", "", None) == "light/overview"
    assert why_notice({"why": "browser"}, "zh") == t("light_why_browser", "zh")
    assert why_notice({"why": "<b>"}, "en") is None and why_notice({}, "en") is None


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "lang"),
    [("/", "zh-CN"), ("/county?county=130624", "zh-CN"), ("/?lang=en", "en"), ("/briefing?slide=3&lang=en", "en"),
     ("/overview?lang=xx", "zh-CN")],
)  # fmt: skip
def test_html_lang_in_the_first_response(app_url, path, lang):
    head, headers = first_response(app_url + path)
    assert head.lang == lang
    assert headers["cache-control"] == "no-cache"


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_each_page_has_its_title_and_a_description_in_each_language(app_url, page, lang):
    head, _ = first_response(f"{app_url}/{page}?lang={lang}")
    assert head.title == page_title(page, lang)
    assert head.description == t(f"meta_{page}", lang) and len(head.description) >= 20
    assert head.refresh == f"0; url={light_href(page, f'lang={lang}', 'noscript')}"


@pytest.mark.browser
@browser_only
def test_a_browser_without_what_streamlit_needs_lands_on_the_light_view(browser, app_url):
    opened = f"{app_url}/county?county=130624&lang=en"
    context, external = offline_context(browser, app_url, viewport={"width": 390, "height": 844}, is_mobile=True)
    context.add_init_script(OLD_BROWSER_JS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    with closed_after(context, page, "firsthtml-old-browser"):
        page.goto(opened)
        page.wait_for_url("**/light/**", timeout=30_000)
        assert same_link(page.url, opened), page.url
        assert parse_qs(urlsplit(page.url).query)[WHY_PARAM] == ["browser"]
        assert not [e for e in errors if "hasOwn" in e or "timeout" in e]  # the bundle never ran
        assert external == []


@pytest.mark.browser
@browser_only
def test_with_javascript_off_the_apps_link_lands_on_the_light_view(browser, app_url):
    opened = f"{app_url}/?indicator=poor_county_type&year=2016"
    context, _ = offline_context(browser, app_url, java_script_enabled=False)
    page = context.new_page()
    with closed_after(context, page, "firsthtml-noscript"):
        page.goto(opened)
        page.wait_for_url("**/light/**", timeout=30_000)
        assert same_link(page.url, opened), page.url
        assert parse_qs(urlsplit(page.url).query)[WHY_PARAM] == ["noscript"]


@pytest.mark.browser
@browser_only
def test_a_current_browser_stays_in_the_app(browser, app_url):
    context, _ = offline_context(browser, app_url)
    page = context.new_page()
    with closed_after(context, page, "firsthtml-current"):
        page.goto(f"{app_url}/?lang=en")
        page.locator("iframe[data-testid='stCustomComponentV1']").first.wait_for(state="attached", timeout=60_000)
        assert urlsplit(page.url).path == "/"
        assert page.evaluate("document.documentElement.lang") == "en"


@pytest.mark.browser
def test_map_pages_name_what_the_first_map_waits_for(app_url):
    """The lazy chunks and the frame's files are named in the first HTML, and each is served."""
    from geo.server.firsthtml import FIRST_VIEW_CHUNKS, MAP_PAGES

    with urllib.request.urlopen(f"{app_url}/", timeout=30) as r:
        page = r.read().decode("utf-8")
    chunks = re.findall(r'<link rel="modulepreload" crossorigin href="\./(static/js/[^"]+)">', page)
    assert {name.split("/")[-1].rsplit(".", 2)[0] for name in chunks} >= set(FIRST_VIEW_CHUNKS)
    prefetched = re.findall(r'<link rel="prefetch" href="\./([^"]+)">', page)
    # The frame's script only once a session has drawn a map (before, the server has no answer for it).
    assert any(p.endswith("leaflet.js") for p in prefetched)
    for path in chunks + prefetched:
        with urllib.request.urlopen(f"{app_url}/{path}", timeout=30) as r:
            assert r.status == 200, path
    with urllib.request.urlopen(f"{app_url}/sources", timeout=30) as r:
        assert "sources" not in MAP_PAGES and 'rel="prefetch"' not in r.read().decode("utf-8")
