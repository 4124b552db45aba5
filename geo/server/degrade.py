"""The way down from the interactive app to its light view: which link, and the one line that says why.

A browser that cannot run Streamlit's frontend (geo/server/firsthtml.py checks before the bundle
runs), or one with JavaScript off, is sent from the app's page ``/P?Q`` to the light view of the
same link, ``/light/P?Q&why=browser`` (or ``why=noscript``). The light view shows ``why_notice``
for that parameter and leaves ``why`` out of the links it offers (``without_why``).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

from geo.i18n import t

# The app's pages by url_path (app.py's st.navigation; a test keeps the two in step). "" is the overview.
PAGES: tuple[str, ...] = ("overview", "county", "programmes", "briefing", "sources", "data")
DEFAULT_PAGE = "overview"
WHY_PARAM = "why"
WHY: tuple[str, ...] = ("browser", "noscript")


def light_href(page: str, query_string: str, why: str | None = None) -> str:
    """The light view of an app link, relative to the app's root (``light/overview?lang=en&why=noscript``).

    Relative, like Streamlit's own asset links, so it holds under a base URL path. The query is
    parsed and encoded again: what reaches an HTML attribute or a header is always well formed.
    """
    pairs = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=True) if k != WHY_PARAM]
    if why:
        pairs.append((WHY_PARAM, why))
    query = urlencode(pairs)
    return f"light/{page or DEFAULT_PAGE}" + (f"?{query}" if query else "")


def why_notice(query: Mapping[str, str], lang: str) -> str | None:
    """The line the light view shows when the app sent the reader there, in the page's language; else None."""
    why = query.get(WHY_PARAM)
    return t(f"light_why_{why}", lang) if why in WHY else None


def without_why(query: Mapping[str, str]) -> dict[str, str]:
    """The link's parameters without ``why``: for the light view's own links (back to the app, language)."""
    return {k: v for k, v in query.items() if k != WHY_PARAM}
