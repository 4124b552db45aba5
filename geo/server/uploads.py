"""The upload gate: Streamlit's upload endpoint takes files only from sessions that may upload.

``PUT /_stcore/upload_file/<session id>/<file id>`` from a session the registry (geo/web/uploads.py)
does not permit, the logged-in administrators on the data page, is answered 403 before a byte of
its body is read; so is a permitted session that already holds ``MAX_FILES_PER_SESSION`` files.
What is let through is bounded by ``server.maxUploadSize`` (.streamlit/config.toml, the import
limit of 50 MB, checked against Content-Length and while streaming by Streamlit): Streamlit parses
the body into a temporary file spooled to disk past 1 MB, then keeps the file's bytes in memory
until the uploader lets go of it or the session ends.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from geo.web import uploads

UPLOAD_PREFIX = "/_stcore/upload_file/"
MAX_FILES_PER_SESSION = 3  # the data page's one uploader: its file, and a replacement on its way in

_log = logging.getLogger(__name__)


def _files_held(session_id: str) -> int:
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return 0
    storage = getattr(Runtime.instance().uploaded_file_mgr, "file_storage", {})
    return len(storage.get(session_id, ()))


class UploadGate:
    """ASGI middleware in front of Streamlit's upload route."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and UPLOAD_PREFIX in path and scope.get("method") == "PUT":
            session_id = path.split(UPLOAD_PREFIX, 1)[1].split("/", 1)[0]
            refusal = ""
            if not uploads.allowed(session_id):
                refusal = "this session may not upload (only an administrator on the data page)"
            elif _files_held(session_id) >= MAX_FILES_PER_SESSION:
                refusal = f"the session already holds {MAX_FILES_PER_SESSION} uploaded files"
            if refusal:
                client = scope.get("client")
                _log.warning("upload refused from %s: %s", client[0] if client else "?", refusal)
                body = refusal.encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
