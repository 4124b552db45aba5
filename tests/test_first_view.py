"""First views from memory (geo/server/firstview.py, issue 21): a later session is sent the first session's view,
and from then on behaves as if its own run had drawn it.

Against the app served as ``make run`` serves it, by websocket clients that speak Streamlit's protocol. Whether a
session was served from memory shows in its download buttons: every script run registers new deferred files
(fresh ids), a view from memory refers to the ids of the run that drew it.
"""

from __future__ import annotations

import ast
import asyncio
import json
import time
from pathlib import Path

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"

pytestmark = pytest.mark.browser  # a served app (one per module here), as the browser tests use


def rerun(query: str = "", page: str = "", widgets: list[tuple[str, str]] = (), held: list[str] = ()) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    msg.rerun_script.cached_message_hashes.extend(held)
    for wid, value in widgets:
        w = msg.rerun_script.widget_states.widgets.add()
        w.id = wid
        w.json_value = value
    return msg.SerializeToString()


class View:
    """What one run drew: the elements by their place, the download buttons' file ids, the map's element."""

    def __init__(self) -> None:
        self.elements: dict[tuple, bytes] = {}
        self.downloads: list[str] = []
        self.map: tuple[str, dict] | None = None
        self.exceptions: list[str] = []
        self.held: list[str] = []  # the hashes of large messages, as a browser's message cache holds them
        self.by_hash: dict[str, ForwardMsg] = {}
        self.page_hash = ""  # the page its new_session message names
        self.refs = 0  # messages sent as a reference to one the browser holds (not sent again whole)

    def take(self, msg: ForwardMsg) -> None:
        if msg.WhichOneof("type") == "new_session":
            self.page_hash = msg.new_session.page_script_hash
        if msg.metadata.cacheable and msg.hash:
            self.held.append(msg.hash)
            self.by_hash[msg.hash] = msg
        if msg.WhichOneof("type") == "ref_hash":
            self.refs += 1
            whole = ForwardMsg()
            whole.CopyFrom(self.by_hash[msg.ref_hash])
            whole.metadata.CopyFrom(msg.metadata)
            msg = whole
        if msg.WhichOneof("type") != "delta":
            return
        path = tuple(msg.metadata.delta_path)
        kind = msg.delta.WhichOneof("type")
        if kind == "new_element":
            el = msg.delta.new_element
            what = el.WhichOneof("type")
            if what == "exception":
                self.exceptions.append(el.exception.message)
            if what == "download_button":
                self.downloads.append(el.download_button.deferred_file_id or el.download_button.url)
            if what == "component_instance" and b"L.map(" in el.component_instance.json_args.encode():
                args = json.loads(el.component_instance.json_args)
                self.map = (el.component_instance.id, args.get("default") or {})
            self.elements[path] = el.SerializeToString()
        elif kind == "add_block":
            self.elements[path] = msg.delta.add_block.SerializeToString()

    def shown(self) -> dict[tuple, bytes]:
        """The elements as the page ends up showing them (a later element at a place replaces an earlier one)."""
        return dict(self.elements)


async def session(url: str, query: str = "", page: str = "", browser: bool = False, then=None) -> list[View]:
    """One new session's runs: the first view; with ``browser``, the map's painted report and the rest;
    ``then(views)`` -> a further rerun request (an interaction), whose run is the last view."""
    ws_url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
    views = [View()]
    async with websockets.connect(
        ws_url, subprotocols=["streamlit"], max_size=None, user_agent_header=BROWSER_UA if browser else None
    ) as ws:
        await ws.send(rerun(query, page))
        reported = interacted = False
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout=120)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            views[-1].take(msg)
            if msg.WhichOneof("type") != "script_finished":
                continue
            held = [h for v in views for h in v.held]
            if browser and not reported and views[-1].map is not None:
                reported = True
                wid, default = views[-1].map
                views.append(View())
                views[-1].by_hash = {k: m for v in views[:-1] for k, m in v.by_hash.items()}
                await ws.send(rerun(query, page, [(wid, json.dumps({**default, "bd_painted": True}))], held))
                continue
            if then is not None and not interacted:
                interacted = True
                request = then(views)
                views.append(View())
                views[-1].by_hash = {k: m for v in views[:-1] for k, m in v.by_hash.items()}
                await ws.send(request)
                continue
            return views


