"""The live map's rings fetched once over HTTP (geo/render/leaflet/geomlink.py, geo/server/geomroute.py).

The map element's arguments name the boundary set's script instead of carrying the rings; the edge answers
that script (immutable, ETag, compressed once) from memory, from the workers' shared folder or made again
from the data, and nothing else under its prefix; every map drawn outside the live app keeps its rings.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from types import SimpleNamespace

import brotli
import pytest
from browser_support import run_async
from starlette.applications import Starlette

from geo.model.context import read_context
from geo.render.leaflet import geomlink
from geo.render.leaflet.compact import decode_payload, layers_in, to_json
from geo.server import geomroute
from geo.views.overview import Overlays
from geo.web import mapelement, mapspecs

DATA = Path(__file__).resolve().parents[1] / "data"
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
def shared(bundled):
    _ds, counties = bundled
    return geomlink.shared_geometry(counties, read_context(DATA / "context.geojson"))


@pytest.fixture
def edge(tmp_path, monkeypatch):
    """The route alone, with a cache folder of its own and an empty memory."""
    monkeypatch.setenv("BAODING_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(geomroute, "_compressor", None)
    monkeypatch.setattr(geomroute, "_ready", type(geomroute._ready)())
    monkeypatch.setattr(geomroute, "_by_version", {})
    monkeypatch.setattr(geomlink, "_made", type(geomlink._made)())
    return Starlette(routes=geomroute.routes())


def url_path(s: geomlink.Shared) -> str:
    return f"/{geomlink.ROUTE}/{s.sha}.js"


def test_the_script_is_immutable_compressed_and_revalidated(edge, shared):
    geomlink.remember(shared)
    for accept, expected in (("gzip, deflate, br", ("br", "gzip")), ("gzip", ("gzip",)), ("", (None,))):
        status, head, body = call(edge, url_path(shared), {"Accept-Encoding": accept})
        assert status == 200
        encoding = head.get("content-encoding")
        assert encoding in expected
        assert DECODE[encoding](body) == shared.body
        assert head["cache-control"] == "public, immutable, max-age=31536000"
        assert head["content-type"].startswith("text/javascript")
        assert "accept-encoding" in head["vary"].lower()
        assert int(head["content-length"]) == len(body)
        assert head["etag"].startswith(f'"{shared.sha}')
        again, head304, empty = call(edge, url_path(shared), {"If-None-Match": head["etag"]})
        assert again == 304 and empty == b"" and "immutable" in head304["cache-control"]
    compressed = call(edge, url_path(shared), {"Accept-Encoding": "gzip"})[2]
    assert len(compressed) < 0.8 * len(shared.body)  # encoded rings are dense already
    status, head, body = call(edge, url_path(shared), {"Accept-Encoding": "gzip"}, method="HEAD")
    assert status == 200 and body == b"" and int(head["content-length"]) == len(compressed)


@pytest.mark.parametrize(
    "name",
    [
        "0" * 40 + ".js",  # well formed, never made
        "../../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "a" * 39 + ".js",
        "A" * 40 + ".js",
        "0" * 40 + ".json",
        "0" * 40,
        "0" * 40 + ".js/x",
        "",
    ],
)
def test_any_other_name_is_not_found(edge, shared, tmp_path, name, monkeypatch):
    geomlink.remember(shared)
    (tmp_path / "passwd").write_text("secret")
    monkeypatch.setattr(geomroute, "_current", lambda sha: None)
    status, _head, body = call(edge, f"/{geomlink.ROUTE}/{name}", {"Accept-Encoding": "gzip"})
    assert status == 404 and b"secret" not in body


def test_another_worker_answers_from_the_shared_folder_or_makes_it(edge, shared, bundled, tmp_path, monkeypatch):
    """A worker that never drew the map: the folder every worker writes into, else the data's own script."""
    assert geomlink.keep(tmp_path / geomlink.FOLDER, shared)
    status, _head, body = call(edge, url_path(shared))
    assert status == 200 and body == shared.body
    (tmp_path / geomlink.FOLDER / f"{shared.sha}.js").unlink()
    geomlink._made.clear()
    _ds, counties = bundled
    current = SimpleNamespace(key=("test", 1), counties=counties, context=read_context(DATA / "context.geojson"))
    monkeypatch.setattr("geo.server.data.current", lambda: current)
    made = []
    real = geomlink.shared_geometry
    monkeypatch.setattr(geomlink, "shared_geometry", lambda *a: made.append(1) or real(*a))
    status, _head, body = call(edge, url_path(shared))
    assert status == 200 and body == shared.body
    assert (tmp_path / geomlink.FOLDER / f"{shared.sha}.js").read_bytes() == shared.body  # kept for the others
    # A name this data version does not make: looked up, never made again (once per version, not per request).
    for fake in ("1" * 40, "2" * 40):
        assert call(edge, f"/{geomlink.ROUTE}/{fake}.js")[0] == 404
    assert made == [1]


