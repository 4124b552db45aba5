"""What every view says the same way: county names, a status in words, and one figure's text.

A stored figure (one row of values.csv with its source) is put into words once, as a ``FigureText``
(``figure_text``), and every surface formats it from there: the map's tooltip rows, a label's
second line, a slide's callout, a key figure, a row of the CSV/XLSX download. So the screen and the
paper cannot drift apart, and no text is taken from another surface's output by position.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geo.i18n import field_for, format_value, paren, t
from geo.model import indicators as ind
from geo.model.slides import FigureRef
from geo.views.figures import KeyFigure
from geo.views.mapview import Rows

YEAR_UNIT = "年"  # an indicator whose value is a year (a target year): a year is not a quantity


def county_names(counties: gpd.GeoDataFrame, lang: str) -> pd.Series:
    """adcode -> the county's name in ``lang``."""
    col = field_for("name", lang)
    return counties.set_index("adcode")[col]


def status_text(status: str, lang: str) -> str:
    """ "reported"/"target"/"forecast" in words."""
    return t(f"status_{status}", lang)


@dataclass(frozen=True)
class FigureText:
    """One figure as the app says it, in one language: built by ``figure_text``, formatted by its methods."""

    indicator: str  # the indicator's name
    value: str  # the number with its unit, or the category's label: what a label or a key figure shows
    number: float | None  # the number itself (tables keep numbers sortable); None for a category
    unit: str  # the unit of ``number`` ("" for a category)
    year: int
    status: str  # reported / target / forecast
    status_label: str  # the status in words
    source: str  # the full citation with its grade (geo.model.indicators.source_label)
    grade: str  # the source's grade, A–D ("" for a source stored before grades)
    mark: str  # weak or disputed: the short mark ("来源较弱"/"来源不一"); "" for the rest
    mark_detail: str  # the mark with both figures and their sources ("" for the rest)
    note: str  # the row's note
    lang: str

    @property
    def numeric(self) -> bool:
        return self.number is not None

    @property
    def reported(self) -> bool:
        return self.status == "reported"

    def year_status(self) -> str:
        """``2016（计划）``: the year with its status, as the tooltip's year row says it."""
        return f"{self.year}{paren(self.status_label, self.lang)}"

    def rows(self) -> Rows:
        """Tooltip and panel rows: value, the mark of a weak or disputed figure (right under it, never left
        out), year and status, note, source with its grade. The county's name is the caller's."""
        lang = self.lang
        rows = [(self.indicator, self.value)]
        if self.mark_detail:
            rows.append((t("mark", lang), self.mark_detail))
        rows.append((t("year", lang), self.year_status()))
        if self.note:
            rows.append((t("note", lang), self.note))
        rows.append((t("source", lang), self.source))
        return tuple(rows)

    def callout(self) -> str:
        """The value a slide writes on the map: a number says whether it is a target or forecast (a
        category names its status itself, "预计2016年摘帽")."""
        if self.numeric and not self.reported:
            return f"{self.value}{paren(self.status_label, self.lang)}"
        return self.value

    def when(self) -> str:
        """A key figure's note: the year (a category's year is a convention of the table, see
        data/README.md, not news), and the status when not a reported figure."""
        parts = [str(self.year)] if self.numeric else []
        if not self.reported:
            parts.append(self.status_label)
        return " · ".join(parts)

    def inline(self) -> str:
        """``value（2016，计划） · source``: the figure in running text (the overview's city total)."""
        when = f"{self.year}{'，' if self.lang == 'zh' else ', '}{self.status_label}"
        return f"{self.value}{paren(when, self.lang)} · {self.source}"

    def key_figure(
        self, label: str | None = None, note: str | None = None, short_source: str = "", ref: FigureRef | None = None
    ) -> KeyFigure:
        """The figure as a key figure (the overview's strip, a slide, the programmes page): ``label``
        defaults to the indicator's name, ``note`` to ``when()``."""
        return KeyFigure(
            self.indicator if label is None else label,
            self.value,
            self.source,
            self.when() if note is None else note,
            short_source,
            ref,
            grade=self.grade,
            mark=self.mark,
            mark_detail=self.mark_detail,
        )

    def table_fields(self) -> dict[str, object]:
        """The figure's columns in a download (CSV/XLSX): the number stays a number (no data stays
        empty, never 0), a category is its label."""
        return {
            "number": self.number,
            "unit": self.unit,
            "category": "" if self.numeric else self.value,
            "year": self.year,
            "status": self.status_label,
            "source": self.source,
            "grade": self.grade,
            "mark": self.mark_detail,
            "note": self.note,
        }


def figure_text(
    ds: ind.Dataset,
    row: pd.Series | dict,
    lang: str,
    indicator: ind.Indicator | None = None,
    labels: dict[str, str] | None = None,
) -> FigureText:
    """One value row (with its source's fields and its ``adcode``) put into words.

    ``labels``: a category's labels when the view relabels codes (the event-year view's "still listed");
    the indicator's own labels otherwise.
    """
    indicator = indicator or ind.get_indicator(ds, str(row["indicator_id"]))
    number: float | None = None
    unit = ""
    if indicator.kind == "numeric":
        number = float(row["number"])
        unit = indicator.unit_for(lang)
        if indicator.unit == YEAR_UNIT:  # no thousands separator, no "year" unit in English
            value = f"{int(number)}{YEAR_UNIT if lang == 'zh' else ''}"
        else:
            value = format_value(number, unit, lang)
    else:
        labels = labels if labels is not None else ind.category_labels(ds, indicator.indicator_id, lang)
        value = labels.get(row["value"], row["value"])
    mark = ind.mark_text(ds, row, lang, detail=False)
    return FigureText(
        indicator=indicator.name(lang),
        value=value,
        number=number,
        unit=unit,
        year=int(row["year"]),
        status=str(row["status"]),
        status_label=status_text(str(row["status"]), lang),
        source=ind.source_label(row, lang),
        grade=str(row.get("grade") or ""),
        mark=mark,
        mark_detail=ind.mark_text(ds, row, lang) if mark else "",  # one look-up for the many unmarked figures
        note=str(row.get("note") or ""),
        lang=lang,
    )
