"""The data behind a view that shows several indicators (a briefing slide, the programmes page), as
one table for CSV/XLSX: one row per figure shown, with its place, year, status, source and note.

Rows mix indicators with different units, so the unit is a column of its own (a header per unit
would need a column per indicator). The value column holds numbers only, so a planner can sort
and sum it; a category indicator's label goes into its own column instead of mixing text into it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from geo.i18n import t
from geo.model import indicators as ind
from geo.views.common import figure_text


def figures_table(
    ds: ind.Dataset, rows: Iterable[tuple[str, pd.Series | dict]], names: pd.Series | dict, lang: str
) -> pd.DataFrame:
    """One row per (role, value row): ``role`` says where the view shows it (key figure, map, table).

    ``names`` maps a county's adcode to its name in ``lang``; the city row is named "whole city".
    """
    catalogue = ds.indicators.set_index("indicator_id")
    programmes = dict(zip(ds.programmes["programme_id"], ds.programmes["name_en" if lang == "en" else "name_zh"]))
    columns = {
        "role": t("export_role", lang), "programme": t("programme", lang), "indicator": t("indicator", lang),
        "indicator_id": "indicator_id", "place": t("county", lang), "adcode": "adcode", "year": t("year", lang),
        "number": t("value", lang), "unit": t("unit", lang), "category": t("category_value", lang),
        "status": t("status", lang), "source": t("source", lang), "grade": t("grade", lang),
        "mark": t("mark", lang), "note": t("note", lang),
    }  # fmt: skip
    out = []
    indicators: dict[str, tuple[ind.Indicator, dict[str, str]]] = {}
    for role, row in rows:
        if row["indicator_id"] not in indicators:
            entry = ind.get_indicator(ds, row["indicator_id"])
            labels = {} if entry.kind == "numeric" else ind.category_labels(ds, entry.indicator_id, lang)
            indicators[entry.indicator_id] = entry, labels
        indicator, labels = indicators[row["indicator_id"]]
        figure = figure_text(ds, row, lang, indicator, labels)
        adcode = str(row["adcode"])
        out.append(
            {
                "role": role,
                "programme": programmes.get(catalogue.at[indicator.indicator_id, "programme"], ""),
                "indicator": figure.indicator,
                "indicator_id": indicator.indicator_id,
                "place": t("whole_city", lang) if adcode == ind.CITY_ADCODE else str(names.get(adcode, adcode)),
                "adcode": adcode,
                **figure.table_fields(),  # the number a number (no data stays empty, never 0), a category its label
            }
        )
    table = pd.DataFrame(out, columns=list(columns))
    table["number"] = pd.to_numeric(table["number"])  # float even when every row is a category (empty)
    return table.rename(columns=columns)
