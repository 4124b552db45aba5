"""Websocket budgets: what one visitor may ask of the server over Streamlit's /_stcore/stream.

An ASGI middleware around Streamlit's websocket route (geo/server/edge.py puts it outermost):

- **Sessions per address**: a client address (an IPv6 /64 as one, geo.store.auth.client_key) holds at
  most ``BAODING_WS_PER_ADDRESS`` open sessions and opens at most ``BAODING_WS_NEW_PER_MINUTE`` a minute
  (``NEW_SESSION_BURST`` at once, then one by one); the server as a whole holds at most as many as its
  descriptor limit allows (geo/server/descriptors.py). Beyond that the handshake is refused (HTTP 403)
  before Streamlit creates a session.
- **Reruns**: ``BAODING_WS_RERUNS_PER_S`` a second per session, and ``BAODING_WS_RERUNS_PER_ADDRESS_S``
  for all sessions of an address together (a run of the overview costs ~0.3 s of CPU: an address that
  opens 30 sessions gets no more runs than that). A rerun over budget is held as the one pending
  rerun, replaced by any later one (each carries the whole widget state, so the latest says what the
  visitor wants) and passed on when the budget allows: never a queue.
- **Messages per session**: more than ``BAODING_WS_MESSAGES_PER_S`` a second (twice that at once), or
  ``COALESCED_BURST`` reruns over budget, is a flood, no browser sends it; the session is disconnected
  with one log line, and its address opens no new session for ``FLOOD_PENALTY_S``. A message over
  ``BAODING_WS_MAX_MESSAGE_KB``, a text frame or one that is not a Streamlit message also ends the
  session, with a log line (Streamlit would log a traceback for the last two).
- Messages a viewer never sends are dropped: clear_cache (it would empty every visitor's caches) and
  load_git_info (it starts git processes).

Frames are read off the socket as they come (cheaply judged here), so a flood costs the server
reading and dropping, not script runs; other visitors are served throughout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg

from geo import internals, settings
from geo.server import descriptors
from geo.store.auth import client_key

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

STREAM_PATH = "/_stcore/stream"
MESSAGE_BURST_S = 2.0  # a session may send this many seconds' worth of messages at once
# An address may open this many sessions at once, then NEW_PER_MINUTE / 60 a second. Sized for a meeting room:
# thirty phones behind one office NAT open a shared link within seconds, each a session.
NEW_SESSION_BURST = 40
# Reruns sent over budget (held, replacing one another): this many at once, then as many as the rerun
# budget a second, before the session counts as a flood. Counted in reruns, not time: the server reads a
# socket only as fast as it can (uvicorn pauses reading until a message is taken), so under load a
# flood looks slower than it is; a browser's bursts stay far below this.
COALESCED_BURST = 20
FLOOD_PENALTY_S = 10.0  # after a flood, the address opens no new session for this long
DROPPED_TYPES = frozenset({"clear_cache", "load_git_info"})
PASS, HOLD, DROP = "pass", "hold", "drop"

_log = logging.getLogger(__name__)


class Bucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up."""

    __slots__ = ("at", "burst", "rate", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst, self.tokens, self.at = rate, max(burst, 1.0), max(burst, 1.0), now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def wait(self, now: float) -> float:
        """Seconds until a token is there."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate if self.rate > 0 else 3600.0

    def full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.burst


class Limits:
    """The budgets, read from geo.settings when the middleware is built."""

    def __init__(self, **override: float) -> None:
        def value(name: str, key: str) -> float:
            return float(override[key]) if key in override else float(settings.value(name))

        self.per_address = int(value("BAODING_WS_PER_ADDRESS", "per_address"))
        self.new_per_minute = value("BAODING_WS_NEW_PER_MINUTE", "new_per_minute")
        total = override.get("max_sessions", settings.value("BAODING_WS_MAX_SESSIONS"))
        self.max_sessions = int(total) if total else descriptors.session_budget()
        self.reruns_per_s = value("BAODING_WS_RERUNS_PER_S", "reruns_per_s")
        self.reruns_per_address_s = value("BAODING_WS_RERUNS_PER_ADDRESS_S", "reruns_per_address_s")
        self.messages_per_s = value("BAODING_WS_MESSAGES_PER_S", "messages_per_s")
        self.max_message_bytes = int(value("BAODING_WS_MAX_MESSAGE_KB", "max_message_kb") * 1024)


class WebsocketBudget:
    """The ASGI middleware; one per app, its counts shared by all connections of the process."""

    def __init__(self, app: Callable[..., Awaitable[None]], **override: float) -> None:
        self.app = app
        self.limits = Limits(**override)
        self.open: dict[str, int] = {}
        self.opened: dict[str, Bucket] = {}  # new-session budget per address
        self.reruns: dict[str, Bucket] = {}  # rerun budget per address, shared by its sessions
        self.total = 0
        self.clock = time.monotonic

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or not scope.get("path", "").endswith(STREAM_PATH):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client_key(client[0] if client else None)
        refusal = self._admit(address)
        if refusal:
            message = await receive()  # websocket.connect
            if message.get("type") == "websocket.connect":
                await send({"type": "websocket.close", "code": 1008})  # answered 403 before any session exists
            _log.warning("websocket session refused for %s: %s", address, refusal)
            return
        self.open[address] = self.open.get(address, 0) + 1
        self.total += 1
        if address not in self.reruns:
            rate = self.limits.reruns_per_address_s
            self.reruns[address] = Bucket(rate, rate, self.clock())
        connection = Connection(self.limits, address, receive, send, self.clock, self.reruns[address], self.penalize)
        try:
            await self.app(scope, connection.receive, connection.send)
        finally:
            await connection.stop()
            self.total -= 1
            self.open[address] -= 1
            if not self.open[address]:
                del self.open[address]

    def penalize(self, address: str) -> None:
        """After a flood: no new session from this address for ``FLOOD_PENALTY_S``."""
        bucket = self.opened.get(address)
        if bucket is not None:
            bucket.take(self.clock())
            bucket.tokens = -bucket.rate * FLOOD_PENALTY_S

    def _admit(self, address: str) -> str:
        """Why a new session from ``address`` is refused ("" when it is not)."""
        limits, now = self.limits, self.clock()
        if self.total >= limits.max_sessions:
            return f"the server holds {self.total} sessions, its budget (descriptor limit)"
        if self.open.get(address, 0) >= limits.per_address:
            return f"{self.open[address]} sessions open from this address, at most {limits.per_address}"
        bucket = self.opened.get(address)
        if bucket is None:
            if len(self.opened) > 10_000:  # forget addresses without sessions whose budgets are whole again
                for key in [k for k, b in self.opened.items() if k not in self.open and b.full(now)]:
                    del self.opened[key]
                    if key in self.reruns and self.reruns[key].full(now):
                        del self.reruns[key]
            burst = min(limits.per_address, NEW_SESSION_BURST)
            bucket = self.opened[address] = Bucket(limits.new_per_minute / 60, burst, now)
        if not bucket.take(now):
            return (
                f"too many new sessions from this address (at most {limits.new_per_minute:g} a minute, "
                f"none for {FLOOD_PENALTY_S:g} s after a flood)"
            )
        return ""


class Connection:
    """One websocket: reads frames as they come, passes on what the budgets allow."""

    def __init__(
        self,
        limits: Limits,
        address: str,
        receive: Receive,
        send: Send,
        clock,
        shared: Bucket,
        on_flood: Callable[[str], None] = lambda address: None,
    ) -> None:
        self.on_flood = on_flood
        self.limits, self.address, self._receive, self._send, self.clock = limits, address, receive, send, clock
        now = clock()
        self.reruns = Bucket(limits.reruns_per_s, limits.reruns_per_s, now)
        self.shared = shared  # the address's rerun budget
        self.coalesced = Bucket(limits.reruns_per_s, COALESCED_BURST, now)
        self.messages = Bucket(limits.messages_per_s, limits.messages_per_s * MESSAGE_BURST_S, now)
        self.pending: Message | None = None
        self.pending_fragment = False
        self.out: asyncio.Queue = asyncio.Queue()  # bounded by the budgets: what they pass, the app takes
        self.reader: asyncio.Future | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.closer: asyncio.Future | None = None
        self.closed = self.close_sent = self.flooded = self.gone = False
        self.close_code = 1000
        self.received = 0
        self.started = now

    async def receive(self) -> Message:
        """What the app reads: the messages the reader passed on, in order."""
        if self.reader is None:
            self.reader = asyncio.ensure_future(self._read_or_end())
        return await self.out.get()

    async def _read_or_end(self) -> None:
        try:
            await self._read()
        except asyncio.CancelledError:
            raise
        except Exception:  # the server's receive failed: the app hears a disconnect, not silence
            _log.exception("websocket read from %s failed", self.address)
            self.out.put_nowait({"type": "websocket.disconnect", "code": 1006})

    async def _read(self) -> None:
        """Read every frame as it arrives and judge it here. Awaiting the server's receive does not
        yield while frames are queued, so a burst is judged in one go: under a flood the event loop,
        which every visitor shares and whose turns cost most when script threads hold the GIL, spends a
        few microseconds a frame, not a turn of the loop."""
        while True:
            message = await self._receive()
            kind = message.get("type")
            if kind != "websocket.receive":
                if kind == "websocket.disconnect":
                    self.pending = None
                    self.out.put_nowait(message)
                    return
                self.out.put_nowait(message)
                continue
            if self.closed:
                continue  # frames after our close: read until the disconnect
            verdict = self.judge(message)
            if self.closed and not self.close_sent:
                # The close goes out when the socket takes it: a flooder that reads nothing has filled its
                # buffer, and awaiting the close here would stop the judging. Streamlit is told at once, ends
                # the session, and the server drops the connection when it returns (unless the close went out).
                self.close_sent = True
                self.closer = asyncio.ensure_future(self._close_quietly())
                self.out.put_nowait({"type": "websocket.disconnect", "code": self.close_code})
                return
            if verdict == PASS:
                self.out.put_nowait(message)
            elif verdict == HOLD:
                self.hold(message)

    async def _close_quietly(self) -> None:
        try:
            await self._send({"type": "websocket.close", "code": self.close_code})
        except Exception:  # the client went first
            pass

    def _release(self) -> None:
        """The timer of the pending rerun: pass it on when the budgets allow, else wait again."""
        self.timer = None
        if self.pending is None or self.closed:
            return
        now = self.clock()
        if self.take_rerun(now):
            message, self.pending = self.pending, None
            self.out.put_nowait(message)
        else:
            self.timer = asyncio.get_running_loop().call_later(self.rerun_wait(now), self._release)

    def judge(self, message: Message) -> str:
        """PASS, HOLD (a rerun over budget) or DROP; closes the connection when it must."""
        self.received += 1
        now = self.clock()
        data = message.get("bytes")
        if data is None:
            return self.close(1003, "sent a text frame; Streamlit speaks binary protobuf")
        if len(data) > self.limits.max_message_bytes:
            return self.close(1009, f"sent a message of {len(data):,} bytes, at most {self.limits.max_message_bytes:,}")
        if not self.messages.take(now):
            self.flooded = True
            return self.close(
                1008,
                f"flooded: {self.received:,} messages in {now - self.started:.1f} s "
                f"(budget {self.limits.messages_per_s:g} a second)",
            )
        msg = BackMsg()
        try:
            msg.ParseFromString(data)
        except Exception:  # protobuf's DecodeError and friends: not a Streamlit message
            return self.close(1002, "sent a message that is not a Streamlit BackMsg")
        kind = msg.WhichOneof("type")
        if kind in DROPPED_TYPES:
            return DROP
        if kind != "rerun_script":
            return PASS
        fragment = bool(msg.rerun_script.fragment_id)
        if self.pending is None and self.timer is None and self.take_rerun(now):
            return PASS
        if not self.coalesced.take(now):
            self.flooded = True
            return self.close(
                1008,
                f"flooded: {COALESCED_BURST} reruns over budget, {self.received:,} messages "
                f"in {now - self.started:.1f} s (budget {self.limits.reruns_per_s:g} reruns a second)",
            )
        if self.pending is not None and fragment and not self.pending_fragment:
            return DROP  # the held whole-page rerun runs the fragment too
        self.pending_fragment = fragment
        return HOLD

    def take_rerun(self, now: float) -> bool:
        """A token from the session's budget and the address's, or none from either."""
        if self.reruns.wait(now) > 0 or self.shared.wait(now) > 0:
            return False
        return self.reruns.take(now) and self.shared.take(now)

    def rerun_wait(self, now: float) -> float:
        return max(self.reruns.wait(now), self.shared.wait(now), 0.005)

    def hold(self, message: Message) -> None:
        self.pending = message  # the one pending rerun: the latest replaces what was held
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.rerun_wait(self.clock()), self._release)

    def close(self, code: int, why: str) -> str:
        if not self.closed:
            self.closed, self.close_code, self.pending = True, code, None
            if self.flooded:
                self.on_flood(self.address)
            _log.warning("websocket session from %s disconnected: %s", self.address, why)
        return DROP

    async def send(self, message: Message) -> None:
        if self.closed or self.gone:
            return  # the app's sends after a close go nowhere (the server would raise on them)
        try:
            await self._send(message)
        except OSError:
            # The client went away mid-send (uvicorn's ClientDisconnected). Told so, Starlette would mark the
            # socket closed and Streamlit's next read would raise (an "Exception in ASGI application" per
            # visitor who closes a tab during a run); its disconnect message arrives next anyway.
            self.gone = True
        except Exception:
            if not self.closed:
                raise  # a send that raced our close is dropped; any other failure is Streamlit's to handle

    async def stop(self) -> None:
        if self.reader is not None and not self.reader.done():
            self.reader.cancel()
        if self.timer is not None:
            self.timer.cancel()
        unsent = False
        if self.closer is not None and not self.closer.done():
            await asyncio.wait({self.closer}, timeout=0.1)  # its turn, unless the client's buffer is full
            if not self.closer.done():
                self.closer.cancel()  # never sent: the connection is dropped below instead
                unsent = True
        if self.flooded or unsent:
            # Dropped at once. uvicorn's own close after the app returns first sends what is queued (the run's
            # messages, our close frame) and a flooder reads nothing, so its socket would stay open for as long
            # as it likes; even a close frame written in time may sit unread behind the run's messages.
            internals.abort_connection(self._send)
