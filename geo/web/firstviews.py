"""Which runs may serve later sessions as their first view (geo/server/firstview.py keeps those in memory).

A new session's first view depends only on the page, the link, whether a browser asks, and the data version,
so the server sends later sessions the first session's messages instead of running the script again. A run
whose view is one visitor's own must say so here: an administrator's, the data page's (its upload permit
and store details), a data error's.
"""

from __future__ import annotations

import threading

from streamlit.runtime.scriptrunner import get_script_run_ctx

_kept_out: set[str] = set()
_lock = threading.Lock()


def keep_out() -> None:
    """This session's current run is its own: never send it to another session."""
    ctx = get_script_run_ctx()
    if ctx is not None:
        with _lock:
            _kept_out.add(ctx.session_id)


def kept_out(session_id: str) -> bool:
    """Whether the session's run asked to be kept out (the mark is used up: the next run asks again)."""
    with _lock:
        if session_id in _kept_out:
            _kept_out.discard(session_id)
            return True
    return False