def run(coro):
    from browser_support import run_async

    return run_async(coro)


@pytest.fixture(scope="module")
def served():
    from browser_support import serve_app

    yield from serve_app({"BAODING_FIRST_VIEWS": "1"})


@pytest.fixture(scope="module")
def served_off():
    from browser_support import serve_app

    yield from serve_app({"BAODING_FIRST_VIEWS": "0"})


def test_a_later_session_is_sent_the_first_sessions_view(served):
    first = run(session(served))[0]
    later = run(session(served))[0]
    assert first.downloads and later.downloads == first.downloads  # the same files: no run of its own
    assert later.shown() == first.shown()
    assert later.page_hash and later.page_hash == first.page_hash  # the page the browser is told it is on
    assert not later.exceptions


def test_every_session_runs_the_script_with_first_views_off(served_off):
    first = run(session(served_off))[0]
    later = run(session(served_off))[0]
    assert later.downloads and set(later.downloads).isdisjoint(first.downloads)
    assert later.shown().keys() == first.shown().keys()


def test_another_link_is_another_view(served):
    plain = run(session(served))[0]
    english = run(session(served, query="lang=en"))[0]
    assert english.shown() != plain.shown()
    again = run(session(served, query="lang=en"))[0]
    assert again.downloads == english.downloads and again.shown() == english.shown()


def test_a_browsers_two_runs_both_come_from_memory(served):
    first = run(session(served, browser=True))
    later = run(session(served, browser=True))
    assert len(first) == len(later) == 2  # the map alone, then the rest once it is painted
    assert first[0].map is not None and not first[0].downloads  # map first: no download buttons yet
    assert later[1].downloads and later[1].downloads == first[1].downloads
    assert later[0].shown() == first[0].shown() and later[1].shown() == first[1].shown()
    assert [v.page_hash for v in later] == [v.page_hash for v in first] and later[0].page_hash
    # The map the browser holds from the first run is named, not sent again, in the rest: from memory as in a run.
    assert later[1].refs == first[1].refs >= 1


def _click_a_county(views: list[View]) -> bytes:
    wid, default = views[-1].map
    value = {
        **default,
        "last_active_drawing": {"properties": {"adcode": "130624"}},
        "last_object_clicked": {"lat": 38.85, "lng": 114.2},
    }
    return rerun("", "", [(wid, json.dumps(value))])


def _toggle_county_names(views: list[View]) -> bytes:
    from streamlit.proto.Element_pb2 import Element

    for raw in views[0].elements.values():
        el = Element()
        el.ParseFromString(raw)
        if el.WhichOneof("type") == "checkbox" and el.checkbox.label == "显示县名":
            msg = BackMsg()
            msg.rerun_script.query_string = ""
            w = msg.rerun_script.widget_states.widgets.add()
            w.id = el.checkbox.id
            w.bool_value = not el.checkbox.default
            return msg.SerializeToString()
    raise AssertionError("no toggle for the county names")


SELECTED = "已选县（市、区）".encode()


def test_a_session_from_memory_answers_a_click_as_its_own_run_would(served, served_off):
    run(session(served))  # a first view in memory
    from_memory = run(session(served, then=_click_a_county))
    own_run = run(session(served_off, then=_click_a_county))
    assert from_memory[0].downloads == run(session(served))[0].downloads  # it was a view from memory
    clicked, expected = from_memory[-1], own_run[-1]
    assert not clicked.exceptions
    # The click's callback ran before the rerun (the county shows as selected), as in a session that ran its own.
    assert any(SELECTED in v and "阜平".encode() in v for v in clicked.shown().values())
    assert any(SELECTED in v for v in expected.shown().values())
    assert clicked.shown().keys() == expected.shown().keys()


