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

from geo.state import parse_county_list, resolve


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


SELECTION_KEY = "county"


def seed_selection(valid: Collection[str]) -> list[str]:
    """Load the app-wide county selection from ``county=a,b`` once per session (or when the link changes).

    Returns the rejected parts of the link. The selection itself lives in
    ``st.session_state["county"]`` as a list of adcodes, shared by every page.
    """
    raw = st.query_params.get(SELECTION_KEY)
    good, bad = parse_county_list(raw, valid)
    marker = f"_url_{SELECTION_KEY}"
    if SELECTION_KEY not in st.session_state or (raw and st.session_state.get(marker) != raw):
        st.session_state[SELECTION_KEY] = good
        st.session_state[marker] = raw
    return bad


def selected_counties() -> list[str]:
    return list(st.session_state.get(SELECTION_KEY) or [])


def set_selection(adcodes: list[str]) -> None:
    """Select these counties everywhere in the app and in the URL."""
    st.session_state[SELECTION_KEY] = list(adcodes)
    write_to_url(SELECTION_KEY, ",".join(adcodes) or None)


def seed_list_from_url(key: str, valid: Collection[str]) -> list[str]:
    """Like seed_from_url for a multi-select: ``key=a,b`` (stable ids) into ``st.session_state[key]``.

    Returns the rejected parts of the link; the session value wins once set, so a
    widget with ``persist_state="session"`` keeps the user's choice across pages.
    """
    raw = st.query_params.get(key)
    good, bad = parse_county_list(raw, valid)
    marker = f"_url_{key}"
    if key not in st.session_state or (raw and st.session_state.get(marker) != raw):
        st.session_state[key] = good
        st.session_state[marker] = raw
    elif any(v not in valid for v in st.session_state[key] or []):
        st.session_state[key] = [v for v in st.session_state[key] if v in valid]
    return bad


def seed_flag(key: str, default: bool) -> str | None:
    """A yes/no view option in the URL as ``key=1``/``key=0``, for a toggle whose key is ``flag_<key>``."""
    raw = st.query_params.get(key)
    resolved = resolve(raw, ["0", "1"], "1" if default else "0")
    widget, marker = f"flag_{key}", f"_url_{key}"
    if widget not in st.session_state or (raw and not resolved.rejected and st.session_state.get(marker) != raw):
        st.session_state[widget] = resolved.value == "1"
        st.session_state[marker] = raw
    return resolved.rejected


def write_flag(key: str, value: bool, default: bool) -> None:
    write_to_url(key, "1" if value else "0", "1" if default else "0")
