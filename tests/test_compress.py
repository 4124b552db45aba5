"""Static files compressed once at the server's edge (geo/server/compress.py): the same bytes after decoding,
Streamlit's caching headers kept, Range/HEAD/conditional requests as before, each file compressed once."""

from __future__ import annotations

import gzip
import hashlib
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import pytest
from browser_support import CHROMIUM, closed_after, offline_context, run_async
from playwright.sync_api import Error as PlaywrightError
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from geo.render.leaflet.assets import STATIC_DIR
from geo.server import compress

ROOT = Path(__file__).resolve().parents[1]
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, None: lambda b: b}


def call(app, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """One HTTP request through an ASGI app: (status, headers, body as sent)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "extensions": {},
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    run_async(app(scope, receive, send))
    head = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], head, b"".join(m.get("body", b"") for m in sent[1:] if m["type"] == "http.response.body")


@pytest.fixture
def site(tmp_path):
    """A Starlette app with a static folder (FileResponse, as Streamlit's /static and /app/static) and a
    component-style route (whole body, no ETag), behind the middleware."""
    files = tmp_path / "files"
    files.mkdir()
    (files / "bundle.js").write_text("const answer = 42;\n" * 4000)
    (files / "tiny.css").write_text("a{}")
    (files / "icon.png").write_bytes(b"\x89PNG" + bytes(range(256)) * 20)

    async def component(request):
        return Response(
            (files / "bundle.js").read_bytes(), media_type="application/javascript", headers={"Cache-Control": "public"}
        )

    inner = Starlette(
        routes=[Route("/component/x/{path:path}", component), Mount("/static", StaticFiles(directory=files))]
    )
    app = compress.CompressedStatic(inner, cache_dir=tmp_path / "cache", warm=False)
    return app, files


def test_a_components_hashed_build_files_are_cached_like_streamlits(tmp_path):
    async def component(request):
        return Response(b"x = 1;\n" * 1000, media_type="application/javascript", headers={"Cache-Control": "public"})

    inner = Starlette(routes=[Route("/component/{path:path}", component)])
    app = compress.CompressedStatic(inner, cache_dir=tmp_path / "cache", warm=False)
    gz = {"Accept-Encoding": "gzip"}
    assert call(app, "/component/c.f/static/js/main.521860b0.js", gz)[1]["cache-control"] == compress.IMMUTABLE
    assert call(app, "/component/c.f/index.js", gz)[1]["cache-control"] == "public"


def test_accepted_encodings():
    assert compress.accepted("gzip, deflate, br, zstd") == ["br", "gzip"]
    assert compress.accepted("gzip;q=0.5, br;q=0") == ["gzip"]
    assert compress.accepted("*") == ["br", "gzip"]
    assert compress.accepted("identity") == [] and compress.accepted("") == []


@pytest.mark.parametrize("path", ["/static/bundle.js", "/component/x/bundle.js"])
def test_same_bytes_after_decoding_and_the_headers_kept(site, path):
    app, files = site
    original = (files / "bundle.js").read_bytes()
    _, plain, _ = call(app, path)
    status, head, body = call(app, path, {"Accept-Encoding": "gzip"})
    assert status == 200 and head["content-encoding"] == "gzip"
    assert gzip.decompress(body) == original and len(body) < len(original) / 5
    assert head["content-length"] == str(len(body)) and head["vary"] == "Accept-Encoding"
    assert "accept-ranges" not in head
    for name in ("etag", "cache-control", "last-modified"):
        assert head.get(name) == plain.get(name)
    # Brotli is made in the background once asked for; gzip meanwhile.
    assert call(app, path, {"Accept-Encoding": "gzip, br"})[1]["content-encoding"] == "gzip"
    app.compressor.wait()
    _, head, body = call(app, path, {"Accept-Encoding": "gzip, br"})
    assert head["content-encoding"] == "br" and brotli.decompress(body) == original


def test_head_says_what_get_would(site):
    app, _ = site
    _, get, body = call(app, "/static/bundle.js", {"Accept-Encoding": "gzip"})
    status, head, empty = call(app, "/static/bundle.js", {"Accept-Encoding": "gzip"}, method="HEAD")
    assert status == 200 and empty == b""
    assert head["content-length"] == get["content-length"] == str(len(body))
    assert head["content-encoding"] == "gzip"


def test_ranges_and_revalidation_get_streamlits_own_answer(site):
    app, files = site
    original = (files / "bundle.js").read_bytes()
    status, head, body = call(app, "/static/bundle.js", {"Accept-Encoding": "gzip", "Range": "bytes=10-29"})
    assert status == 206 and body == original[10:30] and "content-encoding" not in head
    assert head["vary"] == "Accept-Encoding"
    _, first, _ = call(app, "/static/bundle.js", {"Accept-Encoding": "gzip"})
    status, head, body = call(app, "/static/bundle.js", {"Accept-Encoding": "gzip", "If-None-Match": first["etag"]})
    assert status == 304 and body == b""


def test_small_binary_missing_and_identity_pass_through(site):
    app, files = site
    assert call(app, "/static/tiny.css", {"Accept-Encoding": "gzip"})[1].get("content-encoding") is None
    status, head, body = call(app, "/static/icon.png", {"Accept-Encoding": "gzip"})
    assert status == 200 and "content-encoding" not in head and body == (files / "icon.png").read_bytes()
    assert call(app, "/static/nothing.js", {"Accept-Encoding": "gzip"})[0] == 404
    status, head, body = call(app, "/static/bundle.js", {"Accept-Encoding": "identity"})
    assert "content-encoding" not in head and body == (files / "bundle.js").read_bytes()


def test_each_file_is_compressed_once(site, tmp_path, monkeypatch):
    app, files = site
    made = []
    real = compress.compress
    monkeypatch.setattr(compress, "compress", lambda body, enc: made.append(enc) or real(body, enc))
    for _ in range(3):
        call(app, "/static/bundle.js", {"Accept-Encoding": "gzip"})
        call(app, "/component/x/bundle.js", {"Accept-Encoding": "gzip"})  # the same bytes: the same entry
    assert made == ["gzip"]
    # A restarted server finds it in the cache folder; a changed file is a new entry.
    again = compress.CompressedStatic(app.app, cache_dir=tmp_path / "cache", warm=False)
    call(again, "/static/bundle.js", {"Accept-Encoding": "gzip"})
    assert made == ["gzip"]
    (files / "bundle.js").write_text("let changed = true;\n" * 3000)
    _, _, body = call(again, "/static/bundle.js", {"Accept-Encoding": "gzip"})
    assert made == ["gzip", "gzip"] and gzip.decompress(body) == (files / "bundle.js").read_bytes()


def test_the_first_view_files_are_found():
    names = {p.name for p in compress.first_view_files()}
    assert any(n.startswith("index.") and n.endswith(".js") for n in names)
    assert {"leaflet.js", "leaflet.css"} <= names and any(n.startswith("main.") and n.endswith(".js") for n in names)


# --- the app's own server -----------------------------------------------------------------------


def streamlit_file(url_path: str) -> Path:
    from streamlit import file_util

    return Path(file_util.get_static_dir()) / url_path.lstrip("/")


def on_disk(url: str) -> Path | None:
    import streamlit_folium

    path = url.split("?", 1)[0].split("/", 3)[3]
    if path.startswith("static/"):
        return streamlit_file(path)
    if path.startswith("app/static/"):
        return STATIC_DIR / path.removeprefix("app/static/")
    if path.startswith("component/streamlit_folium.st_folium/"):
        build = Path(streamlit_folium.__file__).parent / "frontend" / "build"
        return build / path.removeprefix("component/streamlit_folium.st_folium/")
    return None


FETCH_JS = """async (url) => { const r = await fetch(url, {cache: 'no-store'});
  const digest = await crypto.subtle.digest('SHA-256', await r.arrayBuffer());
  const hex = [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
  return [r.headers.get('content-encoding'), hex] }"""


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")
def test_the_app_serves_its_static_files_compressed(browser, app_url):
    """A Streamlit bundle file, the vendored Leaflet and streamlit-folium's frame: compressed on the wire,
    the file's bytes once the browser has decoded them."""
    context, _ = offline_context(browser, app_url)
    page = context.new_page()
    responses = []
    page.on("response", lambda r: responses.append(r))  # bodies read afterwards, not inside the handler
    with closed_after(context, page, "compress-static"):
        page.goto(f"{app_url}/")
        page.wait_for_function(
            """() => [...document.querySelectorAll('iframe')].some(f => { try {
              return f.contentDocument.querySelectorAll('path.leaflet-interactive').length >= 24 } catch (e) {} })""",
            polling="raf",
            timeout=60_000,
        )
        # As the page loaded them: compressed on the wire, the file's bytes once decoded (where the browser
        # kept the body; prefetched and cached ones it may not).
        for response in responses:
            url, path = response.url, on_disk(response.url)
            if path is None or path.suffix not in (".js", ".css") or path.stat().st_size < compress.MIN_SIZE:
                continue
            assert response.status == 200, url
            assert response.headers.get("content-encoding") in ("gzip", "br"), url
            try:
                body = response.body()
            except PlaywrightError:
                continue
            assert body == path.read_bytes(), url
        # And each kind asked for again by the page, past its cache.
        bundle = next(streamlit_file("static/js").glob("index.*.js")).name
        urls = [
            f"/static/js/{bundle}",
            "/app/static/vendor/leaflet-1.9.3/leaflet.js",
            next(u for u in (r.url for r in responses) if "/component/" in u and u.endswith(".js")),
        ]
        for url in urls:
            encoding, digest = page.evaluate(FETCH_JS, url)
            assert encoding in ("gzip", "br"), url
            assert digest == hashlib.sha256(on_disk(app_url + urlsplit(url).path).read_bytes()).hexdigest(), url


@pytest.mark.browser
def test_raw_bytes_from_the_app_decode_to_the_file(app_url):
    bundle = next(streamlit_file("static/js").glob("index.*.js"))
    url = f"{app_url}/static/js/{bundle.name}"
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.headers["Content-Encoding"] == "gzip"
        assert r.headers["Cache-Control"] == "public, immutable, max-age=31536000" and r.headers["ETag"]
        assert gzip.decompress(r.read()) == bundle.read_bytes()
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"})
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 206 and r.read() == bundle.read_bytes()[:100]
