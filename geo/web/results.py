"""View results cached per data version (Streamlit edge): each computed once per question and shared.

The views in geo/views are pure and cheap to call again, but a rerun asks the same question many
times (every click, every page switch); the answer only changes when the data do. Results are
shared objects (``geo.web.memo.shared``: ``st.cache_resource`` at a dict look-up's price), read-only once
made, bounded in number.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from geo.i18n import field_for, t
from geo.model import indicators as ind
from geo.model.slides import Deck
from geo.views import briefing, county, programmes
from geo.views import overview as views
from geo.views.common import county_names as names_of
from geo.views.common import status_text
from geo.views.figures import KeyFigure
from geo.views.mapview import MapView
from geo.web import loaders
from geo.web.memo import shared


@shared(max_entries=8)
def _key_figures(label: str, version: int, lang: str) -> list[KeyFigure]:
    return views.key_figures(loaders.load_dataset(), lang)


def key_figures(lang: str) -> list[KeyFigure]:
    """The overview's city-wide figures, once per data version and language."""
    return _key_figures(*loaders.data_key(), lang)


@shared(max_entries=64)
def _overview(label: str, version: int, indicator_id: str, year: int | None, scheme: str, lang: str, context: bool):
    ctx = loaders.load_context() if context else None
    return views.overview(
        loaders.load_dataset(), loaders.load_counties(), indicator_id, year, scheme, lang, context=ctx
    )


def overview(indicator_id: str, year: int | None, scheme: str, lang: str) -> views.OverviewView:
    """The overview's view result (map as data, legend, tables) for one question, once per data version."""
    return _overview(*loaders.data_key(), indicator_id, year, scheme, lang, not loaders.load_context().empty)


@shared(max_entries=64)
def _overview_map(
    label: str,
    version: int,
    indicator_id: str,
    year: int | None,
    scheme: str,
    lang: str,
    overlays: views.Overlays,
    selection: tuple[str, ...],
) -> MapView:
    view = overview(indicator_id, year, scheme, lang)
    ds, counties = loaders.load_dataset(), loaders.load_counties()
    return views.with_overlays(ds, counties, view, overlays, lang=lang, selection=selection)


def overview_map(
    indicator_id: str, year: int | None, scheme: str, lang: str, overlays: views.Overlays, selection: Sequence[str]
) -> MapView:
    """The overview's MapView with its overlays and the selection outlined (geo.web.mapspecs.OverviewMap)."""
    return _overview_map(*loaders.data_key(), indicator_id, year, scheme, lang, overlays, tuple(selection))


@shared(max_entries=128)
def _slide(label: str, version: int, deck: tuple, index: int, lang: str, light: bool, _deck: Deck):
    ctx = loaders.load_context() if light else None
    ds, counties, sites = loaders.load_dataset(), loaders.load_counties(), loaders.load_sites()
    return briefing.slide_view(_deck, index, ds, counties, sites, lang, ctx)


def slide(deck: Deck, index: int, lang: str, light: bool) -> briefing.SlideView:
    """Slide ``index`` (0-based) as shown (figures, map as data), with the grey surroundings if ``light``."""
    return _slide(*loaders.data_key(), loaders.deck_key(), index, lang, light, deck)


# What the pages look up on every run although the answer changes only with the data version (and the
# question): the indicator picker's order, an indicator's years, county names, the county profile, the
# programmes view, the sources table. Each is a pure function of the data; shared, read-only results.


@shared(max_entries=4)
def _indicator_ids(label: str, version: int) -> list[str]:
    return ind.indicator_ids(loaders.load_dataset())


def indicator_ids() -> list[str]:
    """The indicator picker's ids in the catalogue's order."""
    return _indicator_ids(*loaders.data_key())


@shared(max_entries=256)
def _year_options(label: str, version: int, indicator_id: str) -> tuple[list[str], str]:
    return views.year_options(loaders.load_dataset(), indicator_id)


def year_options(indicator_id: str) -> tuple[list[str], str]:
    """The year control's choices for an indicator and the one shown first (views.year_options)."""
    return _year_options(*loaders.data_key(), indicator_id)


@shared(max_entries=8)
def _county_names(label: str, version: int, lang: str) -> pd.Series:
    return names_of(loaders.load_counties(), lang)


def county_names(lang: str) -> pd.Series:
    """County names by adcode in ``lang``."""
    return _county_names(*loaders.data_key(), lang)


@shared(max_entries=128)
def _county_profile(label: str, version: int, adcode: str, lang: str) -> county.CountyProfile:
    return county.county_profile(loaders.load_dataset(), loaders.load_counties(), adcode, lang)


def county_profile(adcode: str, lang: str) -> county.CountyProfile:
    """The county page's profile of one county (views.county.county_profile)."""
    return _county_profile(*loaders.data_key(), adcode, lang)


@shared(max_entries=128)
def _county_sites(label: str, version: int, adcode: str, lang: str) -> pd.DataFrame:
    return county.sites_table(loaders.load_sites(), loaders.load_dataset(), adcode, lang)


