"""Widgets several pages draw the same way: sourced figure cards, text from the data, picks that select counties.

Everything here that shows text from the data or a link goes through ``md_literal``:
Streamlit renders Markdown in labels, values, help and st.markdown, and a name or note
must show as the characters it is.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar

import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from geo.i18n import colon, md_literal, t
from geo.model import qr, themes
from geo.model.indicators import grade_text
from geo.model.indicators import source_label as ind_source_label
from geo.render import charts
from geo.web import loaders
from geo.web import session_keys as K
from geo.web.memo import shared
from geo.web.params import clicked_county, fresh
from geo.web.urlstate import selected_counties, set_selection

T = TypeVar("T")

TABLE_ROW_PX = 36  # one row of st.dataframe (the header row too)
TABLE_MAX_PX = 360  # a taller table scrolls inside itself
BAR_PX = 34  # one bar of a ranking chart


def table_height(rows: int, most: int = TABLE_MAX_PX) -> int:
    """The height that shows a table's rows and header without a scroll bar, up to ``most`` pixels."""
    return min(TABLE_ROW_PX * (rows + 1) + 4, most)


def chart_height(bars: int, least: int, axis: int = 0) -> int:
    """A ranking chart's height: ``BAR_PX`` per bar and ``axis`` pixels for the axis, at least ``least``."""
    return max(least, BAR_PX * bars + axis)


def in_columns(items: Sequence[T], per_row: int) -> Iterator[tuple[st.delta_generator.DeltaGenerator, T]]:
    """Each item with the column it goes in, ``per_row`` columns to a row."""
    for row in range(0, len(items), per_row):
        yield from zip(st.columns(per_row), items[row : row + per_row])


def figure(where, label: str, value: str, source: str, lang: str, note: str | None = None, fig=None) -> None:
    """A sourced key figure as a bordered card; the source (with its grade) is in its help. ``fig`` (a
    KeyFigure) adds its source's grade under the value, or the mark of a weak or disputed figure, in red,
    with both figures and sources in the help."""
    grade = grade_text(fig.grade, lang) if fig is not None else ""
    mark = fig.mark if fig is not None else ""
    under = " · ".join(x for x in (note, f"⚠ {mark}" if mark else grade) if x)
    help_text = f"{t('source', lang)}{colon(lang)}{md_literal(source)}"
    if mark:
        help_text += f"\n\n⚠ {md_literal(fig.mark_detail)}"
    where.metric(
        md_literal(label),
        md_literal(value),
        delta=md_literal(under) if under else None,
        delta_color="inverse" if mark else "off",
        delta_arrow="off",
        border=True,
        help=help_text,
    )


_ARROW: dict[tuple[int, str], tuple[weakref.ref, object]] = {}
_ARROW_LOCK = threading.Lock()


def arrow(frame: pd.DataFrame, tag: str = "", derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None):
    """What ``st.dataframe`` is given for a shared frame (a cached view's, read-only): its Arrow table, made
    once per frame (and ``tag``, naming ``derive``, the frame's shown form). Streamlit turns a pandas frame
    into the same Arrow table on every call (0.3-1 ms each); a table it only writes out (tens of µs), the
    same bytes, so the browser shows the same table. Forgotten with the frame."""
    key = (id(frame), tag)
    with _ARROW_LOCK:
        hit = _ARROW.get(key)
    if hit is not None and hit[0]() is frame:
        return hit[1]
    table = dataframe_util.convert_pandas_df_to_arrow_table(derive(frame) if derive else frame)

    def forget(_ref, key=key) -> None:
        with _ARROW_LOCK:
            if _ARROW.get(key, (None,))[0] is _ref:
                del _ARROW[key]

    with _ARROW_LOCK:
        _ARROW[key] = (weakref.ref(frame, forget), table)
    return table


def qr_corner(url: str, lang: str) -> None:
    """A small QR code of ``url`` (the briefing's style sheet sizes it), dark on white in both themes, with a
    line saying what it opens."""
    # st.image, not st.html: st.html's sanitiser drops inline SVG.
    with st.container(key=K.QR_CORNER):
        st.image(qr.svg(url), caption=t("qr_caption", lang), width="stretch")


def source_entry(row: Mapping[str, object], lang: str) -> str:
    """One source as a Markdown list item: outlet (a reprint named as one), title, date, grade, and its link.

    The URL is a link only when its host belongs to a reviewed outlet (geo.model.outlets); any
    other URL is written out as text with its host named, and is never a link.
    """
    grade_free = ind_source_label({**row, "grade": ""}, lang)
    date = str(row.get("date") or "")
    grade = grade_text(row.get("grade"), lang)
    parts = [md_literal(grade_free)] + [md_literal(x) for x in (date, grade) if x]
    link, host = str(row.get("link") or ""), str(row.get("unreviewed") or "")
    if link:
        # The URL is one a reviewer has listed: written as a Markdown link, its characters escaped.
        safe = link.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        parts.append(f"[{md_literal(str(row.get('host') or link))}]({safe})")
    elif host:
        parts.append(md_literal(f"{t('unreviewed_host', lang)}{colon(lang)}{host}"))
    note = str(row.get("note") or "")
    return " · ".join(parts) + (f"  \n  {md_literal(note)}" if note else "")


