"""A log that cannot run away: repeated warnings and errors written once per interval, with a count;
and, when ``BAODING_LOG_FILE`` is set, a copy of the log in a file rotated by size.

A record repeats another when it comes from the same logger, at the same level, with the same message
template (``record.msg``, before its arguments are filled in: "websocket session refused for %s: %s"
is one message whatever the address). The first is written; the next ones within
``BAODING_LOG_REPEAT_S`` are counted, and the first one after the interval is written with
"(N more like this in the last M s)". A storm of 100,000 identical lines (asyncio's
"socket.accept() out of system resource" when the descriptor table is full) becomes one line a minute.

Streamlit gives each of its loggers its own handler and stops propagation, and uvicorn configures its
loggers when it starts, so the filter is put on the loggers themselves (``install``, again whenever
new loggers appeared: ``install_if_new``), and on their handlers.
"""

from __future__ import annotations

import logging
import logging.handlers
import threading
import time

from geo import settings

# Loggers whose records are filtered (and copied to the log file): by name prefix.
PREFIXES = ("streamlit", "uvicorn", "asyncio", "websockets", "starlette", "geo", "tornado")
BACKUPS = 5
_lock = threading.Lock()
_state: dict[str, object] = {"filter": None, "file": None, "loggers": -1}


class RepeatFilter(logging.Filter):
    """Let the first of a run of identical warnings/errors through, count the rest, report the count."""

    def __init__(self, interval_s: float, clock=time.monotonic) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self._seen: dict[tuple[str, int, str], list[float]] = {}  # key -> [last written at, suppressed]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or self.interval_s <= 0:
            return True
        if getattr(record, "_repeat_checked", False):
            return record._repeat_verdict  # type: ignore[attr-defined]  # same record at the logger and a handler
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self._lock:
            entry = self._seen.get(key)
            if entry is None or now - entry[0] >= self.interval_s:
                suppressed = int(entry[1]) if entry else 0
                self._seen[key] = [now, 0]
                if len(self._seen) > 5000:  # forget quiet keys
                    for k in [k for k, v in self._seen.items() if now - v[0] >= self.interval_s and not v[1]]:
                        del self._seen[k]
                verdict = True
            else:
                entry[1] += 1
                suppressed, verdict = 0, False
        if verdict and suppressed:
            record.msg = f"{record.msg} ({suppressed:,} more like this in the last {self.interval_s:g} s)"
        record._repeat_checked, record._repeat_verdict = True, verdict  # type: ignore[attr-defined]
        return verdict


def _wanted(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in PREFIXES)


def _file_handler() -> logging.Handler | None:
    path = settings.get("BAODING_LOG_FILE").strip()
    if not path:
        return None
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=int(settings.value("BAODING_LOG_FILE_MB") * 2**20), backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    return handler


def install() -> RepeatFilter:
    """Put the one repeat filter (and the log file's handler) on every wanted logger there is now."""
    with _lock:
        flt = _state["filter"]
        if flt is None:
            flt = _state["filter"] = RepeatFilter(settings.value("BAODING_LOG_REPEAT_S"))
            _state["file"] = _file_handler()
        assert isinstance(flt, RepeatFilter)
        file_handler = _state["file"]
        manager = logging.Logger.manager
        names = [n for n in list(manager.loggerDict) if _wanted(n)]
        for logger in [logging.getLogger(n) for n in names] + [logging.getLogger()]:
            if flt not in logger.filters:
                logger.addFilter(flt)
            for handler in logger.handlers:
                if flt not in handler.filters:
                    handler.addFilter(flt)
            # The file gets what reaches a logger that does not pass records on (Streamlit's, uvicorn's)
            # or the root (where geo's and asyncio's end).
            if file_handler is not None and (not logger.propagate or logger is logging.getLogger()):
                if file_handler not in logger.handlers:
                    logger.addHandler(file_handler)
        root = logging.getLogger()
        if file_handler is not None and root.handlers == [file_handler]:
            # The file took the root's place of Python's last-resort handler: warnings still reach stderr too.
            console = logging.StreamHandler()
            console.setLevel(logging.WARNING)
            console.addFilter(flt)
            root.addHandler(console)
        _state["loggers"] = len(manager.loggerDict)
        return flt


def install_if_new() -> None:
    """``install`` again when loggers were created since (cheap to call per connection)."""
    if _state["loggers"] != len(logging.Logger.manager.loggerDict):
        install()


class LogGuard:
    """ASGI middleware that keeps the repeat filter on every logger: installed when the server builds
    its middleware (uvicorn has configured its loggers by then), again when new loggers appeared."""

    def __init__(self, app) -> None:
        self.app = app
        install()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            install_if_new()
        await self.app(scope, receive, send)
