"""The first HTML the server sends for each page: Streamlit's index.html, told what it is before any script runs.

Streamlit answers every page path with the same ``index.html``: ``<html lang="en">``, the title
"Streamlit", no description, and a ``<noscript>`` that says only "You need to enable JavaScript".
A reader's first seconds (a screen reader's voice, a chat app's link preview, an old in-app
browser) see that page, not the one the script makes of it later. This route serves the same
file rewritten for the page and the link's language:

- ``<html lang>`` (zh-CN or en, from the link's ``lang``), the page's title as the app sets it,
  and a ``<meta name="description">`` in that language;
- a check that runs before Streamlit's bundle: in a browser without what the bundle needs
  (Object.hasOwn, AbortSignal.timeout, Array.prototype.at and toSorted, structuredClone, class
  static blocks, module scripts) it goes to the light view of the same link (geo/server/degrade.py);
- with JavaScript off, a ``<noscript>`` refresh in the head and a link in the body lead there too.

Everything else in the file (the bundle, its preloads, the agent API pointer) is left as it is.

Each edit must find its anchor exactly once: a Streamlit upgrade that changes the file fails here
at startup (and in the tests), not silently.

The map's frame (streamlit-folium's ``index.html``) is served the same way, with a ``<link rel="preload">``
for each file its loader asks for once its own script runs: Leaflet's script, the boundaries' geometry
script, Leaflet's style sheet. The loader asks for them one after another, each once the last has loaded,
and the style sheet after all of them: a chain of round trips between the frame and its first paint. Named
in the frame's head, they are all on their way while the frame's own script still loads.
"""

from __future__ import annotations

import html
import importlib.util
import json
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from geo.i18n import DEFAULT_LANG, HTML_LANG, LANGS, t
from geo.server.degrade import DEFAULT_PAGE, PAGES, light_href

# What Streamlit 1.67's frontend calls without a fallback, and the newest syntax it uses (class
# static blocks). Checked in that order; ES5 only, so the check itself runs in any browser.
CHECK_JS = """(function () {
  var ok = false;
  try {
    ok = typeof Object.hasOwn === "function" && typeof AbortSignal === "function" &&
      typeof AbortSignal.timeout === "function" && typeof [].at === "function" &&
      typeof [].toSorted === "function" && typeof structuredClone === "function" &&
      "noModule" in document.createElement("script");
    if (ok) new Function("class A { static { } }");
  } catch (e) {
    ok = false;
  }
  if (!ok) location.replace(%s);
})();"""


def streamlit_index() -> Path:
    from streamlit import file_util

    return Path(file_util.get_static_dir()) / "index.html"


# Chunks Streamlit's bundle imports only once it runs, that every page's first view (a map in a component
# frame, Markdown) waits for, one round trip after another: named in the first HTML, they come with the rest.
FIRST_VIEW_CHUNKS = ("Html", "purify.es", "ComponentInstance", "IFrameUtil", "urls", "withCalculatedWidth")


def lazy_chunks(index: Path) -> list[str]:
    """The files of FIRST_VIEW_CHUNKS in this bundle (``Html.CzLZZ4bP.js``); a prefix not found once is left out."""
    js = index.parent / "static" / "js"
    found = []
    for prefix in FIRST_VIEW_CHUNKS:
        names = [p.name for p in js.glob(f"{prefix}.*.js") if p.name.count(".") == prefix.count(".") + 2]
        if len(names) == 1:
            found.append(names[0])
    return found


# Pages whose first view is a map in streamlit-folium's frame. The frame's script and Leaflet are asked for
# only once the frame exists, at the end of a chain of round trips; prefetched by the page (lowest priority,
# and Chrome reuses a prefetched file for five minutes without asking again), they are there when it does.
MAP_PAGES = frozenset({"overview", "county", "programmes", "briefing"})
FOLIUM_COMPONENT = "streamlit_folium.st_folium"  # the name streamlit-folium declares its component under


