"""Assemble the edge: the routes and middleware app.py hands to ``st.App``.

Order matters. Starlette runs the first middleware in the list first on a request (outermost), so
cheap refusals (budgets, paths) come before work (compression, page rewriting).
Each piece is a small module of its own; adding one is a line here.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from geo import settings
from geo.server import (
    budgets,
    compress,
    descriptors,
    firsthtml,
    firstview,
    geomroute,
    iconfont,
    light,
    logs,
    paths,
    uploads,
)

_LOG = logging.getLogger(__name__)

# The server may hold as many sessions as its descriptor table allows: raise the soft limit first.
descriptors.raise_soft_limit()


def routes() -> list[BaseRoute]:
    """The app's own routes, matched before Streamlit's."""
    return [
        *firsthtml.routes(),  # each page's index.html: its language, title, description and the way to the light view
        *light.routes(),  # /light/P?Q: app page P as a plain HTML page (phones, no JavaScript)
        *geomroute.routes(),  # /_bd/geom/<sha>.js: the boundary set's rings, which the live maps name
    ]


def middleware() -> list[Middleware]:
    """Middleware around Streamlit's own, outermost first."""
    return [
        Middleware(logs.LogGuard),  # repeated warnings once a minute, with a count
        Middleware(paths.PathGuard),  # unpublished metrics and over-long paths: 404
        Middleware(budgets.WebsocketBudget),  # sessions per address, reruns and messages per session
        Middleware(uploads.UploadGate),  # uploads only from administrators on the data page
        Middleware(iconfont.IconFont),  # Streamlit's icon font cut to the icons the app can show, same URL
        Middleware(compress.CompressedStatic),  # /static, /app/static, /component: compressed once (br, gzip)
        Middleware(firsthtml.FrameIndex),  # the map frame's index.html, naming the files its loader will ask for
    ]


def check_settings() -> None:
    """Refuse to start on an invalid setting (named); warn about unknown ``BAODING_*`` variables."""
    errors, warnings = settings.check()
    for line in warnings:
        _LOG.warning("%s", line)
    if errors:
        raise SystemExit("invalid settings, not starting:\n  " + "\n  ".join(errors))


def options() -> dict[str, Any]:
    """Keyword arguments for ``st.App`` (app.py); the settings are checked first."""
    check_settings()
    firstview.install()  # a new session's first view from an earlier run of the same page and link
    return {"routes": routes(), "middleware": middleware()}
