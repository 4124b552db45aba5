"""The live map's shared geometry: one content-addressed script per boundary set, fetched once over HTTP.

The encoded rings of the counties (their shared borders), the grey surroundings and the Xiong'an outline
are most of a map element's websocket message (40 of its 100 KB on the overview), and they change only
with the boundaries. Sent inline, every new session's message carries them again, built, JSON-encoded,
hashed and deflated by the server each time. Here they are written once, per data version, into one
script named by the hash of its bytes::

    window.BD_GEOM=window.BD_GEOM||{};
    BD_GEOM["<part id>"]={"a":[...],"f":[...]};   one per part: counties, surroundings, city, Xiong'an

served by the app's edge at ``/_bd/geom/<sha>.js`` (geo/server/geomroute.py: immutable, ETag, gzip or
brotli made once) and named in the map's ``js_links``, which streamlit-folium's frame loads one after
the other before it evaluates the map's script. A :class:`~geo.render.leaflet.compact.CompactGeoJson`
whose geometry is one of these parts is *linked*: its inline data keep the properties and styles and name
the part (``G``) and the script (``u``); its decoder takes the rings from ``BD_GEOM`` and decodes them
synchronously as before, so st_folium's click hooks, tooltips and ``last_active_drawing`` are unchanged.

A frame opened before the boundaries changed keeps its first ``js_links``: a feature group evaluated
later may name a part it never loaded. The decoder then fetches the named script with a synchronous
request (the same URL, so the browser's cache answers it when it can) before it decodes.

Only the live app links (geo/web/mapelement.py). Every other map (PNG and PPTX exports, any standalone
HTML) keeps its geometry inline: there is no server to fetch from there.

The parts are made from the counties and the surroundings alone (:func:`shared_geometry`), so any worker
of a deployment can make the script for its data version again when another one named it first.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from geo.render.leaflet.compact import layers_in, payload, to_json, topo_payload

ROUTE = "_bd/geom"  # under the app's root: /_bd/geom/<sha>.js
FOLDER = "geom"  # under BAODING_CACHE_DIR, shared by the workers of a deployment
NAME = re.compile(r"[0-9a-f]{40}\.js")
# The component frame lives at <root>/component/<name>/index.html (as geo.render.leaflet.assets.IFRAME_PREFIX).
FRAME_PREFIX = "../.."
KEPT = 8  # scripts this process answers from memory (a few data versions)


def geometry_part(data: Mapping) -> dict:
    """The rings of a payload (arcs and per-feature references, or per-feature encoded rings), nothing else."""
    part: dict = {}
    if "a" in data:
        part["a"] = data["a"]
    part["f"] = [f["r"] if f["t"] == "T" else f["g"] for f in data["f"]]
    return part


def part_id(part_json: str) -> str:
    return hashlib.blake2b(part_json.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Shared:
    """One boundary set's script: its name (``sha``), its bytes, and the ids of the parts it defines."""

    sha: str
    body: bytes
    parts: frozenset[str]

    @property
    def url(self) -> str:
        """The script's URL as the map frame sees it (relative: it survives a proxy's path prefix)."""
        return f"{FRAME_PREFIX}/{ROUTE}/{self.sha}.js"


def script(parts: Iterable[str]) -> tuple[bytes, frozenset[str]]:
    """The script that defines these parts (JSON texts) in ``BD_GEOM``, and their ids."""
    lines = ["window.BD_GEOM=window.BD_GEOM||{};"]
    ids = []
    for text in parts:
        pid = part_id(text)
        ids.append(pid)
        lines.append(f'BD_GEOM["{pid}"]={text};')
    return ("\n".join(lines) + "\n").encode(), frozenset(ids)


def shared_geometry(counties: gpd.GeoDataFrame, context: gpd.GeoDataFrame | None) -> Shared:
    """The parts the maps share: the counties' topology (choropleths, locators, county outlines), the grey
    surroundings, the city's outline and the Xiong'an outline, each as the layer that draws it encodes it."""
    from geo.model.context import xiongan_outline

    texts = [to_json(geometry_part(topo_payload((g, {}, {}) for g in counties.geometry)))]
    if context is not None and not context.empty:
        texts.append(to_json(geometry_part(payload([(g, {}) for g in context.geometry], [{}]))))
    city = counties.geometry.union_all()  # the briefing's city outline, the city as one unit
    if not city.is_empty:
        texts.append(to_json(geometry_part(payload([(city, {})], [{}]))))
    xiongan = xiongan_outline(counties)
    if not xiongan.is_empty:
        texts.append(to_json(geometry_part(payload([(xiongan, {})], [{}]))))
    body, ids = script(texts)
    return Shared(hashlib.blake2b(body, digest_size=20).hexdigest(), body, ids)


def link(elements: Iterable, shared: Shared) -> int:
    """Link every CompactGeoJson under ``elements`` whose rings are one of ``shared``'s parts; how many were."""
    linked = 0
    for element in elements:
        for layer in layers_in(element):
            pid = part_id(to_json(geometry_part(layer.data)))
            if pid in shared.parts:
                layer.link(pid, shared.url)
                linked += 1
    return linked


# The scripts this process made, by name (the edge answers them from here first).
_made: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def remember(shared: Shared) -> None:
    with _lock:
        _made[shared.sha] = shared.body
        _made.move_to_end(shared.sha)
        while len(_made) > KEPT:
            _made.popitem(last=False)


def made(sha: str) -> bytes | None:
    with _lock:
        return _made.get(sha)


def latest() -> str | None:
    """The name of the script this process made last (its current boundary set's, as a rule)."""
    with _lock:
        return next(reversed(_made), None)


def keep(folder: Path, shared: Shared) -> bool:
    """Write the script into ``folder`` (whole, then renamed: another worker never reads half a file)."""
    path = folder / f"{shared.sha}.js"
    try:
        if path.exists():
            return True
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
        with os.fdopen(fd, "wb") as f:
            f.write(shared.body)
        os.replace(tmp, path)
        return True
    except OSError:
        return False


def kept(folder: Path, name: str) -> bytes | None:
    """The script ``name`` (``<sha>.js``) from ``folder``; None for any other name or a missing file."""
    if not NAME.fullmatch(name):
        return None
    try:
        return (folder / name).read_bytes()
    except OSError:
        return None
