"""Paths answered before Streamlit sees them: Streamlit's metrics only when a setting publishes them,
and paths no file can have answered 404 (Streamlit's static route would stat them and answer 500).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from geo import settings

METRICS_PATH = "/_stcore/metrics"
MAX_SEGMENT_BYTES = 255  # NAME_MAX: no file, route or page of the app has a longer path segment
MAX_PATH_BYTES = 2048


def too_long(path: str) -> bool:
    raw = path.encode("utf-8", "surrogateescape")
    return len(raw) > MAX_PATH_BYTES or any(len(part) > MAX_SEGMENT_BYTES for part in raw.split(b"/"))


class PathGuard:
    """ASGI middleware: 404 for the unpublished metrics and for over-long paths, before any work."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app
        self.metrics_public = bool(settings.value("BAODING_METRICS_PUBLIC"))

    async def __call__(self, scope: MutableMapping[str, Any], receive, send) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "")
            if too_long(path) or (not self.metrics_public and path.rstrip("/").endswith(METRICS_PATH)):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 404,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"9")],
                    }
                )
                await send({"type": "http.response.body", "body": b"Not found"})
                return
        await self.app(scope, receive, send)
