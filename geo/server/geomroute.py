"""``/_bd/geom/<sha>.js``: the boundary set's script that the live maps name (geo/render/leaflet/geomlink.py).

The script's name is the hash of its bytes, so the answer never changes: ``Cache-Control: immutable``
(as Streamlit caches its hashed bundle), an ``ETag`` (a ``304`` to ``If-None-Match``), brotli or gzip
made once per script (geo/server/compress.py's compressor and store: gzip on the first request, brotli by
its background thread) and ``Vary: Accept-Encoding``.

Any worker of a deployment answers any script its data can make: first from this process's memory (the
maps it built), then from the folder under ``BAODING_CACHE_DIR`` that every worker writes its scripts
into, then by making the current data version's script itself (geo/server/data.py) and comparing its
name. Any other name (not 40 hex digits and ``.js``, unknown, or a path that tries to climb out) is a 404
before anything is read outside that folder.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from geo import settings
from geo.render.leaflet import geomlink
from geo.server import compress

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/javascript; charset=utf-8"
_compressor: compress.Compressor | None = None
_lock = threading.Lock()


# The answers as sent, per script and encoding, once they are the best one (brotli when it is ready): the
# scripts of a few data versions, a few tens of KB each.
_ready: OrderedDict[tuple[str, str], bytes] = OrderedDict()
READY_KEPT = 2 * geomlink.KEPT


def _keep_ready(sha: str, encoding: str, body: bytes) -> None:
    _ready[(sha, encoding)] = body
    while len(_ready) > READY_KEPT:
        _ready.popitem(last=False)


def compressor() -> compress.Compressor:
    global _compressor
    with _lock:
        if _compressor is None:
            _compressor = compress.Compressor(compress.Store(settings.cache_dir() / "compressed"))
        return _compressor


_by_version: dict[tuple, geomlink.Shared] = {}  # the script each data version makes here (the latest only)


def _current(sha: str) -> bytes | None:
    """The current data version's script, made here once per version, if that is the one asked for (a name
    that is not costs a look-up, not a new script)."""
    from geo.server import data

    try:
        current = data.current()
        key = (*current.key, id(current.counties), id(current.context))
        made = _by_version.get(key)
        if made is None:
            made = geomlink.shared_geometry(current.counties, current.context)
            _by_version.clear()
            _by_version[key] = made
            geomlink.remember(made)
            geomlink.keep(settings.cache_dir() / geomlink.FOLDER, made)
    except Exception:  # a broken store is reported by the pages; here it is only a script not found
        log.exception("could not make the map geometry script")
        return None
    return made.body if made.sha == sha else None


def body_of(name: str) -> bytes | None:
    """The script called ``name`` (``<sha>.js``), or None."""
    if not geomlink.NAME.fullmatch(name):
        return None
    sha = name.removesuffix(".js")
    return geomlink.made(sha) or geomlink.kept(settings.cache_dir() / geomlink.FOLDER, name) or _current(sha)


def _not_found() -> Response:
    return Response("Not found", status_code=404, media_type="text/plain; charset=utf-8")


def _matches(if_none_match: str, sha: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or any(t.startswith(f'"{sha}') for t in tags)


async def geometry_script(request: Request) -> Response:
    name = request.path_params.get("name", "")
    if not geomlink.NAME.fullmatch(name):
        return _not_found()
    sha = name.removesuffix(".js")
    encodings = compress.accepted(request.headers.get("accept-encoding", ""))
    headers = {"Cache-Control": compress.IMMUTABLE, "Vary": "Accept-Encoding"}
    if _matches(request.headers.get("if-none-match", ""), sha) and (
        geomlink.made(sha) is not None or (settings.cache_dir() / geomlink.FOLDER / name).exists()
    ):
        return Response(status_code=304, headers={**headers, "ETag": f'"{sha}"'})
    ready = next(((e, _ready[(sha, e)]) for e in encodings[:1] if (sha, e) in _ready), None)
    if ready is not None:  # every request after the first few: no thread, no lookup by content
        encoding, body = ready
        headers["Content-Encoding"] = encoding
    else:
        body = geomlink.made(sha)
        if body is None:
            body = await anyio.to_thread.run_sync(body_of, name)
        if body is None:
            return _not_found()
        encoding = None
        if encodings:
            encoding, body = await anyio.to_thread.run_sync(compressor().best, body, encodings)
            headers["Content-Encoding"] = encoding
            if encoding == encodings[0]:  # the best the browser takes: it stays the answer
                _keep_ready(sha, encoding, body)
    headers["ETag"] = f'"{sha}-{encoding}"' if encoding else f'"{sha}"'
    data = b"" if request.method == "HEAD" else body
    response = Response(data, headers=headers, media_type=CONTENT_TYPE)
    response.headers["content-length"] = str(len(body))
    return response


def routes() -> list[BaseRoute]:
    # ``path``: every name under the prefix is answered here (a 404 for anything not a script's name), none
    # falls through to Streamlit's own routes.
    return [Route(f"/{geomlink.ROUTE}/{{name:path}}", geometry_script, methods=["GET", "HEAD"])]
