"""Assemble the edge: the routes and middleware app.py hands to ``st.App``.

Order matters. Starlette runs the first middleware in the list first on a request (outermost), so
cheap refusals (budgets, paths) come before work (compression, page rewriting).
Each piece is a small module of its own; adding one is a line here.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from geo.server import firsthtml


def routes() -> list[BaseRoute]:
    """The app's own routes, matched before Streamlit's."""
    return [
        *firsthtml.routes(),  # each page's index.html: its language, title, description and the way to the light view
    ]


def middleware() -> list[Middleware]:
    """Middleware around Streamlit's own, outermost first."""
    return []


def options() -> dict[str, Any]:
    """Keyword arguments for ``st.App`` (app.py)."""
    return {"routes": routes(), "middleware": middleware()}
