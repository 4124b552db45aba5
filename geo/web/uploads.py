"""Which sessions may upload: the logged-in administrators on the data page, nobody else.

Streamlit's upload endpoint (``PUT /_stcore/upload_file/<session id>/<file id>``) takes a file for
any open session; the server's upload gate (geo/server/uploads.py) asks this registry first and
refuses the others before reading a byte of the body. app.py settles it on every run: the session
is permitted while its page is the data page and its administrator login holds (until the login
expires at the latest), and revoked by any run elsewhere, a logout or an expired login.
"""

from __future__ import annotations

import threading
import time

from streamlit.runtime.scriptrunner import get_script_run_ctx

from geo.store import auth

_lock = threading.Lock()
_permits: dict[str, float] = {}  # session id -> time.time() at which the permit ends


def permit(session_id: str, until: float) -> None:
    with _lock:
        now = time.time()
        for sid in [s for s, end in _permits.items() if end <= now]:
            del _permits[sid]
        _permits[session_id] = until


def revoke(session_id: str) -> None:
    with _lock:
        _permits.pop(session_id, None)


def allowed(session_id: str) -> bool:
    with _lock:
        end = _permits.get(session_id)
    return end is not None and end > time.time()


def settle(on_data_page: bool, admin: auth.Admin | None) -> None:
    """This run's session may upload exactly when it shows the data page to a logged-in administrator."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    if on_data_page and admin is not None:
        permit(ctx.session_id, admin.issued + auth.SESSION_MAX_S)
    else:
        revoke(ctx.session_id)
