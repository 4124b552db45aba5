"""The server's budgets, each against its own hostile input (issues 25 and 26).

First the middleware alone, on a stand-in ASGI app (fast, exact): reruns coalesced, floods
disconnected, sessions per address capped, odd frames closed, uploads gated, paths and logs bounded.
Then the app server itself (``streamlit run app.py``) under attack, with a second visitor timed
before and during: tests/test_edge_server.py.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from browser_support import run_async
from streamlit.proto.BackMsg_pb2 import BackMsg

from geo.server import budgets, logs, paths, uploads
from geo.web import uploads as permits


def rerun(query: str = "", fragment: str = "") -> dict:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    if fragment:
        msg.rerun_script.fragment_id = fragment
    return {"type": "websocket.receive", "bytes": msg.SerializeToString()}


def back(kind: str) -> dict:
    msg = BackMsg()
    setattr(msg, kind, True)  # clear_cache, load_git_info, app_heartbeat: boolean members of the oneof
    return {"type": "websocket.receive", "bytes": msg.SerializeToString()}


class Socket:
    """One client's websocket as the ASGI server presents it: a queue in, a list out."""

    def __init__(self, address: str = "10.0.0.1") -> None:
        self.scope = {"type": "websocket", "path": "/_stcore/stream", "client": (address, 40000)}
        self.incoming: asyncio.Queue = asyncio.Queue()
        self.incoming.put_nowait({"type": "websocket.connect"})
        self.sent: list[dict] = []
        self.got: list[tuple[float, dict]] = []  # what the app behind the middleware received

    async def receive(self) -> dict:
        return await self.incoming.get()

    async def send(self, message: dict) -> None:
        self.sent.append(message)
        if message["type"] == "websocket.close":  # as uvicorn does: the app's next read is the disconnect
            self.incoming.put_nowait({"type": "websocket.disconnect", "code": message.get("code", 1000)})

    @property
    def close_code(self) -> int | None:
        return next((m.get("code") for m in self.sent if m["type"] == "websocket.close"), None)

    @property
    def accepted(self) -> bool:
        return any(m["type"] == "websocket.accept" for m in self.sent)


async def streamlit_stand_in(scope, receive, send) -> None:
    """Accepts, then records every message until the disconnect (Streamlit's loop, without Streamlit)."""
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        scope["socket"].got.append((time.monotonic(), message))


def middleware(**override) -> budgets.WebsocketBudget:
    limits = {
        "per_address": 3,
        "new_per_minute": 60,
        "max_sessions": 100,
        "reruns_per_s": 4,
        "reruns_per_address_s": 8,
        "messages_per_s": 30,
        "max_message_kb": 64,
        **override,
    }
    return budgets.WebsocketBudget(streamlit_stand_in, **limits)


async def serve(mw: budgets.WebsocketBudget, sock: Socket) -> asyncio.Task:
    sock.scope["socket"] = sock
    task = asyncio.ensure_future(mw(sock.scope, sock.receive, sock.send))
    await asyncio.sleep(0.01)
    return task


def run(coro, timeout: float = 20):
    return run_async(asyncio.wait_for(coro, timeout))


def test_reruns_over_budget_are_coalesced_into_the_latest_one():
    async def scenario():
        mw, sock = middleware(), Socket()
        task = await serve(mw, sock)
        t0 = time.monotonic()
        for i in range(12):  # at once: 4 fit the budget, 8 over it
            sock.incoming.put_nowait(rerun(f"n={i}"))
        await asyncio.sleep(0.6)
        sock.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await task
        return t0, sock

    t0, sock = run(scenario())
    queries = [BackMsg.FromString(m["bytes"]).rerun_script.query_string for _, m in sock.got]
    assert queries[:4] == ["n=0", "n=1", "n=2", "n=3"]
    assert queries[4:] == ["n=11"]  # one pending rerun, the latest: never a queue
    assert sock.got[4][0] - t0 >= 0.2  # when the budget allowed it (4 a second)
    assert sock.close_code is None  # a burst is not a flood


def test_a_flood_is_disconnected_with_one_log_line_and_its_address_waits(caplog):
    async def scenario():
        mw = middleware()
        flooder, other = Socket("10.0.0.9"), Socket("10.0.0.1")
        task = await serve(mw, flooder)
        for i in range(1000):
            flooder.incoming.put_nowait(rerun(f"n={i}"))
        await asyncio.wait_for(task, 5)
        again = Socket("10.0.0.9")
        await asyncio.wait_for(await serve(mw, again), 5)  # refused at once
        other_task = await serve(mw, other)
        other.incoming.put_nowait(rerun())
        await asyncio.sleep(0.05)
        other.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await other_task
        return flooder, again, other

    with caplog.at_level(logging.WARNING, logger="geo.server.budgets"):
        flooder, again, other = run(scenario())
    assert flooder.close_code == 1008
    assert len(flooder.got) <= 4 + 1  # what the budget allowed before the flood was seen, nothing queued
    lines = [r.getMessage() for r in caplog.records if "disconnected" in r.getMessage()]
    assert len(lines) == 1 and "10.0.0.9" in lines[0] and "flooded" in lines[0], lines
    assert not again.accepted and again.close_code == 1008  # refused before a session: HTTP 403
    assert other.accepted and len(other.got) == 1  # another visitor is served


