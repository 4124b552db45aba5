"""View results cached per data version (Streamlit edge): each computed once per question and shared.

The views in geo/views are pure and cheap to call again, but a rerun asks the same question many
times (every click, every page switch); the answer only changes when the data do. Results are
shared objects (``st.cache_resource``), read-only once made, bounded in number.
"""

from __future__ import annotations

import streamlit as st

from geo.model.slides import Deck
from geo.views import briefing
from geo.views import overview as views
from geo.views.figures import KeyFigure
from geo.web import loaders


@st.cache_resource(show_spinner=False, max_entries=8)
def _key_figures(label: str, version: int, lang: str) -> list[KeyFigure]:
    return views.key_figures(loaders.load_dataset(), lang)


def key_figures(lang: str) -> list[KeyFigure]:
    """The overview's city-wide figures, once per data version and language."""
    return _key_figures(*loaders.data_key(), lang)


@st.cache_resource(show_spinner=False, max_entries=64)
def _overview(label: str, version: int, indicator_id: str, year: int | None, scheme: str, lang: str, context: bool):
    ctx = loaders.load_context() if context else None
    return views.overview(
        loaders.load_dataset(), loaders.load_counties(), indicator_id, year, scheme, lang, context=ctx
    )


def overview(indicator_id: str, year: int | None, scheme: str, lang: str) -> views.OverviewView:
    """The overview's view result (map as data, legend, tables) for one question, once per data version."""
    return _overview(*loaders.data_key(), indicator_id, year, scheme, lang, not loaders.load_context().empty)


@st.cache_resource(show_spinner=False, max_entries=64)
def _overview_map(label: str, version: int, question: tuple):
    indicator_id, year, scheme, lang, flags, selection = question
    f = dict(flags)
    return views.with_overlays(
        loaders.load_dataset(), loaders.load_counties(), overview(indicator_id, year, scheme, lang),
        f["labels"], f["values"], f["poor"], lang, f["yt"], list(selection),
    )  # fmt: skip


def overview_map(question: tuple):
    """The overview's MapView with its overlays for ``(indicator, year, scheme, lang, flags, selection)``."""
    return _overview_map(*loaders.data_key(), question)


@st.cache_resource(show_spinner=False, max_entries=128)
def _slide(label: str, version: int, deck: tuple, index: int, lang: str, light: bool, _deck: Deck):
    ctx = loaders.load_context() if light else None
    ds, counties, sites = loaders.load_dataset(), loaders.load_counties(), loaders.load_sites()
    return briefing.slide_view(_deck, index, ds, counties, sites, lang, ctx)


def slide(deck: Deck, index: int, lang: str, light: bool) -> briefing.SlideView:
    """Slide ``index`` (0-based) as shown (figures, map as data), with the grey surroundings if ``light``."""
    return _slide(*loaders.data_key(), loaders.deck_key(), index, lang, light, deck)
