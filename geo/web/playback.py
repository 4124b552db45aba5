"""Playing through the years: a year widget that steps by itself, one year per run, until the last.

The state machine lives in the session: ``PLAYING`` (on or off) and ``PLAY_NEXT`` (the year
the next run shows), both in geo.web.session_keys. Each run draws its year; at the end of the
page ``advance`` leaves a timer (a fragment the browser reruns after ``PLAY_SECONDS``) whose
rerun moves to the next year, or stops after the last. The script thread does not wait: a
press of Stop is answered at once (bench/NOTES.md, "Playback without a sleep").
"""

from __future__ import annotations

import streamlit as st

from geo.i18n import t
from geo.web import frame
from geo.web import session_keys as K
from geo.web.params import next_step

PLAY_SECONDS = 1.8


def take_step(key: K.Key[str], options: list[str]) -> None:
    """Before the year widget ``key`` is drawn: show the year the playback moved to."""
    if K.PLAY_NEXT.get() in options:
        key.set(K.PLAY_NEXT.pop())


def button(steps: list[str], lang: str) -> None:
    """A play/stop button, when there are at least two years to step through."""
    if len(steps) < 2:
        return
    playing = K.PLAYING.get()
    if st.button(
        t("stop" if playing else "play", lang), icon=":material/stop:" if playing else ":material/play_arrow:"
    ):
        K.PLAYING.set(not playing)
        if not playing:
            K.PLAY_NEXT.set(steps[0])
        st.rerun()


def advance(steps: list[str], current: str) -> None:
    """At the end of the page: after ``PLAY_SECONDS``, the next year; after the last one, stop."""
    if not K.PLAYING.get():
        return
    following = next_step(steps, current)
    if following is None or len(steps) < 2:
        K.PLAYING.set(False)
        st.rerun()  # the button, drawn above as Stop, shows Play again
    elif frame.in_browser():
        _step_later(following)
    else:  # no browser, no timer (AppTest, scripts): the next year at once
        K.PLAY_NEXT.set(following)
        st.rerun()


def _step_later(following: str) -> None:
    calls: list[int] = []

    @st.fragment(run_every=PLAY_SECONDS)
    def timer() -> None:
        calls.append(1)
        # A timed rerun, not the script's own call; and still playing (a Stop pressed as the timer fired
        # reruns the page first, and the browser drops the timer with that run).
        if len(calls) > 1 and K.PLAYING.get():
            K.PLAY_NEXT.set(following)
            st.rerun()

    timer()