def test_sessions_per_address_are_capped_and_others_still_get_in():
    async def scenario():
        mw = middleware(per_address=3)
        held = [Socket("10.0.0.5") for _ in range(3)]
        tasks = [await serve(mw, s) for s in held]
        refused = [Socket("10.0.0.5") for _ in range(50)]
        for s in refused:
            await asyncio.wait_for(await serve(mw, s), 5)
        other = Socket("10.0.0.6")
        other_task = await serve(mw, other)
        counts = dict(mw.open)
        for s in [*held, other]:
            s.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await asyncio.gather(*tasks, other_task)
        return held, refused, other, counts, dict(mw.open), mw.total

    held, refused, other, counts, after, total = run(scenario())
    assert all(s.accepted for s in held) and other.accepted
    assert not any(s.accepted for s in refused) and all(s.close_code == 1008 for s in refused)
    assert counts == {"10.0.0.5": 3, "10.0.0.6": 1}
    assert after == {} and total == 0  # closed sessions are given back


def test_new_sessions_per_minute_and_the_server_total():
    async def scenario():
        mw = middleware(per_address=100, new_per_minute=60)
        opened = []
        for _ in range(budgets.NEW_SESSION_BURST + 5):  # open and close at once: a reconnect loop
            s = Socket("10.0.0.7")
            task = await serve(mw, s)
            s.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
            await task
            opened.append(s.accepted)
        small = middleware(per_address=100, max_sessions=2)
        first = [Socket(f"10.1.0.{i}") for i in range(3)]
        tasks = [await serve(small, s) for s in first]
        states = [s.accepted for s in first]
        for s in first:
            s.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await asyncio.gather(*tasks)
        return opened, states

    opened, states = run(scenario())
    assert opened.count(True) == budgets.NEW_SESSION_BURST  # then one a second
    assert states == [True, True, False]  # the descriptor budget holds for all addresses together


@pytest.mark.parametrize(
    "message, code",
    [
        ({"type": "websocket.receive", "text": "hello"}, 1003),
        ({"type": "websocket.receive", "bytes": b"\x0a" * (65 * 1024)}, 1009),
        ({"type": "websocket.receive", "bytes": b"\xff\xff\xff\xff\xff not a protobuf"}, 1002),
    ],
    ids=["text frame", "too big", "not a BackMsg"],
)
def test_odd_frames_end_the_session_without_reaching_streamlit(message, code):
    async def scenario():
        sock = Socket()
        task = await serve(middleware(), sock)
        sock.incoming.put_nowait(message)
        await asyncio.wait_for(task, 5)
        return sock

    sock = run(scenario())
    assert sock.close_code == code and sock.got == []


def test_messages_no_viewer_sends_are_dropped_others_pass():
    async def scenario():
        sock = Socket()
        task = await serve(middleware(), sock)
        for m in (back("clear_cache"), back("load_git_info"), back("app_heartbeat"), rerun("a")):
            sock.incoming.put_nowait(m)
        await asyncio.sleep(0.05)
        sock.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await task
        return sock

    sock = run(scenario())
    assert [BackMsg.FromString(m["bytes"]).WhichOneof("type") for _, m in sock.got] == ["app_heartbeat", "rerun_script"]


def test_the_apps_sends_after_the_client_left_raise_nothing():
    """A send that fails because the client went (uvicorn raises OSError) must not reach Starlette,
    which would turn Streamlit's next read into an "Exception in ASGI application"."""

    async def scenario():
        sock = Socket()

        async def gone(message):
            if message["type"] == "websocket.send":
                raise OSError("client disconnected")
            await Socket.send(sock, message)

        sock.send = gone

        async def app(scope, receive, send):
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "bytes": b"x"})  # raises nothing
            await send({"type": "websocket.send", "bytes": b"y"})
            scope["socket"].got.append((0, await receive()))

        mw = budgets.WebsocketBudget(app, per_address=3, max_sessions=10)
        sock.scope["socket"] = sock
        sock.incoming.put_nowait({"type": "websocket.disconnect", "code": 1006})
        await mw(sock.scope, sock.receive, sock.send)
        return sock

    sock = run(scenario())
    assert sock.got[0][1]["type"] == "websocket.disconnect"


# --------------------------------------------------------------------------------------- uploads


class Request:
    def __init__(self, method: str, path: str) -> None:
        self.scope = {"type": "http", "method": method, "path": path, "client": ("10.0.0.1", 1)}
        self.read = 0
        self.sent: list[dict] = []

    async def receive(self) -> dict:
        self.read += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(self, message: dict) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int | None:
        return next((m["status"] for m in self.sent if m["type"] == "http.response.start"), None)


