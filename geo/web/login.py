"""Administrator login in the app: the Streamlit glue of geo/store/auth.py.

One LoginGuard per server process counts attempts per client address (st.context.ip_address,
the TCP peer; uvicorn replaces it with the X-Forwarded-For client only when the peer is a
proxy it trusts, FORWARDED_ALLOW_IPS, default 127.0.0.1), so a browser session cannot start
its count afresh and a visitor elsewhere cannot lock the administrator out.
"""

from __future__ import annotations

import logging

import streamlit as st

from geo import settings
from geo.i18n import t
from geo.store import auth
from geo.web import session_keys as K

_log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def _guard() -> auth.LoginGuard:
    return auth.LoginGuard()


def admin_password_hash() -> str:
    """BAODING_ADMIN_PASSWORD_HASH from the environment, else from .streamlit/secrets.toml."""
    stored = settings.get("BAODING_ADMIN_PASSWORD_HASH")
    if not stored:
        try:
            stored = str(st.secrets.get("BAODING_ADMIN_PASSWORD_HASH") or "")
        except FileNotFoundError:  # no secrets.toml
            pass
    return stored


@st.cache_resource(show_spinner=False)
def _checked(stored: str) -> str:
    # Once per configured hash and process: the server log says why logins are refused and what to do.
    problem = auth.hash_problem(stored)
    if problem:
        _log.warning("administrator login refused: %s", problem)
    return problem


def hash_problem() -> str:
    """Why no administrator can log in with the configured hash ("" when they can); logged once."""
    return _checked(admin_password_hash())


def try_login(name: str, password: str) -> auth.LoginResult:
    stored = admin_password_hash()
    hash_problem()
    address = st.context.ip_address
    client = auth.client_key(address if isinstance(address, str) else None)  # AppTest gives a stand-in object
    result = auth.login(name, password, stored, _guard(), client)
    if result.admin is not None:
        K.ADMIN.set(result.admin)
    return result


def refusal(result: auth.LoginResult, lang: str) -> str:
    """Why a login was refused, for the page."""
    return t(f"login_{result.reason}", lang, s=round(result.wait_s))


def current_admin() -> auth.Admin | None:
    """The session's administrator token, or None for a visitor (an expired token is dropped)."""
    try:
        return auth.require(K.ADMIN.get())
    except PermissionError:
        K.ADMIN.pop()
        return None


def logout() -> None:
    K.ADMIN.pop()
