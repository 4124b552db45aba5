"""ECharts specs (st.echarts_chart) built as plain dicts, and reading their selections back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.model.palette import SELECTED

BAR = "#41b6c4"


def ranking_spec(names: list[str], values: list[float], adcodes: list[str], selected: list[str], unit: str) -> dict:
    """Horizontal bars, largest on top; selected counties drawn in the map's selection colour."""
    # ECharts draws the first category at the bottom of a vertical category axis.
    order = list(range(len(names)))[::-1]
    return {
        "grid": {"left": 8, "right": 48, "top": 8, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "item"},
        "xAxis": {"type": "value", "name": unit, "nameLocation": "end"},
        "yAxis": {"type": "category", "data": [names[i] for i in order], "axisLabel": {"fontSize": 13}},
        "series": [
            {
                "type": "bar",
                "selectedMode": "single",
                "label": {"show": True, "position": "right"},
                "data": [
                    {
                        "value": values[i],
                        "name": names[i],
                        "itemStyle": {"color": SELECTED if adcodes[i] in selected else BAR},
                    }
                    for i in order
                ],
            }
        ],
    }


def picked(state: Mapping[str, Any] | None, adcodes: list[str]) -> list[str]:
    """Adcodes the user selected in a ranking chart (data indices follow the reversed order)."""
    if not state:
        return []
    order = adcodes[::-1]
    out: list[str] = []
    for group in (state.get("selection") or {}).get("selected") or []:
        for i in group.get("data_indices") or []:
            if 0 <= int(i) < len(order) and order[int(i)] not in out:
                out.append(order[int(i)])
    return out


def highlight_rows(table: pd.DataFrame, adcodes: pd.Series, selected: list[str]):
    """A Styler marking the selected counties' rows, as the map marks their outlines; the table itself when
    no row is selected (Streamlit applies a Styler's functions cell by cell each time it sends the table)."""
    marked = adcodes.isin(selected).to_numpy()
    if not marked.any():
        return table

    def style(row: pd.Series) -> list[str]:
        on = marked[table.index.get_loc(row.name)]
        return ["background-color: #fde0dd; font-weight: 600" if on else "" for _ in row]

    return table.style.apply(style, axis=1)