def test_the_server_data_make_the_same_script_as_the_pages(bundled):
    """The edge's own data (geo/server/data.py) give the script the maps name: the same name."""
    from geo.server import data

    current = data.current()
    assert geomlink.shared_geometry(current.counties, current.context).sha == mapelement.shared_geometry().sha


def overview_spec(selection: tuple[str, ...] = ()) -> mapspecs.OverviewMap:
    return mapspecs.OverviewMap("poor_county_type", None, "quantiles", "zh", Overlays(), selection)


def test_the_map_element_names_the_script_instead_of_the_rings(bundled):
    args = mapelement.args_for("overview_map", overview_spec(), ["last_active_drawing"], report_painted=True)
    made = mapelement.shared_geometry()
    assert args["js_links"][-1] == made.url
    assert len(args["script"]) < 20_000 and len(args["feature_group"]) < 25_000
    assert len(json.dumps(args)) < 65_000  # was 100 KB
    text = args["script"] + args["feature_group"]
    parts = made.body.decode()
    for arc in json.loads(parts.split("=", 2)[2].split(";\n")[0])["a"][:20]:  # the counties' shared borders
        assert to_json(arc)[1:-1] not in text
    assert text.count("BD_GEOM") >= 3  # the surroundings, Xiong'an and the counties
    for other in (mapspecs.LocatorMap("130624", "zh"), overview_spec(("130624",))):
        assert mapelement.args_for("m", other, [])["js_links"][-1] == made.url  # one script for every map


def test_a_linked_layer_decodes_to_the_same_features(bundled):
    """What the browser builds from the inline data and the script's part is what the inline layer gave."""
    fig, layers = overview_spec().build()
    made = mapelement.shared_geometry()
    inline = {id(layer): json.loads(layer.data_json) for root in [fig, *layers] for layer in layers_in(root)}
    assert geomlink.link([fig, *layers], made) == 3
    defined = {}
    for line in made.body.decode().splitlines()[1:]:
        key, _, value = line.partition("=")
        defined[key[len('BD_GEOM["') : -2]] = json.loads(value.rstrip(";"))
    for root in [fig, *layers]:
        for layer in layers_in(root):
            data = json.loads(layer.data_json)
            if layer.geometry_link is None:
                assert data == inline[id(layer)]
                continue
            assert data["u"] == made.url and "a" not in data
            part = defined[data.pop("G")]
            data.pop("u")
            if "a" in part:
                data["a"] = part["a"]
            for f, rings in zip(data["f"], part["f"]):
                f["r" if f["t"] == "T" else "g"] = rings
            assert decode_payload(data) == decode_payload(inline[id(layer)])


def test_maps_drawn_outside_the_live_app_keep_their_rings(bundled):
    """A standalone map's HTML (any export) has no server to fetch from: its rings stay inline."""
    fig, layers = overview_spec().build()
    for layer in layers:
        layer.add_to(fig)
    page = fig.get_root().render()
    assert "BD_GEOM" not in page and geomlink.ROUTE not in page
    made = mapelement.shared_geometry()
    first_arc = json.loads(made.body.decode().split("=", 2)[2].split(";\n")[0])["a"][0]
    assert to_json(first_arc)[1:-1] in page


def test_the_frame_names_the_files_its_loader_will_ask_for(bundled):
    """The map frame's index.html (geo/server/firsthtml.py) preloads what the loader then fetches one after
    another: exactly the URLs the map element names, so the loader's requests find them on their way."""
    from geo.server import firsthtml

    args = mapelement.args_for("overview_map", overview_spec(), ["last_active_drawing"], report_painted=True)
    named = firsthtml.frame_files()
    assert [u for u, kind in named if kind == "script"] == args["js_links"]  # leaflet.js, then the rings
    assert [u for u, kind in named if kind == "style"] == args["css_links"]
    index = firsthtml.folium_frame_index()
    page = firsthtml.frame_html(index)
    original = index.read_text(encoding="utf-8")
    for url, kind in named:
        assert f'<link rel="preload" href="{url}" as="{kind}">' in page
    assert page.replace("".join(f'<link rel="preload" href="{u}" as="{k}">' for u, k in named), "") == original