def folium_build() -> Path | None:
    """streamlit-folium's frame build folder, found, not imported (see geo/server/compress.py)."""
    spec = importlib.util.find_spec("streamlit_folium")
    return Path(spec.origin).parent / "frontend" / "build" if spec and spec.origin else None


def leaflet_files(root: str) -> list[tuple[str, str]]:
    """What every live map's frame loads besides its own script: Leaflet's script and style sheet and the
    boundaries' geometry script (once this process has made it: a map was drawn), as (URL under ``root``,
    ``script`` or ``style``). The same URLs as the map element's ``js_links`` and ``css_links`` from the frame
    (tests/test_geomlink.py)."""
    from geo.render.leaflet import geomlink
    from geo.render.leaflet.assets import asset_url

    files = [
        (asset_url("leaflet", "leaflet.js", f"{root}/app/static"), "script"),
        (asset_url("leaflet", "leaflet.css", f"{root}/app/static"), "style"),
    ]
    geometry = geomlink.latest()
    if geometry:  # the frame loads it after Leaflet, one round trip later, unless it is on its way already
        files.append((f"{root}/{geomlink.ROUTE}/{geometry}.js", "script"))
    return files


def map_prefetch() -> list[str]:
    """The frame's script and :func:`leaflet_files`, as URLs relative to the app's root."""
    urls = [url for url, _ in leaflet_files(".")]
    build = folium_build()
    if build and _frame_served():
        urls += [
            f"./component/{FOLIUM_COMPONENT}/static/js/{p.name}" for p in sorted(build.glob("static/js/main.*.js"))
        ]
    return urls


FRAME_INDEX = f"/component/{FOLIUM_COMPONENT}/index.html"
FRAME_ROOT = "../.."  # the app's root as seen from the frame's index.html


def frame_files() -> list[tuple[str, str]]:
    """What the frame's loader will ask for once the frame's own script runs, as seen from the frame."""
    return leaflet_files(FRAME_ROOT)


def folium_frame_index() -> Path | None:
    build = folium_build()
    path = build / "index.html" if build else None
    return path if path and path.is_file() else None


@lru_cache(maxsize=4)
def _frame_template(path: Path, mtime_ns: int) -> str:
    text = path.read_text(encoding="utf-8")
    anchor = '<meta charset="UTF-8"/>'
    if text.count(anchor) != 1:
        raise RuntimeError(f"{path}: expected {anchor!r} once (streamlit-folium changed its index.html)")
    return text.replace(anchor, anchor + _slot("preload"))


def frame_html(path: Path) -> str:
    preload = "".join(f'<link rel="preload" href="{html.escape(u)}" as="{kind}">' for u, kind in frame_files())
    return _frame_template(path, path.stat().st_mtime_ns).replace(_slot("preload"), preload)


def _frame_served() -> bool:
    """Whether the server answers for the map frame yet: it registers the component with the first session
    that draws a map; before that its files are a 404, and a prefetched 404 must not stand in for them."""
    from streamlit.runtime import Runtime

    return Runtime.exists() and Runtime.instance().component_registry.get_component_path(FOLIUM_COMPONENT) is not None


def _slot(name: str) -> str:
    """A place in the template this module fills in (a marker no HTML file contains)."""
    return f"\x00{name}\x00"