def county_sites(adcode: str, lang: str) -> pd.DataFrame:
    """The county page's table of programme sites in one county."""
    return _county_sites(*loaders.data_key(), adcode, lang)


@shared(max_entries=4)
def _richest_county(label: str, version: int) -> str:
    counties = loaders.load_counties()
    return county.richest_county(loaders.load_dataset(), counties["adcode"].tolist())


def richest_county() -> str:
    """The county the county page opens on when nothing is selected."""
    return _richest_county(*loaders.data_key())


@shared(max_entries=64)
def _programmes(label: str, version: int, question: tuple) -> programmes.ProgrammesView:
    chosen, selection, indicator_id, year, lang = question
    ds, counties, sites = loaders.load_dataset(), loaders.load_counties(), loaders.load_sites()
    return programmes.programmes_view(ds, counties, sites, list(chosen), list(selection), indicator_id, year, lang)


def programmes_view(
    chosen: Sequence[str], selection: Sequence[str], indicator_id: str | None, year: int | None, lang: str
) -> programmes.ProgrammesView:
    """The programmes page's view for one choice of programmes, counties, indicator, year and language."""
    return _programmes(*loaders.data_key(), (tuple(chosen), tuple(selection), indicator_id, year, lang))


@shared(max_entries=4)
def _values_table(label: str, version: int, lang: str) -> pd.DataFrame:
    counties = loaders.load_counties()
    names = {code: names_of(counties, code).to_dict() for code in ("zh", "en")}
    return ind.values_table(loaders.load_dataset(), names["zh"], names["en"], lang)


def values_table(lang: str) -> pd.DataFrame:
    """Every value with its indicator, place and source (the sources page)."""
    return _values_table(*loaders.data_key(), lang)


@shared(max_entries=64)
def _sources_table(label: str, version: int, question: tuple) -> tuple[pd.DataFrame, pd.Series]:
    lang, chosen, where, grades, marked_only = question
    ds = loaders.load_dataset()
    prog_names = dict(zip(ds.programmes["programme_id"], ds.programmes[field_for("name", lang)]))
    table = values_table(lang)
    if chosen:
        table = table[table["programme"].isin(chosen)]
    if where:
        table = table[table["adcode"].isin(where)]
    if grades:
        table = table[table["grade"].isin(grades)]
    if marked_only:
        table = table[table["mark"] != ""]
    table = table.assign(
        programme=table["programme"].map(prog_names), status=table["status"].map(lambda s: status_text(s, lang))
    )
    headers = {
        "indicator": t("indicator", lang), "programme": t("programme", lang), "place": t("county", lang),
        "year": t("year", lang), "value": t("value", lang), "unit": t("unit", lang), "status": t("status", lang),
        "grade": t("grade", lang), "mark": t("mark", lang), "source": t("source", lang),
        "publisher": t("publisher", lang), "locator": t("locator", lang), "url": t("link", lang),
        "unreviewed_host": t("unreviewed_host", lang), "note": t("note", lang),
    }  # fmt: skip
    for column in ("mark", "unreviewed_host"):  # said only where there is something to say
        if not table[column].any():
            headers.pop(column)
    shown = table[list(headers)].rename(columns=headers).reset_index(drop=True)
    return shown, table["adcode"].reset_index(drop=True)


def sources_table(
    lang: str, chosen: Sequence[str], where: Sequence[str], grades: Sequence[str], marked_only: bool
) -> tuple[pd.DataFrame, pd.Series]:
    """The sources page's table for its filters, with its column names in ``lang``, and each row's adcode."""
    question = (lang, tuple(chosen), tuple(where), tuple(grades), bool(marked_only))
    return _sources_table(*loaders.data_key(), question)


@shared(max_entries=4)
def _quick_choices(label: str, version: int) -> dict[str, list[str]]:
    return programmes.quick_choices(loaders.load_dataset())


def quick_choices() -> dict[str, list[str]]:
    """The programmes page's one-click county sets (views.programmes.quick_choices)."""
    return _quick_choices(*loaders.data_key())


@shared(max_entries=64)
def _map_indicators(label: str, version: int, chosen: tuple[str, ...]) -> tuple[list[str], str | None]:
    ds = loaders.load_dataset()
    ids = programmes.map_indicators(ds, list(chosen))
    return ids, programmes.default_map_indicator(ds, ids)


def map_indicators(chosen: Sequence[str]) -> tuple[list[str], str | None]:
    """The county indicators the programmes page can map for a choice of programmes, and the one it maps first."""
    return _map_indicators(*loaders.data_key(), tuple(chosen))


@shared(max_entries=256)
def _county_years(label: str, version: int, indicator_id: str) -> list[int]:
    return ind.years(loaders.load_dataset(), indicator_id, "county")


def county_years(indicator_id: str) -> list[int]:
    """The years with county figures of an indicator."""
    return _county_years(*loaders.data_key(), indicator_id)
