"""Playing through the years: a year widget that steps by itself, one year per run, until the last.

The state machine lives in the session: ``playing`` (on or off) and ``_play_next`` (the year
the next run shows). Each run draws its year; at the end of the page ``advance`` waits a
moment and reruns with the next year, or stops after the last.
"""

from __future__ import annotations

import time

import streamlit as st

from geo.i18n import t
from geo.web.params import next_step

PLAY_SECONDS = 1.8
_NEXT = "_play_next"


def take_step(key: str, options: list[str]) -> None:
    """Before the year widget ``key`` is drawn: show the year the playback moved to."""
    if st.session_state.get(_NEXT) in options:
        st.session_state[key] = st.session_state.pop(_NEXT)


def button(steps: list[str], lang: str) -> None:
    """A play/stop button, when there are at least two years to step through."""
    if len(steps) < 2:
        return
    playing = st.session_state.get("playing", False)
    if st.button(
        t("stop" if playing else "play", lang), icon=":material/stop:" if playing else ":material/play_arrow:"
    ):
        st.session_state.playing = not playing
        if not playing:
            st.session_state[_NEXT] = steps[0]
        st.rerun()


def advance(steps: list[str], current: str) -> None:
    """At the end of the page: after a moment, the next year; after the last one, stop."""
    if not st.session_state.get("playing"):
        return
    following = next_step(steps, current)
    if following is None or len(steps) < 2:
        st.session_state.playing = False
    else:
        time.sleep(PLAY_SECONDS)
        st.session_state[_NEXT] = following
        st.rerun()