async def reads_the_body(scope, receive, send) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_uploads_only_from_permitted_sessions_and_the_body_is_not_read():
    gate = uploads.UploadGate(reads_the_body)
    anonymous = Request("PUT", "/_stcore/upload_file/anon-session/file-1")
    run_async(gate(anonymous.scope, anonymous.receive, anonymous.send))
    assert anonymous.status == 403 and anonymous.read == 0

    permits.permit("admin-session", time.time() + 60)
    try:
        admin = Request("PUT", "/_stcore/upload_file/admin-session/file-1")
        run_async(gate(admin.scope, admin.receive, admin.send))
        assert admin.status == 204 and admin.read == 1
    finally:
        permits.revoke("admin-session")
    revoked = Request("PUT", "/_stcore/upload_file/admin-session/file-2")
    run_async(gate(revoked.scope, revoked.receive, revoked.send))
    assert revoked.status == 403 and revoked.read == 0

    permits.permit("expired-session", time.time() - 1)
    expired = Request("PUT", "/_stcore/upload_file/expired-session/file-1")
    run_async(gate(expired.scope, expired.receive, expired.send))
    assert expired.status == 403

    delete = Request("DELETE", "/_stcore/upload_file/anon-session/file-1")  # removing is always allowed
    run_async(gate(delete.scope, delete.receive, delete.send))
    assert delete.status == 204


def test_upload_limit_in_config_is_the_import_file_limit():
    import tomllib
    from pathlib import Path

    from geo.store.imports import limits

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["maxUploadSize"] * 2**20 == limits.MAX_UPLOAD_BYTES


# ----------------------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    "path, public, status",
    [
        ("/_stcore/metrics", "0", 404),
        ("/_stcore/metrics", "1", 200),
        ("/app/static/" + "a" * 5000, "0", 404),
        ("/static/" + "é" * 200, "0", 404),  # 400 bytes in one segment
        ("/app/static/icon.png", "0", 200),
        ("/overview", "0", 200),
    ],
    ids=["metrics", "metrics published", "5000-char static", "long utf-8 segment", "static file", "page"],
)
def test_paths_no_file_can_have_and_unpublished_metrics_are_404(monkeypatch, path, public, status):
    monkeypatch.setenv("BAODING_METRICS_PUBLIC", public)
    guard = paths.PathGuard(reads_the_body)
    request = Request("GET", path)
    run_async(guard(request.scope, request.receive, request.send))
    assert (request.status if request.status != 204 else 200) == status


# ------------------------------------------------------------------------------------------ logs


def test_a_repeated_error_is_one_line_per_interval_with_a_count():
    now = [0.0]
    flt = logs.RepeatFilter(60, clock=lambda: now[0])
    logger = logging.getLogger("test.edge.repeats")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.addHandler(handler)
    logger.addFilter(flt)
    try:
        for i in range(100_000):  # asyncio's storm when the descriptor table is full
            now[0] = i * 15 / 100_000  # in 15 s
            logger.error("socket.accept() out of system resource: %s", "EMFILE")
        logger.error("another message")
        logger.info("info passes untouched")
        logger.info("info passes untouched")
        now[0] = 61
        logger.error("socket.accept() out of system resource: %s", "EMFILE")
    finally:
        logger.removeHandler(handler)
        logger.removeFilter(flt)
    assert lines[:4] == [
        "socket.accept() out of system resource: EMFILE",
        "another message",
        "info passes untouched",
        "info passes untouched",
    ]
    assert lines[4] == "socket.accept() out of system resource: EMFILE (99,999 more like this in the last 60 s)"
    assert len(lines) == 5


def test_log_file_is_rotated_by_size(tmp_path, monkeypatch):
    monkeypatch.setenv("BAODING_LOG_FILE", str(tmp_path / "server.log"))
    monkeypatch.setenv("BAODING_LOG_FILE_MB", "0.01")  # 10 KB
    handler = logs._file_handler()
    logger = logging.getLogger("test.edge.file")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for i in range(2000):
            logger.warning("line %d %s", i, "x" * 40)
    finally:
        logger.removeHandler(handler)
        handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["server.log", *[f"server.log.{i}" for i in range(1, logs.BACKUPS + 1)]]
    assert all(p.stat().st_size <= 11 * 1024 for p in tmp_path.iterdir())


def test_a_flooder_that_reads_nothing_is_still_cut_off():
    """Its socket's buffer is full, so the close cannot be sent (uvicorn's send waits for it to drain):
    the session still ends at once, and the server drops the connection when the app returns."""

    async def scenario():
        sock = Socket("10.0.0.8")

        async def blocked(message):
            if message["type"] == "websocket.close":
                await asyncio.Event().wait()  # never writable
            await Socket.send(sock, message)

        sock.send = blocked
        task = await serve(middleware(), sock)
        for i in range(1000):
            sock.incoming.put_nowait(rerun(f"n={i}"))
        t0 = time.monotonic()
        await asyncio.wait_for(task, 5)
        return sock, time.monotonic() - t0

    sock, took = run(scenario())
    assert took < 2 and len(sock.got) <= 5