@shared(max_entries=32)
def _source_list(label: str, version: int, grades: tuple[str, ...], lang: str) -> tuple[int, str]:
    sources = loaders.load_dataset().sources
    src = sources if not grades else sources[sources["grade"].isin(grades)]
    return len(src), "\n".join(f"- {source_entry(row, lang)}" for row in src.to_dict("records"))


def source_list(grades: Sequence[str], lang: str) -> str:
    """The sources (of these grades; all when none) as a Markdown list of ``source_entry`` lines."""
    return _source_list(*loaders.data_key(), tuple(grades), lang)[1]


def source_count(grades: Sequence[str]) -> int:
    """How many sources ``source_list`` lists."""
    return _source_list(*loaders.data_key(), tuple(grades), "zh")[0]


def text(body: object, where=st, bold: bool = False, heading: int = 0) -> None:
    """Text from the data or a link, as Markdown that shows it literally (optionally bold or as a heading)."""
    shown = md_literal(body)
    if bold:
        shown = f"**{shown}**"
    where.markdown(f"{'#' * heading} {shown}" if heading else shown)


def section(key: str, title: str, help: str | None = None) -> None:
    """A section heading one level below the page title (h2), drawn at the size of st.subheader.

    ``key`` names the section in its anchor (``#section-<key>``), which the frame's style sheet sizes.
    """
    st.header(md_literal(title), anchor=f"{themes.SECTION_ANCHOR}{key}", help=help)


def follow(last: K.Key[list[str] | None], picked: list[str]) -> None:
    """A new pick in a table or chart (``last``: the pick last taken) becomes the app-wide selection."""
    if fresh(picked, last.get()):
        last.set(picked)
        if picked and picked != selected_counties():
            set_selection(picked)
            st.rerun()


def take_map_click(map_key: K.Key[dict | None]) -> None:
    """A click on a county of map ``map_key`` selects it before the rerun starts: one run, not two, until it shows."""
    adcode, last = clicked_county(map_key.get(), K.LAST_CLICK.get())
    K.LAST_CLICK.set(last)
    if adcode:
        set_selection([adcode])


def view_notes(view, selection: list[str], names: Mapping[str, str], lang: str) -> None:
    """Beside the overview's map: what the indicator is, the city figure, coverage, the selected counties' values."""
    st.caption(md_literal(view.indicator.description(lang)))
    if view.mode == "city":
        st.info(t("city_only_info", lang), icon=":material/info:")
    if view.city_text:
        st.markdown(f"**{md_literal(view.city_text)}**")
    st.markdown(md_literal(view.coverage_text))
    for adcode in selection:
        st.markdown(f"#### {md_literal(t('selected_county', lang) + colon(lang) + names[adcode])}")
        for k, v in view.county_info.get(adcode, [(t("value", lang), t("no_value_for_county", lang))]):
            st.markdown(f"- **{md_literal(k)}**{colon(lang)}{md_literal(v)}")


def ranking(view, selection: list[str], lang: str) -> None:
    """The overview's counties ranked (chart and table, numeric) or by category; a pick selects the county."""
    if view.table.empty:
        st.caption(t("ranking_empty", lang))
        return
    numeric = view.indicator.kind == "numeric"
    st.markdown(f"#### {t('ranking_title' if numeric else 'categories_title', lang)}")
    chart_col, table_col = st.columns([2, 3]) if numeric else (None, st.container())
    in_table = view.table["adcode"].tolist()
    if chart_col is not None:
        with chart_col:
            numbers = view.table["number"].astype(float).tolist()
            spec = charts.ranking_spec(
                view.table[t("county", lang)].tolist(), numbers, in_table, selection, view.indicator.unit_for(lang)
            )
            state = st.echarts_chart(spec, key=K.RANK_CHART, on_select="rerun", height=chart_height(len(numbers), 160))
            follow(K.RANK_CHART_PICK, charts.picked(state, in_table))
    with table_col:

        def shown_table(frame: pd.DataFrame) -> pd.DataFrame:
            table = frame.drop(columns=["adcode", "number", "grade"])
            mark = table["mark"].any()
            return table.rename(columns={"mark": t("mark", lang)}) if mark else table.drop(columns="mark")

        marked = view.table["adcode"].isin(selection).any()
        # The selected counties' rows marked (a Styler, made per run); without a selection the shared table.
        shown = (
            charts.highlight_rows(shown_table(view.table), view.table["adcode"], selection)
            if marked
            else arrow(view.table, f"ranking-{lang}", shown_table)
        )
        event = st.dataframe(
            shown, hide_index=True, width="stretch", key=K.RANK_TABLE, on_select="rerun", selection_mode="single-row"
        )
        follow(K.RANK_TABLE_PICK, [in_table[i] for i in event.selection.rows])
