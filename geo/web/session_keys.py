"""Every key the app keeps in ``st.session_state``, named once, with typed access.

A key is a ``str`` (so it can be given to a widget as ``key=``) that also reads and writes its own
value: ``PLAYING.get()`` is a ``bool``, ``SELECTION.set([...])``. Keys made from a value (a flag's
toggle, a URL parameter's marker, the data page's upload widget) come from the functions below.
Nowhere else in geo/, pages/ or app.py is ``st.session_state`` touched, or a session key or a widget key
written as a string: tests/test_session_keys.py scans the code for one.

Names are kept where they are seen outside the code: a view key's name is also its URL parameter
(``?indicator=…``) and its widget's key; the keys the briefing's style sheet selects
(``.st-key-…``) are named in geo.model.themes and taken from there.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

import streamlit as st

from geo.model import themes

T = TypeVar("T")


class Key(str, Generic[T]):
    """A session-state key: its name, and its value in this session (``default`` when unset)."""

    default: T

    def __new__(cls, name: str, default: Any = None) -> Key[T]:
        key = super().__new__(cls, name)
        key.default = default
        return key

    @property
    def name(self) -> str:
        return str.__str__(self)

    def get(self) -> T:
        return cast(T, st.session_state.get(self.name, self.default))

    def value(self) -> T:
        """The value, which must be set (a widget's, or one seeded from the link): KeyError otherwise."""
        return cast(T, st.session_state[self.name])

    def set(self, value: T) -> None:
        st.session_state[self.name] = value

    def setdefault(self, value: T) -> T:
        """The value, set to ``value`` first when unset."""
        return cast(T, st.session_state.setdefault(self.name, value))

    def pop(self) -> T:
        return cast(T, st.session_state.pop(self.name, self.default))

    def is_set(self) -> bool:
        return self.name in st.session_state


# The view: seeded from the link by geo.web.urlstate, held by the widget of the same key, written back
# to the link under the same name.
LANG: Key[str | None] = Key("lang")
SELECTION: Key[list[str] | None] = Key("county")  # the app-wide county selection, a list of adcodes
INDICATOR: Key[str] = Key("indicator")
YEAR: Key[str] = Key("year")
SCHEME: Key[str] = Key("scheme")
COMPARE: Key[str] = Key("compare")
SLIDE: Key[str] = Key("slide")
PRESENT: Key[str] = Key("present")  # "1" in the presenter view
THEME: Key[str] = Key("theme")
BASEMAP: Key[str] = Key("basemap")
PROGRAMME: Key[list[str]] = Key("programme")


def flag(name: str) -> Key[bool]:
    """The toggle of the overview's yes/no map option ``name`` (in the link as ``name=1``/``name=0``)."""
    return Key(f"flag_{name}")


def url_marker(param: str) -> Key[str | None]:
    """The link's value of ``param`` last taken into (or written from) the session: a changed link is taken again."""
    return Key(f"_url_{param}")


# Widgets whose value is not in the link.
COUNTY_PICK: Key[list[str]] = Key("county_pick")  # the programmes page's counties, a mirror of SELECTION
PROGRAMME_INDICATOR: Key[str | None] = Key("programme_indicator")
PROGRAMMES_CHART = Key("programmes_chart")
SLIDE_PAGE: Key[int] = Key(themes.SLIDE_PAGE_KEY)  # the briefing's page numbers, a mirror of SLIDE
PRESENT_ON: Key[bool] = Key("present_on")  # the presenter-view toggle, a mirror of PRESENT
PREV_SLIDE = Key(themes.PREV_SLIDE_KEY)
NEXT_SLIDE = Key(themes.NEXT_SLIDE_KEY)
SHOW_NOTES = Key("show_notes")
SHOW_QR = Key("show_qr")
BRIEFING_BAR = Key(themes.BRIEFING_BAR_KEY)  # containers: the style sheet selects them by key
SPEAKER_NOTES = Key("speaker_notes")
QR_CORNER = Key(themes.QR_CORNER_KEY)
DECK_NOTES_PAGES = Key("deck_notes_pages")
GRADE_FILTER = Key("grade_filter")
MARKED_ONLY = Key("marked_only")
RANK_CHART = Key("rank_chart")
RANK_TABLE = Key("rank_table")
LOGIN_FORM = Key("login")
LOGIN_NAME = Key("login_name")
LOGIN_PASSWORD = Key("login_password")
DIFF_FROM = Key("diff_from")
DIFF_TO = Key("diff_to")
ROLLBACK_TO = Key("rollback_to")
ROLLBACK_CONFIRM = Key("rollback_confirm")


def quick_pick(choice: str) -> Key[bool]:
    """The programmes page's button that selects one group of counties."""
    return Key(f"quick_{choice}")


def programme_year(indicator_id: str) -> Key[int]:
    """The programmes page's year of one map indicator (each indicator has its own years)."""
    return Key(f"programme_year_{indicator_id}")


def upload_widget(generation: int) -> Key[Any]:
    """The data page's file widget: a new one after each commit (UPLOADS), so the committed file is gone."""
    return Key(f"upload_{generation}")


# Maps (geo.web.mapelement): each holds what its map returned (a click, the painted report).
OVERVIEW_MAP: Key[dict | None] = Key("overview_map")
LOCATOR_MAP: Key[dict | None] = Key("locator_map")
PROGRAMMES_MAP: Key[dict | None] = Key("programmes_map")


def briefing_map(theme: str, lang: str) -> Key[dict | None]:
    """The briefing's map, one per theme and language: a switch of either is a new frame, not a restyle."""
    return Key(f"briefing_map_{theme}_{lang}")


# The app's own state.
PLAYING: Key[bool] = Key("playing", False)  # geo.web.playback: the years are being played through
PLAY_NEXT: Key[str | None] = Key("_play_next")  # the year the playback's next run shows
LAST_CLICK: Key[object] = Key("last_click")  # the overview map's click already taken (geo.web.params.clicked_county)
RANK_CHART_PICK: Key[list[str] | None] = Key("_rank_chart")  # the ranking's last pick taken (widgets.follow)
RANK_TABLE_PICK: Key[list[str] | None] = Key("_rank_table")
ADMIN: Key[Any] = Key("admin")  # the administrator's token (geo.store.auth.Admin), set by a login
IMPORT_KEY: Key[tuple | None] = Key("_import_key")  # (file, options) of the checked upload held in IMPORT
IMPORT: Key[Any] = Key("_import")  # that upload's geo.store.imports.ImportResult
UPLOADS: Key[int] = Key("_uploads", 0)  # commits so far: the generation of the upload widget
DATA_MESSAGE: Key[str | None] = Key("_data_message")  # what the last commit or rollback did, said once
DECK_PDF: Key[tuple | None] = Key("deck_pdf")  # (what it was made of, the file)
DECK_PPTX: Key[tuple | None] = Key("deck_pptx")
MAP_TITLES: Key[list[str]] = Key("_map_titles", ())  # geo.web.frame: the page's map frames' titles
ROUTER_RERUN: Key[bool] = Key("_router_rerun", False)  # geo.web.urlstate.ensure_router ran its one rerun
MAP_PAINTED: Key[bool] = Key("_map_painted", False)  # geo.web.mapelement: a map-first view has been painted
MAP_ALONE: Key[bool] = Key("_map_alone", False)  # geo.web.mapelement: this run's page drew its map alone
MAPS_SENT: Key[dict] = Key("_maps_sent")  # geo.web.mapelement: each map's last arguments sent
