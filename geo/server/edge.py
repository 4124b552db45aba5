"""Assemble the edge: the routes and middleware app.py hands to ``st.App``.

Order matters. Starlette runs the first middleware in the list first on a request (outermost), so
cheap refusals (budgets, paths) come before work (compression, page rewriting).
Each piece is a small module of its own; adding one is a line here.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from geo.server import budgets, descriptors, logs, paths, uploads

# The server may hold as many sessions as its descriptor table allows: raise the soft limit first.
descriptors.raise_soft_limit()


def routes() -> list[BaseRoute]:
    """The app's own routes, matched before Streamlit's."""
    return []


def middleware() -> list[Middleware]:
    """Middleware around Streamlit's own, outermost first."""
    return [
        Middleware(logs.LogGuard),  # repeated warnings once a minute, with a count
        Middleware(paths.PathGuard),  # unpublished metrics and over-long paths: 404
        Middleware(budgets.WebsocketBudget),  # sessions per address, reruns and messages per session
        Middleware(uploads.UploadGate),  # uploads only from administrators on the data page
    ]


def options() -> dict[str, Any]:
    """Keyword arguments for ``st.App`` (app.py)."""
    return {"routes": routes(), "middleware": middleware()}
