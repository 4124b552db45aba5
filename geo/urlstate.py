"""URL <-> session glue for widgets: the second (and last) module of geo/ that imports Streamlit.

Why not ``bind="query-params"``: in Streamlit 1.67 a bound selectbox writes its
*formatted label* to the URL (``?indicator=贫困县类型``), so links would change with the
language, and it drops invalid values silently. Here the URL carries stable ids
(``indicator=poor_county_type``, ``county=130624``, ``lang=en``) and a rejected value
is reported so the page can say so.
"""

from __future__ import annotations

from collections.abc import Collection

import streamlit as st

from geo.state import resolve


def seed_from_url(key: str, valid: Collection[str], default: str) -> str | None:
    """Put the URL's value for ``key`` (or the default) into the session before the widget is drawn.

    Returns the rejected URL value, if the link asked for something that does not exist.
    The session value wins once set, so page switches keep the user's choice.
    """
    raw = st.query_params.get(key)
    resolved = resolve(raw, valid, default)
    if key not in st.session_state or (raw and not resolved.rejected and st.session_state.get(f"_url_{key}") != raw):
        st.session_state[key] = resolved.value
        st.session_state[f"_url_{key}"] = raw
    elif st.session_state[key] not in valid:
        st.session_state[key] = default
    return resolved.rejected


def write_to_url(key: str, value: str | None, default: str | None = None) -> None:
    """Mirror a widget's value into the URL; the default is left out to keep links short."""
    if value is None or value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    st.session_state[f"_url_{key}"] = st.query_params.get(key)


def ensure_router() -> None:
    """Run the page through app.py even when it is the server's first request.

    Streamlit sees the ``pages/`` folder and, until some run calls ``st.navigation``,
    runs a deep-linked page (``/sources``) on its own, without app.py's frame and
    language switch. Turning that mode off and rerunning sends the request through
    app.py; afterwards this is a no-op.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
