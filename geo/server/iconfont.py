"""Streamlit's icon font, cut at the edge to the icons this app can show, served at Streamlit's own URL.

Streamlit 1.67 draws every icon (its own chrome's, and the app's ``:material/<name>:``) as a word in the
Material Symbols Rounded font: the font's ligatures turn ``keyboard_double_arrow_right`` into one glyph.
The font holds 4,300 of them, 366 KB (woff2) that a phone fetches as soon as Streamlit's header draws its
sidebar button, with ``font-display: block``: on a slow link it shared the line with the first map's data
and arrived just before it. This middleware answers that URL with a subset of the same font that keeps
every icon whose name

- occurs as a word in Streamlit's frontend bundle (``static/static/js/*.js`` of the installed streamlit:
  every name its code can draw is a literal there, and many plain words besides, which only keeps more), or
- is written ``:material/<name>:`` in the app's code (app.py, pages/, geo/) or in Streamlit's Python package.

so no icon the app can show turns into its name as text. The glyphs are the font's own, unchanged (the
font is a single instance at weight 400, as Streamlit's ``@font-face`` asks; no axes to keep). The subset
is made once per font file and name list (fontTools, in a niced background thread at startup, about a
second), kept under ``BAODING_CACHE_DIR``, and sent as woff2 (already brotli inside) with Streamlit's
immutable caching and an ``ETag`` of its own. Until it is ready, and if making it fails, Streamlit's
whole font goes out as before.

tests/test_iconfont.py checks the ligature table against the bundle's names and, in Chromium, that the
sidebar button draws a glyph, not its name.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from geo import settings

log = logging.getLogger(__name__)

FONT_GLOB = "MaterialSymbols-Rounded.*.woff2"
IMMUTABLE = "public, immutable, max-age=31536000"  # as Streamlit caches its hashed bundle
MATERIAL = re.compile(r":material/([a-z0-9_]+):")
WORD = re.compile(r"[a-z0-9_]+")
APP_ROOT = Path(__file__).resolve().parents[2]  # app.py, pages/, geo/
VERSION = "1"  # of the way the subset is made: a new one makes a new cached file


def streamlit_static() -> Path:
    from streamlit import file_util

    return Path(file_util.get_static_dir())


def font_file(static: Path | None = None) -> Path | None:
    """Streamlit's Material Symbols font (its name carries the bundle's content hash), if there is one."""
    found = sorted((static or streamlit_static()).glob(f"static/media/{FONT_GLOB}"))
    return found[0] if len(found) == 1 else None


def bundle_words(static: Path | None = None) -> set[str]:
    """Every lower-case word in Streamlit's frontend bundle (its icon names among them)."""
    words: set[str] = set()
    for path in sorted((static or streamlit_static()).glob("static/js/*.js")):
        words.update(WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
    return words


def _python_files(roots: Iterable[Path]) -> Iterable[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from root.rglob("*.py")


def code_names(roots: Iterable[Path] | None = None) -> set[str]:
    """``:material/<name>:`` names in the app's code and in Streamlit's Python package."""
    if roots is None:
        import streamlit

        roots = [APP_ROOT / "app.py", APP_ROOT / "pages", APP_ROOT / "geo", Path(streamlit.__file__).parent]
    names: set[str] = set()
    for path in _python_files(roots):
        try:
            names.update(MATERIAL.findall(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    return names


def ligatures(font) -> dict[str, str]:
    """Icon name -> glyph name, from the font's GSUB ligature lookups (a fontTools TTFont)."""
    cmap = font.getBestCmap()
    char_of = {glyph: chr(code) for code, glyph in cmap.items()}
    out: dict[str, str] = {}
    if "GSUB" not in font:
        return out
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for sub in lookup.SubTable:
            sub = sub.ExtSubTable if lookup.LookupType == 7 else sub
            if getattr(sub, "LookupType", None) != 4:
                continue
            for first, seqs in sub.ligatures.items():
                for seq in seqs:
                    name = "".join(char_of.get(g, "\ufffd") for g in [first, *seq.Component])
                    out.setdefault(name, seq.LigGlyph)
    return out


def keep_names(available: Iterable[str], static: Path | None = None, roots: Iterable[Path] | None = None) -> set[str]:
    """The icon names to keep: those of the font found in the bundle or in the code."""
    wanted = bundle_words(static) | code_names(roots)
    return {n for n in available if n in wanted}


def subset(font_bytes: bytes, keep: Iterable[str]) -> bytes:
    """The font with only the icons named in ``keep`` (and the letters that spell them), as woff2.

    The ligatures are cut by the glyphs kept: with the layout closure off, fontTools keeps a ligature
    only when its glyph is kept (the closure would keep all of them: every name is spelt from a-z, 0-9, _).
    """
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(font_bytes))
    names = ligatures(font)
    keep = sorted(set(keep) & set(names))
    glyphs = sorted({names[n] for n in keep})
    cmap = font.getBestCmap()
    code_of = {glyph: code for code, glyph in cmap.items()}
    letters = {ord(ch) for n in keep for ch in n}
    codes = sorted(letters | {code_of[g] for g in glyphs if g in code_of} | ({0x20} & set(cmap)))
    options = ft_subset.Options()
    options.flavor = "woff2"
    options.layout_closure = False
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = True
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(glyphs=glyphs, unicodes=codes)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


class IconFont:
    """ASGI middleware: see the module docstring."""

    def __init__(self, app: ASGIApp, cache_dir: Path | None = None, build: bool = True):
        self.app = app
        self.folder = cache_dir if cache_dir is not None else settings.cache_dir() / "iconfont"
        self.source: Path | None = None
        self.path = ""  # the URL path Streamlit serves the font at
        self.body: bytes | None = None
        self.etag = ""
        self.ready = threading.Event()
        try:
            self.source = font_file()
        except Exception as exc:  # no streamlit, or an unreadable folder: the font goes out as Streamlit sends it
            log.warning("icon font not found: %s", exc)
        if self.source is not None:
            self.path = f"/static/media/{self.source.name}"
            if build:
                threading.Thread(target=self._build, name="iconfont-subset", daemon=True).start()

    def _build(self) -> None:
        try:  # Linux: a thread's own nice value; the server's requests come first
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            pass
        try:
            self.make()
        except Exception:  # never fatal: Streamlit's whole font is still served
            log.exception("could not cut the icon font; serving it whole")

    def make(self) -> bytes:
        """The subset, from the cache folder or made now; then served."""
        from fontTools.ttLib import TTFont

        assert self.source is not None
        font_bytes = self.source.read_bytes()
        keep = keep_names(ligatures(TTFont(io.BytesIO(font_bytes))))
        h = hashlib.blake2b(digest_size=20)
        h.update(VERSION.encode())
        h.update(font_bytes)
        h.update("\n".join(sorted(keep)).encode())
        key = h.hexdigest()
        cached = self.folder / f"{self.source.stem}.{key}.woff2"
        try:
            body = cached.read_bytes()
        except OSError:
            body = subset(font_bytes, keep)
            _keep(cached, body)
        self.body = body
        self.etag = f'"{key[:32]}"'
        self.ready.set()
        log.info(
            "icon font: %d of its icons kept, %d KB instead of %d KB",
            len(keep),
            len(body) // 1024,
            len(font_bytes) // 1024,
        )
        return body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.path
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].endswith(self.path)
            or not self.ready.is_set()
        ):
            await self.app(scope, receive, send)
            return
        body = self.body or b""
        headers = [
            (b"content-type", b"font/woff2"),
            (b"cache-control", IMMUTABLE.encode()),
            (b"etag", self.etag.encode()),
        ]
        if_none_match = Headers(scope=scope).get("if-none-match", "")
        if self.etag in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def _keep(path: Path, data: bytes) -> None:
    """Written whole, then renamed (another worker never reads half a file); a read-only folder: memory only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("icon font subset kept in memory only (%s: %s)", path, exc)