@lru_cache(maxsize=4)
def _template(path: Path, mtime_ns: int) -> str:
    """Streamlit's index.html with the places this module fills in marked, checked once per file version."""
    text = path.read_text(encoding="utf-8")
    edits = {
        '<html lang="en">': f'<html lang="{_slot("lang")}">',
        '<meta charset="UTF-8" />': f'<meta charset="UTF-8" />\n    {_slot("head")}',
        "<title>Streamlit</title>": f"<title>{_slot('title')}</title>\n    {_slot('description')}",
    }
    for anchor, replacement in edits.items():
        if text.count(anchor) != 1:
            raise RuntimeError(f"{path}: expected {anchor!r} once; Streamlit's index.html changed")
        text = text.replace(anchor, replacement)
    stylesheet = '<link rel="stylesheet"'
    if text.count(stylesheet) != 1:
        raise RuntimeError(f"{path}: expected one {stylesheet}; Streamlit's index.html changed")
    hints = "".join(
        f'<link rel="modulepreload" crossorigin href="./static/js/{name}">\n    ' for name in lazy_chunks(path)
    )
    text = text.replace(stylesheet, hints + _slot("prefetch") + stylesheet)
    start, end = text.find("<noscript>"), text.find("</noscript>")
    if text.count("<noscript>") != 1 or end < start:
        raise RuntimeError(f"{path}: expected one <noscript> in the body; Streamlit's index.html changed")
    return text[:start] + _slot("noscript") + text[end + len("</noscript>") :]


def page_lang(query: dict[str, str]) -> str:
    """The link's language as the app reads it: a valid ``lang``, else the default (the app then says why)."""
    lang = query.get("lang")
    return lang if lang in LANGS else DEFAULT_LANG


def page_title(page: str, lang: str) -> str:
    """The tab title the app sets for the page (geo.web.frame.before_page)."""
    return f"{t(f'page_{page}', lang)} · {t('app_title', lang)}"


def first_html(page: str, query_string: str, query: dict[str, str]) -> str:
    """index.html for ``page`` opened with this query."""
    path = streamlit_index()
    template = _template(path, path.stat().st_mtime_ns)
    lang = page_lang(query)
    to_browser = light_href(page, query_string, "browser")
    to_noscript = html.escape(light_href(page, query_string, "noscript"))
    check = CHECK_JS % json.dumps(to_browser).replace("<", "\\u003c")  # never a "</script>" inside
    head = (
        f"<script>{check}</script>\n"
        f'    <noscript><meta http-equiv="refresh" content="0; url={to_noscript}" /></noscript>'
    )
    noscript = (
        f'<noscript><p>{html.escape(t("noscript_light", lang))} <a href="{to_noscript}">'
        f"{html.escape(t('open_light_view', lang))}</a></p></noscript>"
    )
    prefetch = "".join(f'<link rel="prefetch" href="{html.escape(u)}">\n    ' for u in map_prefetch())
    fill = {
        "prefetch": prefetch if page in MAP_PAGES else "",
        "lang": HTML_LANG[lang],
        "head": head,
        "title": html.escape(page_title(page, lang)),
        "description": f'<meta name="description" content="{html.escape(t(f"meta_{page}", lang))}" />',
        "noscript": noscript,
    }
    for name, value in fill.items():
        template = template.replace(_slot(name), value)
    return template


def _endpoint(page: str):
    async def serve(request: Request) -> HTMLResponse:
        body = first_html(page, request.url.query, dict(request.query_params))
        # As Streamlit serves its index: never cached without asking (the bundle's names change on upgrade).
        return HTMLResponse(body, headers={"Cache-Control": "no-cache"})

    return serve


class FrameIndex:
    """ASGI middleware: the map frame's index.html with its preloads (Streamlit reserves ``/component/`` for
    its own routes, so this answers before them); every other request passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.index = folium_frame_index()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.index is None or scope["type"] != "http" or scope["path"] != FRAME_INDEX:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await PlainTextResponse("method not allowed", status_code=405)(scope, receive, send)
            return
        # Never kept without asking: the geometry script it names changes with the boundaries.
        response = HTMLResponse(frame_html(self.index), headers={"Cache-Control": "no-cache"})
        await response(scope, receive, send)


def routes() -> list[Route]:
    """The root (the overview) and each page path; they come before Streamlit's own static route."""
    return [Route("/", _endpoint(DEFAULT_PAGE), methods=["GET"])] + [
        Route(f"/{page}", _endpoint(page), methods=["GET"]) for page in PAGES
    ]
