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

from geo import internals
from geo.i18n import DEFAULT_LANG, STRINGS, md_literal, t, visible
from geo.web import session_keys as K
from geo.web.params import parse_county_list, resolve


def current_lang() -> str:
    """The language app.py's switch chose for this run (the switch is drawn before any page runs)."""
    return K.LANG.get() or DEFAULT_LANG


def notify(param: str, value: str | None) -> None:
    """Say that the link asked for something that does not exist; the link's text is shown as text.

    ``param`` is a UI string key naming the parameter (or the parameter itself when there is none).
    The value is shown as ``visible`` makes it: cut when long (with its length), and bidi, zero-width and
    control characters as ``<U+202E>``, so none of them turns or hides the sentence around it.
    """
    if not value:
        return
    lang = current_lang()
    label = t(param, lang) if param in STRINGS else visible(param, lang=lang)
    shown = md_literal(visible(value, lang=lang))
    st.warning(t("unknown_param", lang, param=md_literal(label), value=shown), icon=":material/link_off:")


def seed_from_url(key: K.Key[str], valid: Collection[str], default: str, label: str | None = None) -> str | None:
    """Put the URL's value for ``key`` (or the default) into the session before the widget is drawn.

    A rejected URL value (the link asked for something that does not exist) is reported here,
    under ``label`` (a UI string key; the parameter's own name by default), and returned.
    The session value wins once set, so page switches keep the user's choice.
    """
    rejected = seed_quietly(key, valid, default)
    notify(label or key.name, rejected)
    return rejected


def seed_quietly(key: K.Key, valid: Collection[str], default: str) -> str | None:
    """seed_from_url without the notice: for the caller that must say it later (the language switch)."""
    resolved = resolve(st.query_params.get(key.name), valid, default)
    _seed(key.name, key, resolved.value, lambda v: v in valid, default, accept=not resolved.rejected)
    return resolved.rejected


def _seed(url_key: str, session_key: K.Key, value: object, still_valid, fallback: object, accept: bool = True) -> None:
    """Take the URL's value into the session once per session, or again when the link itself changed.

    Otherwise the session value stands (it survives page switches, which drop the URL's
    parameters), unless it is no longer valid (options depend on other choices).
    """
    raw = st.query_params.get(url_key)
    marker = K.url_marker(url_key)
    if not session_key.is_set() or (raw and accept and marker.get() != raw):
        session_key.set(value)
        marker.set(raw)
    elif not still_valid(session_key.value()):
        session_key.set(fallback)


def mirror(values: dict[K.Key, object]) -> None:
    """Widgets that hold a typed copy of a URL string (an int page number, a bool toggle) take its value.

    The URL keeps stable strings; a widget's own state would otherwise lag one change behind.
    """
    for key, value in values.items():
        if key.get() != value:
            key.set(value)


def write_to_url(key: str, value: str | None, default: str | None = None) -> None:
    """Mirror a widget's value into the URL parameter ``key``; the default is left out to keep links short."""
    param = str(key)  # a session key (session_keys.Key) names its parameter
    if value is None or value == default:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = value
    K.url_marker(param).set(st.query_params.get(param))


def ensure_router() -> None:
    """Run the page through app.py even when it is the server's first request.

    Streamlit sees the ``pages/`` folder and, until some run calls ``st.navigation``,
    runs a deep-linked page (``/sources``) on its own, without app.py's frame and
    language switch. Turning that mode off and rerunning sends the request through
    app.py; afterwards this is a no-op.
    """
    from streamlit.runtime.pages_manager import PagesManager

    # Once per session: AppTest sets the flag again before every run, and a rerun on every
    # run would drop each button click and form submission before the page sees it.
    if internals.uses_pages_directory(PagesManager) and not K.ROUTER_RERUN.get():
        internals.set_uses_pages_directory(PagesManager, False)
        K.ROUTER_RERUN.set(True)
        st.rerun()


def sync_selection(valid: Collection[str]) -> None:
    """Load the app-wide county selection from ``county=a,b`` once per session (or when the link changes).

    The rejected parts of the link are reported. The selection itself lives in the session
    (``session_keys.SELECTION``) as a list of adcodes, shared by every page; it is put back
    into the URL when a page switch dropped it, so the address bar always holds the view.
    """
    param = K.SELECTION.name  # the parameter is named as the key
    good, bad = parse_county_list(st.query_params.get(param), valid)
    _seed(param, K.SELECTION, good, lambda v: all(a in valid for a in v or []), [])
    notify(param, ",".join(bad))
    joined = ",".join(selected_counties()) or None
    if st.query_params.get(param) != joined:
        write_to_url(param, joined)


def selected_counties() -> list[str]:
    return list(K.SELECTION.get() or [])


def set_selection(adcodes: list[str]) -> None:
    """Select these counties everywhere in the app and in the URL."""
    K.SELECTION.set(list(adcodes))
    write_to_url(K.SELECTION, ",".join(adcodes) or None)


def seed_list_from_url(key: K.Key[list[str]], valid: Collection[str]) -> list[str]:
    """Like seed_from_url for a multi-select: ``key=a,b`` (stable ids) into the session under ``key``.

    Reports and returns the rejected parts of the link; the session value wins once set, so a
    widget with ``persist_state="session"`` keeps the user's choice across pages.
    """
    good, bad = parse_county_list(st.query_params.get(key.name), valid)
    _seed(key.name, key, good, lambda v: all(x in valid for x in v or []), [])
    notify(key.name, ",".join(bad))
    return bad


def seed_flag(key: str, default: bool) -> str | None:
    """A yes/no view option in the URL as ``key=1``/``key=0``, for the toggle ``session_keys.flag(key)``."""
    resolved = resolve(st.query_params.get(key), ["0", "1"], "1" if default else "0")
    _seed(key, K.flag(key), resolved.value == "1", lambda v: isinstance(v, bool), default, accept=not resolved.rejected)
    notify(key, resolved.rejected)
    return resolved.rejected


def write_flag(key: str, value: bool, default: bool) -> None:
    write_to_url(key, "1" if value else "0", "1" if default else "0")