def test_a_toggle_after_a_view_from_memory_changes_what_it_changes_in_an_own_run(served, served_off):
    run(session(served))
    a = run(session(served, then=_toggle_county_names))
    b = run(session(served_off, then=_toggle_county_names))
    assert not a[-1].exceptions and not b[-1].exceptions
    assert a[-1].shown().keys() == b[-1].shown().keys()
    assert a[-1].shown() != a[0].shown()  # the map's labels went


def test_the_data_page_and_administrators_are_kept_out():
    """Their runs mark themselves (geo/web/firstviews.py); app.py does so for both, frame.py for a data error."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    assert 'if admin or nav.url_path == "data":\n        firstviews.keep_out()' in source
    assert "firstviews.keep_out()" in (ROOT / "geo" / "web" / "frame.py").read_text(encoding="utf-8")


def test_keep_out_is_used_up_at_the_runs_end(monkeypatch):
    from geo.web import firstviews

    class Ctx:
        session_id = "s1"

    monkeypatch.setattr(firstviews, "get_script_run_ctx", lambda: Ctx())
    firstviews.keep_out()
    assert firstviews.kept_out("s1") and not firstviews.kept_out("s1")


# What a first view may depend on of a request: the key (geo/server/firstview.first_key) has the page, the link,
# the browser's context (its URL, time zone, locale) and whether a User-Agent came. A new read of the request
# (a header, a cookie, the address) would let two visitors' first views differ under one key: add it to the key.
ALLOWED_CONTEXT = {
    ("geo/web/frame.py", "headers"),  # .get("User-Agent"): map first for browsers
    ("app.py", "url"),  # the share link: the browser's URL, in the key as its context
    ("geo/web/login.py", "ip_address"),  # login attempts per address: the data page only, kept out
}


def test_the_app_reads_of_a_request_only_what_the_first_view_key_holds():
    found = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("geo/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "context"
                and isinstance(node.value.value, ast.Name)
                and node.value.value.id == "st"
            ):
                found.add((str(path.relative_to(ROOT)), node.attr))
    assert found == ALLOWED_CONTEXT
    frame = (ROOT / "geo" / "web" / "frame.py").read_text(encoding="utf-8")
    assert 'st.context.headers.get("User-Agent")' in frame


def test_views_of_another_data_version_are_dropped(monkeypatch):
    from geo.server import firstview as fv

    views = fv.FirstViews(max_views=2)
    released = []
    monkeypatch.setattr(fv, "_release", released.append)
    monkeypatch.setattr(fv, "_data_key", lambda: ("store", 1))

    def view(n: int) -> fv.View:
        return fv.View(("store", 1), "h", (), None, None, None, f"owner{n}", [])

    for n in range(3):
        views._views[("k", n)] = view(n)
        views._count += 1
        for v in views._trim():
            fv._release(v)
    assert list(views._views) == [("k", 1), ("k", 2)] and [v.owner for v in released] == ["owner0"]
    assert views._lookup(("k", 2)) is not None
    monkeypatch.setattr(fv, "_data_key", lambda: ("store", 2))  # an import since
    assert views._lookup(("k", 2)) is None and ("k", 2) not in views._views
    assert released[-1].owner == "owner2"


async def leave_early(url: str, query: str) -> None:
    """A browser that leaves as its first view starts (a reload, a second click on the link)."""
    ws_url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, user_agent_header=None) as ws:
        await ws.send(rerun(query))
        await asyncio.wait_for(ws.recv(), timeout=60)


def test_a_run_stopped_because_its_browser_left_is_not_kept(served, served_off):
    """Streamlit stops the run of a session whose browser left; the stopped run still ends "with success", with
    only the elements drawn by then. The next session must see the whole view, not that half."""
    query = "indicator=poor_county_type&values=1"
    run(leave_early(served, query))
    time.sleep(2)  # the stopped run has ended (a view kept from it would be served next)
    later = run(session(served, query=query))[0]
    whole = run(session(served_off, query=query))[0]
    assert later.shown().keys() == whole.shown().keys() and later.map is not None
