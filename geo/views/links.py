"""Where a view lives: the app's page and its light view (a plain HTML page, geo/server/light.py).

The light view of app page P with query Q is ``/light/P?Q`` (``/light`` and ``/light/`` are the
overview); it takes exactly the app's own query parameters. Pure string work, so the Streamlit edge
(the copy-link popover, the presenter's QR code), the exports (a QR code on each slide) and the
server agree on one address.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

# The app's pages by url_path (app.py's st.Page list), the overview first: it is the default page.
PAGES: tuple[str, ...] = ("overview", "county", "programmes", "briefing", "sources", "data")
DEFAULT_PAGE = "overview"
LIGHT = "light"


def query(params: Mapping[str, object]) -> str:
    """``a=1&b=x,y`` in a stable order, empty values left out (commas kept readable)."""
    return urlencode(sorted((k, str(v)) for k, v in params.items() if v not in (None, "")), safe=",")


def with_query(url: str, params: Mapping[str, object]) -> str:
    q = query(params)
    return f"{url}?{q}" if q else url


def light_url(page_url: str, params: Mapping[str, object]) -> str:
    """The light view of an app page's URL (``http://host/base/county`` -> ``http://host/base/light/county?…``).

    The page is the URL's last path segment; an empty one (the app's root) is the overview.
    """
    parts = urlsplit(page_url)
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")
    if last in PAGES:
        path = f"{head}/{LIGHT}/{last}"
    else:  # the root (or a base path): the default page
        path = f"{path}/{LIGHT}/{DEFAULT_PAGE}"
    return with_query(urlunsplit((parts.scheme, parts.netloc, path, "", "")), params)


def public_light_url(base: str, page: str, params: Mapping[str, object]) -> str:
    """The light view of ``page`` at the address people reach the server by (BAODING_PUBLIC_URL)."""
    if page not in PAGES:
        raise KeyError(f"unknown page {page!r}; valid: {', '.join(PAGES)}")
    return with_query(f"{base.rstrip('/')}/{LIGHT}/{page}", params)


def slide_params(number: int, lang: str, default_lang: str = "zh") -> dict[str, str]:
    """What a slide's light link carries: its number and the language (the phone picks its own colours)."""
    return {"slide": str(number), **({"lang": lang} if lang != default_lang else {})}
