"""Static files compressed once, at the app's own server: Streamlit's shell, the app's static files, component frames.

Streamlit 1.67 sends its own bundle (``/static/…``, about 2.3 MB preloaded on the first view)
uncompressed on purpose and compresses ``/app/static/…`` and ``/component/…`` with gzip on every
request: its server code leaves compression to a proxy in front. On a phone's mobile link that is
most of the first view's wait. This middleware answers those three paths compressed (brotli when
the browser takes it, else gzip), each file compressed once:

- the response is Streamlit's own (its path checks, 404s, ``Cache-Control: immutable`` and
  ``ETag``, CORS headers); only the body is swapped for its compressed form, looked up by the
  hash of its content, so a changed file is a new entry and an unchanged one is never compressed
  again (memory, and a folder under ``BAODING_CACHE_DIR`` that outlives restarts and is shared by
  the processes of one deployment);
- a component's content-hashed build files (``main.521860b0.js``), for which Streamlit says only
  ``Cache-Control: public``, get the same immutable caching as Streamlit's own hashed bundle;
- on a first request gzip is made on the spot (tens of ms for the largest file) and brotli at its
  best setting (about 1 s per 500 KB) by a background thread, which also compresses the files the
  first view asks for as soon as the server starts;
- ``Range`` requests get Streamlit's uncompressed answer (a 206 counts bytes of the file itself),
  and compressed answers carry no ``Accept-Ranges``; every answer here says
  ``Vary: Accept-Encoding``; ``HEAD`` gives the headers the ``GET`` would.

Decoded, every compressed body is the file's bytes (tests/test_compress.py checks that in a browser's
terms: a Streamlit bundle file, a vendored Leaflet file and a component file).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import mimetypes
import os
import queue
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import anyio.to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo import settings
from geo.server import firsthtml

log = logging.getLogger(__name__)

PREFIXES = ("/static/", "/app/static/", "/component/")
COMPRESSIBLE = re.compile(
    r"^(text/|application/(javascript|x-javascript|json|manifest\+json|xml|wasm)|image/svg\+xml|font/(ttf|otf))"
)
# Files of a component's build named by their content hash (main.521860b0.js), and Streamlit's own
# caching for its hashed bundle, which they get too.
HASHED_COMPONENT_FILE = re.compile(r"^/component/[^/]+/static/(js|css)/[\w.-]+\.[0-9a-f]{8,}\.(js|css)$")
IMMUTABLE = "public, immutable, max-age=31536000"
MIN_SIZE = 1024  # below this the headers weigh more than the saving
MAX_SIZE = 32 * 1024 * 1024  # larger bodies pass through as they are, streamed
MEMORY_BUDGET = 64 * 1024 * 1024
GZIP_LEVEL = 9
BROTLI_QUALITY = 11
EXT = {"br": "br", "gzip": "gz"}


def accepted(accept_encoding: str) -> list[str]:
    """The encodings this middleware can send that the request accepts, best first (RFC 9110 q-values)."""
    q: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        try:
            q[name.strip().lower()] = float(match.group(1)) if match else 1.0
        except ValueError:
            continue
    star = q.get("*", 0.0)
    return [e for e in ("br", "gzip") if q.get(e, star) > 0]


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body, GZIP_LEVEL, mtime=0)
    import brotli

    return brotli.compress(body, quality=BROTLI_QUALITY)


def content_key(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=20).hexdigest()


class Store:
    """Compressed bodies by content hash and encoding: memory (least recently used out first), then a folder."""

    def __init__(self, folder: Path | None, budget: int = MEMORY_BUDGET):
        self.folder = folder
        self.budget = budget
        self._memory: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # a read-only deployment: memory only
                log.warning("compressed static files kept in memory only (%s: %s)", folder, exc)
                self.folder = None

    def _path(self, key: str, encoding: str) -> Path | None:
        return self.folder / f"{key}.{EXT[encoding]}" if self.folder else None

    def get(self, key: str, encoding: str) -> bytes | None:
        with self._lock:
            found = self._memory.get((key, encoding))
            if found is not None:
                self._memory.move_to_end((key, encoding))
                return found
        path = self._path(key, encoding)
        try:
            data = path.read_bytes() if path else None
        except OSError:
            return None
        if data is not None:
            self._remember(key, encoding, data)
        return data

    def put(self, key: str, encoding: str, data: bytes) -> None:
        self._remember(key, encoding, data)
        path = self._path(key, encoding)
        if path is None or path.exists():
            return
        try:  # written whole, then renamed: another process never reads half a file
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("could not keep %s: %s", path, exc)

    def _remember(self, key: str, encoding: str, data: bytes) -> None:
        with self._lock:
            if (key, encoding) in self._memory:
                return
            self._memory[(key, encoding)] = data
            self._size += len(data)
            while self._size > self.budget and len(self._memory) > 1:
                _, old = self._memory.popitem(last=False)
                self._size -= len(old)


class Compressor:
    """Makes and keeps the compressed forms; the slow one (brotli) in a background thread of low priority."""

    def __init__(self, store: Store):
        self.store = store
        self._queue: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def now(self, body: bytes, encoding: str, key: str | None = None) -> bytes:
        key = key or content_key(body)
        found = self.store.get(key, encoding)
        if found is None:
            found = compress(body, encoding)
            self.store.put(key, encoding, found)
        return found

    def best(self, body: bytes, encodings: list[str]) -> tuple[str, bytes]:
        """The best accepted encoding available without waiting for brotli (gzip meanwhile, brotli queued)."""
        key = content_key(body)
        for encoding in encodings:
            found = self.store.get(key, encoding)
            if found is not None:
                if encoding != "br" and "br" in encodings:
                    self.later(key, body)
                return encoding, found
        if "br" in encodings:
            self.later(key, body)
            if "gzip" not in encodings:
                return "br", self.now(body, "br", key)
        return "gzip", self.now(body, "gzip", key)

    def later(self, key: str, body: bytes) -> None:
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
            self._queue.put((key, body))
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="compress-static", daemon=True)
                self._thread.start()

    def warm(self, files: Iterable[Path]) -> None:
        """Compress these files in the background (both encodings), so the first visitor finds them ready."""

        def read_all():
            for path in files:
                try:
                    body = path.read_bytes()
                except OSError:
                    continue
                if MIN_SIZE <= len(body) <= MAX_SIZE:
                    key = content_key(body)
                    if self.store.get(key, "gzip") is None:
                        self.now(body, "gzip", key)
                    if self.store.get(key, "br") is None:
                        self.later(key, body)

        threading.Thread(target=read_all, name="compress-static-warm", daemon=True).start()

    def _work(self) -> None:
        try:  # Linux: a thread's own nice value; the server's requests come first
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            pass
        while True:
            key, body = self._queue.get()
            try:
                if self.store.get(key, "br") is None:
                    self.store.put(key, "br", compress(body, "br"))
            except Exception:  # a failed brotli leaves gzip in place: logged, never fatal
                log.exception("brotli failed for %s", key)
            finally:
                with self._lock:
                    self._pending.discard(key)
                self._queue.task_done()

    def wait(self) -> None:
        """Until the background thread has made every brotli form asked for so far (tests, benchmarks)."""
        self._queue.join()


def first_view_files() -> list[Path]:
    """What the first view fetches from these paths: the files Streamlit's index.html names, the app's own
    static files and streamlit-folium's frame."""
    from streamlit import file_util

    from geo.render.leaflet.assets import STATIC_DIR

    static = Path(file_util.get_static_dir())
    named = re.findall(r'(?:src|href)="\./(static/[^"]+)"', (static / "index.html").read_text(encoding="utf-8"))
    files = [static / name for name in named]
    files += [static / "static" / "js" / name for name in firsthtml.lazy_chunks(static / "index.html")]
    # Found, not imported: importing streamlit_folium declares its component, and outside a script run
    # that declaration lands where the server never looks (the frame's files then answer 404).
    frame = firsthtml.folium_build()
    if frame:
        files += [p for p in frame.rglob("*") if p.suffix in (".js", ".css", ".html")]
    files += [p for p in STATIC_DIR.rglob("*") if p.is_file()]
    return [p for p in files if COMPRESSIBLE.match(mimetypes.guess_type(p.name)[0] or "")]


