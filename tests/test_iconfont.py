"""Streamlit's icon font cut at the edge (geo/server/iconfont.py): every icon the bundle or the app can name is
still a ligature of the subset, drawn with the font's own outlines; served at Streamlit's URL as a font that
is cached for good; and in Chromium the sidebar button draws its icon, not the icon's name."""

from __future__ import annotations

import io
import re
import time
import urllib.request

import pytest
from browser_support import CHROMIUM, closed_after, offline_context
from fontTools.ttLib import TTFont
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from test_compress import call

from geo.server import iconfont

# Icons Streamlit's own chrome draws on the app's pages (sidebar, header, menus, data grid, toasts).
STREAMLIT_CHROME = (
    "keyboard_double_arrow_right", "keyboard_double_arrow_left", "more_vert", "close", "check", "content_copy",
    "fullscreen", "download", "search", "expand_more", "expand_less", "arrow_upward", "arrow_downward",
)  # fmt: skip


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The subset as the server makes it, and the font it was cut from."""
    middleware = iconfont.IconFont(None, cache_dir=tmp_path_factory.mktemp("iconfont"), build=False)
    assert middleware.source is not None, "Streamlit's Material Symbols font not found"
    body = middleware.make()
    return middleware, TTFont(io.BytesIO(body)), TTFont(middleware.source)


def test_every_icon_the_bundle_or_the_app_names_is_kept(made):
    _, subset, whole = made
    whole_names = iconfont.ligatures(whole)
    kept = iconfont.ligatures(subset)
    words = iconfont.bundle_words()
    in_bundle = {n for n in whole_names if n in words}
    in_code = iconfont.code_names()
    ours = iconfont.code_names([iconfont.APP_ROOT / "app.py", iconfont.APP_ROOT / "pages", iconfont.APP_ROOT / "geo"])
    assert {"map", "download", "location_city", "slideshow"} <= ours
    assert ours <= set(whole_names), sorted(ours - set(whole_names))  # a typo would show as text anyway
    wanted = in_bundle | (in_code & set(whole_names))  # Streamlit's docstrings also say ":material/icon_name:"
    assert wanted <= set(kept), sorted(wanted - set(kept))
    assert set(STREAMLIT_CHROME) <= set(kept)
    # The ligatures are cut, not only the outlines: most names are gone.
    assert len(kept) < len(whole_names) / 3, (len(kept), len(whole_names))


def test_the_kept_icons_are_the_fonts_own_glyphs(made):
    _, subset, whole = made
    whole_names, kept = iconfont.ligatures(whole), iconfont.ligatures(subset)
    for name in ("keyboard_double_arrow_right", "map", "download", "slideshow", "location_city"):
        a, b = whole["glyf"][whole_names[name]], subset["glyf"][kept[name]]
        a.expand(whole["glyf"])
        b.expand(subset["glyf"])
        assert list(a.getCoordinates(whole["glyf"])[0]) == list(b.getCoordinates(subset["glyf"])[0]), name
        assert whole["hmtx"][whole_names[name]] == subset["hmtx"][kept[name]], name
    assert "fvar" not in whole and "fvar" not in subset  # one instance (weight 400), as Streamlit's @font-face


def test_the_subset_is_small_and_made_once(made, monkeypatch):
    middleware, _, _ = made
    assert len(middleware.body) < 120_000 < middleware.source.stat().st_size / 2, len(middleware.body)
    again = iconfont.IconFont(None, cache_dir=middleware.folder, build=False)
    calls = []
    monkeypatch.setattr(iconfont, "subset", lambda *a: calls.append(a) or b"")
    assert again.make() == middleware.body
    assert not calls, "the cached subset was made again"


def test_served_at_streamlits_url_cached_for_good(made):
    middleware, _, _ = made

    async def streamlit(request):
        return Response(b"the whole font", media_type="font/woff2", headers={"Cache-Control": "public"})

    inner = Starlette(routes=[Route("/static/media/{name}", streamlit), Route("/other", streamlit)])
    app = iconfont.IconFont(inner, cache_dir=middleware.folder, build=False)
    path = app.path
    assert re.fullmatch(r"/static/media/MaterialSymbols-Rounded\.[\w-]+\.woff2", path)
    # Before the subset is ready: Streamlit's own answer.
    assert call(app, path)[2] == b"the whole font"
    app.make()
    status, headers, body = call(app, path)
    assert status == 200 and body == middleware.body
    assert headers["content-type"] == "font/woff2"
    assert headers["cache-control"] == "public, immutable, max-age=31536000"
    assert headers["content-length"] == str(len(body)) and headers["etag"]
    assert call(app, path, method="HEAD")[2] == b""
    assert call(app, path, {"If-None-Match": headers["etag"]})[0] == 304
    assert call(app, "/other")[2] == b"the whole font"
    assert call(app, "/static/media/SourceSansVF-Upright.ttf.BsWL4Kly.woff2")[2] == b"the whole font"


SIDEBAR_ICON_JS = """async () => {
  await document.fonts.ready;
  const icon = document.querySelector('[data-testid=stExpandSidebarButton] [data-testid=stIconMaterial]');
  if (!icon) return null;
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;font:24px "Source Sans", sans-serif;white-space:nowrap';
  probe.textContent = icon.textContent;
  document.body.appendChild(probe);
  const text = probe.getBoundingClientRect().width;
  probe.remove();
  return {name: icon.textContent, width: icon.getBoundingClientRect().width, text,
          loaded: document.fonts.check('24px "Material Symbols Rounded"', icon.textContent)};
}"""


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")
def test_the_sidebar_button_draws_a_glyph_not_its_name(browser, app_url):
    """On a phone the sidebar starts closed: Streamlit's header shows its open button, an icon of the cut font."""
    url = f"{app_url}/static/media/{iconfont.font_file().name}"
    for _ in range(60):  # the server cuts the font in the background at startup
        with urllib.request.urlopen(url, timeout=30) as r:
            if int(r.headers["Content-Length"]) < 120_000:
                break
        time.sleep(1)
    context, external = offline_context(browser, app_url, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    fonts = []
    page.on("response", lambda r: fonts.append(r) if "MaterialSymbols" in r.url else None)
    with closed_after(context, page, "iconfont-sidebar"):
        page.goto(f"{app_url}/")
        page.wait_for_selector("[data-testid=stExpandSidebarButton] [data-testid=stIconMaterial]", timeout=60_000)
        drawn = page.evaluate(SIDEBAR_ICON_JS)
        assert drawn["name"] == "keyboard_double_arrow_right", drawn
        assert drawn["loaded"], drawn
        # A glyph is about one em wide; the name as text is ten times that.
        assert drawn["width"] <= 40 < drawn["text"] / 4, drawn
        assert fonts and all(int(r.headers.get("content-length", "0")) < 120_000 for r in fonts), [
            (r.url, r.headers.get("content-length")) for r in fonts
        ]
        assert not external