class CompressedStatic:
    """ASGI middleware: see the module docstring."""

    def __init__(self, app: ASGIApp, cache_dir: Path | None = None, warm: bool = True):
        self.app = app
        folder = cache_dir if cache_dir is not None else settings.cache_dir() / "compressed"
        self.compressor = Compressor(Store(folder))
        if warm:
            try:
                self.compressor.warm(first_view_files())
            except OSError as exc:
                log.warning("could not list the first view's static files: %s", exc)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith(PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        encodings = accepted(headers.get("accept-encoding", ""))
        # Streamlit's own gzip layer (per request) never sees an Accept-Encoding for these paths.
        inner = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k != b"accept-encoding"])
        if not encodings or "range" in headers:
            await self.app(inner, receive, _with_vary(send))
            return
        head = scope["method"] == "HEAD"
        # The body is needed whole (to look it up, or compress it): a GET, sent as plain body messages.
        inner["method"] = "GET"
        inner["extensions"] = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
        start: Message = {}
        chunks: list[bytes] = []
        passing = False

        async def capture(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                start = message
                h = Headers(raw=message.get("headers", []))
                length = int(h.get("content-length") or MIN_SIZE)
                passing = not (
                    message["status"] == 200
                    and "content-encoding" not in h
                    and COMPRESSIBLE.match(h.get("content-type", ""))
                    and MIN_SIZE <= length <= MAX_SIZE
                )
                if passing:
                    _vary(MutableHeaders(raw=message.setdefault("headers", [])))
                    await send(message)
            elif message["type"] == "http.response.body":
                more = message.get("more_body", False)
                if passing:
                    if not head:
                        await send(message)
                    elif not more:
                        await send({"type": "http.response.body", "body": b"", "more_body": False})
                else:
                    chunks.append(message.get("body", b""))
            else:
                await send(message)

        await self.app(inner, receive, capture)
        if passing or not start:
            return
        body = b"".join(chunks)
        if len(body) < MIN_SIZE:
            encoding, data = None, body
        else:
            encoding, data = await anyio.to_thread.run_sync(self.compressor.best, body, encodings)
        out = MutableHeaders(raw=list(start.get("headers", [])))
        _vary(out)
        if HASHED_COMPONENT_FILE.match(scope["path"]) and out.get("cache-control") == "public":
            # A component's build names its files by their content; Streamlit says only "public" (no age, no
            # validator), so every frame fetched them again, and a page's prefetch of them was wasted.
            out["cache-control"] = IMMUTABLE
        if encoding:
            out["content-encoding"] = encoding
            del out["accept-ranges"]  # ranges would count bytes of the file, not of this body
        out["content-length"] = str(len(data))
        await send({**start, "headers": out.raw})
        await send({"type": "http.response.body", "body": b"" if head else data, "more_body": False})


def _vary(headers: MutableHeaders) -> None:
    """``Vary: Accept-Encoding``, once (Streamlit's own gzip layer may have said it already)."""
    if "accept-encoding" not in [v.strip().lower() for v in headers.get("vary", "").split(",")]:
        headers.add_vary_header("Accept-Encoding")


def _with_vary(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            _vary(MutableHeaders(raw=message.setdefault("headers", [])))
        await send(message)

    return wrapped
